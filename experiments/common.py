"""Shared pieces of the reports: arms, measures of a run, pairing, checks and tables."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping

import numpy as np
import pandas as pd
from omegaconf import DictConfig

from sim.stats import mean, ratio, relative_change
from sim.windows import after_rollout, before_rollout, last_quarter, rollout_day

EFFECT_ARM, CONTROL_ARM = "effect", "control"
ARMS = (EFFECT_ARM, CONTROL_ARM)
KEYS = ["arm", "automation_rate", "replication"]
COMPARE = {"ratio": lambda a, b: a / b, "relative": relative_change, "difference": np.subtract}
Window = Callable[[pd.DataFrame, dict], pd.DataFrame]  # of one run's books (and summary)


def at_zero(results: pd.DataFrame) -> pd.DataFrame:
    """Row by row, the figures of the automation-0 run with the same arm and replication."""
    # common random numbers: the difference to it removes the variation both runs share
    base = results[np.isclose(results.automation_rate, 0.0)]
    base = base.drop_duplicates(["arm", "replication"]).set_index(["arm", "replication"])
    index = pd.MultiIndex.from_arrays([results.arm, results.replication])
    return base.reindex(index).set_axis(results.index)


def windows(cfg: DictConfig) -> dict[str, Window]:
    """The named windows of the descriptions' measures (`sim.windows`).

    `before` (warm-up to roll-out), `after` (from the roll-out on), `late` (the last
    quarter); for the seed case `early` (the first 30 days after the roll-out), `week_six`
    (its last 5 days: six weeks after the roll-out), `middle` (from then to quarter three),
    `quarter_three` (days 130-195 of a 195-day run, scaled), and `before_steps`, `after_steps`
    (the 10 days before and the 30 from the day governance added control steps).
    """
    q3 = round(int(cfg.days) * 130 / 195)

    def steps(start: int, stop: int) -> Window:
        def window(ts: pd.DataFrame, summary: dict) -> pd.DataFrame:
            day = summary.get("control_step_day")
            return ts.iloc[:0] if day is None else ts[ts.day.between(day + start, day + stop - 1)]

        return window

    return {
        "before": lambda ts, summary: before_rollout(ts, cfg),
        "after": lambda ts, summary: after_rollout(ts, cfg),
        "late": lambda ts, summary: last_quarter(ts, cfg),
        "early": lambda ts, summary: after_rollout(ts, cfg, 0, 30),
        "week_six": lambda ts, summary: after_rollout(ts, cfg, 25, 30),
        "middle": lambda ts, summary: after_rollout(ts, cfg, 30, q3 - rollout_day(cfg)),
        "quarter_three": lambda ts, summary: ts[ts.day >= q3],
        "before_steps": steps(-10, 0),
        "after_steps": steps(0, 30),
    }


def measure(spec: Mapping, books: pd.DataFrame, summary: dict, cfg: DictConfig) -> float:
    """One figure of one run, as a description's measure says.

    A figure of its `summary.json` (`summary`: a dotted key), or a column's daily mean
    (`mean`) or the pooled ratio of two columns (`ratio`), in a window (`in`) or as a change
    `from` one window `to` another, `as` a `ratio`, a `relative` change or a `difference`.
    """
    if "summary" in spec:
        value = summary
        for key in spec["summary"].split("."):
            value = (value or {}).get(key)
        return math.nan if value is None else float(value)
    named = windows(cfg)

    def level(window: str) -> float:
        frame = named[window](books, summary)
        if "ratio" in spec:
            return ratio(frame[spec["ratio"][0]], frame[spec["ratio"][1]])
        return mean(frame[spec["mean"]])

    if "in" in spec:
        return level(spec["in"])
    return float(COMPARE[spec["as"]](level(spec["to"]), level(spec["from"])))


def summary_at(summary: pd.DataFrame, arm: str, level: float) -> pd.Series | None:
    """The summary row of one arm and level, or None."""
    row = summary[(summary.arm == arm) & np.isclose(summary.automation_rate, level)]
    return row.iloc[0] if len(row) else None


def _stats(row: Mapping, metric: str) -> tuple[float, float, float]:
    """Mean and 95% CI of `metric` in a summary row (`<metric>_mean`, ...), or of a stats dict."""
    keys = [f"{metric}_{stat}" if metric else stat for stat in ("mean", "ci_low", "ci_high")]
    return tuple(math.nan if row.get(key) is None else row.get(key) for key in keys)


def holds(row: Mapping | None, metric: str, condition: str) -> bool:
    """Whether `metric` in a summary row (or a stats dict, `metric=""`) meets `condition`.

    On the 95% CI: `> x` (the whole CI above x), `< x` (below), `~ x` (the CI contains x); on
    the mean: `mean > x`, `mean < x`, `mean in a b`. A leading `not ` negates. A missing row,
    or a NaN, meets none of them.
    """
    negate = condition.startswith("not ")
    on, *words = condition.removeprefix("not ").split()
    if row is None:
        return negate
    value, low, high = _stats(row, metric)
    if on == "mean":
        on, (low, high), words = words[0], (value, value), words[1:]
    bounds = [float(word) for word in words]
    met = {">": low > bounds[0], "<": high < bounds[-1], "~": low <= bounds[0] <= high}
    met["in"] = bounds[0] <= value <= bounds[-1]
    return bool(met[on]) != negate


def levels_where(summary: pd.DataFrame, arm: str, where: Mapping[str, str]) -> list[float]:
    """The automation levels above 0 at which every `metric: condition` of `where` holds."""
    levels = sorted(a for a in summary.automation_rate.unique() if a > 0)
    return [a for a in levels if all(holds(summary_at(summary, arm, a), *c) for c in where.items())]


def level_list(levels: Iterable[float]) -> str:
    """`0.1, 0.2` or `none`."""
    return ", ".join(f"{a:g}" for a in levels) or "none"


def fmt(value: float | None, digits: int = 3) -> str:
    """A number with `digits` significant digits, or `n/a`."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.{digits}g}"


UNITS = {"%": (100.0, "", "%"), "points": (100.0, "", " points"), "×": (1.0, "×", "")}
UNITS |= {"d": (1.0, "", " d"), "days": (1.0, "", " days"), "": (1.0, "", "")}


def fmt_ci(row: Mapping, metric: str = "", unit: str = "", digits: int = 3) -> str:
    """`mean [ci_low, ci_high]` of `metric` (see `holds`) in a unit of `UNITS` (`%`: percent)."""
    (scale, prefix, suffix), (value, low, high) = UNITS[unit], _stats(row, metric)
    if math.isnan(value):
        return "n/a"
    text = f"{prefix}{fmt(value * scale, digits)}{suffix}"
    if not math.isnan(low):
        text += f" [{fmt(low * scale, digits)}, {fmt(high * scale, digits)}]"
    return text


def level_table(
    summary: pd.DataFrame, columns: Mapping[str, str], arms: Iterable[str] = ARMS, percent=()
) -> str:
    """A markdown table: per level, `mean [95% CI]` of each metric → heading, arms side by side."""
    arms = [arm for arm in arms if (summary.arm == arm).any()]
    head = ["automation rate"] + [f"{h} ({arm})" for h in columns.values() for arm in arms]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for level in sorted(summary.automation_rate.unique()):
        rows = [summary_at(summary, arm, level) for arm in arms]
        cells = [
            "" if row is None else fmt_ci(row, metric, "%" if metric in percent else "")
            for metric in columns
            for row in rows
        ]
        lines.append("| " + " | ".join([f"{level:g}", *cells]) + " |")
    return "\n".join(lines)
