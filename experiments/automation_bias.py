"""Automation bias and skill erosion: reviewers catch fewer AI-made defects as the run goes on.

Per run, over the first `WINDOW_DAYS` working days once AI use has spread (`ai.adoption_days`
after the roll-out) and the last `WINDOW_DAYS` of the run (fewer if the run is short):
detection of AI-made and of human-made defects (caught / reviewed, pooled), escaped defects per
day, and reviewers' trust in AI and skill at the roll-out and at the end.
The sweep, its control and the report: `configs/experiment/automation_bias.yaml`.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import DictConfig

from experiments import plotting
from experiments.common import ARMS
from experiments.runs import RunRecord
from sim.stats import confidence_interval, ratio
from sim.windows import after_rollout, last_days, rollout_day

WINDOW_DAYS = 40
MIN_DEFECTS = 10  # a window's detection rate needs at least this many reviewed defects
ORIGINS = ("ai", "human")
BIN_DAYS = 10


def windows(
    ts: pd.DataFrame, cfg: DictConfig, window: int = WINDOW_DAYS
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The first `window` days once AI use has spread, and the last `window` days of the run.

    The first window starts `ai.adoption_days` after the roll-out, when nine in ten people use
    AI: during the spread the share of AI-made work, and with it the reviewers' load and
    skimming, still grows, which would move detection in the control arm too. Both windows are
    shortened if they would overlap.
    """
    spread = min(int(cfg.ai.get("adoption_days", 0)), max(0, int(cfg.days) - rollout_day(cfg) - 2))
    length = max(1, min(window, (int(cfg.days) - rollout_day(cfg) - spread) // 2))
    return after_rollout(ts, cfg, spread, spread + length), last_days(ts, cfg, length)


def run_metrics(record: RunRecord) -> dict[str, float]:
    """Detection rates per origin and window, escaped defects, trust and skill."""
    cfg, ts = record.cfg, record.timeseries
    first, last = windows(ts, cfg)
    metrics: dict[str, float] = {"window_days": float(len(first))}
    for origin in ORIGINS:
        for name, window in (("first", first), ("last", last)):
            caught = window[f"defects_caught_{origin}"]
            reviewed = window[f"defects_reviewed_{origin}"]
            enough = reviewed.sum() >= MIN_DEFECTS
            metrics[f"detection_{origin}_{name}"] = ratio(caught, reviewed) if enough else math.nan
            metrics[f"defects_reviewed_{origin}_{name}"] = float(reviewed.sum())
        start = metrics[f"detection_{origin}_first"]
        metrics[f"detection_{origin}_change"] = metrics[f"detection_{origin}_last"] - start
        metrics[f"detection_{origin}_relative_change"] = (
            metrics[f"detection_{origin}_change"] / start if start else math.nan
        )
    for gap, change in (("change_gap", "change"), ("relative_gap", "relative_change")):
        ai, human = metrics[f"detection_ai_{change}"], metrics[f"detection_human_{change}"]
        metrics[f"detection_{gap}"] = ai - human
    for name, window in (("first", first), ("last", last)):
        metrics[f"escaped_per_day_{name}"] = float(window.escaped_defects.mean())
        metrics[f"escaped_ai_per_day_{name}"] = float(window.escaped_defects_ai.mean())
    day_before = max(rollout_day(cfg) - 1, 0)  # the state at the roll-out
    for column, name in (("trust_mean", "trust"), ("skill_mean", "skill")):
        at_start = ts[ts.day == day_before][column]
        metrics[f"{name}_start"] = float(at_start.iloc[0]) if len(at_start) else math.nan
        metrics[f"{name}_end"] = float(ts[column].iloc[-1])
        metrics[f"{name}_change"] = metrics[f"{name}_end"] - metrics[f"{name}_start"]
    return metrics


def binned_detection(
    daily: pd.DataFrame, arm: str, level: float, origin: str, bin_days: int = BIN_DAYS
) -> pd.DataFrame:
    """Detection rate per block of `bin_days` days: mean and 95% CI over replications."""
    rows = daily[(daily.arm == arm) & np.isclose(daily.automation_rate, level)].copy()
    if rows.empty:
        return pd.DataFrame(columns=["day", "mean", "ci_low", "ci_high"])
    rows["block"] = rows.day // bin_days
    columns = [f"defects_caught_{origin}", f"defects_reviewed_{origin}"]
    sums = rows.groupby(["block", "replication"])[columns].sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = sums[columns[0]] / sums[columns[1]].replace(0, np.nan)
    return pd.DataFrame(
        [
            {"day": block * bin_days + bin_days / 2} | confidence_interval(values.to_numpy())
            for block, values in rate.groupby(level="block")
        ]
    )


def figures(
    results: pd.DataFrame,
    summary: pd.DataFrame,
    daily: pd.DataFrame,
    directory: Path,
    cfg: DictConfig,
) -> list[Path]:
    """Detection by window and origin per level; trust, skill and detection over the run."""
    fig, axes = plotting.subplots(1, 2, width=5.5)
    for ax, arm in zip(axes, ARMS, strict=True):
        rows = summary[summary.arm == arm].sort_values("automation_rate")
        for origin, color in (("ai", "tab:red"), ("human", "tab:blue")):
            for window, alpha in (("first", 0.45), ("last", 1.0)):
                y = rows[f"detection_{origin}_{window}_mean"]
                low, high = (rows[f"detection_{origin}_{window}_ci_{e}"] for e in ("low", "high"))
                ax.errorbar(
                    rows.automation_rate,
                    y,
                    yerr=np.vstack([np.nan_to_num(y - low), np.nan_to_num(high - y)]),
                    capsize=3,
                    color=color,
                    alpha=alpha,
                    marker="o" if window == "last" else "^",
                    label=f"{origin}-made, {window} {WINDOW_DAYS} days",
                )
        ax.set(
            xlabel="automation rate",
            ylabel="share of reviewed defects caught",
            ylim=(0, 1),
            title=f"Defect detection, first vs last window ({arm})",
        )
        ax.legend(fontsize=7)
    paths = [plotting.save(fig, directory / "automation_bias_detection.png")]
    levels = sorted(summary.automation_rate.unique())
    shown = sorted(
        set([a for a in levels if a > 0][-1:] + [a for a in levels if math.isclose(a, 0.5)])
    )
    fig, axes = plotting.subplots(1, 3, width=5.0)
    for level in shown:
        for arm in ARMS:
            label = f"automation {level:g} ({arm})"
            plotting.daily_band(axes[0], daily, "trust_mean", arm, level, label)
            plotting.daily_band(axes[1], daily, "skill_mean", arm, level, label)
            binned = binned_detection(daily, arm, level, "ai")
            if binned.empty:
                continue
            style = plotting.ARM_STYLE[arm]["linestyle"]
            (line,) = axes[2].plot(
                binned.day, binned["mean"], marker="o", label=label, linestyle=style
            )
            axes[2].fill_between(
                binned.day, binned.ci_low, binned.ci_high, alpha=0.2, color=line.get_color(), lw=0
            )
    titles = ("Trust in AI (reviewers' mean)", "Skill (reviewers' mean)")
    for ax, title in zip(
        axes, (*titles, f"AI-defect detection per {BIN_DAYS}-day block"), strict=True
    ):
        ax.axvline(rollout_day(cfg), color="grey", linestyle=":", linewidth=1)
        ax.set(xlabel="working day", title=title)
        ax.legend(fontsize=7)
    return paths + [plotting.save(fig, directory / "automation_bias_over_time.png")]


def report(results: pd.DataFrame, summary: pd.DataFrame, cfg: DictConfig) -> list[str]:
    """The windows, and what limits the comparison with human-made work."""
    return [
        f"- windows: the first and the last {int(results.window_days.max())} working days after "
        f"the roll-out. Detection rates need {MIN_DEFECTS} reviewed defects in a window: "
        "human-made defects are rare at the highest levels. Human-defect detection falls too "
        "where skill erodes, since the same reviewers lose the same skill; only trust is "
        "specific to AI-made work."
    ]
