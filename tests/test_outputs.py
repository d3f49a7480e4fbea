import json

import pandas as pd
import pytest

import sim
import sim.plots
from sim.outputs import write_run


@pytest.fixture(scope="module")
def result():
    return sim.run(
        sim.load_config(["days=12", "ai.rollout_day=4", "replications=2"]), progress=False
    )


def test_a_run_writes_config_timeseries_summary_and_figures(result, tmp_path):
    write_run(result, tmp_path)
    names = {p.name for p in tmp_path.iterdir()}
    assert {
        "config.yaml",
        "timeseries.parquet",
        "summary.json",
        "queues.png",
        "books.png",
        "people.png",
    } <= names
    assert {"seed=0", "seed=1"} <= names
    frame = pd.read_parquet(tmp_path / "seed=1" / "timeseries.parquet")
    assert (frame.replication == 1).all() and len(frame) == 12
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["replications"] == 2


def test_a_failure_while_writing_leaves_nothing_behind(result, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(sim.plots, "run_figures", broken)
    with pytest.raises(RuntimeError):
        write_run(result, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_stage_visits_are_written_when_recorded(tmp_path):
    cfg = sim.load_config(
        ["days=5", "metrics.warmup_days=0", "metrics.record_artifacts=true", "ai.automation_rate=0"]
    )
    recorded = sim.run(cfg, progress=False)
    write_run(recorded, tmp_path, figures=False)
    visits = pd.read_parquet(tmp_path / "artifacts.parquet")
    assert {
        "artifact",
        "kind",
        "origin",
        "stage",
        "entered_hour",
        "started_hour",
        "left_hour",
    } <= set(visits)
    assert (visits.entered_hour <= visits.started_hour).all() and (
        visits.started_hour <= visits.left_hour
    ).all()
