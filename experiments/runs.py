"""The runs of an effect's sweep: read back from a sweep folder, or run in-process.

A run is one replication of one configuration; `run_levels` composes the same preset with the
same arm overrides as the Hydra sweep.
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


@dataclass
class RunRecord:
    """One replication of one configuration, and the folder it was read from (if any)."""

    cfg: DictConfig
    replication: int
    summary: dict[str, Any]
    timeseries: pd.DataFrame
    path: Path | None = None


def _split(cfg: DictConfig, summaries: list[dict], books: pd.DataFrame) -> list[RunRecord]:
    """One record per replication of a job's summaries and its books (all replications)."""
    return [
        RunRecord(cfg, r, summary, books[books.replication == r].reset_index(drop=True))
        for r, summary in ((int(s["replication"]), s) for s in summaries)
    ]


def load_sweep(sweep_dir: Path) -> list[RunRecord]:
    """Every replication of every job under `sweep_dir` (any depth), jobs sorted by path."""
    records = []
    for job in sorted(path.parent for path in Path(sweep_dir).rglob("config.yaml")):
        if job.name.startswith(".") or not (job / "summary.json").exists():
            continue  # Hydra's own `.hydra/config.yaml`, or a job that did not finish
        summary = json.loads((job / "summary.json").read_text())
        books = pd.read_parquet(job / "timeseries.parquet")
        for record in _split(
            OmegaConf.load(job / "config.yaml"), summary["per_replication"], books
        ):
            seed = job / f"seed={record.replication}"
            records.append(replace(record, path=seed if seed.is_dir() else job))
    return records


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
