"""Figures of the effect reports: levels with 95% CI error bars, days with CI bands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

from experiments.common import ARMS  # noqa: E402
from sim.stats import confidence_interval  # noqa: E402

ARM_STYLE = {
    "effect": {"marker": "o", "linestyle": "-", "alpha": 1.0},
    "control": {"marker": "s", "linestyle": "--", "alpha": 0.6},
}


def errorbars(
    ax: Axes, summary: pd.DataFrame, metric: str, label="", arms=ARMS, scale=1.0, color=None
):
    """Plot `metric` against automation rate with its 95% CI, one line per arm."""
    for arm in arms:
        rows = summary[summary.arm == arm].sort_values("automation_rate")
        if rows.empty or f"{metric}_mean" not in rows:
            continue
        y, low, high = (
            rows[f"{metric}_{s}"].to_numpy(float) * scale for s in ("mean", "ci_low", "ci_high")
        )
        err = np.vstack([np.nan_to_num(y - low), np.nan_to_num(high - y)])
        name = f"{label} ({arm})" if label else arm
        ax.errorbar(
            rows.automation_rate, y, yerr=err, capsize=3, label=name, color=color, **ARM_STYLE[arm]
        )


def level_figure(summary: pd.DataFrame, figure: dict[str, Any], path: Path) -> Path:
    """Draw a figure an effect's description lays out (`figures:`, see `experiments.effect`)."""
    panels = figure["panels"]
    fig, axes = subplots(figure.get("rows", 1), figure.get("cols", len(panels)), figure["width"])
    for ax, panel in zip(axes, panels, strict=True):
        for metric, *rest in panel["lines"]:
            label, color = (rest + [None, None])[:2]
            arms = panel.get("arms", ARMS)
            errorbars(ax, summary, metric, label or "", arms, panel.get("scale", 1.0), color)
        if panel.get("zero"):
            ax.axhline(0, color="black", linewidth=0.8)
        for y in panel.get("dotted", []):
            ax.axhline(y, color="black", linewidth=0.8, linestyle=":")
        ax.set(xlabel="automation rate", ylabel=panel.get("ylabel", ""), title=panel["title"])
        ax.legend(fontsize=panel.get("legend", 7))
    return save(fig, path)


def daily_band(ax: Axes, daily: pd.DataFrame, column, arm, level, label, rolling=1) -> None:
    """Mean over replications per day with its 95% CI band, for one arm and level."""
    rows = daily[(daily.arm == arm) & np.isclose(daily.automation_rate, level)]
    if rows.empty or column not in rows:
        return
    frame = rows.pivot_table(index="day", columns="replication", values=column)
    frame = frame.rolling(rolling, min_periods=1).mean() if rolling > 1 else frame
    stats = [confidence_interval(frame.loc[day].to_numpy()) for day in frame.index]
    mean, low, high = (np.array([s[k] for s in stats]) for k in ("mean", "ci_low", "ci_high"))
    style = ARM_STYLE.get(arm, {}).get("linestyle")
    (line,) = ax.plot(frame.index, mean, label=label, color=None, linestyle=style)
    ax.fill_between(frame.index, low, high, color=line.get_color(), alpha=0.2, linewidth=0)


def save(fig: plt.Figure, path: Path) -> Path:
    """Save and close a figure."""
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def subplots(rows: int, cols: int, width: float = 5.0, height: float = 3.8):
    """A grid of axes as a flat list."""
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    return fig, list(axes.ravel())
