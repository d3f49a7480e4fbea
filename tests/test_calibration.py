"""Calibration: targets scored as the seed case scores them, the Optuna study on disk, resuming."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import optuna
import pytest
from omegaconf import OmegaConf

import sim
from experiments import calibration
from experiments.common import measure
from sim.config import ConfigError

ROOT = Path(__file__).resolve().parent.parent
EMAIL = "Email volume to prospects, week six after roll-out vs before"
TARGET = {"fact": EMAIL, "measure": "week six / before", "target": 3.0}
# A short run of the default organisation in which week six (days 37-41) still fits.
SHORT = ["org=default", "ai.rollout_day=12", "metrics.warmup_days=4", "replications=1"]


def test_a_target_is_scored_on_the_seed_case_measure_of_its_fact():
    (spec,) = calibration.target_specs([TARGET])
    described = calibration.described_fact(EMAIL)
    assert spec["spec"] == described["measures"]["week six / before"]
    assert spec["spec"]["mean"] == "messages_sent" and spec["spec"]["as"] == "ratio"


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (TARGET | {"fact": "Email tripled"}, "'Email tripled' is not a fact of the seed case"),
        (TARGET | {"measure": "week seven"}, "'week seven' is not a measure of"),
        (TARGET | {"target": 0}, "= 0 is not allowed"),
    ],
)
def test_a_bad_target_is_one_line(target, message):
    with pytest.raises(ConfigError, match=message) as error:
        calibration.target_specs([target])
    assert "\n" not in str(error.value)


def test_the_loss_is_the_sum_of_squared_relative_misses():
    specs = calibration.target_specs([TARGET, TARGET | {"target": 2.0}])
    assert calibration.loss([3.0, 2.0], specs) == 0.0
    assert calibration.loss([3.3, 1.0], specs) == pytest.approx(0.1**2 + 0.5**2)


def test_the_preset_runs_the_seed_case_only_shorter():
    fit = OmegaConf.to_container(sim.load_config(["experiment=calibration"]))
    case = OmegaConf.to_container(sim.load_config(["experiment=seed_case"]))
    assert (fit.pop("days"), case.pop("days")) == (50, 195)
    assert (fit.pop("replications"), case.pop("replications")) == (3, 5)
    fit.pop("figures"), case.pop("figures")
    assert fit == case
    preset = OmegaConf.load(ROOT / "configs/experiment/calibration.yaml").hydra.sweeper
    assert list(preset.parameters) == ["people.production.volume_elasticity"]  # one parameter
    assert len(preset.targets) == 1  # one target


def test_the_week_six_figure_does_not_depend_on_the_run_length():
    spec = calibration.target_specs([TARGET])[0]["spec"]
    figures = []
    for days in (42, 60):
        result = sim.run(sim.load_config([*SHORT, f"days={days}"]), progress=False)
        figures.append(measure(spec, result.timeseries, result.replications[0], result.config))
    assert np.isfinite(figures[0]) and figures[0] == figures[1]


def test_the_sampler_is_seeded(tmp_path):
    asked = []
    for name in ("a", "b"):
        study = calibration.open_study(tmp_path / f"{name}.db", "s", seed=0)
        trials = [study.ask() for _ in range(3)]
        asked.append([calibration.trial_values(t, {"x": [0.3, 2.0]}) for t in trials])
    assert asked[0] == asked[1]


def test_settings_are_checked_in_one_line():
    base = sim.load_config()
    good = {
        "parameters": {"people.production.volume_elasticity": [0.3, 2.0]},
        "targets": [TARGET],
        "trials": 2,
        "startup_trials": 1,
        "n_jobs": 1,
        "holdout_days": 60,
        "holdout_replications": 1,
    }
    calibration.check_settings(good, base)
    for change, message in (
        ({"parameters": {"governance.review_window_days": [1, 5]}}, "not a real-valued"),
        ({"parameters": {"people.production.volume_elasticity": [2, 1]}}, "low < high"),
        ({"targets": []}, "hydra.sweeper.targets is empty"),
        ({"trials": 0}, "hydra.sweeper.trials = 0 is not allowed"),
    ):
        with pytest.raises(ConfigError, match=message):
            calibration.check_settings(good | change, base)


def absorb(tmp_path: Path, *extra: str, multirun: bool = True) -> subprocess.CompletedProcess:
    command = [
        str(Path(sys.executable).parent / "absorb"),
        *(["-m"] if multirun else []),  # the preset sets hydra.mode: MULTIRUN
        "experiment=calibration",
        "hydra/launcher=basic",
        *SHORT,
        "days=42",
        "hydra.sweeper.holdout_days=42",
        "hydra.sweeper.holdout_replications=1",
        f"hydra.sweep.dir={tmp_path}",
        *extra,
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def trials(tmp_path: Path) -> list[tuple[int, dict, float]]:
    study = optuna.load_study(
        study_name="volume_elasticity", storage=f"sqlite:///{tmp_path}/study.db"
    )
    return [(t.number, t.params, t.value) for t in study.trials]


def test_the_study_is_stored_fitted_reported_and_a_rerun_resumes_it(tmp_path):
    absorb(tmp_path, "hydra.sweeper.trials=2", multirun=False)
    first = trials(tmp_path)
    assert [number for number, _, _ in first] == [0, 1]
    assert all(np.isfinite(value) for _, _, value in first)
    for number, params, _ in first:  # each trial's job ran with the trial's value
        cfg = OmegaConf.load(tmp_path / f"trial={number}" / "config.yaml")
        assert (
            cfg.people.production.volume_elasticity == params["people.production.volume_elasticity"]
        )
    best = min(first, key=lambda t: t[2])
    report = json.loads((tmp_path / "calibration.json").read_text())
    assert report["fitted"]["values"] == best[1]
    holdout = OmegaConf.load(tmp_path / "holdout" / f"trial={best[0]}" / "config.yaml")
    assert (
        holdout.people.production.volume_elasticity
        == best[1]["people.production.volume_elasticity"]
    )
    held = {row["fact"] for row in report["held_out"]}
    preset = OmegaConf.load(ROOT / "configs/experiment/seed_case.yaml").hydra.callbacks.seed_case
    rows = len(preset.facts) + len(preset.survey)
    assert EMAIL not in held and len(held) == rows - 1  # every other fact and survey figure
    text = (tmp_path / "report.md").read_text()
    assert f"**{best[1]['people.production.volume_elasticity']:.4g}**" in text

    absorb(tmp_path, "hydra.sweeper.trials=2")  # finished: no trial added
    assert trials(tmp_path) == first
    assert not (tmp_path / "trial=2").exists()

    absorb(tmp_path, "hydra.sweeper.trials=3")  # resumed: exactly one more
    resumed = trials(tmp_path)
    assert resumed[:2] == first and [number for number, _, _ in resumed] == [0, 1, 2]
    assert (tmp_path / "trial=2" / "summary.json").exists()
    # the held-out run of the (possibly new) best trial, beside the earlier one
    best = json.loads((tmp_path / "calibration.json").read_text())["fitted"]["trial"]
    assert (tmp_path / "holdout" / f"trial={best}" / "summary.json").exists()
