"""The four effects on reduced sweeps, each with its control; the presets; the callbacks.

Each effect test runs a small sweep of the default organisation in-process with the same
preset and the same analysis code as the full Hydra sweep (`experiments.sweep.run_levels`,
`experiments.analysis`), then asserts the effect's direction with its 95% CI and that the
control removes it. Seeds are fixed (common random numbers), so the tests are deterministic.
"""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hydra.core.override_parser.overrides_parser import OverridesParser

import sim
from experiments import automation_bias, saturation
from experiments.analysis import results_frame, summarise_levels
from experiments.common import CONTROL_ARM, EFFECT_ARM, flatten, summary_at
from experiments.registry import EFFECT_MODULES, get_effect
from experiments.seed_case import facts, survey_rows, write_seed_case
from experiments.sweep import run_levels
from sim.capacity import saturation_point, utilisation

ROOT = Path(__file__).resolve().parent.parent
N_JOBS = 2


def analysed(
    effect: str, levels: list[float], replications: int, days: int, arms=(EFFECT_ARM, CONTROL_ARM)
) -> tuple[pd.DataFrame, pd.DataFrame]:
    records = run_levels(effect, levels, replications, [f"days={days}"], arms=arms, n_jobs=N_JOBS)
    results = results_frame(get_effect(effect), records)
    return results, summarise_levels(get_effect(effect), results)


def low(row: pd.Series, metric: str) -> float:
    return float(row[f"{metric}_ci_low"])


def high(row: pd.Series, metric: str) -> float:
    return float(row[f"{metric}_ci_high"])


# ---------------------------------------------------------------------------- presets
@pytest.mark.parametrize("effect", list(EFFECT_MODULES))
def test_effect_preset_sweeps_levels_and_its_control(effect):
    cfg = sim.load_config([f"experiment={effect}"], return_hydra=True)
    params = dict(cfg.hydra.sweeper.params)
    parser = OverridesParser.create()
    levels = [
        float(v)
        for v in parser.parse_override(
            f"ai.automation_rate={params.pop('ai.automation_rate')}"
        ).sweep_iterator()
    ]
    assert np.allclose(levels, np.round(np.arange(0, 1.01, 0.1), 1))
    assert cfg.replications >= 10 and cfg.figures is False
    assert cfg.hydra.launcher.n_jobs == 2
    assert "joblib" in cfg.hydra.launcher._target_
    assert cfg.hydra.callbacks.effect_report.effect == effect
    assert f"multirun/{effect}/" in cfg.hydra.sweep.dir
    # the second sweep parameter is the arm: its last choice is the control
    ((key, value),) = params.items()
    choices = list(parser.parse_override(f"{key}={value}").sweep_iterator())
    assert len(choices) == 2
    control = flatten(choices[-1], key) if isinstance(choices[-1], dict) else {key: choices[-1]}
    expected = get_effect(effect).control
    assert set(control) == set(expected)
    for name, wanted in expected.items():
        assert control[name] == wanted or (
            isinstance(wanted, float) and math.isclose(control[name], wanted)
        )


def test_seed_case_preset_is_the_2800_person_case():
    cfg = sim.load_config(["experiment=seed_case"], return_hydra=True)
    assert cfg.org.name == "gtm_2800"
    assert sum(s.headcount for s in cfg.org.stages.values()) == 2800
    assert cfg.days == 195 and cfg.ai.rollout_day == 20
    assert cfg.ai.automation_rate >= 0.5
    assert cfg.hydra.callbacks.seed_case._target_ == "experiments.callbacks.SeedCaseReport"


# ---------------------------------------------------------------------------- rebound
def test_rebound_appears_with_volume_response_and_vanishes_without():
    results, summary = analysed("rebound", [0.0, 0.5, 1.0], replications=3, days=80)
    for level in (0.5, 1.0):
        effect = summary_at(summary, EFFECT_ARM, level)
        control = summary_at(summary, CONTROL_ARM, level)
        assert low(effect, "rebound") > 0.0, f"no rebound at {level}"
        # the control removes the volume response: at most a tenth of the rebound is left
        # (what remains is reviewing and reworking AI drafts, not volume)
        assert abs(control["rebound_mean"]) < 0.1 * effect["rebound_mean"]
        assert high(control, "volume_change") < 0.01 < low(effect, "volume_change")
    assert low(summary_at(summary, EFFECT_ARM, 1.0), "rebound") > 1.0, "backfire not reached"


# ---------------------------------------------------------------------------- saturation
def test_saturation_knee_sits_where_the_config_puts_utilisation_at_one():
    cfg = sim.load_config(["experiment=saturation"])
    point = saturation_point(cfg, "brand_review")
    assert point is not None and 0.15 < point < 0.85
    below, above = round(point - 0.12, 2), round(point + 0.12, 2)
    assert utilisation(cfg, below)["brand_review"] < 1.0 < utilisation(cfg, above)["brand_review"]
    results, summary = analysed("saturation", [below, above], replications=3, days=80)
    growth = "queue_growth_brand_review"
    under = summary_at(summary, EFFECT_ARM, below)
    over = summary_at(summary, EFFECT_ARM, above)
    control = summary_at(summary, CONTROL_ARM, above)
    assert low(over, growth) > 1.0, "queue does not grow above the saturation point"
    assert high(under, growth) < 0.05 * over[f"{growth}_mean"], "queue grows below it"
    # throughput flattens: it rises less than the offered load does, unlike the control's
    load_ratio = utilisation(cfg, above)["brand_review"] / utilisation(cfg, below)["brand_review"]
    served_ratio = over["throughput_brand_review_mean"] / under["throughput_brand_review_mean"]
    control_ratio = control["throughput_brand_review_mean"] / under["throughput_brand_review_mean"]
    assert served_ratio < 0.95 * load_ratio < control_ratio
    # the control staffs to the load: no knee
    assert high(control, growth) < 0.05 * over[f"{growth}_mean"]
    assert high(control, "utilisation_sim_brand_review") < 1.0


def test_hinge_fit_finds_a_known_knee():
    x = np.linspace(0.5, 1.8, 14)
    y = 20.0 * np.maximum(0.0, x - 1.0) + np.random.default_rng(1).normal(0, 0.2, len(x))
    knee, level, slope = saturation.hinge_fit(x, y)
    assert abs(knee - 1.0) < 0.05 and abs(slope - 20.0) < 2.0 and abs(level) < 0.5


# ---------------------------------------------------------------------------- automation bias
def _bias() -> pd.DataFrame:
    # 140 days: windows of 40 days (days 20-59 and 100-139) far enough apart for trust and skill
    # to move; 0.7 still has enough human-made defects to compare with
    if not hasattr(_bias, "cache"):
        _bias.cache = analysed("automation_bias", [0.7, 1.0], replications=5, days=140)[1]
    return _bias.cache


@pytest.mark.parametrize("level", [0.7, 1.0])
def test_automation_bias_lowers_ai_defect_detection_over_the_run_and_control_removes_it(level):
    summary = _bias()
    effect, control = (
        summary_at(summary, EFFECT_ARM, level),
        summary_at(summary, CONTROL_ARM, level),
    )
    # skill decays and trust grows with delegation; neither moves in the control
    assert high(effect, "skill_change") < 0.0 < low(effect, "trust_change")
    assert control["skill_change_mean"] == pytest.approx(0.0, abs=1e-9)
    assert control["trust_change_mean"] == pytest.approx(0.0, abs=1e-9)
    # AI-defect detection falls from the first to the last 40 days; not in the control
    assert high(effect, "detection_ai_change") < 0.0, "AI-defect detection does not fall"
    assert low(control, "detection_ai_change") < 0.0 < high(control, "detection_ai_change")
    # more defects escape than with trust and skill held
    assert low(effect, "escaped_per_day_last") > high(control, "escaped_per_day_last")


def test_automation_bias_hits_ai_made_work_harder_than_human_made():
    row = summary_at(_bias(), EFFECT_ARM, 0.7)
    # same reviewers, same days: AI-made defects are caught less often...
    assert high(row, "detection_ai_last") < low(row, "detection_human_last")
    # ...and, relative to where each started, their detection falls further over the run
    # (skill erodes for both; trust only discounts AI-made work)
    assert high(row, "detection_relative_gap") < 0.0


def test_automation_bias_windows_and_metrics_follow_the_definition():
    records = run_levels("automation_bias", [1.0], 1, ["days=60"], arms=(EFFECT_ARM,))
    record = records[0]
    metrics = automation_bias.run_metrics(record)
    first, last = automation_bias.windows(record.timeseries, record.cfg)
    assert len(first) == len(last) == 20 and first.day.min() == 20 and last.day.max() == 59
    caught, reviewed = first.defects_caught_ai.sum(), first.defects_reviewed_ai.sum()
    assert metrics["detection_ai_first"] == pytest.approx(caught / reviewed)


# ---------------------------------------------------------------------------- dashboard illusion
def _dashboard() -> tuple[pd.DataFrame, pd.DataFrame]:
    if not hasattr(_dashboard, "cache"):
        _dashboard.cache = analysed("dashboard_illusion", [0.0, 1.0], replications=3, days=90)
    return _dashboard.cache


def test_dashboard_rises_while_outcomes_do_not():
    results, summary = _dashboard()
    effect = summary_at(summary, EFFECT_ARM, 1.0)
    assert low(effect, "dashboard_vs0") > 0.1, "the dashboard does not rise"
    assert not low(effect, "pipeline_vs0") > 0.0
    assert not low(effect, "win_rate_vs0") > 0.0
    assert low(effect, "cycle_time_vs0") > 0.0
    assert low(effect, "hidden_hours_vs0") > 0.0
    assert low(effect, "gap") > 0.1
    # the control changes only what is counted: the same draws give the same outcomes
    control = results[results.arm == CONTROL_ARM].set_index(["automation_rate", "replication"])
    same = results[results.arm == EFFECT_ARM].set_index(["automation_rate", "replication"])
    for column in ("pipeline_change", "win_rate_after", "escaped_per_day_after"):
        assert np.allclose(control[column], same.loc[control.index, column], equal_nan=True)


def test_outcome_linked_dashboard_closes_the_gap():
    results, summary = _dashboard()
    effect, control = summary_at(summary, EFFECT_ARM, 1.0), summary_at(summary, CONTROL_ARM, 1.0)
    # counting only artifacts that reached an outcome removes at least 90% of the gap...
    assert abs(control["gap_mean"]) < 0.1 * effect["gap_mean"]
    # ...and the dashboard no longer shows a gain the outcomes do not have
    assert high(control, "dashboard_vs0") < low(effect, "dashboard_vs0")
    assert not low(control, "dashboard_vs0") > high(control, "pipeline_vs0")


# ---------------------------------------------------------------------------- seed case
def test_seed_case_table_reports_every_fact_with_a_verdict(tmp_path):
    from sim.outputs import write_run

    cfg = sim.load_config(
        ["experiment=seed_case", "org=default", "days=60", "replications=2", "figures=false"]
    )
    result = sim.run(cfg, progress=False)
    write_run(result, tmp_path, figures=False)
    path = write_seed_case(tmp_path)
    text = path.read_text()
    rows = facts(
        cfg,
        [result.timeseries[result.timeseries.replication == r] for r in range(2)],
        result.replications,
    )
    assert len(rows) >= 10
    for row in rows + survey_rows(result.replications):
        assert row.verdict.split(":")[0] in (
            "matches",
            "partly",
            "misses",
        ) or row.verdict.startswith("misses by")
        assert row.fact in text
    assert "77%" in text and "39%" in text and "71%" in text
    assert (tmp_path / "seed_case.json").exists() and (tmp_path / "seed_case.png").exists()


# ---------------------------------------------------------------------------- callback smoke test
def test_effect_sweep_callback_writes_results_summary_figures_and_report(tmp_path):
    command = [
        str(Path(sys.executable).parent / "absorb"),
        "-m",
        "experiment=dashboard_illusion",
        "ai.automation_rate=0.0,1.0",
        "replications=2",
        "days=30",
        f"hydra.sweep.dir={tmp_path}",
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    for arm in ("dashboard_counts=all", "dashboard_counts=outcome_linked"):
        for level in ("0.0", "1.0"):
            for seed in (0, 1):
                assert (
                    tmp_path / arm / f"automation_rate={level}" / f"seed={seed}" / "summary.json"
                ).exists()
    results = pd.read_parquet(tmp_path / "results.parquet")
    summary = pd.read_parquet(tmp_path / "summary.parquet")
    assert len(results) == 8 and set(results.arm) == {EFFECT_ARM, CONTROL_ARM}
    assert {
        "automation_rate",
        "replication",
        "metrics.dashboard_counts",
        "dashboard_change",
    } <= set(results)
    assert len(summary) == 4 and {
        "gap_mean",
        "gap_sd",
        "gap_n",
        "gap_ci_low",
        "gap_ci_high",
    } <= set(summary)
    report = (tmp_path / "report.md").read_text()
    for figure in (tmp_path / "figures").glob("*.png"):
        assert f"figures/{figure.name}" in report
    assert len(list((tmp_path / "figures").glob("*.png"))) >= 2
