"""Saturation: once upstream output crosses a downstream stage's capacity, its queue takes off.

Per downstream stage (staffed, non-producing, not the market) and run:

* queue length and queue age over the last quarter of the run, and queue growth (least-squares
  slope, artifacts/day) over the second half of the post-roll-out period;
* throughput: departures per day after the roll-out (`completed_<stage>` is cumulative);
* cycle time in the stage: Little's law over the last quarter, mean WIP / throughput (days);
* utilisation: simulated (busy / shift hours) and planned (`sim.capacity.utilisation`, from the
  config alone).

The knee: per replication, queue growth is fitted with a hinge, flat below a planned
utilisation ρ* and linear above it (a queue grows at (ρ − 1) × capacity once ρ > 1). ρ* is
then read back as an automation rate on the config's own utilisation curve and compared with
`sim.capacity.saturation_point`.

Control: `org.capacity_follows_load=true` staffs each downstream stage in proportion to the
load the automation rate sends it, so no stage crosses utilisation 1 and no knee appears.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from experiments import plotting
from experiments.common import (
    ARMS,
    CONTROL_ARM,
    EFFECT_ARM,
    Effect,
    RunRecord,
    after_rollout,
    fmt,
    fmt_ci,
    last_quarter,
    level_table,
    rollout_day,
    slope_per_day,
    summary_at,
)
from sim.capacity import saturation_point, utilisation
from sim.stats import confidence_interval, mean
from sim.workflow import build_graph

# Mechanisms that change a stage's capacity during the run; the preset switches them off.
CAPACITY_MECHANISMS = {
    "governance.enabled": "control steps added during the run (extra review stages)",
    "people.exhaustion.max_overtime_hours": "overtime when the backlog presses",
    "people.review.skim_effort_cut": "skimming (shorter reviews) under pressure",
    "people.exhaustion.capacity_loss": "attention lost to exhaustion",
    "people.connective_crowd_out": "connective time given up for the queue under pressure",
}


def downstream_stages(cfg: DictConfig) -> list[str]:
    """The stages the config's arithmetic covers: staffed, non-producing, not the market."""
    return list(utilisation(cfg, 0.0))


def _throughput(ts: pd.DataFrame, column: str, start_day: int, warmup: int) -> float:
    """Departures per day from `start_day` to the end (cumulative counter, reset at warm-up)."""
    window = ts[ts.day >= start_day]
    if window.empty:
        return math.nan
    end = float(window[column].iloc[-1])
    previous = ts[ts.day == start_day - 1]
    reset = warmup > 0 and start_day <= warmup
    base = 0.0 if previous.empty or reset else float(previous[column].iloc[0])
    return (end - base) / len(window)


def run_metrics(record: RunRecord) -> dict[str, float]:
    """Queues, queue age, throughput, cycle time and utilisation per downstream stage."""
    cfg, ts = record.cfg, record.timeseries
    post = after_rollout(ts, cfg)
    late = last_quarter(ts, cfg)
    second_half = post[post.day >= post.day.min() + len(post) // 2] if len(post) else post
    planned = utilisation(cfg, float(cfg.ai.automation_rate))
    warmup = int(cfg.metrics.warmup_days)
    metrics: dict[str, float] = {
        "time_to_send_late_days": mean(late.time_to_send_days),
        "queued_end": float(ts.queued.iloc[-1]),
    }
    for stage in downstream_stages(cfg):
        if f"queue_{stage}" not in ts.columns:
            continue
        metrics[f"queue_late_{stage}"] = float(late[f"queue_{stage}"].mean())
        metrics[f"queue_end_{stage}"] = float(ts[f"queue_{stage}"].iloc[-1])
        metrics[f"queue_growth_{stage}"] = slope_per_day(
            second_half.day, second_half[f"queue_{stage}"]
        )
        metrics[f"queue_age_hours_{stage}"] = float(late[f"queue_age_hours_{stage}"].mean())
        metrics[f"throughput_{stage}"] = _throughput(
            ts, f"completed_{stage}", max(rollout_day(cfg), warmup), warmup
        )
        late_throughput = _throughput(ts, f"completed_{stage}", int(late.day.min()), warmup)
        wip = float(late[f"wip_{stage}"].mean())
        metrics[f"cycle_time_days_{stage}"] = (
            wip / late_throughput if late_throughput > 0 else math.nan
        )
        metrics[f"utilisation_sim_{stage}"] = mean(late[f"utilisation_{stage}"])
        metrics[f"planned_utilisation_{stage}"] = float(planned.get(stage, math.nan))
    return metrics


def paired_metrics(results: pd.DataFrame) -> pd.DataFrame:
    """Saturation needs no comparison with automation 0 per run."""
    return results


def stages_in(results: pd.DataFrame) -> list[str]:
    """Downstream stages with figures in the results."""
    return [
        c.removeprefix("queue_growth_") for c in results.columns if c.startswith("queue_growth_")
    ]


def metrics(results: pd.DataFrame) -> list[str]:
    """Columns summarised per arm and level."""
    columns = ["time_to_send_late_days", "queued_end"]
    for stage in stages_in(results):
        columns += [
            f"{prefix}_{stage}"
            for prefix in (
                "queue_late",
                "queue_end",
                "queue_growth",
                "queue_age_hours",
                "throughput",
                "cycle_time_days",
                "utilisation_sim",
                "planned_utilisation",
            )
        ]
    return columns


def daily_columns(results: pd.DataFrame) -> list[str]:
    """Timeseries columns kept per day."""
    return [f"queue_{stage}" for stage in stages_in(results)] + ["time_to_send_days"]


# ---------------------------------------------------------------------------- the knee
def hinge_fit(x: np.ndarray, y: np.ndarray, grid_points: int = 2001) -> tuple[float, float, float]:
    """Least-squares hinge `y = c + b · max(0, x − k)` with `b ≥ 0`.

    Returns:
        The knee `k`, the level `c` and the slope `b` (NaN when fewer than 3 points).
    """
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = np.asarray(x, dtype=float)[keep], np.asarray(y, dtype=float)[keep]
    if len(x) < 3 or np.ptp(x) == 0:
        return math.nan, math.nan, math.nan
    best = (math.inf, math.nan, math.nan, math.nan)
    for knee in np.linspace(x.min(), x.max(), grid_points):
        design = np.column_stack([np.ones_like(x), np.maximum(0.0, x - knee)])
        coef, *_ = np.linalg.lstsq(design, y, rcond=None)
        if coef[1] < 0:
            coef = np.array([y.mean(), 0.0])
        sse = float(((design @ coef - y) ** 2).sum())
        if sse < best[0] - 1e-12:
            best = (sse, float(knee), float(coef[0]), float(coef[1]))
    return best[1], best[2], best[3]


class Arithmetic:
    """The config's own saturation arithmetic, computed once: utilisation curves and points.

    Args:
        cfg: the run configuration (the effect arm's).
        points: automation rates on the curve's grid over 0..1.
    """

    def __init__(self, cfg: DictConfig, points: int = 101):
        graph = build_graph(cfg.org)
        self.rates = np.linspace(0.0, 1.0, points)
        table = [utilisation(cfg, float(a), graph) for a in self.rates]
        self.stages = list(table[0]) if table else []
        self.curves = {s: np.array([row[s] for row in table]) for s in self.stages}
        self.points = {s: saturation_point(cfg, s) for s in self.stages}

    def automation_rate_at(self, stage: str, rho: float) -> float:
        """The automation rate at which `stage`'s planned utilisation is `rho` (interpolated)."""
        if math.isnan(rho):
            return math.nan
        return float(np.interp(rho, self.curves[stage], self.rates))


_ARITHMETIC: dict[str, Arithmetic] = {}


def arithmetic(cfg: DictConfig) -> Arithmetic:
    """`Arithmetic` of a config, cached by the parts of the config it depends on."""
    key = OmegaConf.to_yaml({"org": cfg.org, "ai": cfg.ai, "people": cfg.people})
    if key not in _ARITHMETIC:
        _ARITHMETIC[key] = Arithmetic(cfg)
    return _ARITHMETIC[key]


def knees(results: pd.DataFrame, cfg: DictConfig) -> pd.DataFrame:
    """Per arm, stage and replication: the fitted knee in planned utilisation and automation.

    Only stages the config predicts to saturate within automation 0..1 are fitted. A knee
    counts as found in an arm when the stage's queue is growing at the highest level (whole
    95% CI of the growth above 0); otherwise there is no knee in the range swept.
    """
    rows = []
    plan = arithmetic(cfg)
    top = results.automation_rate.max()
    for stage in stages_in(results):
        predicted = plan.points.get(stage)
        if predicted is None:
            continue
        for arm, arm_rows in results.groupby("arm"):
            at_top = arm_rows[np.isclose(arm_rows.automation_rate, top)][f"queue_growth_{stage}"]
            found = confidence_interval(at_top)["ci_low"] > 0
            for replication, group in arm_rows.groupby("replication"):
                group = group.sort_values("automation_rate")
                x = group[f"planned_utilisation_{stage}"].to_numpy(dtype=float)
                y = group[f"queue_growth_{stage}"].to_numpy(dtype=float)
                knee, level, slope = hinge_fit(x, y) if found else (math.nan,) * 3
                rows.append(
                    {
                        "arm": arm,
                        "stage": stage,
                        "replication": replication,
                        "knee_found": bool(found),
                        "knee_utilisation": knee,
                        "knee_automation_rate": plan.automation_rate_at(stage, knee),
                        "growth_below": level,
                        "growth_slope": slope,
                        "predicted_automation_rate": predicted,
                    }
                )
    return pd.DataFrame(rows)


def knee_summary(knee_table: pd.DataFrame) -> pd.DataFrame:
    """Mean and 95% CI of the knee per arm and stage."""
    rows = []
    if knee_table.empty:
        return pd.DataFrame(rows)
    for (arm, stage), group in knee_table.groupby(["arm", "stage"]):
        row = {
            "arm": arm,
            "stage": stage,
            "knee_found": bool(group.knee_found.iloc[0]),
            "predicted_automation_rate": float(group.predicted_automation_rate.iloc[0]),
        }
        for column in ("knee_utilisation", "knee_automation_rate", "growth_slope"):
            for stat, value in confidence_interval(group[column]).items():
                row[f"{column}_{stat}"] = value
        rows.append(row)
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------- figures
def figures(
    results: pd.DataFrame,
    summary: pd.DataFrame,
    daily: pd.DataFrame,
    directory: Path,
    cfg: DictConfig,
) -> list[Path]:
    """Overview (utilisation, queue growth, time to send) and 2×2 panels per saturating stage."""
    paths = []
    stages = stages_in(results)
    plan = arithmetic(cfg)
    knee_stats = knee_summary(knees(results, cfg))
    fig, axes = plotting.subplots(1, 3, width=5.0)
    colors = dict(zip(stages, plt_colors(len(stages)), strict=True))
    for stage in stages:
        axes[0].plot(plan.rates, plan.curves[stage], color=colors[stage], label=f"{stage} (config)")
        plotting.errorbars(
            axes[0],
            summary,
            f"utilisation_sim_{stage}",
            f"{stage}, simulated",
            arms=(EFFECT_ARM,),
            color=colors[stage],
        )
        plotting.errorbars(
            axes[1], summary, f"queue_growth_{stage}", stage, arms=ARMS, color=colors[stage]
        )
    axes[0].axhline(1.0, color="black", linewidth=0.8, linestyle=":")
    axes[0].set(
        xlabel="automation rate",
        ylabel="utilisation",
        title="Utilisation: config (lines), simulated (points)",
    )
    axes[0].legend(fontsize=6)
    axes[1].set(
        xlabel="automation rate",
        ylabel="queue growth (artifacts/day)",
        title="Queue growth per stage (dashed: control)",
    )
    axes[1].legend(fontsize=6)
    plotting.errorbars(axes[2], summary, "time_to_send_late_days", color="tab:purple")
    axes[2].set(
        xlabel="automation rate", ylabel="days", title="End-to-end time to send (last quarter)"
    )
    axes[2].legend(fontsize=7)
    for ax in axes:
        for stage in stages:
            if plan.points.get(stage) is not None:
                ax.axvline(plan.points[stage], color=colors[stage], linestyle=":", linewidth=1)
    paths.append(plotting.save(fig, directory / "saturation_overview.png"))
    for stage in stages:
        point = plan.points.get(stage)
        if point is None:
            continue
        fig, axes = plotting.subplots(2, 2, width=5.0)
        panels = [
            ("queue_late", "artifacts waiting (last quarter)", "Queue length"),
            ("queue_age_hours", "hours (last quarter)", "Queue age"),
            ("cycle_time_days", "days in stage (Little's law)", "Cycle time in stage"),
            ("throughput", "departures per day after roll-out", "Throughput"),
        ]
        row = (
            knee_stats[(knee_stats.arm == EFFECT_ARM) & (knee_stats.stage == stage)]
            if not knee_stats.empty
            else knee_stats
        )
        for ax, (prefix, ylabel, title) in zip(axes, panels, strict=True):
            plotting.errorbars(ax, summary, f"{prefix}_{stage}")
            ax.axvline(
                point, color="tab:red", linestyle=":", label=f"config: utilisation 1 at {point:.3f}"
            )
            if len(row) and not math.isnan(row.iloc[0].knee_automation_rate_ci_low):
                ax.axvspan(
                    row.iloc[0].knee_automation_rate_ci_low,
                    row.iloc[0].knee_automation_rate_ci_high,
                    color="tab:red",
                    alpha=0.12,
                    label="simulated knee, 95% CI",
                )
            ax.set(xlabel="automation rate", ylabel=ylabel, title=f"{title}: {stage}")
            ax.legend(fontsize=7)
        paths.append(plotting.save(fig, directory / f"saturation_{stage}.png"))
    return paths


def plt_colors(n: int) -> list[str]:
    """`n` distinct colours from matplotlib's default cycle."""
    cycle = [
        "tab:blue",
        "tab:orange",
        "tab:green",
        "tab:red",
        "tab:purple",
        "tab:brown",
        "tab:pink",
        "tab:grey",
        "tab:olive",
        "tab:cyan",
    ]
    return [cycle[i % len(cycle)] for i in range(n)]


# ---------------------------------------------------------------------------- report
def knee_verdicts(knee_stats: pd.DataFrame, step: float) -> list[str]:
    """One line per arm and stage: knee found or not, and where against the config's point."""
    lines = []
    for _, row in knee_stats.iterrows():
        if not row.knee_found:
            lines.append(
                f"- {row.arm}, {row.stage}: no knee — the queue is not growing at the "
                "highest level swept (CI of its growth not above 0)"
            )
            continue
        gap = row.knee_automation_rate_mean - row.predicted_automation_rate
        lines.append(
            f"- {row.arm}, {row.stage}: knee at automation {fmt_ci(row, 'knee_automation_rate')} "
            f"(planned utilisation {fmt_ci(row, 'knee_utilisation')}) vs the config's "
            f"{row.predicted_automation_rate:.3f}: difference {gap:+.3f} "
            f"({'within' if abs(gap) <= step / 2 else 'beyond'} half a grid step, {step / 2:g})"
        )
    return lines


def report(
    results: pd.DataFrame, summary: pd.DataFrame, figure_paths: list[Path], cfg: DictConfig
) -> str:
    """Saturation points from the config, the fitted knees, and per-level tables."""
    stages = stages_in(results)
    plan = arithmetic(cfg)
    switched = ", ".join(
        f"`{key}={_value(cfg, key)}` ({what})" for key, what in CAPACITY_MECHANISMS.items()
    )
    lines = [
        "Mechanisms that change capacity during the run, as set in this sweep: " + switched + ". "
        "The saturation preset switches them off so that each stage's capacity is what the "
        "config says (an experimental design choice; the other presets keep them on).",
        "",
        "### Where the config's arithmetic puts utilisation at 1",
        "",
        "`sim.capacity.utilisation`: planned discretionary production (with the volume response) "
        "through the workflow graph, against headcount × (attention − connective hours). It "
        "leaves out demand-driven work (proposals, call summaries), rework loops and the AI "
        "review-effort ratio.",
        "",
        "| stage | planned utilisation at 0 | at 1.0 | saturation point (automation rate) |",
        "|---|---|---|---|",
    ]
    for stage in stages:
        point = plan.points.get(stage)
        curve = plan.curves.get(stage)
        lines.append(
            f"| {stage} | {fmt(curve[0])} | {fmt(curve[-1])} | "
            f"{'never (below 1 up to automation 1)' if point is None else f'{point:.3f}'} |"
        )
    knee_stats = knee_summary(knees(results, cfg))
    levels = sorted(summary.automation_rate.unique())
    step = float(np.min(np.diff(levels))) if len(levels) > 1 else 1.0
    lines += [
        "",
        "### The simulated knee",
        "",
        "Hinge fit of queue growth (artifacts/day, second half of the post-roll-out period) "
        "against planned utilisation, per replication; mean and 95% CI over replications, "
        "read back as an automation rate on the config's utilisation curve.",
        "",
    ]
    top = max(levels)
    if knee_stats.empty:
        lines.append("No stage is predicted to saturate within automation 0..1: no knee to fit.")
    else:
        lines += knee_verdicts(knee_stats, step)
        effect_top = summary_at(summary, EFFECT_ARM, top)
        for stage in knee_stats[(knee_stats.arm == EFFECT_ARM) & ~knee_stats.knee_found].stage:
            planned = plan.curves[stage][-1] if math.isclose(top, 1.0) else math.nan
            simulated = (
                effect_top[f"utilisation_sim_{stage}_mean"] if effect_top is not None else math.nan
            )
            lines.append(
                f"  - {stage} was predicted to saturate at {plan.points[stage]:.3f} but does not: "
                f"at automation {top:g} its planned utilisation is {fmt(planned)} while its "
                f"simulated utilisation is {fmt(simulated)} — the stage works more hours than the "
                "arithmetic's capacity (headcount × (attention − connective hours)), e.g. by "
                "giving up connective time under pressure, or the sweep stops short of its "
                "knee."
            )
    for stage in stages:
        effect_top = summary_at(summary, EFFECT_ARM, top)
        control_top = summary_at(summary, CONTROL_ARM, top)
        lines += ["", f"### {stage}", ""]
        if effect_top is not None and control_top is not None:
            lines.append(
                f"At automation {top:g}: queue growth "
                f"{fmt_ci(effect_top, f'queue_growth_{stage}')} "
                f"artifacts/day (control {fmt_ci(control_top, f'queue_growth_{stage}')}); "
                f"simulated utilisation {fmt_ci(effect_top, f'utilisation_sim_{stage}')} "
                f"(control {fmt_ci(control_top, f'utilisation_sim_{stage}')})."
            )
            lines.append("")
        if plan.points.get(stage) is None:
            lines.append(
                level_table(
                    summary,
                    [
                        (f"queue_late_{stage}", "queue"),
                        (f"queue_growth_{stage}", "queue growth/day"),
                        (f"utilisation_sim_{stage}", "utilisation"),
                    ],
                )
            )
            continue
        lines.append(
            level_table(
                summary,
                [
                    (f"planned_utilisation_{stage}", "planned ρ"),
                    (f"utilisation_sim_{stage}", "simulated utilisation"),
                    (f"queue_late_{stage}", "queue (last quarter)"),
                    (f"queue_age_hours_{stage}", "queue age h"),
                    (f"cycle_time_days_{stage}", "cycle time d"),
                    (f"throughput_{stage}", "throughput /day"),
                ],
                arms=(EFFECT_ARM,),
            )
        )
        lines += [
            "",
            "Control arm:",
            "",
            level_table(
                summary,
                [
                    (f"utilisation_sim_{stage}", "simulated utilisation"),
                    (f"queue_late_{stage}", "queue (last quarter)"),
                    (f"queue_age_hours_{stage}", "queue age h"),
                    (f"cycle_time_days_{stage}", "cycle time d"),
                    (f"throughput_{stage}", "throughput /day"),
                ],
                arms=(CONTROL_ARM,),
            ),
        ]
    lines += [
        "",
        "End-to-end time to send (days, last quarter):",
        "",
        level_table(summary, [("time_to_send_late_days", "time to send")]),
    ]
    return "\n".join(lines)


def _value(cfg: DictConfig, key: str):
    node = cfg
    for part in key.split("."):
        node = node[part]
    return node


EFFECT = Effect(
    name="saturation",
    title="Saturation: queues and cycle time downstream against automation rate",
    control={"org.capacity_follows_load": True},
    control_note=(
        "every downstream stage is staffed in proportion to "
        "the planned load the automation rate sends it, so no stage's utilisation crosses 1."
    ),
    run_metrics=run_metrics,
    paired_metrics=paired_metrics,
    metrics=metrics,
    daily_columns=daily_columns,
    figures=figures,
    report=report,
)
