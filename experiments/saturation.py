"""Saturation: once upstream output crosses a downstream stage's capacity, the excess shows.

Per downstream stage and run: queues, throughput, cycle time and utilisation, simulated and
planned from the config alone (`sim.capacity`), and the excess: work the stage does not serve,
whichever way it shows (a growing queue, work abandoned in it, drafts sent around it, work
waved through unread). The knee where the excess takes off is compared with
`sim.capacity.saturation_point`. The sweep and its control: `configs/experiment/saturation.yaml`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from experiments import plotting
from experiments.common import ARMS, CONTROL_ARM, EFFECT_ARM, fmt, fmt_ci, level_table, summary_at
from experiments.runs import RunRecord
from sim.capacity import saturation_point, utilisation
from sim.stats import confidence_interval, mean, summarise
from sim.windows import after_rollout, last_quarter, rollout_day
from sim.workflow import build_graph

HEADINGS = {  # of the per-stage tables
    "planned_utilisation": "planned ρ",
    "utilisation_sim": "simulated utilisation",
    "queue_late": "queue (last quarter)",
    "excess": "unserved/day",
    "queue_growth": "queue growth/day",
    "abandoned": "abandoned/day",
    "bypassed": "sent around/day",
    "waved_through": "waved through/day",
    "queue_age_hours": "queue age h",
    "cycle_time_days": "cycle time d",
    "throughput": "throughput /day",
}


def slope_per_day(days: pd.Series, values: pd.Series) -> float:
    """Least-squares slope of `values` against `days` (units per day)."""
    x, y = np.asarray(days, dtype=float), np.asarray(values, dtype=float)
    x, y = x[~np.isnan(y)], y[~np.isnan(y)]
    if len(x) < 2 or np.ptp(x) == 0:
        return math.nan
    return float(np.polyfit(x, y, 1)[0])


# The ways a stage's excess leaves it unserved, besides a growing queue (daily counts).
UNSERVED = ("abandoned", "bypassed", "waved_through")
# A stage counts as saturated at the top of the sweep when it leaves more than this share of
# what reaches it unserved (whole CI): below saturation a little work is still abandoned
# (a few patience draws are short), so "more than none" would find a knee everywhere.
SATURATED_SHARE = 0.05


def _daily(frame: pd.DataFrame, column: str) -> float:
    """Mean of a daily count over `frame` (0 where the mechanism is off: no column)."""
    return mean(frame[column]) if column in frame.columns and len(frame) else 0.0


def _throughput(ts: pd.DataFrame, stage: str, start_day: int, warmup: int) -> float:
    """Artifacts served per day at `stage` from `start_day` to the end.

    Departures (the cumulative `completed_<stage>`, reset at warm-up) less those waved
    through unread: waving an artifact through is not serving it.
    """
    window, column = ts[ts.day >= start_day], f"completed_{stage}"
    if window.empty:
        return math.nan
    previous = ts[ts.day == start_day - 1]
    reset = warmup > 0 and start_day <= warmup
    base = 0.0 if previous.empty or reset else float(previous[column].iloc[0])
    departures = (float(window[column].iloc[-1]) - base) / len(window)
    return departures - _daily(window, f"waved_through_{stage}")


def run_metrics(record: RunRecord) -> dict[str, float]:
    """Queues, queue age, throughput, cycle time and utilisation per downstream stage."""
    cfg, ts = record.cfg, record.timeseries
    post, late = after_rollout(ts, cfg), last_quarter(ts, cfg)
    second_half = post[post.day >= post.day.min() + len(post) // 2] if len(post) else post
    planned = utilisation(cfg, float(cfg.ai.automation_rate))
    warmup = int(cfg.metrics.warmup_days)
    metrics: dict[str, float] = {
        "time_to_send_late_days": mean(late.time_to_send_days),
        "queued_end": float(ts.queued.iloc[-1]),
    }
    for stage in utilisation(cfg, 0.0):  # staffed, non-producing, not the market
        if f"queue_{stage}" not in ts.columns:
            continue
        late_throughput = _throughput(ts, stage, int(late.day.min()), warmup)
        growth = slope_per_day(second_half.day, second_half[f"queue_{stage}"])
        unserved = {way: _daily(second_half, f"{way}_{stage}") for way in UNSERVED}
        metrics |= {
            f"excess_{stage}": growth + sum(unserved.values()),
            **{f"{way}_{stage}": value for way, value in unserved.items()},
            f"queue_late_{stage}": float(late[f"queue_{stage}"].mean()),
            f"queue_end_{stage}": float(ts[f"queue_{stage}"].iloc[-1]),
            f"queue_growth_{stage}": growth,
            f"queue_age_hours_{stage}": float(late[f"queue_age_hours_{stage}"].mean()),
            f"throughput_{stage}": _throughput(ts, stage, max(rollout_day(cfg), warmup), warmup),
            f"cycle_time_days_{stage}": (
                float(late[f"wip_{stage}"].mean()) / late_throughput
                if late_throughput > 0
                else math.nan
            ),
            f"utilisation_sim_{stage}": mean(late[f"utilisation_{stage}"]),
            f"planned_utilisation_{stage}": float(planned.get(stage, math.nan)),
        }
    return metrics


def stages_in(results: pd.DataFrame) -> list[str]:
    """Downstream stages with figures in the results."""
    prefix = "queue_growth_"
    return [c.removeprefix(prefix) for c in results.columns if c.startswith(prefix)]


def metrics(results: pd.DataFrame) -> list[str]:
    """The per-stage columns summarised per arm and level."""
    order = ("excess", "queue_late", "queue_end", "queue_growth", *UNSERVED, "queue_age_hours")
    order += ("throughput",)
    order += ("cycle_time_days", "utilisation_sim", "planned_utilisation")
    return [f"{prefix}_{stage}" for stage in stages_in(results) for prefix in order]


def daily_columns(results: pd.DataFrame) -> list[str]:
    """Timeseries columns kept per day."""
    return [f"queue_{stage}" for stage in stages_in(results)] + ["time_to_send_days"]


# ---------------------------------------------------------------------------- the knee
def hinge_fit(x: np.ndarray, y: np.ndarray, grid_points: int = 2001) -> tuple[float, float, float]:
    """Least-squares hinge `y = c + b · max(0, x − k)`, `b ≥ 0`: `k`, `c`, `b` (NaN: < 3 points)."""
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


@dataclass
class Arithmetic:
    """The config's own arithmetic: planned utilisation per stage over automation 0..1."""

    rates: np.ndarray
    curves: dict[str, np.ndarray]
    points: dict[str, float | None]

    def automation_rate_at(self, stage: str, rho: float) -> float:
        """The automation rate at which `stage`'s planned utilisation is `rho` (interpolated)."""
        return (
            math.nan if math.isnan(rho) else float(np.interp(rho, self.curves[stage], self.rates))
        )


_ARITHMETIC: dict[str, Arithmetic] = {}


def arithmetic(cfg: DictConfig) -> Arithmetic:
    """`Arithmetic` of a config, computed once per org, AI and people settings."""
    key = OmegaConf.to_yaml({"org": cfg.org, "ai": cfg.ai, "people": cfg.people})
    if key not in _ARITHMETIC:
        graph, rates = build_graph(cfg.org), np.linspace(0.0, 1.0, 101)
        table = [utilisation(cfg, float(a), graph) for a in rates]
        curves = {stage: np.array([row[stage] for row in table]) for stage in table[0]}
        points = {stage: saturation_point(cfg, stage) for stage in curves}
        _ARITHMETIC[key] = Arithmetic(rates, curves, points)
    return _ARITHMETIC[key]


def knees(results: pd.DataFrame, cfg: DictConfig) -> pd.DataFrame:
    """Per arm and stage the config predicts to saturate, the knee per replication: mean, CI.

    The hinge is fitted to the excess (unserved artifacts a day: queue growth plus work
    abandoned, sent around or waved through), so the knee is found whichever way the excess
    shows. Found only when, at the highest level, the stage leaves more than
    `SATURATED_SHARE` of what reaches it unserved (whole 95% CI).
    """
    rows, plan, top = [], arithmetic(cfg), results.automation_rate.max()
    for stage in [s for s in stages_in(results) if plan.points.get(s) is not None]:
        growth, planned = f"excess_{stage}", f"planned_utilisation_{stage}"
        for arm, arm_rows in results.groupby("arm"):
            at_top = arm_rows[np.isclose(arm_rows.automation_rate, top)]
            reached = at_top[growth] + at_top[f"throughput_{stage}"]
            found = confidence_interval(at_top[growth] / reached)["ci_low"] > SATURATED_SHARE
            for _, group in arm_rows.groupby("replication"):
                group = group.sort_values("automation_rate")
                x, y = group[planned].to_numpy(dtype=float), group[growth].to_numpy(dtype=float)
                knee, _, slope = hinge_fit(x, y) if found else (math.nan,) * 3
                rate = plan.automation_rate_at(stage, knee)
                rows.append((arm, stage, found, plan.points[stage], knee, rate, slope))
    columns = ["arm", "stage", "knee_found", "predicted_automation_rate"]
    fitted = ["knee_utilisation", "knee_automation_rate", "growth_slope"]
    table = pd.DataFrame(rows, columns=columns + fitted)
    if table.empty:
        return table
    first = table.groupby(columns[:2], as_index=False)[columns[2:]].first()
    return first.merge(summarise(table, columns[:2], fitted), on=columns[:2])


# ---------------------------------------------------------------------------- figures
def figures(results, summary, daily, directory: Path, cfg: DictConfig) -> list[Path]:
    """Overview (utilisation, excess, time to send) and 2×2 panels per saturating stage."""
    stages, plan, knee_stats = stages_in(results), arithmetic(cfg), knees(results, cfg)
    colors = {stage: f"C{i % 10}" for i, stage in enumerate(stages)}  # matplotlib's own cycle
    fig, axes = plotting.subplots(1, 3, width=5.0)
    for stage in stages:
        axes[0].plot(plan.rates, plan.curves[stage], color=colors[stage], label=f"{stage} (config)")
        simulated, color = f"utilisation_sim_{stage}", colors[stage]
        plotting.errorbars(
            axes[0], summary, simulated, f"{stage}, simulated", (EFFECT_ARM,), color=color
        )
        plotting.errorbars(axes[1], summary, f"excess_{stage}", stage, ARMS, color=color)
    axes[0].axhline(1.0, color="black", linewidth=0.8, linestyle=":")
    plotting.errorbars(axes[2], summary, "time_to_send_late_days", color="tab:purple")
    for ax, ylabel, title, size in (
        (axes[0], "utilisation", "Utilisation: config (lines), simulated (points)", 6),
        (axes[1], "unserved (artifacts/day)", "Excess per stage (dashed: control)", 6),
        (axes[2], "days", "End-to-end time to send (last quarter)", 7),
    ):
        ax.set(xlabel="automation rate", ylabel=ylabel, title=title)
        ax.legend(fontsize=size)
        for stage in [s for s in stages if plan.points.get(s) is not None]:
            ax.axvline(plan.points[stage], color=colors[stage], linestyle=":", linewidth=1)
    paths = [plotting.save(fig, directory / "saturation_overview.png")]
    panels = {
        "excess": ("artifacts a day (second half)", "Unserved: queue growth + abandoned + around"),
        "queue_late": ("artifacts waiting (last quarter)", "Queue length"),
        "cycle_time_days": ("days in stage (Little's law)", "Cycle time in stage"),
        "throughput": ("departures per day after roll-out", "Throughput"),
    }
    for stage in [s for s in stages if plan.points.get(s) is not None]:
        point = plan.points[stage]
        row = knee_stats[(knee_stats.arm == EFFECT_ARM) & (knee_stats.stage == stage)]
        fig, axes = plotting.subplots(2, 2, width=5.0)
        for ax, (prefix, (ylabel, title)) in zip(axes, panels.items(), strict=True):
            plotting.errorbars(ax, summary, f"{prefix}_{stage}")
            label = f"config: utilisation 1 at {point:.3f}"
            ax.axvline(point, color="tab:red", linestyle=":", label=label)
            if len(row) and not math.isnan(row.iloc[0].knee_automation_rate_ci_low):
                knee = row.iloc[0]
                span = (knee.knee_automation_rate_ci_low, knee.knee_automation_rate_ci_high)
                ax.axvspan(*span, color="tab:red", alpha=0.12, label="simulated knee, 95% CI")
            ax.set(xlabel="automation rate", ylabel=ylabel, title=f"{title}: {stage}")
            ax.legend(fontsize=7)
        paths.append(plotting.save(fig, directory / f"saturation_{stage}.png"))
    return paths


# ---------------------------------------------------------------------------- report
def knee_lines(knee_stats: pd.DataFrame, step: float) -> list[str]:
    """One line per arm and stage: knee found or not, and where against the config's point."""
    lines = []
    for _, row in knee_stats.iterrows():
        if not row.knee_found:
            lines.append(
                f"- {row.arm}, {row.stage}: no knee — at the highest level swept it leaves no "
                f"more than {SATURATED_SHARE:.0%} of its work unserved (whole CI)"
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


def report(results: pd.DataFrame, summary: pd.DataFrame, cfg: DictConfig) -> list[str]:
    """Saturation points from the config, the fitted knees, and a table per stage."""
    stages, plan, knee_stats = stages_in(results), arithmetic(cfg), knees(results, cfg)
    lines = [
        "",
        "| stage | planned utilisation at 0 | at 1.0 | saturation point (automation rate) |",
    ]
    lines += ["|---|---|---|---|"]
    for stage in stages:
        point, curve = plan.points.get(stage), plan.curves[stage]
        shown = "never (below 1 up to automation 1)" if point is None else f"{point:.3f}"
        lines.append(f"| {stage} | {fmt(curve[0])} | {fmt(curve[-1])} | {shown} |")
    levels = sorted(summary.automation_rate.unique())
    step, top = (float(np.min(np.diff(levels))) if len(levels) > 1 else 1.0), max(levels)
    lines += ["", "The simulated knee:", ""]
    if knee_stats.empty:
        lines.append("No stage is predicted to saturate within automation 0..1: no knee to fit.")
    lines += knee_lines(knee_stats, step)
    effect_top = summary_at(summary, EFFECT_ARM, top)
    for stage in knee_stats[(knee_stats.arm == EFFECT_ARM) & ~knee_stats.knee_found].stage:
        planned = plan.curves[stage][-1] if math.isclose(top, 1.0) else math.nan
        simulated = math.nan if effect_top is None else effect_top[f"utilisation_sim_{stage}_mean"]
        lines.append(
            f"  - {stage} was predicted to saturate at {plan.points[stage]:.3f} but does not: at "
            f"automation {top:g} its utilisation is {fmt(planned)} planned, {fmt(simulated)} "
            "simulated — it works more hours than the arithmetic's capacity, or the sweep stops "
            "short of its knee."
        )
    for stage in stages:
        columns = {f"{prefix}_{stage}": heading for prefix, heading in HEADINGS.items()}
        lines += ["", f"### {stage}", "", level_table(summary, columns, (EFFECT_ARM,))]
        lines += ["", "Control arm:", "", level_table(summary, columns, (CONTROL_ARM,))]
    return lines
