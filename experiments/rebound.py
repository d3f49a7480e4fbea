"""Rebound: cheaper drafts mean more drafts, so total human hours fall far less than the saving.

Per run, from the roll-out on, against the automation-0 run of the same arm and replication:
expected saving (hours/day) = Σ over kinds of that run's drafted volume × producer hours saved
per artifact, `unit_cost(h, r, 0) − unit_cost(h, r, a)` (`sim.production.unit_cost`; `h` the
author's effort, `r` the kind's `ai.kinds.<k>.effort_ratio`); actual saving = the change in
total human hours; rebound = 1 − actual / expected (> 1: backfire). The sweep, its control
and the report: `configs/experiment/rebound.yaml`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from omegaconf import DictConfig

from experiments.common import CONTROL_ARM, at_zero, fmt
from experiments.runs import RunRecord
from sim.production import unit_cost
from sim.windows import after_rollout

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
    for column in ("total_human_hours", *COMPONENTS[:3], "triage_hours"):
        metrics[f"{column}_per_day"] = float(post[column].mean())
    other = metrics["total_human_hours_per_day"] - sum(
        metrics[f"{c}_per_day"] for c in COMPONENTS[:3]
    )
    metrics["other_hours_per_day"] = other if abs(other) > 1e-9 else 0.0
    metrics["artifacts_drafted_per_day"] = float(post.artifacts_drafted.mean())
    # while AI use spreads (`ai.adoption_days`), only those using it can save: the rate they
    # draft at is the automation rate times the mean share using AI after the roll-out
    using = float(post.ai_users_share.mean()) if "ai_users_share" in post else 1.0
    for kind, hours in author_hours(cfg).items():
        metrics[f"drafted_post_{kind}"] = float(post[f"drafted_{kind}"].sum())
        metrics[f"saving_per_artifact_{kind}"] = saving_per_artifact(
            cfg, kind, hours, float(cfg.ai.automation_rate) * using
        )
    metrics["queued_end"] = float(ts.queued.iloc[-1])
    return metrics


def paired_metrics(results: pd.DataFrame) -> pd.DataFrame:
    """Expected and actual saving against the automation-0 run, and the rebound."""
    out, zero = results.copy(), at_zero(results)
    expected = pd.Series(0.0, index=out.index)
    for column in [c for c in out.columns if c.startswith("saving_per_artifact_")]:
        volume = zero[f"drafted_post_{column.removeprefix('saving_per_artifact_')}"]
        expected += volume * out[column].fillna(0.0)
    out["expected_saving_per_day"] = expected / out.post_days
    out["actual_saving_per_day"] = zero.total_human_hours_per_day - out.total_human_hours_per_day
    with np.errstate(divide="ignore", invalid="ignore"):
        rebound = 1.0 - out.actual_saving_per_day / out.expected_saving_per_day
    out["rebound"] = rebound.where(out.expected_saving_per_day > 1e-9)
    return out


def report(results: pd.DataFrame, summary: pd.DataFrame, cfg: DictConfig) -> list[str]:
    """How far the control arm's rebound ranges over the levels."""
    control = summary[(summary.arm == CONTROL_ARM) & (summary.automation_rate > 0)].rebound_mean
    return [f"- control rebound ranges {fmt(control.min())} .. {fmt(control.max())}"]
