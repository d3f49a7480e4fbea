"""Rebound: cheaper drafts mean more drafts, so total human hours fall far less than the saving.

Per run, after the roll-out:

* expected saving (hours/day) = Σ_kind baseline volume × saving per artifact, where the
  baseline volume is the automation-0 run's drafted volume of the kind (same arm and
  replication: common random numbers) and the saving per artifact is
  `unit_cost(h, r, 0) − unit_cost(h, r, a)` (`sim.production.unit_cost`, `h` the author's
  effort for the kind, `r` its `ai.kinds.<k>.effort_ratio`);
* actual saving (hours/day) = total human hours of the automation-0 run − those of this run
  (production + review + rework + other; triage is part of review);
* rebound = 1 − actual / expected (> 1 is backfire: more hours than without AI).

Control: `people.production.volume_elasticity=0` fixes discretionary volume, removing the
volume response (the mechanism); whatever rebound remains comes from reviewing and reworking
AI-made defects.
"""

from __future__ import annotations

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
    after_rollout,
    ci_above,
    ci_contains,
    fmt,
    fmt_ci,
    level_table,
    paired,
    summary_at,
)
from sim.production import unit_cost

COMPONENTS = ("production_hours", "review_hours", "rework_hours", "other_hours")


def author_hours(cfg: DictConfig) -> dict[str, float]:
    """Author effort (hours per human-made artifact) per kind.

    Discretionary kinds are authored where they are planned (`produces_per_day`; weighted by
    planned volume if several stages plan them); demand-driven kinds (proposals, call
    summaries) by the sales-rep stage that has effort for them, as in the model.
    """
    weighted: dict[str, list[tuple[float, float]]] = {}
    for stage in cfg.org.stages.values():
        for kind, per_person in stage.produces_per_day.items():
            weight = float(stage.headcount) * float(per_person)
            weighted.setdefault(kind, []).append((weight, float(stage.effort_hours.get(kind, 0.0))))
    hours = {}
    for kind, pairs in weighted.items():
        total = sum(w for w, _ in pairs)
        hours[kind] = sum(w * h for w, h in pairs) / total if total > 0 else 0.0
    for kind, spec in cfg.org.kinds.items():
        if kind in hours or spec.produced_on == "plan":
            continue
        for stage in cfg.org.stages.values():
            if stage.role == "sales_rep" and kind in stage.effort_hours:
                hours[kind] = float(stage.effort_hours[kind])
                break
    return hours


def saving_per_artifact(cfg: DictConfig, kind: str, hours: float, automation_rate: float) -> float:
    """Expected producer hours saved per artifact of `kind` at `automation_rate`."""
    if kind not in cfg.ai.kinds:
        return 0.0
    ratio = float(cfg.ai.kinds[kind].effort_ratio)
    return unit_cost(hours, ratio, 0.0) - unit_cost(hours, ratio, automation_rate)


def run_metrics(record: RunRecord) -> dict[str, float]:
    """Hours per day by component, drafted volume per kind, and saving per artifact."""
    cfg, ts = record.cfg, record.timeseries
    post = after_rollout(ts, cfg)
    metrics: dict[str, float] = {"post_days": float(len(post))}
    for column in (
        "total_human_hours",
        "production_hours",
        "review_hours",
        "rework_hours",
        "triage_hours",
    ):
        metrics[f"{column}_per_day"] = float(post[column].mean())
    other = metrics["total_human_hours_per_day"] - sum(
        metrics[f"{c}_per_day"] for c in ("production_hours", "review_hours", "rework_hours")
    )
    metrics["other_hours_per_day"] = other if abs(other) > 1e-9 else 0.0
    metrics["artifacts_drafted_per_day"] = float(post.artifacts_drafted.mean())
    for kind, hours in author_hours(cfg).items():
        metrics[f"drafted_post_{kind}"] = float(post[f"drafted_{kind}"].sum())
        metrics[f"saving_per_artifact_{kind}"] = saving_per_artifact(
            cfg, kind, hours, float(cfg.ai.automation_rate)
        )
    metrics["queued_end"] = float(ts.queued.iloc[-1])
    return metrics


def paired_metrics(results: pd.DataFrame) -> pd.DataFrame:
    """Expected and actual saving against the automation-0 run, and the rebound."""
    out = results.copy()
    kinds = [
        c.removeprefix("saving_per_artifact_")
        for c in out.columns
        if c.startswith("saving_per_artifact_")
    ]
    expected = pd.Series(0.0, index=out.index)
    for kind in kinds:
        volume = paired(out, f"drafted_post_{kind}")
        expected += volume * out[f"saving_per_artifact_{kind}"].fillna(0.0)
    out["expected_saving_per_day"] = expected / out.post_days
    out["actual_saving_per_day"] = (
        paired(out, "total_human_hours_per_day") - out.total_human_hours_per_day
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        rebound = 1.0 - out.actual_saving_per_day / out.expected_saving_per_day
    out["rebound"] = rebound.where(out.expected_saving_per_day > 1e-9)
    out["volume_change"] = (
        out.artifacts_drafted_per_day / paired(out, "artifacts_drafted_per_day") - 1.0
    )
    for component in COMPONENTS:
        out[f"{component}_change_per_day"] = out[f"{component}_per_day"] - paired(
            out, f"{component}_per_day"
        )
    return out


def metrics(results: pd.DataFrame) -> list[str]:
    """Columns summarised per arm and level."""
    return [
        "expected_saving_per_day",
        "actual_saving_per_day",
        "rebound",
        "volume_change",
        "total_human_hours_per_day",
        "queued_end",
    ] + [f"{c}_change_per_day" for c in COMPONENTS]


def daily_columns(results: pd.DataFrame) -> list[str]:
    """Timeseries columns kept per day."""
    return [
        "total_human_hours",
        "production_hours",
        "review_hours",
        "rework_hours",
        "artifacts_drafted",
    ]


def figures(
    results: pd.DataFrame,
    summary: pd.DataFrame,
    daily: pd.DataFrame,
    directory: Path,
    cfg: DictConfig,
) -> list[Path]:
    """Expected vs actual saving, rebound with CI, and the change in hours by component."""
    paths = []
    fig, (left, right) = plotting.subplots(1, 2, width=5.5)
    plotting.errorbars(
        left, summary, "expected_saving_per_day", "expected saving", color="tab:grey"
    )
    plotting.errorbars(left, summary, "actual_saving_per_day", "actual saving", color="tab:blue")
    left.axhline(0, color="black", linewidth=0.8)
    left.set(
        xlabel="automation rate",
        ylabel="hours per day vs automation 0",
        title="Saving after roll-out: expected vs actual",
    )
    left.legend(fontsize=8)
    plotting.errorbars(right, summary, "rebound", color="tab:red")
    for y in (0.0, 1.0):
        right.axhline(y, color="black", linewidth=0.8, linestyle=":")
    right.set(
        xlabel="automation rate",
        ylabel="rebound = 1 − actual / expected",
        title="Rebound (above 1: backfire), 95% CI",
    )
    right.legend(fontsize=8)
    paths.append(plotting.save(fig, directory / "rebound.png"))
    fig, axes = plotting.subplots(1, 2, width=5.5)
    for ax, arm in zip(axes, (EFFECT_ARM, CONTROL_ARM), strict=True):
        for component, color in zip(
            COMPONENTS, ("tab:blue", "tab:orange", "tab:red", "tab:grey"), strict=True
        ):
            plotting.errorbars(
                ax,
                summary,
                f"{component}_change_per_day",
                component.removesuffix("_hours"),
                arms=(arm,),
                color=color,
            )
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set(
            xlabel="automation rate",
            ylabel="hours per day vs automation 0",
            title=f"Change in human hours by component ({arm})",
        )
        ax.legend(fontsize=8)
    paths.append(plotting.save(fig, directory / "rebound_components.png"))
    return paths


def report(
    results: pd.DataFrame, summary: pd.DataFrame, figure_paths: list[Path], cfg: DictConfig
) -> str:
    """Table and computed verdicts."""
    levels = sorted(summary.automation_rate.unique())
    positive = [a for a in levels if ci_above(summary_at(summary, EFFECT_ARM, a), "rebound", 0.0)]
    backfire = [a for a in levels if ci_above(summary_at(summary, EFFECT_ARM, a), "rebound", 1.0)]
    control_zero = [
        a
        for a in levels
        if a > 0 and ci_contains(summary_at(summary, CONTROL_ARM, a), "rebound", 0.0)
    ]
    control = summary[(summary.arm == CONTROL_ARM) & (summary.automation_rate > 0)]
    upper_levels = [a for a in levels if a >= 0.5]
    from_half = bool(upper_levels) and all(a in positive for a in upper_levels)
    lines = [
        "Rebound = 1 − actual saving / expected saving, per replication against the automation-0 "
        "run of the same replication (common random numbers), days from the roll-out on. "
        "Expected saving = automation-0 drafted volume per kind × producer hours saved per "
        "artifact (`sim.production.unit_cost`).",
        "",
        level_table(
            summary,
            [
                ("expected_saving_per_day", "expected saving h/day"),
                ("actual_saving_per_day", "actual saving h/day"),
                ("rebound", "rebound"),
            ],
        ),
        "",
        "Computed from the table:",
        "",
        f"- rebound > 0 (whole 95% CI) at levels: {', '.join(f'{a:g}' for a in positive) or 'none'}"
        f"; at every level from 0.5 up: **{'yes' if from_half else 'no'}**",
        f"- backfire (rebound > 1, whole CI) at levels: "
        f"{', '.join(f'{a:g}' for a in backfire) or 'none'}",
        f"- control (`volume_elasticity=0`): CI contains 0 at levels "
        f"{', '.join(f'{a:g}' for a in control_zero) or 'none'}; control rebound ranges "
        f"{fmt(control.rebound_mean.min())} .. {fmt(control.rebound_mean.max())}",
        "",
        "What makes up the change in hours (hours/day against automation 0; review includes "
        "triage):",
        "",
        level_table(
            summary, [(f"{c}_change_per_day", c.removesuffix("_hours")) for c in COMPONENTS]
        ),
        "",
        "Volume drafted and work left waiting at the end of the run (hours spent only count work "
        "done: a saturated stage caps the hours, its queue holds the rest):",
        "",
        level_table(
            summary,
            [
                ("volume_change", "drafted volume vs automation 0"),
                ("queued_end", "artifacts waiting at end"),
            ],
            percent=["volume_change"],
        ),
    ]
    residual = summary_at(summary, CONTROL_ARM, max(levels))
    if residual is not None:
        lines += [
            "",
            f"Control at automation {max(levels):g}: rebound {fmt_ci(residual, 'rebound')}. With "
            f"volume fixed, hours change by production "
            f"{fmt_ci(residual, 'production_hours_change_per_day')} h/day (expected saving "
            f"{fmt_ci(residual, 'expected_saving_per_day')} h/day), review "
            f"{fmt_ci(residual, 'review_hours_change_per_day')} h/day and rework "
            f"{fmt_ci(residual, 'rework_hours_change_per_day')} h/day against automation 0: what "
            "rebound the control leaves is the checking and fixing of AI drafts, not a volume "
            "response.",
        ]
    return "\n".join(lines)


EFFECT = Effect(
    name="rebound",
    title="Rebound: total human hours against the naive saving",
    control={"people.production.volume_elasticity": 0.0},
    control_note=(
        "producers' discretionary volume no longer "
        "responds to the cheaper drafts (the rebound mechanism). Only the volume response is "
        "removed; AI drafts still carry their own defect rates, so review and rework of AI-made "
        "defects still add hours."
    ),
    run_metrics=run_metrics,
    paired_metrics=paired_metrics,
    metrics=metrics,
    daily_columns=daily_columns,
    figures=figures,
    report=report,
)

__all__ = ["EFFECT", "author_hours", "saving_per_artifact"]
