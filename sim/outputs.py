"""Writing a run's outputs: resolved config, timeseries.parquet, summary.json, figures.

A run's folder is committed whole: everything is written into a hidden staging folder beside
it (`.<name>.staging-<host>-<pid>-<random>`, unique to the writer) and moved into place by one
rename of the folder. A folder holding `config.yaml`, `summary.json` and `timeseries.parquet`
is therefore complete; a failed or killed run leaves at most a hidden staging folder, which no
reader opens and the next writer of that folder removes once its process is gone.

Every run can also append its tidy record (one row per replication: the summary's scalars,
the config hash, the code version and the seed) to the results store, a folder of Parquet
files that `absorb results "SELECT ..."` queries with DuckDB across sweeps.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import secrets
import shutil
import socket
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from omegaconf import DictConfig, OmegaConf

from sim.config import NOT_THE_RUN, plain

if TYPE_CHECKING:  # the command line checks run folders without loading the model
    import pandas as pd

    from sim.runner import RunResult

COMPLETE = ("config.yaml", "summary.json", "timeseries.parquet")  # what a committed run holds
STAGING = ".staging-"


class RunExists(RuntimeError):
    """The folder already holds a complete run (and replacing it was not asked for)."""


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


# --------------------------------------------------------------------------- the folder


def is_complete(folder: Path) -> bool:
    """Whether `folder` holds a committed run (config, summary and timeseries)."""
    return all((Path(folder) / name).is_file() for name in COMPLETE)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def clear_stale_staging(directory: Path) -> None:
    """Remove staging folders of `directory` left by writers on this host that are gone."""
    directory = Path(directory)
    host = socket.gethostname()
    for staging in directory.parent.glob(f".{directory.name}{STAGING}*"):
        owner = staging.name.removeprefix(f".{directory.name}{STAGING}")
        writer_host, _, pid = owner.rpartition("-")[0].rpartition("-")
        if writer_host == host and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(staging, ignore_errors=True)


@contextlib.contextmanager
def staged(directory: Path, replace: bool = True) -> Iterator[Path]:
    """A fresh staging folder for `directory`, committed by one rename when the block ends.

    If the block raises, the staging folder is removed and `directory` is untouched. An empty
    `directory` is replaced by the rename itself; one holding an incomplete run (files of an
    older layout, a run killed mid-write) is moved aside first and removed after the commit.

    Args:
        directory: the run's folder.
        replace: replace a complete run already there; if False, raise `RunExists` instead
            (the staging folder is removed).
    """
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    clear_stale_staging(directory)
    owner = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(4)}"
    staging = directory.parent / f".{directory.name}{STAGING}{owner}"
    staging.mkdir()
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    try:
        commit(staging, directory, replace)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def commit(staging: Path, directory: Path, replace: bool = True) -> None:
    """Move `staging` to `directory` with one rename (see `staged`)."""
    try:
        os.rename(staging, directory)  # atomic; replaces a missing or empty folder
        return
    except OSError:
        if not directory.is_dir():
            raise
    if is_complete(directory) and not replace:
        raise RunExists(f"{directory} already holds a complete run")
    aside = directory.parent / f".{directory.name}.old-{secrets.token_hex(4)}"
    os.rename(directory, aside)
    os.rename(staging, directory)
    shutil.rmtree(aside, ignore_errors=True)


def write_run(
    result: RunResult,
    directory: Path,
    figures: bool = True,
    hydra: DictConfig | None = None,
    replace: bool = True,
) -> list[Path]:
    """Write a run into `directory` (its Hydra output folder), committed by one rename.

    With several replications, each also gets a `seed=<i>/` folder with its own timeseries
    and summary; the top level holds all replications and the aggregate summary.

    Args:
        result: the run.
        directory: its folder.
        figures: draw the run's figures.
        hydra: Hydra's node of the job (`HydraConfig.get()`), written into `.hydra/` as Hydra
            would (config, hydra, overrides).
        replace: replace a complete run already in `directory` (else `RunExists`).

    Returns:
        The files and folders written at the top level of `directory`.
    """
    directory = Path(directory)
    with staged(directory, replace) as staging:
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
        if hydra is not None:
            write_hydra(result.config, hydra, staging)
        names = sorted(item.name for item in staging.iterdir())
    return [directory / name for name in names]


def write_hydra(cfg: DictConfig, hydra: DictConfig, directory: Path) -> None:
    """Hydra's record of a job in `directory/.hydra/`: its config, Hydra's node, its overrides."""
    folder = Path(directory) / ".hydra"
    folder.mkdir(parents=True, exist_ok=True)
    OmegaConf.save(cfg, folder / "config.yaml")
    OmegaConf.save(OmegaConf.create({"hydra": hydra}), folder / "hydra.yaml")
    OmegaConf.save(hydra.overrides.task, folder / "overrides.yaml")


# --------------------------------------------------------------------------- same run?


def plain_config(cfg: DictConfig | dict) -> dict[str, Any]:
    """A run's resolved config as plain data, without `hydra` and the `NOT_THE_RUN` settings."""
    data = cfg if isinstance(cfg, dict) else OmegaConf.to_container(cfg, resolve=True)
    return {k: v for k, v in data.items() if k not in ("hydra", *NOT_THE_RUN)}


def _flat(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            out |= _flat(value, f"{prefix}.{key}" if prefix else str(key))
        return out if out or not prefix else {prefix: {}}
    return {prefix: data}


def config_differences(folder: Path, cfg: DictConfig) -> list[str] | None:
    """How the run stored in `folder` differs from `cfg`: None if the folder is not complete.

    Returns:
        The dotted keys whose values differ (empty: the same run).
    """
    if not is_complete(folder):
        return None
    stored = _flat(plain_config(OmegaConf.to_container(OmegaConf.load(folder / "config.yaml"))))
    # as written: through YAML, so types compare as they are stored
    requested = OmegaConf.to_container(OmegaConf.create(OmegaConf.to_yaml(plain(cfg))))
    wanted = _flat(plain_config(requested))
    return sorted(k for k in stored.keys() | wanted.keys() if stored.get(k) != wanted.get(k))


def config_hash(cfg: DictConfig | dict) -> str:
    """A short hash of the run's resolved config (without the `NOT_THE_RUN` settings)."""
    text = json.dumps(json_ready(plain_config(cfg)), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# --------------------------------------------------------------------------- the store


@cache
def code_version() -> str:
    """`git describe --always --dirty` of the source checkout, else absorb's package version."""
    root = Path(__file__).resolve().parent.parent
    try:
        done = subprocess.run(
            ["git", "describe", "--always", "--dirty", "--tags"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=10,
        )
        if done.returncode == 0 and done.stdout.strip():
            return done.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    from importlib import metadata

    try:
        return metadata.version("absorb")
    except metadata.PackageNotFoundError:
        return "unknown"


def scalars(summary: dict[str, Any]) -> dict[str, float]:
    """A run-level summary's scalar figures (nested figures flattened with a dot)."""
    row: dict[str, float] = {}
    for key, value in summary.items():
        if key in ("replication", "littles_law"):
            continue
        if isinstance(value, dict):
            for name, item in value.items():
                if isinstance(item, int | float | bool) or item is None:
                    row[f"{key}.{name}"] = math.nan if item is None else float(item)
        elif isinstance(value, list):
            row[f"{key}_count"] = float(len(value))
        elif isinstance(value, int | float | bool) or value is None:
            row[key] = math.nan if value is None else float(value)
    return row


def tidy_records(
    result: RunResult, folder: Path | None = None, overrides: list[str] | None = None
) -> pd.DataFrame:
    """The run's tidy record: one row per replication, the keys first, then the figures."""
    import pandas as pd

    cfg = result.config
    data = plain_config(cfg)
    keys = {
        "config_hash": config_hash(data),
        "code_version": code_version(),
        "seed": int(cfg.seed),
        "org": str(cfg.org.name),
        "task": str(cfg.task),
        "days": int(cfg.days),
        "replications": int(cfg.replications),
        "automation_rate": float(cfg.ai.automation_rate),
        "folder": "" if folder is None else str(Path(folder).resolve()),
        "sweep": "" if folder is None else str(Path(folder).resolve().parent),
        "overrides": " ".join(overrides or []),
        "config": json.dumps(json_ready(data), sort_keys=True, default=str),
    }
    rows = [keys | {"replication": int(s["replication"])} | scalars(s) for s in result.replications]
    return pd.DataFrame(rows)


def append_to_store(
    result: RunResult, store: Path, folder: Path | None = None, overrides: list[str] | None = None
) -> Path:
    """Append the run's tidy record to the store: one new Parquet file, written whole.

    Returns:
        The file written (`<store>/<config hash>-<random>.parquet`).
    """
    store = Path(store)
    store.mkdir(parents=True, exist_ok=True)
    frame = tidy_records(result, folder, overrides)
    name = f"{frame.config_hash.iloc[0]}-{secrets.token_hex(6)}.parquet"
    partial = store / f".{name}.partial"
    try:
        _write_frame(frame, partial)
        os.rename(partial, store / name)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return store / name
