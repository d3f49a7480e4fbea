"""Global sensitivity analysis: the SALib design, its jobs, the analysis and the Hydra sweep."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from omegaconf import OmegaConf

import sim
from experiments import sensitivity
from sim.config import ConfigError

ROOT = Path(__file__).resolve().parent.parent
BASE = sim.load_config()


def settings(method="morris", **changes):
    return {
        "method": method,
        "parameters": {
            "people.review.trust_weight": [0.3, 0.9],
            "governance.review_window_days": [3, 10],
            "market.base_reply_rate": [0.03, 0.05],
        },
        "trajectories": 4,
        "levels": 4,
        "samples": 8,
        "seed": 0,
    } | changes


def test_morris_design_has_trajectories_times_parameters_plus_one_rows_and_is_seeded():
    plan = sensitivity.design(settings(), BASE)
    again = sensitivity.design(settings(), BASE)
    other = sensitivity.design(settings(seed=1), BASE)
    assert len(plan["X"]) == 4 * (3 + 1)
    assert plan["X"] == again["X"] and plan["X"] != other["X"]
    X = np.asarray(plan["X"])
    assert X[:, 0].min() >= 0.3 and X[:, 0].max() <= 0.9
    assert plan["integers"] == ["governance.review_window_days"]
    assert np.array_equal(X[:, 1], np.round(X[:, 1]))


def test_sobol_design_has_samples_times_parameters_plus_two_rows():
    plan = sensitivity.design(settings("sobol"), BASE)
    assert len(plan["X"]) == 8 * (3 + 2)


def test_job_overrides_set_each_parameter_after_the_command_line():
    plan = sensitivity.design(settings(), BASE)
    jobs = sensitivity.job_overrides(plan, ["days=30"])
    assert len(jobs) == len(plan["X"])
    first = jobs[0]
    assert first[0] == "days=30"
    assert first[1] == f"people.review.trust_weight={plan['X'][0][0]!r}"
    assert first[2] == f"governance.review_window_days={int(plan['X'][0][1])}"
    cfg = sim.load_config(first)  # every job composes and validates
    assert cfg.people.review.trust_weight == plan["X"][0][0]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"method": "fast"}, "hydra.sweeper.method = 'fast' is not allowed"),
        ({"parameters": {}}, "hydra.sweeper.parameters is empty"),
        ({"parameters": {"people.nothing": [0, 1]}}, "people.nothing is not a numeric"),
        ({"parameters": {"people.enabled": [0, 1]}}, "people.enabled is not a numeric"),
        ({"parameters": {"market.base_reply_rate": [0.05, 0.03]}}, "with low < high"),
        ({"parameters": {"people.review.trust_weight": [0.5, 1.5]}}, "narrow its range"),
        ({"method": "sobol", "samples": 12}, "a power of 2"),
        ({"trajectories": 1}, "hydra.sweeper.trajectories = 1 is not allowed"),
    ],
)
def test_a_bad_design_is_one_line_naming_the_setting(change, message):
    with pytest.raises(ConfigError, match=message) as error:
        sensitivity.design(settings(**change), BASE)
    assert "\n" not in str(error.value)


def test_morris_ranks_a_linear_outcome_by_its_coefficients():
    plan = sensitivity.design(settings(trajectories=10, levels=4), BASE)
    X = np.asarray(plan["X"])
    Y = 2.0 * (X[:, 0] - 0.3) / 0.6 + 0.0 * X[:, 1] + 0.5 * (X[:, 2] - 0.03) / 0.02
    result = sensitivity.analyse(plan, Y, num_resamples=100)
    mu_star = dict(zip(result["names"], result["mu_star"], strict=True))
    assert mu_star["people.review.trust_weight"] == pytest.approx(2.0)
    assert mu_star["market.base_reply_rate"] == pytest.approx(0.5)
    assert mu_star["governance.review_window_days"] == 0.0
    assert sensitivity.analyse(plan, Y, num_resamples=100) == result  # bootstrap seeded


def test_sobol_gives_the_whole_variance_to_the_only_parameter_that_matters():
    plan = sensitivity.design(settings("sobol", samples=64), BASE)
    X = np.asarray(plan["X"])
    result = sensitivity.analyse(plan, X[:, 0], num_resamples=100)
    total = dict(zip(result["names"], result["ST"], strict=True))
    assert total["people.review.trust_weight"] == pytest.approx(1.0, abs=0.1)  # N = 64
    assert total["market.base_reply_rate"] == pytest.approx(0.0, abs=1e-9)


def test_an_outcome_without_variation_or_with_gaps_is_skipped_with_the_reason():
    plan = sensitivity.design(settings(), BASE)
    n = len(plan["X"])
    assert "no variation" in sensitivity.analyse(plan, np.zeros(n))["skipped"]
    gaps = np.arange(n, dtype=float)
    gaps[3] = np.nan
    assert sensitivity.analyse(plan, gaps)["skipped"] == f"undefined in 1 of {n} jobs"


def test_the_preset_ranges_are_inside_the_model_rules_and_each_is_documented():
    preset = OmegaConf.load(ROOT / "configs/experiment/sensitivity.yaml").hydra.sweeper
    parameters = OmegaConf.to_container(preset.parameters)
    plan = sensitivity.design(
        {**OmegaConf.to_container(preset), "parameters": parameters}, BASE
    )  # checks every row against the rules
    assert len(plan["X"]) == 10 * (len(parameters) + 1)
    rows = {
        line.split("|")[1].strip(): [cell.strip() for cell in line.split("|")[2:]]
        for line in (ROOT / "docs/model.md").read_text().splitlines()
        if line.startswith("| `")
    }
    for key, (low, high) in parameters.items():  # | key | default | low | high | source |
        assert rows[f"`{key}`"][1:3] == [f"{low:g}", f"{high:g}"], key


def test_the_salib_sweep_runs_every_row_on_the_launcher_and_writes_the_report(tmp_path):
    command = [
        str(Path(sys.executable).parent / "absorb"),
        "-m",
        "experiment=sensitivity",
        "hydra/launcher=basic",
        "hydra.sweeper.trajectories=2",
        "days=24",
        "ai.rollout_day=12",
        "metrics.warmup_days=4",
        f"hydra.sweep.dir={tmp_path}",
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    plan = sensitivity.read_design(tmp_path)
    assert len(plan["X"]) == 2 * 12
    for index, row in enumerate(plan["X"]):
        cfg = OmegaConf.load(tmp_path / f"sample={index}" / "config.yaml")
        for key, value in zip(plan["problem"]["names"], row, strict=True):
            assert OmegaConf.select(cfg, key) == pytest.approx(value)
        assert cfg.days == 24
    results = json.loads((tmp_path / "sensitivity.json").read_text())["outcomes"]
    assert set(results) == set(sensitivity.OUTCOMES)
    dashboard = results["dashboard_change"]
    assert len(dashboard["mu_star"]) == 11 and all(np.isfinite(dashboard["mu_star"]))
    report = (tmp_path / "report.md").read_text()
    for name in sensitivity.OUTCOMES:
        assert f"## `{name}`" in report
    assert (tmp_path / "dashboard_change.png").exists()
    # the analysis of the same folder again gives the same indices
    sensitivity.write_report(tmp_path)
    assert json.loads((tmp_path / "sensitivity.json").read_text())["outcomes"] == results


def test_a_sweep_override_is_refused_by_the_salib_sweeper(tmp_path):
    command = [
        str(Path(sys.executable).parent / "absorb"),
        "-m",
        "experiment=sensitivity",
        "seed=1,2",
        f"hydra.sweep.dir={tmp_path}",
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "seed=1,2 is not allowed" in done.stderr
    assert not list(tmp_path.glob("sample=*"))
