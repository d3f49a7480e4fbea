"""The dashboard illusion: the dashboard's productivity rises while the outcomes do not.

Per run (from its `summary.json`: last quarter against the days before the roll-out):

* dashboard change: `dashboard_per_fte` after vs before the roll-out;
* outcomes: qualified pipeline change, win rate, cycle time to qualified pipeline, escaped
  defects per day, hidden validation hours per day, revenue per day (last quarter).

Each is compared with the automation-0 run of the same arm and replication (common random
numbers), so what the market does anyway (e.g. a pool that tires of outreach) cancels out. The
gap is the dashboard's change minus the qualified pipeline's change, both against automation 0.

Control: `metrics.dashboard_counts=outcome_linked`: the dashboard counts only artifacts that
reached an outcome (outreach that produced qualified pipeline, used assets, won
proposals). The simulation itself is
unchanged (the same draws give the same outcomes), only what the dashboard counts differs.
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
    before_rollout,
    ci_above,
    ci_below,
    fmt_ci,
    last_quarter,
    level_table,
    paired,
    summary_at,
)

OUTCOMES = {
    "win_rate_vs0": "win rate (last quarter) vs automation 0",
    "cycle_time_vs0": "cycle time to qualified pipeline, days vs automation 0",
    "escaped_vs0": "escaped defects per day vs automation 0",
    "hidden_hours_vs0": "hidden validation hours per day vs automation 0",
}


def _get(summary: dict, key: str) -> float:
    value = summary.get(key)
    return math.nan if value is None else float(value)


def run_metrics(record: RunRecord) -> dict[str, float]:
    """Dashboard and outcome figures of one run."""
    cfg, ts, summary = record.cfg, record.timeseries, record.summary
    before, after = before_rollout(ts, cfg), last_quarter(ts, cfg)
    revenue_before = float(before.revenue.mean()) if len(before) else math.nan
    revenue_after = float(after.revenue.mean())
    return {
        "dashboard_change": _get(summary, "dashboard_change"),
        "pipeline_change": _get(summary, "qualified_pipeline_change"),
        "win_rate_after": _get(summary, "win_rate_after"),
        "cycle_time_after_days": _get(summary, "cycle_time_after_days"),
        "escaped_per_day_after": _get(summary, "escaped_defects_per_day_after"),
        "hidden_hours_per_day_after": _get(summary, "hidden_validation_hours_per_day_after"),
        "revenue_per_day_after": revenue_after,
        "revenue_change": revenue_after / revenue_before - 1.0 if revenue_before else math.nan,
        "dashboard_per_fte_after": float(after.dashboard_per_fte.mean()),
    }


def paired_metrics(results: pd.DataFrame) -> pd.DataFrame:
    """Every figure against the automation-0 run of the same arm and replication; the gap."""
    out = results.copy()
    out["dashboard_vs0"] = out.dashboard_change - paired(out, "dashboard_change")
    out["pipeline_vs0"] = out.pipeline_change - paired(out, "pipeline_change")
    out["gap"] = out.dashboard_vs0 - out.pipeline_vs0
    out["win_rate_vs0"] = out.win_rate_after - paired(out, "win_rate_after")
    out["cycle_time_vs0"] = out.cycle_time_after_days - paired(out, "cycle_time_after_days")
    out["escaped_vs0"] = out.escaped_per_day_after - paired(out, "escaped_per_day_after")
    out["hidden_hours_vs0"] = out.hidden_hours_per_day_after - paired(
        out, "hidden_hours_per_day_after"
    )
    out["revenue_vs0"] = out.revenue_per_day_after / paired(out, "revenue_per_day_after") - 1.0
    return out


def metrics(results: pd.DataFrame) -> list[str]:
    """Columns summarised per arm and level."""
    return [
        "dashboard_change",
        "pipeline_change",
        "dashboard_vs0",
        "pipeline_vs0",
        "gap",
        "win_rate_after",
        "cycle_time_after_days",
        "escaped_per_day_after",
        "hidden_hours_per_day_after",
        "revenue_change",
        *OUTCOMES,
        "revenue_vs0",
    ]


def daily_columns(results: pd.DataFrame) -> list[str]:
    """Timeseries columns kept per day."""
    return ["dashboard_per_fte", "qualified_pipeline", "wins", "decisions"]


def figures(
    results: pd.DataFrame,
    summary: pd.DataFrame,
    daily: pd.DataFrame,
    directory: Path,
    cfg: DictConfig,
) -> list[Path]:
    """Dashboard vs pipeline (and the gap) per level; the other outcomes per level."""
    paths = []
    fig, axes = plotting.subplots(1, 2, width=5.5)
    plotting.errorbars(
        axes[0], summary, "dashboard_vs0", "dashboard per FTE", color="tab:orange", scale=100
    )
    plotting.errorbars(
        axes[0], summary, "pipeline_vs0", "qualified pipeline", color="tab:blue", scale=100
    )
    axes[0].axhline(0, color="black", linewidth=0.8)
    axes[0].set(
        xlabel="automation rate",
        ylabel="change after roll-out, points vs automation 0 (%)",
        title="Dashboard vs outcome (dashed: control)",
    )
    axes[0].legend(fontsize=7)
    plotting.errorbars(axes[1], summary, "gap", "dashboard − pipeline", color="tab:red", scale=100)
    axes[1].axhline(0, color="black", linewidth=0.8)
    axes[1].set(
        xlabel="automation rate",
        ylabel="percentage points",
        title="The gap: dashboard change − outcome change",
    )
    axes[1].legend(fontsize=7)
    paths.append(plotting.save(fig, directory / "dashboard_illusion.png"))
    fig, axes = plotting.subplots(2, 2, width=5.0)
    for ax, (metric, label) in zip(axes, OUTCOMES.items(), strict=True):
        plotting.errorbars(ax, summary, metric)
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set(xlabel="automation rate", title=label)
        ax.legend(fontsize=7)
    paths.append(plotting.save(fig, directory / "dashboard_illusion_outcomes.png"))
    return paths


def report(
    results: pd.DataFrame, summary: pd.DataFrame, figure_paths: list[Path], cfg: DictConfig
) -> str:
    """Per-level tables and computed verdicts."""
    levels = [a for a in sorted(summary.automation_rate.unique()) if a > 0]
    illusion = []
    for level in levels:
        row = summary_at(summary, EFFECT_ARM, level)
        not_up = not ci_above(row, "pipeline_vs0", 0.0) and not ci_above(row, "win_rate_vs0", 0.0)
        if ci_above(row, "dashboard_vs0", 0.0) and not_up:
            illusion.append(level)
    closed = [a for a in levels if not ci_above(summary_at(summary, CONTROL_ARM, a), "gap", 0.0)]
    worse = {
        name: [a for a in levels if ci_above(summary_at(summary, EFFECT_ARM, a), name, 0.0)]
        for name in ("cycle_time_vs0", "escaped_vs0", "hidden_hours_vs0")
    }
    win_down = [
        a for a in levels if ci_below(summary_at(summary, EFFECT_ARM, a), "win_rate_vs0", 0.0)
    ]
    identical = _outcomes_identical(results)
    top = max(levels) if levels else 0.0
    effect_top, control_top = (
        summary_at(summary, EFFECT_ARM, top),
        summary_at(summary, CONTROL_ARM, top),
    )
    lines = [
        "Changes are last quarter of the run against the days before the roll-out, then taken "
        "against the automation-0 run of the same replication (percentage points).",
        "",
        level_table(
            summary,
            [
                ("dashboard_vs0", "dashboard"),
                ("pipeline_vs0", "qualified pipeline"),
                ("gap", "gap"),
            ],
            percent=["dashboard_vs0", "pipeline_vs0", "gap"],
        ),
        "",
        "Outcomes against automation 0 (effect arm; the control arm runs the same simulation and "
        "differs only in what the dashboard counts):",
        "",
        level_table(
            summary,
            [(m, m.removesuffix("_vs0").replace("_", " ")) for m in OUTCOMES]
            + [("revenue_vs0", "revenue")],
            arms=(EFFECT_ARM,),
            percent=["revenue_vs0"],
        ),
        "",
        "Computed from the tables:",
        "",
        f"- dashboard up (whole CI above 0) while neither qualified pipeline nor win rate is up, "
        f"at levels: {', '.join(f'{a:g}' for a in illusion) or 'none'}",
        f"- outcomes worse (whole CI): cycle time up at {_levels(worse['cycle_time_vs0'])}; "
        "escaped "
        f"defects up at {_levels(worse['escaped_vs0'])}; hidden validation hours up at "
        f"{_levels(worse['hidden_hours_vs0'])}; win rate down at {_levels(win_down)}",
        f"- control (`outcome_linked` dashboard): the gap is no longer above 0 (CI) at levels: "
        f"{_levels(closed)}",
        f"- outcomes identical in both arms (common random numbers, counting-only control): "
        f"{'yes' if identical else 'no'}",
    ]
    if effect_top is not None and control_top is not None:
        lines.append(
            f"- at automation {top:g}: dashboard "
            f"{fmt_ci(effect_top, 'dashboard_vs0', percent=True)}"
            f" vs pipeline {fmt_ci(effect_top, 'pipeline_vs0', percent=True)}; gap "
            f"{fmt_ci(effect_top, 'gap', percent=True)}; with the control the dashboard shows "
            f"{fmt_ci(control_top, 'dashboard_vs0', percent=True)} and the gap is "
            f"{fmt_ci(control_top, 'gap', percent=True)}"
        )
    return "\n".join(lines)


def _levels(levels: list[float]) -> str:
    return ", ".join(f"{a:g}" for a in levels) or "none"


def _outcomes_identical(results: pd.DataFrame) -> bool:
    columns = ["pipeline_change", "win_rate_after", "escaped_per_day_after"]
    arms = {
        arm: group.set_index(["automation_rate", "replication"])[columns].sort_index()
        for arm, group in results.groupby("arm")
    }
    if len(arms) < 2:
        return False
    effect, control = arms[EFFECT_ARM], arms[CONTROL_ARM]
    common = effect.index.intersection(control.index)
    return bool(
        np.allclose(
            effect.loc[common].to_numpy(dtype=float),
            control.loc[common].to_numpy(dtype=float),
            equal_nan=True,
        )
    )


EFFECT = Effect(
    name="dashboard_illusion",
    title="The dashboard illusion: dashboard productivity against outcomes",
    control={"metrics.dashboard_counts": "outcome_linked"},
    control_note=(
        "the dashboard counts only artifacts that "
        "reached an outcome (outreach that produced qualified pipeline, used assets, won "
        "proposals) instead of every "
        "artifact, AI outputs tallied like human ones."
    ),
    run_metrics=run_metrics,
    paired_metrics=paired_metrics,
    metrics=metrics,
    daily_columns=daily_columns,
    figures=figures,
    report=report,
)
