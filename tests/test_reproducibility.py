"""Reproducibility: same config and seed, same bytes, whichever way the run is launched.

The command-line runs (subprocesses, each a 30-day run of the default organisation with every
mechanism on) are started once per module and compared pairwise:

- two repeated single runs;
- a single run against the same seed in a multirun with Hydra's basic launcher and with the
  joblib launcher, at 1 and at 2 workers (sweeping `seed=0,1`);
- the same sweep under Hydra's submitit launcher (`submitit_local`, each job a process of its
  own, as on a SLURM node) when the `slurm` extra is installed (`make test` installs it), and
  under Hydra's Ray launcher in the `.venv-ray` environment (`make test-ray`; skipped elsewhere).

In-process tests check that switching off something that draws no random numbers leaves every
stream where it was, and that a run's recorded config reproduces it.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf, open_dict

from sim import validation
from sim.config import RunConfig, load_config, validate
from sim.model import OrgModel
from sim.runner import run

ABSORB = Path(sys.executable).with_name("absorb")
RUN = ["days=30", "figures=false", "progress=false", "store="]
SEEDS = ["seed=0,1", "hydra.sweep.subdir='seed=${seed}'"]
FILES = ("timeseries.parquet", "summary.json", "config.yaml")
SUBMITIT = importlib.util.find_spec("hydra_plugins.hydra_submitit_launcher") is not None
RAY = (
    importlib.util.find_spec("ray") is not None
    and importlib.util.find_spec("hydra_plugins.hydra_ray_launcher") is not None
)
# The launchers whose sweeps over seed=0,1 are compared with the single run and the basic one.
LAUNCHERS = ("basic", "joblib1", "joblib2", *(("submitit",) if SUBMITIT else ()))


def _launch(arguments: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        [str(ABSORB), *arguments], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Run folders by name: `single`, `again`, and `<launcher>/seed=<s>` for the sweeps."""
    root = tmp_path_factory.mktemp("runs")
    commands = {
        "single": [*RUN, f"hydra.run.dir={root / 'single'}"],
        "again": [*RUN, f"hydra.run.dir={root / 'again'}"],
        "basic": ["-m", *RUN, *SEEDS, f"hydra.sweep.dir={root / 'basic'}"],
        "joblib1": [
            "-m",
            "hydra/launcher=joblib",
            "hydra.launcher.n_jobs=1",
            *RUN,
            *SEEDS,
            f"hydra.sweep.dir={root / 'joblib1'}",
        ],
        "joblib2": [
            "-m",
            "hydra/launcher=joblib",
            "hydra.launcher.n_jobs=2",
            *RUN,
            *SEEDS,
            f"hydra.sweep.dir={root / 'joblib2'}",
        ],
        "submitit": [
            "-m",
            "hydra/launcher=submitit_local",
            "hydra.launcher.timeout_min=10",
            *RUN,
            *SEEDS,
            f"hydra.sweep.dir={root / 'submitit'}",
        ],
    }
    # three at a time on a two-core machine; the results must not depend on it
    batches = [("single", "again", "basic"), ("joblib1", "joblib2")]
    if SUBMITIT:
        batches[1] += ("submitit",)
    for batch in batches:
        processes = {name: _launch(commands[name]) for name in batch}
        for name, process in processes.items():
            out, err = process.communicate(timeout=300)
            assert process.returncode == 0, f"{name}: {err[-2000:]}"
    folders = {"single": root / "single", "again": root / "again"}
    for launcher in LAUNCHERS:
        for seed in (0, 1):
            folders[f"{launcher}/seed={seed}"] = root / launcher / f"seed={seed}"
    return folders


def _bytes(folder: Path, name: str) -> bytes:
    return (folder / name).read_bytes()


@pytest.mark.parametrize("name", FILES)
def test_repeated_runs_are_bit_identical(runs: dict[str, Path], name: str) -> None:
    assert _bytes(runs["single"], name) == _bytes(runs["again"], name)


@pytest.mark.parametrize("name", FILES)
def test_single_run_equals_the_same_seed_under_every_launcher(
    runs: dict[str, Path], name: str
) -> None:
    reference = _bytes(runs["single"], name)
    for launcher in LAUNCHERS:
        assert _bytes(runs[f"{launcher}/seed=0"], name) == reference, launcher


@pytest.mark.parametrize("name", FILES)
def test_joblib_with_one_or_two_workers_and_the_basic_launcher_agree(
    runs: dict[str, Path], name: str
) -> None:
    for seed in (0, 1):
        reference = _bytes(runs[f"basic/seed={seed}"], name)
        assert _bytes(runs[f"joblib1/seed={seed}"], name) == reference
        assert _bytes(runs[f"joblib2/seed={seed}"], name) == reference


@pytest.mark.skipif(
    not SUBMITIT, reason="the slurm extra (hydra-submitit-launcher) is not installed"
)
@pytest.mark.parametrize("name", FILES)
def test_submitit_and_the_basic_launcher_agree(runs: dict[str, Path], name: str) -> None:
    """Each job pickled and run in a process of its own, as submitit runs it on a SLURM node."""
    for seed in (0, 1):
        reference = _bytes(runs[f"basic/seed={seed}"], name)
        assert _bytes(runs[f"submitit/seed={seed}"], name) == reference, seed
    assert (runs["submitit/seed=0"].parent / ".submitit").is_dir()  # submitit's own records


@pytest.mark.skipif(
    not RAY,
    reason="ray and hydra-ray-launcher are not installed: `make test-ray` runs this test in "
    ".venv-ray (their own pins, constraints-ray.txt)",
)
def test_ray_and_the_basic_launcher_agree(tmp_path: Path) -> None:
    """The same sweep on a local Ray cluster (Hydra's Ray launcher) and with the basic launcher."""
    commands = {
        "basic": ["-m", *RUN, *SEEDS, f"hydra.sweep.dir={tmp_path / 'basic'}"],
        "ray": [
            "-m",
            "hydra/launcher=ray",
            "+hydra.launcher.ray.init.num_cpus=2",
            "+hydra.launcher.ray.init.include_dashboard=false",
            *RUN,
            *SEEDS,
            f"hydra.sweep.dir={tmp_path / 'ray'}",
        ],
    }
    processes = {name: _launch(command) for name, command in commands.items()}
    for name, process in processes.items():
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, f"{name}: {err[-2000:]}"
    for seed in (0, 1):
        for name in FILES:
            reference = _bytes(tmp_path / "basic" / f"seed={seed}", name)
            assert _bytes(tmp_path / "ray" / f"seed={seed}", name) == reference, (seed, name)


def test_different_seeds_give_different_runs(runs: dict[str, Path]) -> None:
    first = pd.read_parquet(runs["joblib2/seed=0"] / "timeseries.parquet")
    second = pd.read_parquet(runs["joblib2/seed=1"] / "timeseries.parquet")
    assert first.shape == second.shape
    assert not first["artifacts_drafted"].equals(second["artifacts_drafted"])
    assert json.loads(_bytes(runs["joblib2/seed=1"], "summary.json"))["seed"] == 1


def test_a_run_records_what_reproduces_it(runs: dict[str, Path]) -> None:
    """config.yaml (resolved, with the seed) and summary.json (versions) suffice to rerun it."""
    folder = runs["single"]
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["seed"] == 0
    for package in ("absorb", "mesa", "numpy", "pandas", "scipy", "networkx", "hydra-core"):
        assert summary["versions"][package] == metadata.version(package)
    assert summary["versions"]["python"] == sys.version.split()[0]
    recorded = OmegaConf.merge(
        OmegaConf.structured(RunConfig), OmegaConf.load(folder / "config.yaml")
    )
    assert recorded.seed == 0 and recorded.days == 30
    validate(recorded)
    rerun = run(recorded, progress=False)
    stored = pd.read_parquet(folder / "timeseries.parquet")
    pd.testing.assert_frame_equal(rerun.timeseries, stored, check_exact=True)
    assert json.loads(json.dumps(rerun.summary["per_replication"])) == summary["per_replication"]


# --------------------------------------------------------------------------- streams, in process


def _tandem(*overrides: str, days: int = 12):
    return load_config(
        ["experiment=validate_queueing", "org=tandem", f"days={days}", "metrics.warmup_days=0"]
        + list(overrides)
    )


def _arrival_times(cfg, days: int) -> np.ndarray:
    """Entry times of the jobs that entered in the first `days` days (all have left by then)."""
    model = OrgModel(cfg, 0)
    entered: list[float] = []
    on_done = model.engine.on_done

    def done(artifact, stage, time):
        entered.append(artifact.created)
        on_done(artifact, stage, time)

    model.engine.on_done = done
    for _ in range(cfg.days):
        model.step()
    cutoff = days * float(cfg.org.hours_per_day)
    return np.sort([t for t in entered if t < cutoff])


def test_arrivals_do_not_move_when_service_and_routing_change() -> None:
    """The arrival stream is its own: other servers and other rework odds leave it untouched."""
    base = _tandem()
    changed = _tandem("org.stages.approve.headcount=4", "org.stages.draft.effort_hours.job=0.2")
    with open_dict(changed):
        changed.org.handoffs[2].routing["job"] = 0.1  # approve -> draft rework: 20% -> 10%
    validate(changed)
    before, after = _arrival_times(base, 10), _arrival_times(changed, 10)
    assert len(before) > 900
    np.testing.assert_array_equal(before, after)
    # ...while what the changed servers and routing do differs
    done = [run(cfg, progress=False).timeseries.done for cfg in (base, changed)]
    assert not done[0].equals(done[1])


def test_recording_artifacts_draws_nothing() -> None:
    plain = run(_tandem(), progress=False)
    recorded = run(_tandem("metrics.record_artifacts=true"), progress=False)
    pd.testing.assert_frame_equal(plain.timeseries, recorded.timeseries, check_exact=True)
    assert plain.visits is None and len(recorded.visits) > 1000


def test_governance_that_never_triggers_draws_nothing() -> None:
    """Governance on (but never escalating) or off: the organisation's run is the same."""
    common = ["days=30", "progress=false"]
    off = run(load_config(common + ["governance.enabled=false"]), progress=False).timeseries
    idle = run(load_config(common + ["governance.escalation_factor=1e9"]), progress=False)
    assert (idle.timeseries.control_steps == 0).all()
    pd.testing.assert_frame_equal(off, idle.timeseries, check_exact=True)


def test_validation_report_is_reproducible() -> None:
    cfg = _tandem("replications=2", days=20)
    first, second = validation.validate_network(cfg), validation.validate_network(cfg)
    assert json.dumps(first, sort_keys=True, default=str) == json.dumps(
        second, sort_keys=True, default=str
    )
    other = validation.validate_network(_tandem("replications=2", "seed=1", days=20))
    assert other["rows"] != first["rows"]
