"""Figure helpers for the effect reports: levels with 95% CI error bars, days with CI bands."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

from experiments.common import ARMS, CONTROL_ARM  # noqa: E402
from sim.stats import confidence_interval  # noqa: E402

ARM_STYLE = {
    "effect": {"marker": "o", "linestyle": "-"},
    "control": {"marker": "s", "linestyle": "--"},
}


def errorbars(
    ax: Axes,
    summary: pd.DataFrame,
    metric: str,
    label: str = "",
    arms=ARMS,
    scale: float = 1.0,
    color: str | None = None,
) -> None:
    """Plot `metric` against automation rate with its 95% CI, one line per arm."""
    for arm in arms:
        rows = summary[summary.arm == arm].sort_values("automation_rate")
        if rows.empty or f"{metric}_mean" not in rows:
            continue
        y = rows[f"{metric}_mean"].to_numpy(dtype=float) * scale
        low = rows[f"{metric}_ci_low"].to_numpy(dtype=float) * scale
        high = rows[f"{metric}_ci_high"].to_numpy(dtype=float) * scale
        err = np.vstack([np.nan_to_num(y - low), np.nan_to_num(high - y)])
        name = f"{label} ({arm})" if label else arm
        ax.errorbar(
            rows.automation_rate,
            y,
            yerr=err,
            capsize=3,
            label=name,
            color=color,
            alpha=0.6 if arm == CONTROL_ARM else 1.0,
            **ARM_STYLE.get(arm, {}),
        )


def daily_band(
    ax: Axes,
    daily: pd.DataFrame,
    column: str,
    arm: str,
    level: float,
    label: str,
    color: str | None = None,
    rolling: int = 1,
) -> None:
    """Mean over replications per day with its 95% CI band, for one arm and level."""
    rows = daily[(daily.arm == arm) & np.isclose(daily.automation_rate, level)]
    if rows.empty or column not in rows:
        return
    frame = rows.pivot_table(index="day", columns="replication", values=column)
    if rolling > 1:
        frame = frame.rolling(rolling, min_periods=1).mean()
    stats = [confidence_interval(frame.loc[day].to_numpy()) for day in frame.index]
    mean = np.array([s["mean"] for s in stats])
    low = np.array([s["ci_low"] for s in stats])
    high = np.array([s["ci_high"] for s in stats])
    style = ARM_STYLE.get(arm, {})
    (line,) = ax.plot(frame.index, mean, label=label, color=color, linestyle=style.get("linestyle"))
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
