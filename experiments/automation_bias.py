"""Automation bias and skill erosion: reviewers catch fewer AI-made defects as the run goes on.

Per run, two windows of equal length after the roll-out (the first and the last `WINDOW_DAYS`
working days, shorter if the run is short):

* detection rate of AI-made defects, `defects_caught_ai / defects_reviewed_ai` pooled over the
  window, and the same for human-made defects; its change from the first to the last window;
* escaped defects per day (all, and AI-made) in each window;
* reviewers' mean trust in AI (`trust_mean`) and skill (`skill_mean`) at the roll-out and at
  the end.

Control: `people.trust.fixed=true people.skill.atrophy_per_day=0`: trust stays at its initial
level and delegation no longer erodes skill, so whatever decline is left comes from load
(skimming under pressure), which hits human- and AI-made work alike.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import DictConfig

from experiments import plotting
from experiments.common import (
    CONTROL_ARM,
    EFFECT_ARM,
    Effect,
    RunRecord,
    ci_below,
    ci_contains,
    fmt_ci,
    level_table,
    paired,
    rollout_day,
    summary_at,
)
from sim.stats import confidence_interval, ratio

WINDOW_DAYS = 40
MIN_DEFECTS = 10  # a window's detection rate needs at least this many reviewed defects
ORIGINS = ("ai", "human")
BIN_DAYS = 10


def windows(
    ts: pd.DataFrame, cfg: DictConfig, window: int = WINDOW_DAYS
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The first and the last `window` days after the roll-out (halved if they would overlap)."""
    start, end = rollout_day(cfg), int(cfg.days)
    length = max(1, min(window, (end - start) // 2))
    first = ts[(ts.day >= start) & (ts.day < start + length)]
    last = ts[ts.day >= end - length]
    return first, last


def _at(ts: pd.DataFrame, column: str, day: int) -> float:
    row = ts[ts.day == day]
    return float(row[column].iloc[0]) if len(row) else math.nan


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
    metrics["detection_change_gap"] = (
        metrics["detection_ai_change"] - metrics["detection_human_change"]
    )
    metrics["detection_relative_gap"] = (
        metrics["detection_ai_relative_change"] - metrics["detection_human_relative_change"]
    )
    for name, window in (("first", first), ("last", last)):
        metrics[f"escaped_per_day_{name}"] = float(window.escaped_defects.mean())
        metrics[f"escaped_ai_per_day_{name}"] = float(window.escaped_defects_ai.mean())
    start = rollout_day(cfg)
    for column, name in (("trust_mean", "trust"), ("skill_mean", "skill")):
        metrics[f"{name}_start"] = _at(ts, column, start - 1) if start > 0 else _at(ts, column, 0)
        metrics[f"{name}_end"] = float(ts[column].iloc[-1])
        metrics[f"{name}_change"] = metrics[f"{name}_end"] - metrics[f"{name}_start"]
    return metrics


def paired_metrics(results: pd.DataFrame) -> pd.DataFrame:
    """Escaped defects in the last window against automation 0 (same arm and replication)."""
    out = results.copy()
    out["escaped_last_vs0"] = out.escaped_per_day_last - paired(out, "escaped_per_day_last")
    return out


def metrics(results: pd.DataFrame) -> list[str]:
    """Columns summarised per arm and level."""
    columns = []
    for origin in ORIGINS:
        columns += [
            f"detection_{origin}_first",
            f"detection_{origin}_last",
            f"detection_{origin}_change",
            f"detection_{origin}_relative_change",
            f"defects_reviewed_{origin}_first",
            f"defects_reviewed_{origin}_last",
        ]
    return columns + [
        "detection_change_gap",
        "detection_relative_gap",
        "escaped_per_day_first",
        "escaped_per_day_last",
        "escaped_ai_per_day_first",
        "escaped_ai_per_day_last",
        "escaped_last_vs0",
        "trust_start",
        "trust_end",
        "trust_change",
        "skill_start",
        "skill_end",
        "skill_change",
    ]


def daily_columns(results: pd.DataFrame) -> list[str]:
    """Timeseries columns kept per day."""
    return [
        "trust_mean",
        "skill_mean",
        "defects_caught_ai",
        "defects_reviewed_ai",
        "defects_caught_human",
        "defects_reviewed_human",
        "escaped_defects",
    ]


def binned_detection(
    daily: pd.DataFrame, arm: str, level: float, origin: str, bin_days: int = BIN_DAYS
) -> pd.DataFrame:
    """Detection rate per block of `bin_days` days: mean and 95% CI over replications."""
    rows = daily[(daily.arm == arm) & np.isclose(daily.automation_rate, level)].copy()
    if rows.empty:
        return pd.DataFrame(columns=["day", "mean", "ci_low", "ci_high"])
    rows["block"] = rows.day // bin_days
    sums = rows.groupby(["block", "replication"])[
        [f"defects_caught_{origin}", f"defects_reviewed_{origin}"]
    ].sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = sums[f"defects_caught_{origin}"] / sums[f"defects_reviewed_{origin}"].replace(
            0, np.nan
        )
    out = []
    for block, values in rate.groupby(level="block"):
        stats = confidence_interval(values.to_numpy())
        out.append(
            {
                "day": block * bin_days + bin_days / 2,
                "mean": stats["mean"],
                "ci_low": stats["ci_low"],
                "ci_high": stats["ci_high"],
            }
        )
    return pd.DataFrame(out)


def figures(
    results: pd.DataFrame,
    summary: pd.DataFrame,
    daily: pd.DataFrame,
    directory: Path,
    cfg: DictConfig,
) -> list[Path]:
    """Detection by window and origin per level; trust, skill and detection over the run."""
    paths = []
    fig, axes = plotting.subplots(1, 2, width=5.5)
    for ax, arm in zip(axes, (EFFECT_ARM, CONTROL_ARM), strict=True):
        for origin, color in (("ai", "tab:red"), ("human", "tab:blue")):
            for window, alpha in (("first", 0.45), ("last", 1.0)):
                rows = summary[summary.arm == arm].sort_values("automation_rate")
                y = rows[f"detection_{origin}_{window}_mean"]
                err = np.vstack(
                    [
                        np.nan_to_num(y - rows[f"detection_{origin}_{window}_ci_low"]),
                        np.nan_to_num(rows[f"detection_{origin}_{window}_ci_high"] - y),
                    ]
                )
                ax.errorbar(
                    rows.automation_rate,
                    y,
                    yerr=err,
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
    paths.append(plotting.save(fig, directory / "automation_bias_detection.png"))
    fig, axes = plotting.subplots(1, 3, width=5.0)
    plotting.errorbars(
        axes[0], summary, "detection_ai_relative_change", "AI-made", color="tab:red", scale=100
    )
    plotting.errorbars(
        axes[0],
        summary,
        "detection_human_relative_change",
        "human-made",
        color="tab:blue",
        scale=100,
    )
    axes[0].axhline(0, color="black", linewidth=0.8)
    axes[0].set(
        xlabel="automation rate",
        ylabel="% change, last vs first window",
        title="Relative change in detection over the run",
    )
    axes[0].legend(fontsize=7)
    plotting.errorbars(axes[1], summary, "skill_change", "skill", color="tab:green")
    plotting.errorbars(axes[1], summary, "trust_change", "trust", color="tab:orange")
    axes[1].axhline(0, color="black", linewidth=0.8)
    axes[1].set(
        xlabel="automation rate", ylabel="end − roll-out", title="Reviewers' skill and trust in AI"
    )
    axes[1].legend(fontsize=7)
    plotting.errorbars(axes[2], summary, "escaped_per_day_last", "all", color="tab:purple")
    plotting.errorbars(axes[2], summary, "escaped_ai_per_day_last", "AI-made", color="tab:red")
    axes[2].set(xlabel="automation rate", ylabel="per day, last window", title="Escaped defects")
    axes[2].legend(fontsize=7)
    paths.append(plotting.save(fig, directory / "automation_bias_levels.png"))
    levels = sorted(summary.automation_rate.unique())
    shown = [a for a in levels if a > 0][-1:] + [a for a in levels if math.isclose(a, 0.5)]
    shown = sorted(set(shown))
    fig, axes = plotting.subplots(1, 3, width=5.0)
    for level in shown:
        for arm in (EFFECT_ARM, CONTROL_ARM):
            label = f"automation {level:g} ({arm})"
            plotting.daily_band(axes[0], daily, "trust_mean", arm, level, label)
            plotting.daily_band(axes[1], daily, "skill_mean", arm, level, label)
            binned = binned_detection(daily, arm, level, "ai")
            if not binned.empty:
                (line,) = axes[2].plot(
                    binned.day,
                    binned["mean"],
                    marker="o",
                    label=label,
                    linestyle=plotting.ARM_STYLE[arm]["linestyle"],
                )
                axes[2].fill_between(
                    binned.day,
                    binned.ci_low,
                    binned.ci_high,
                    alpha=0.2,
                    color=line.get_color(),
                    linewidth=0,
                )
    for ax, title in zip(
        axes,
        (
            "Trust in AI (reviewers' mean)",
            "Skill (reviewers' mean)",
            f"AI-defect detection per {BIN_DAYS}-day block",
        ),
        strict=True,
    ):
        ax.axvline(rollout_day(cfg), color="grey", linestyle=":", linewidth=1)
        ax.set(xlabel="working day", title=title)
        ax.legend(fontsize=7)
    paths.append(plotting.save(fig, directory / "automation_bias_over_time.png"))
    return paths


def report(
    results: pd.DataFrame, summary: pd.DataFrame, figure_paths: list[Path], cfg: DictConfig
) -> str:
    """Per-level tables and computed verdicts."""
    levels = sorted(summary.automation_rate.unique())
    falling = [
        a
        for a in levels
        if ci_below(summary_at(summary, EFFECT_ARM, a), "detection_ai_change", 0.0)
    ]
    control_flat = [
        a
        for a in levels
        if a > 0 and ci_contains(summary_at(summary, CONTROL_ARM, a), "detection_ai_change", 0.0)
    ]
    gap_levels = [
        a
        for a in levels
        if ci_below(summary_at(summary, EFFECT_ARM, a), "detection_change_gap", 0.0)
    ]
    relative_levels = [
        a
        for a in levels
        if ci_below(summary_at(summary, EFFECT_ARM, a), "detection_relative_gap", 0.0)
    ]
    top = max(levels)
    effect_top, control_top = (
        summary_at(summary, EFFECT_ARM, top),
        summary_at(summary, CONTROL_ARM, top),
    )
    window = int(results.window_days.max()) if "window_days" in results else WINDOW_DAYS
    lines = [
        f"Detection = defects caught / defects reviewed, pooled over the first and the last "
        f"{window} working days after the roll-out; separately for AI-made and human-made "
        "defects (the same reviewers review both).",
        "",
        level_table(
            summary,
            [
                ("detection_ai_first", "AI first"),
                ("detection_ai_last", "AI last"),
                ("detection_human_first", "human first"),
                ("detection_human_last", "human last"),
            ],
        ),
        "",
        level_table(
            summary,
            [
                ("detection_ai_change", "Δ AI detection"),
                ("detection_human_change", "Δ human detection"),
                ("skill_change", "Δ skill"),
                ("trust_change", "Δ trust"),
            ],
        ),
        "",
        level_table(
            summary,
            [
                ("detection_ai_relative_change", "relative Δ AI detection"),
                ("detection_human_relative_change", "relative Δ human detection"),
                ("detection_relative_gap", "AI − human"),
            ],
            percent=[
                "detection_ai_relative_change",
                "detection_human_relative_change",
                "detection_relative_gap",
            ],
        ),
        "",
        level_table(
            summary,
            [
                ("escaped_per_day_first", "escaped/day first"),
                ("escaped_per_day_last", "escaped/day last"),
                ("escaped_last_vs0", "escaped/day vs automation 0"),
            ],
        ),
        "",
        "Computed from the tables:",
        "",
        f"- AI-defect detection falls over the run (whole CI of the change below 0) at levels: "
        f"{', '.join(f'{a:g}' for a in falling) or 'none'}",
        f"- it falls more than human-defect detection, in absolute terms (AI change − human "
        f"change, whole CI below 0) at levels: {', '.join(f'{a:g}' for a in gap_levels) or 'none'}"
        f"; relative to where each started, at levels: "
        f"{', '.join(f'{a:g}' for a in relative_levels) or 'none'} (detection rates need "
        f"{MIN_DEFECTS} reviewed defects in a window: human-made defects are rare at the highest "
        "levels). Human-defect detection falls too where skill erodes, since the same reviewers "
        "lose the same skill; only trust is specific to AI-made work.",
        f"- control: the CI of the change in AI-defect detection contains 0 at levels: "
        f"{', '.join(f'{a:g}' for a in control_flat) or 'none'}",
    ]
    if effect_top is not None:
        lines.append(
            f"- at automation {top:g}: AI-defect detection "
            f"{fmt_ci(effect_top, 'detection_ai_first')} →"
            f" {fmt_ci(effect_top, 'detection_ai_last')} (relative change "
            f"{fmt_ci(effect_top, 'detection_ai_relative_change', percent=True)}); skill "
            f"{fmt_ci(effect_top, 'skill_start')} → {fmt_ci(effect_top, 'skill_end')}; trust "
            f"{fmt_ci(effect_top, 'trust_start')} → {fmt_ci(effect_top, 'trust_end')}"
        )
    if control_top is not None:
        lines.append(
            f"- control at automation {top:g}: AI-defect detection "
            f"{fmt_ci(control_top, 'detection_ai_first')} → "
            f"{fmt_ci(control_top, 'detection_ai_last')};"
            f" skill {fmt_ci(control_top, 'skill_start')} → {fmt_ci(control_top, 'skill_end')}"
        )
    return "\n".join(lines)


EFFECT = Effect(
    name="automation_bias",
    title="Automation bias and skill erosion: detection of AI-made defects over the run",
    control={"people.trust.fixed": True, "people.skill.atrophy_per_day": 0.0},
    control_note=(
        "trust in AI no longer grows "
        "with clean-looking reviews and delegation no longer erodes skill. Load-driven skimming "
        "stays on in both arms."
    ),
    run_metrics=run_metrics,
    paired_metrics=paired_metrics,
    metrics=metrics,
    daily_columns=daily_columns,
    figures=figures,
    report=report,
)
