"""Shared pieces of the effect experiments: run records, arms, windows, pairing and formatting.

A *run* is one replication of one configuration: in a sweep folder it is
`<arm folder>/automation_rate=<a>/seed=<i>/`. Every effect reads runs the same way, whether
they come from a Hydra sweep on disk (`experiments.gather`) or from an in-process sweep
(`experiments.sweep`), so the callback's report and the tests compute the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

EFFECT_ARM = "effect"
CONTROL_ARM = "control"
ARMS = (EFFECT_ARM, CONTROL_ARM)
KEYS = ["arm", "automation_rate", "replication"]


@dataclass
class RunRecord:
    """One replication of one configuration.

    Attributes:
        cfg: the resolved run configuration (the same for every replication of a job).
        replication: replication index; with `cfg.seed` it fixes every random stream, so the
            same replication at another automation rate sees the same underlying draws.
        summary: the run-level summary (`sim.runner.summarise_run`, i.e. `seed=<i>/summary.json`).
        timeseries: the daily books of this replication.
        path: folder the run was read from, if any.
    """

    cfg: DictConfig
    replication: int
    summary: dict[str, Any]
    timeseries: pd.DataFrame
    path: Path | None = None


@dataclass
class Effect:
    """What one effect experiment measures and how it reports.

    Attributes:
        name: the preset's name (`configs/experiment/<name>.yaml`).
        title: a heading for the report.
        control: the control settings as dotted keys → values; a run whose config holds all
            of them belongs to the control arm.
        control_note: one paragraph on what the control removes and why.
        run_metrics: figures computed from one run alone.
        paired_metrics: adds columns computed against the automation-0 run of the same arm
            and replication (common random numbers); returns the extended frame.
        metrics: the columns summarised per arm and level (mean, sd, n, 95% CI).
        daily_columns: timeseries columns kept per day for figures over the run.
        figures: draws the effect's figures into a folder; returns the files.
        report: the report's body (markdown) from results, summary and figure files.
    """

    name: str
    title: str
    control: dict[str, Any]
    control_note: str
    run_metrics: Callable[[RunRecord], dict[str, float]]
    paired_metrics: Callable[[pd.DataFrame], pd.DataFrame]
    metrics: Callable[[pd.DataFrame], list[str]]
    daily_columns: Callable[[pd.DataFrame], list[str]]
    figures: Callable[[pd.DataFrame, pd.DataFrame, pd.DataFrame, Path, DictConfig], list[Path]]
    report: Callable[[pd.DataFrame, pd.DataFrame, list[Path], DictConfig], str]
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------- arms
def control_overrides(control: dict[str, Any]) -> list[str]:
    """The control settings as Hydra overrides, e.g. `["org.capacity_follows_load=true"]`."""
    return [f"{key}={_override_value(value)}" for key, value in control.items()]


def _override_value(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def arm_of(cfg: DictConfig, control: dict[str, Any]) -> str:
    """`control` when the config holds every control setting, else `effect`."""
    for key, wanted in control.items():
        value = OmegaConf.select(cfg, key)
        if isinstance(wanted, bool) or isinstance(value, bool):
            if bool(value) is not bool(wanted):
                return EFFECT_ARM
        elif isinstance(wanted, int | float):
            if value is None or not math.isclose(float(value), float(wanted), abs_tol=1e-12):
                return EFFECT_ARM
        elif value != wanted:
            return EFFECT_ARM
    return CONTROL_ARM


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Nested dicts to dotted keys: `{"a": {"b": 1}}` → `{"a.b": 1}`."""
    if not isinstance(data, dict):
        return {prefix: data}
    flat: dict[str, Any] = {}
    for key, value in data.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        flat.update(flatten(value, name) if isinstance(value, dict) else {name: value})
    return flat


# ---------------------------------------------------------------------------- windows
def rollout_day(cfg: DictConfig) -> int:
    """The day AI becomes available, bounded by the run length."""
    return min(int(cfg.ai.rollout_day), int(cfg.days))


def before_rollout(timeseries: pd.DataFrame, cfg: DictConfig) -> pd.DataFrame:
    """Days from warm-up to the roll-out (the runner's "before")."""
    warmup = int(cfg.metrics.warmup_days)
    return timeseries[(timeseries.day >= warmup) & (timeseries.day < rollout_day(cfg))]


def after_rollout(timeseries: pd.DataFrame, cfg: DictConfig) -> pd.DataFrame:
    """Every day from the roll-out on."""
    return timeseries[timeseries.day >= rollout_day(cfg)]


def last_quarter(timeseries: pd.DataFrame, cfg: DictConfig) -> pd.DataFrame:
    """The last quarter of the run (the runner's "after")."""
    return timeseries[timeseries.day >= int(cfg.days) - max(1, int(cfg.days) // 4)]


def slope_per_day(days: pd.Series, values: pd.Series) -> float:
    """Least-squares slope of `values` against `days` (units per day)."""
    x = np.asarray(days, dtype=float)
    y = np.asarray(values, dtype=float)
    keep = ~np.isnan(y)
    x, y = x[keep], y[keep]
    if len(x) < 2 or np.ptp(x) == 0:
        return math.nan
    return float(np.polyfit(x, y, 1)[0])


# ---------------------------------------------------------------------------- pairing
def baseline_rows(results: pd.DataFrame) -> pd.DataFrame:
    """The automation-0 run of each arm and replication, indexed by (arm, replication)."""
    base = results[np.isclose(results.automation_rate, 0.0)]
    return base.drop_duplicates(["arm", "replication"]).set_index(["arm", "replication"])


def paired(results: pd.DataFrame, column: str) -> pd.Series:
    """`column` of the automation-0 run with the same arm and replication, row by row.

    Common random numbers: replication i draws the same streams at every level, so the
    difference to its own automation-0 run removes the variation both share.
    """
    base = baseline_rows(results)
    if column not in base.columns:
        return pd.Series(math.nan, index=results.index)
    index = pd.MultiIndex.from_arrays([results.arm, results.replication])
    return pd.Series(base[column].reindex(index).to_numpy(), index=results.index)


# ---------------------------------------------------------------------------- formatting
def fmt(value: float, digits: int = 3) -> str:
    """A number with `digits` significant digits, or `n/a`."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.{digits}g}"


def fmt_ci(
    summary_row: pd.Series | dict, metric: str, digits: int = 3, percent: bool = False
) -> str:
    """`mean [ci_low, ci_high]` of a metric from a summary row."""
    scale = 100.0 if percent else 1.0
    unit = "%" if percent else ""
    mean_value = summary_row.get(f"{metric}_mean", math.nan)
    low = summary_row.get(f"{metric}_ci_low", math.nan)
    high = summary_row.get(f"{metric}_ci_high", math.nan)
    if mean_value is None or math.isnan(mean_value):
        return "n/a"
    text = f"{fmt(mean_value * scale, digits)}{unit}"
    if low is not None and not math.isnan(low):
        text += f" [{fmt(low * scale, digits)}, {fmt(high * scale, digits)}]"
    return text


def level_table(
    summary: pd.DataFrame,
    columns: list[tuple[str, str]],
    arms: Iterable[str] = ARMS,
    percent: Iterable[str] = (),
) -> str:
    """A markdown table: one row per automation level, `mean [95% CI]` per arm and metric.

    Args:
        summary: the per-level summary (`summary.parquet`).
        columns: (metric, heading) pairs.
        arms: arms to show side by side.
        percent: metrics shown in percent.
    """
    arms = [arm for arm in arms if (summary.arm == arm).any()]
    percent = set(percent)
    head = ["automation rate"] + [
        f"{heading} ({arm})" for heading in (h for _, h in columns) for arm in arms
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for level in sorted(summary.automation_rate.unique()):
        cells = [f"{level:g}"]
        for metric, _ in columns:
            for arm in arms:
                row = summary[(summary.arm == arm) & np.isclose(summary.automation_rate, level)]
                cells.append(
                    fmt_ci(row.iloc[0], metric, percent=metric in percent) if len(row) else ""
                )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def summary_at(summary: pd.DataFrame, arm: str, level: float) -> pd.Series | None:
    """The summary row of one arm and level, or None."""
    row = summary[(summary.arm == arm) & np.isclose(summary.automation_rate, level)]
    return row.iloc[0] if len(row) else None


def ci_above(row: pd.Series | None, metric: str, threshold: float) -> bool:
    """Whether the whole 95% CI of `metric` lies above `threshold`."""
    if row is None:
        return False
    low = row.get(f"{metric}_ci_low", math.nan)
    return low is not None and not math.isnan(low) and low > threshold


def ci_below(row: pd.Series | None, metric: str, threshold: float) -> bool:
    """Whether the whole 95% CI of `metric` lies below `threshold`."""
    if row is None:
        return False
    high = row.get(f"{metric}_ci_high", math.nan)
    return high is not None and not math.isnan(high) and high < threshold


def ci_contains(row: pd.Series | None, metric: str, value: float) -> bool:
    """Whether the 95% CI of `metric` contains `value`."""
    if row is None:
        return False
    low, high = row.get(f"{metric}_ci_low", math.nan), row.get(f"{metric}_ci_high", math.nan)
    return not (math.isnan(low) or math.isnan(high)) and low <= value <= high


def yes_no(flag: bool) -> str:
    """`yes` or `no`, for the reports' computed verdicts."""
    return "yes" if flag else "no"
