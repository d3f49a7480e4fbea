"""Reading a sweep folder back: one `RunRecord` per replication of every job.

A job folder is one that holds absorb's `config.yaml` and `summary.json` (Hydra's own
`.hydra/` copies are not jobs). With `replications > 1`, each replication is read from its
`seed=<i>/` folder; otherwise from the job's top-level files.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from experiments.common import RunRecord


def find_jobs(sweep_dir: Path) -> list[Path]:
    """Job folders under `sweep_dir` (any depth), sorted by path."""
    jobs = []
    for summary in Path(sweep_dir).rglob("summary.json"):
        folder = summary.parent
        if folder.name.startswith("seed=") or folder.name.startswith("."):
            continue
        if (folder / "config.yaml").exists():
            jobs.append(folder)
    return sorted(jobs)


def _replication_index(folder: Path) -> int:
    return int(folder.name.split("=", 1)[1])


def load_job(job_dir: Path) -> list[RunRecord]:
    """The replications of one job folder."""
    cfg = OmegaConf.load(job_dir / "config.yaml")
    assert isinstance(cfg, DictConfig)
    seed_dirs = sorted((d for d in job_dir.glob("seed=*") if d.is_dir()), key=_replication_index)
    records = []
    if seed_dirs:
        for folder in seed_dirs:
            summary = json.loads((folder / "summary.json").read_text())
            timeseries = pd.read_parquet(folder / "timeseries.parquet")
            records.append(RunRecord(cfg, _replication_index(folder), summary, timeseries, folder))
        return records
    summary = json.loads((job_dir / "summary.json").read_text())
    timeseries = pd.read_parquet(job_dir / "timeseries.parquet")
    for index, per_replication in enumerate(summary.get("per_replication", [])):
        replication = int(per_replication.get("replication", index))
        frame = timeseries
        if "replication" in timeseries.columns:
            frame = timeseries[timeseries.replication == replication].reset_index(drop=True)
        records.append(RunRecord(cfg, replication, per_replication, frame, job_dir))
    return records


def load_sweep(sweep_dir: Path) -> list[RunRecord]:
    """Every replication of every job under `sweep_dir`."""
    return [record for job in find_jobs(sweep_dir) for record in load_job(job)]
