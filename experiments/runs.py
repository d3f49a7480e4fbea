"""The runs of an effect's sweep: read back from a sweep folder, or run in-process.

A run is one replication of one configuration; `run_levels` composes the same preset with the
same arm overrides as the Hydra sweep. Read back, a sweep is exactly its planned jobs
(`planned_jobs`, from the sweep's `multirun.yaml`): only complete run folders (`sim.outputs`)
whose recorded overrides are those of a planned job are read; staging folders, incomplete
folders and runs of other commands in the same folder are not.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd
from joblib import Parallel, delayed
from omegaconf import DictConfig, OmegaConf

import sim
from experiments.common import ARMS
from experiments.effect import describe
from sim.config import NOT_THE_RUN
from sim.outputs import is_complete


@dataclass
class RunRecord:
    """One replication of one configuration, and the folders it was read from (if any).

    `path` is the replication's own `seed=<i>/` folder when the run has one, else the run's
    folder; `folder` is the run's folder.
    """

    cfg: DictConfig
    replication: int
    summary: dict[str, Any]
    timeseries: pd.DataFrame
    path: Path | None = None
    folder: Path | None = None


def _split(cfg: DictConfig, summaries: list[dict], books: pd.DataFrame) -> list[RunRecord]:
    """One record per replication of a job's summaries and its books (all replications)."""
    return [
        RunRecord(cfg, r, summary, books[books.replication == r].reset_index(drop=True))
        for r, summary in ((int(s["replication"]), s) for s in summaries)
    ]


def run_folders(sweep_dir: Path) -> list[Path]:
    """Every complete run folder under `sweep_dir` (any depth, hidden folders skipped), sorted."""
    sweep_dir = Path(sweep_dir)
    folders = []
    for summary in sweep_dir.rglob("summary.json"):
        folder = summary.parent
        parts = folder.relative_to(sweep_dir).parts
        if any(part.startswith(".") for part in parts) or not is_complete(folder):
            continue  # staging, Hydra's own, a run killed mid-write
        if any(is_complete(above) for above in list(folder.parents)[: len(parts) - 1]):
            continue  # a replication's `seed=<i>/` inside a run
        folders.append(folder)
    return sorted(folders)


def _key(overrides: Iterable[str]) -> tuple[str, ...]:
    """A job's overrides as compared: sorted, without settings that make no other run."""
    return tuple(sorted(o for o in overrides if o.split("=", 1)[0].lstrip("+~") not in NOT_THE_RUN))


def recorded_overrides(folder: Path) -> tuple[str, ...] | None:
    """The overrides a run folder's job was launched with (`.hydra/overrides.yaml`), or None."""
    path = Path(folder) / ".hydra" / "overrides.yaml"
    return _key(OmegaConf.load(path)) if path.is_file() else None


def planned_jobs(sweep_dir: Path) -> list[list[str]] | None:
    """The jobs of the last sweep launched into `sweep_dir` (its `multirun.yaml`), or None.

    Each job is its overrides, as Hydra's basic sweeper splits the sweep.
    """
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    path = Path(sweep_dir) / "multirun.yaml"
    if not path.is_file():
        return None
    hydra = OmegaConf.load(path).hydra
    params = hydra.sweeper.get("params") or {}
    task = [f"{key}={value}" for key, value in params.items()] + list(hydra.overrides.task)
    parsed = OverridesParser.create().parse_overrides(task)
    return [list(job) for job in BasicSweeper.split_arguments(parsed, None)[0]]


def load_runs(folders: Iterable[Path]) -> list[RunRecord]:
    """Every replication of the runs in `folders` (complete run folders)."""
    records = []
    for job in folders:
        summary = json.loads((job / "summary.json").read_text())
        books = pd.read_parquet(job / "timeseries.parquet")
        for record in _split(
            OmegaConf.load(job / "config.yaml"), summary["per_replication"], books
        ):
            seed = job / f"seed={record.replication}"
            records.append(replace(record, path=seed if seed.is_dir() else job, folder=job))
    return records


def load_sweep(sweep_dir: Path, planned: Sequence[Sequence[str]] | None = None) -> list[RunRecord]:
    """Every replication of the runs under `sweep_dir`, runs sorted by folder.

    Args:
        sweep_dir: the sweep's folder.
        planned: the sweep's jobs (`planned_jobs`); when given, only runs launched with the
            overrides of one of them are read.
    """
    folders = run_folders(sweep_dir)
    if planned is not None:
        wanted = {_key(job) for job in planned}
        folders = [f for f in folders if recorded_overrides(f) in wanted]
    return load_runs(folders)


def found_jobs(records: Iterable[RunRecord], planned: Sequence[Sequence[str]]) -> int:
    """How many of the `planned` jobs have a run among `records`."""
    found = {recorded_overrides(r.folder) for r in records if r.folder is not None}
    return sum(_key(job) in found for job in planned)


def _run_job(overrides: Sequence[str]) -> list[RunRecord]:
    result = sim.run(sim.load_config(list(overrides)), progress=False)
    return _split(result.config, result.replications, result.timeseries)


def run_levels(
    effect: str,
    levels: Iterable[float],
    replications: int,
    overrides: Sequence[str] = (),
    arms: Iterable[str] = ARMS,
    n_jobs: int = 1,
) -> list[RunRecord]:
    """Run every arm × level of an effect in-process, `replications` inside each job.

    Levels should include 0 (figures are taken against it); `overrides` are further Hydra
    overrides (e.g. `days=90`); `n_jobs` joblib processes. Returns one record per replication.
    """
    fixed = ["figures=false", "progress=false", f"replications={replications}", *overrides]
    jobs = [
        [f"experiment={effect}", f"ai.automation_rate={float(level)}"]
        + [describe(effect).arms[arm]]
        + fixed
        for arm in arms
        for level in levels
    ]
    batches = Parallel(n_jobs=n_jobs)(delayed(_run_job)(job) for job in jobs)
    return [record for batch in batches for record in batch]
