import math

import sim
from sim.runner import HEADLINE


def test_run_returns_books_side_by_side_with_replications():
    cfg = sim.load_config(["days=25", "ai.rollout_day=10", "replications=3"])
    result = sim.run(cfg, progress=False)
    assert sorted(result.timeseries.replication.unique()) == [0, 1, 2]
    assert len(result.timeseries) == 75
    for column in (
        "artifacts_per_fte",
        "messages_sent",
        "ai_assisted_outputs",
        "time_saved_hours",
        "qualified_pipeline",
        "win_rate",
        "cycle_time_to_pipeline_days",
        "time_to_send_days",
        "escaped_defects",
        "rework_hours",
        "hidden_validation_hours",
        "queue_brand_review",
        "queue_age_hours_brand_review",
        "exhaustion_mean",
        "skill_mean",
        "trust_mean",
        "coaching_hours",
    ):
        assert column in result.timeseries
    assert set(result.summary["headline"]) == set(HEADLINE)
    dashboard = result.summary["headline"]["dashboard_change"]
    assert dashboard["n"] == 3 and dashboard["ci_low"] <= dashboard["mean"] <= dashboard["ci_high"]
    assert len(result.replications) == 3


def test_summary_records_what_reproduces_the_run():
    # five days end before the roll-out: a run without AI, which it must say
    cfg = sim.load_config(["days=5", "seed=7", "metrics.warmup_days=0", "ai.automation_rate=0"])
    summary = sim.run(cfg, progress=False).summary
    assert summary["seed"] == 7
    for package in ("absorb", "mesa", "numpy", "networkx"):
        assert summary["versions"][package] != "not installed"


def test_dashboard_counting_only_outcomes_changes_the_dashboard():
    counted = {}
    for mode in ("all", "outcome_linked"):
        cfg = sim.load_config(["days=30", "ai.rollout_day=10", f"metrics.dashboard_counts={mode}"])
        counted[mode] = sim.run(cfg, progress=False).timeseries.dashboard_counted.sum()
    assert counted["outcome_linked"] < counted["all"]
    assert not math.isnan(counted["outcome_linked"])
