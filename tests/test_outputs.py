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


# --------------------------------------------------------------------------- one commit, store


def test_a_run_is_committed_by_one_rename_of_its_folder(result, tmp_path, monkeypatch):
    import os

    import sim.outputs

    renames = []
    real = os.rename

    def counting(source, target):
        renames.append((str(source), str(target)))
        return real(source, target)

    monkeypatch.setattr(sim.outputs.os, "rename", counting)
    target = tmp_path / "run"
    write_run(result, target, figures=False)
    assert len(renames) == 1 and renames[0][1] == str(target)
    assert sim.outputs.is_complete(target)
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no staging folder left


def test_staging_folders_are_unique_to_their_writer(tmp_path):
    import sim.outputs

    target = tmp_path / "run"
    with sim.outputs.staged(target) as first, sim.outputs.staged(target) as second:
        assert first != second and first.name.startswith(".run.staging-")
        (second / "config.yaml").write_text("second: true\n")
        (first / "config.yaml").write_text("first: true\n")
    assert (target / "config.yaml").read_text() == "first: true\n"  # the later commit, whole


def test_a_killed_writers_staging_folder_is_cleared_by_the_next(result, tmp_path):
    import sim.outputs

    dead = tmp_path / f".run.staging-{__import__('socket').gethostname()}-999999999-abcd"
    dead.mkdir()
    (dead / "summary.json").write_text("{}")
    write_run(result, tmp_path / "run", figures=False)
    assert not dead.exists() and sim.outputs.is_complete(tmp_path / "run")


def test_a_complete_run_is_not_replaced_unless_asked(result, tmp_path):
    import sim.outputs

    write_run(result, tmp_path / "run", figures=False)
    with pytest.raises(sim.outputs.RunExists):
        write_run(result, tmp_path / "run", figures=False, replace=False)
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_config_differences_name_the_keys(result, tmp_path):
    import sim.outputs

    write_run(result, tmp_path / "run", figures=False)
    assert sim.outputs.config_differences(tmp_path / "nothing", result.config) is None
    assert sim.outputs.config_differences(tmp_path / "run", result.config) == []
    quiet = sim.load_config(["days=12", "ai.rollout_day=4", "replications=2", "progress=false"])
    assert sim.outputs.config_differences(tmp_path / "run", quiet) == []  # not the run
    other = sim.load_config(["days=13", "ai.rollout_day=4", "replications=1"])
    assert sim.outputs.config_differences(tmp_path / "run", other) == ["days", "replications"]


def test_the_store_holds_one_row_per_replication_with_hash_version_and_seed(result, tmp_path):
    import sim.outputs

    path = sim.outputs.append_to_store(result, tmp_path / "store", tmp_path / "run", ["days=12"])
    frame = pd.read_parquet(path)
    assert list(frame.replication) == [0, 1]
    assert (frame.config_hash == sim.outputs.config_hash(result.config)).all()
    assert frame.code_version.iloc[0] == sim.outputs.code_version() != ""
    assert (frame.seed == 0).all() and frame.overrides.iloc[0] == "days=12"
    expected = [r["dashboard_change"] for r in result.replications]
    assert frame.dashboard_change.tolist() == pytest.approx(expected)
    assert [p.suffix for p in (tmp_path / "store").iterdir()] == [".parquet"]
