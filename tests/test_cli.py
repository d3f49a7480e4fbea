import subprocess
import sys
from pathlib import Path

ABSORB = [sys.executable, "-m", "sim"]


def absorb(*args, cwd):
    return subprocess.run([*ABSORB, *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_bad_input_is_one_line_nonzero_and_leaves_no_output(tmp_path):
    target = tmp_path / "run"
    done = absorb("ai.automation_rate=1.5", f"hydra.run.dir={target}", cwd=tmp_path)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "ai.automation_rate = 1.5" in lines[0]
    assert not target.exists()


def test_bad_value_inside_a_sweep_is_caught_before_anything_runs(tmp_path):
    done = absorb(
        "-m", "ai.automation_rate=0.5,7", f"hydra.sweep.dir={tmp_path / 'sweep'}", cwd=tmp_path
    )
    assert done.returncode != 0 and "ai.automation_rate = 7" in done.stderr
    assert not (tmp_path / "sweep").exists()


def test_misspelled_key_is_one_line(tmp_path):
    done = absorb("ai.automaton_rate=0.5", cwd=tmp_path)
    assert done.returncode != 0
    assert len(done.stderr.strip().splitlines()) == 1 and "automaton_rate" in done.stderr


def test_a_short_run_writes_its_outputs(tmp_path):
    target = tmp_path / "run"
    done = absorb(
        "days=8",
        "ai.rollout_day=3",
        "metrics.warmup_days=1",
        f"hydra.run.dir={target}",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "dashboard_change" in done.stdout
    for name in (
        "config.yaml",
        "timeseries.parquet",
        "summary.json",
        "queues.png",
        "books.png",
        "people.png",
    ):
        assert (target / name).exists(), name
    assert not (Path(target) / ".partial").exists()
