"""Writing a run's outputs: resolved config, timeseries.parquet, summary.json, figures.

Everything is written into a staging folder first and moved into place only when complete, so
a failed run leaves nothing half-written behind.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import OmegaConf

from sim.runner import RunResult


def _write_frame(frame: pd.DataFrame, path: Path) -> None:
    frame.to_parquet(path, index=False, engine="pyarrow")


def json_ready(value: Any) -> Any:
    """Plain JSON data for strict writing.

    Numpy scalars become Python numbers; NaN or infinite values (an undefined statistic, e.g. a
    CI from one replication) become null.
    """
    if isinstance(value, dict):
        return {key: json_ready(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [json_ready(item) for item in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_json(data: dict, path: Path, sort_keys: bool = True) -> None:
    """Write `data` as indented, strict JSON (see `json_ready`)."""
    text = json.dumps(json_ready(data), indent=2, sort_keys=sort_keys, allow_nan=False, default=str)
    path.write_text(text + "\n")


def write_run(result: RunResult, directory: Path, figures: bool = True) -> list[Path]:
    """Write a run into `directory` (its Hydra output folder).

    With several replications, each also gets a `seed=<i>/` folder with its own timeseries
    and summary; the top level holds all replications and the aggregate summary.

    Returns:
        The files written.
    """
    directory.mkdir(parents=True, exist_ok=True)
    staging = directory / ".partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        (staging / "config.yaml").write_text(OmegaConf.to_yaml(result.config, resolve=True))
        _write_frame(result.timeseries, staging / "timeseries.parquet")
        write_json(result.summary, staging / "summary.json")
        if len(result.replications) > 1:
            for replication, summary in enumerate(result.replications):
                folder = staging / f"seed={replication}"
                folder.mkdir()
                frame = result.timeseries[result.timeseries.replication == replication]
                _write_frame(frame.reset_index(drop=True), folder / "timeseries.parquet")
                write_json(summary, folder / "summary.json")
        if figures:
            from sim.plots import run_figures  # matplotlib loads only when figures are drawn

            config = result.config
            run_figures(
                result.timeseries,
                int(config.ai.rollout_day),
                staging,
                int(config.metrics.warmup_days),
            )
        if result.visits is not None:
            _write_frame(result.visits, staging / "artifacts.parquet")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    written = []
    for item in sorted(staging.iterdir()):
        target = directory / item.name
        if target.is_dir():
            shutil.rmtree(target)
        item.replace(target)
        written.append(target)
    staging.rmdir()
    return written
