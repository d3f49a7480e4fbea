"""Running the model: replications of one config, and the run-level summary of each.

`run(cfg)` is the Python API notebooks use; the command line calls the same function.
"""

from __future__ import annotations

import gc
import math
import sys
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig
from tqdm import tqdm

from sim.config import validate
from sim.metrics import littles_law
from sim.model import OrgModel
from sim.stats import confidence_interval, mean, ratio, relative_change
from sim.windows import before_rollout, last_quarter

# Run-level figures that get a mean and CI over replications in summary.json.
HEADLINE = (
    "dashboard_change",
    "messages_change",
    "qualified_pipeline_change",
    "win_rate_before",
    "win_rate_after",
    "cycle_time_before_days",
    "cycle_time_after_days",
    "time_to_send_before_days",
    "time_to_send_after_days",
    "response_rate_before",
    "response_rate_after",
    "escaped_defects_per_day_after",
    "hidden_validation_hours_per_day_after",
    "total_human_hours_per_day_before",
    "total_human_hours_per_day_after",
    "burnout_share_end",
    "abandoned_per_day_after",
    "wasted_hours_per_day_after",
    "bypassed_per_day_after",
    "waved_through_per_day_after",
    "hired_end",
)


@dataclass
class RunResult:
    """What a run returns.

    Attributes:
        config: the resolved config.
        timeseries: one row per day and replication (column `replication`), both books.
        summary: run-level figures: per replication, and mean/sd/n/CI over replications.
        replications: per-replication summaries, in order.
        visits: one row per stage visit of every finished artifact, when
            `metrics.record_artifacts` is on.
    """

    config: DictConfig
    timeseries: pd.DataFrame
    summary: dict[str, Any]
    replications: list[dict[str, Any]] = field(default_factory=list)
    visits: pd.DataFrame | None = None


def versions() -> dict[str, str]:
    """Versions of absorb and the libraries that shape its numbers."""
    return dict(_versions())


@cache
def _versions() -> dict[str, str]:
    """Read once per process: reading package metadata takes longer than a short run's summary."""
    found = {}
    for package in ("absorb", "mesa", "numpy", "networkx", "pandas", "scipy", "hydra-core"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    found["python"] = sys.version.split()[0]
    return found


def simulate(
    cfg: DictConfig, replication: int = 0, progress: bool = False
) -> tuple[pd.DataFrame, dict[str, Any], OrgModel]:
    """Run one replication.

    Args:
        cfg: a validated run config.
        replication: replication index (fixes the random streams with `cfg.seed`).
        progress: show a progress bar.

    Returns:
        The daily timeseries, the run-level summary, and the finished model.
    """
    model = OrgModel(cfg, replication)
    # Artifacts and events form no reference cycles, so the cyclic collector only rescans
    # the growing set of live artifacts: off during the run, back on (and run) after it.
    collecting = gc.isenabled()
    gc.disable()
    try:
        days = tqdm(
            range(cfg.days),
            disable=not progress,
            unit="day",
            leave=False,
            desc=f"replication {replication}",
        )
        for _ in days:
            model.step()
    finally:
        if collecting:
            gc.enable()
            gc.collect()
    timeseries = model.datacollector.get_model_vars_dataframe()
    return timeseries, summarise_run(timeseries, model), model


def run(cfg: DictConfig, progress: bool | None = None) -> RunResult:
    """Run every replication of `cfg` and summarise them.

    Args:
        cfg: a config from `load_config` or Hydra.
        progress: progress bar; by default shown only on a terminal and when `cfg.progress`.

    Returns:
        The `RunResult`.

    Raises:
        ConfigError: when a value is not allowed (the same one line the command line prints).
    """
    validate(cfg)
    if progress is None:
        progress = bool(cfg.progress) and sys.stderr.isatty()
    frames, summaries, visits = [], [], []
    for replication in range(cfg.replications):
        timeseries, summary, model = simulate(cfg, replication, progress)
        frames.append(timeseries.assign(replication=replication))
        summaries.append(summary)
        if cfg.metrics.record_artifacts:
            visits.append(visit_table(model).assign(replication=replication))
    aggregate = {key: confidence_interval([s[key] for s in summaries]) for key in HEADLINE}
    summary = {
        "seed": int(cfg.seed),
        "replications": int(cfg.replications),
        "versions": versions(),
        "headline": aggregate,
        "per_replication": summaries,
    }
    return RunResult(
        config=cfg,
        timeseries=pd.concat(frames, ignore_index=True),
        summary=summary,
        replications=summaries,
        visits=pd.concat(visits, ignore_index=True) if visits else None,
    )


def visit_table(model: OrgModel) -> pd.DataFrame:
    """The recorded stage visits of finished artifacts, with hours turned into stage names."""
    columns = ["artifact", "kind", "origin", "stage", "entered_hour", "started_hour", "left_hour"]
    frame = pd.DataFrame(model.visit_log, columns=columns)
    frame["stage"] = [model.stages.names[s] for s in frame["stage"]]
    frame["origin"] = frame["origin"].map({0: "human", 1: "ai"})
    return frame


def summarise_run(timeseries: pd.DataFrame, model: OrgModel) -> dict[str, Any]:
    """Run-level figures of one replication: before the roll-out against the last quarter.

    "Before" is the days from warm-up to roll-out; "after" the last quarter of the run
    (`sim.windows`). Both books are compared the same way, so their divergence is direct.
    """
    cfg = model.cfg
    before, after = before_rollout(timeseries, cfg), last_quarter(timeseries, cfg)
    summary: dict[str, Any] = {"replication": model.replication}
    summary["dashboard_change"] = relative_change(
        after.dashboard_per_fte.mean(), before.dashboard_per_fte.mean()
    )
    summary["messages_change"] = relative_change(
        after.messages_sent.mean(), before.messages_sent.mean()
    )
    summary["qualified_pipeline_change"] = relative_change(
        after.qualified_pipeline.mean(), before.qualified_pipeline.mean()
    )
    summary["win_rate_before"] = ratio(before.wins, before.decisions)
    summary["win_rate_after"] = ratio(after.wins, after.decisions)
    summary["cycle_time_before_days"] = mean(before.cycle_time_to_pipeline_days)
    summary["cycle_time_after_days"] = mean(after.cycle_time_to_pipeline_days)
    summary["time_to_send_before_days"] = mean(before.time_to_send_days)
    summary["time_to_send_after_days"] = mean(after.time_to_send_days)
    summary["response_rate_before"] = ratio(before.replies, before.prospects_reached)
    summary["response_rate_after"] = ratio(after.replies, after.prospects_reached)
    summary["escaped_defects_per_day_after"] = float(after.escaped_defects.mean())
    summary["hidden_validation_hours_per_day_after"] = float(after.hidden_validation_hours.mean())
    summary["total_human_hours_per_day_before"] = float(before.total_human_hours.mean())
    summary["total_human_hours_per_day_after"] = float(after.total_human_hours.mean())
    summary["burnout_share_end"] = float(timeseries.burnout_share.iloc[-1])
    # how the organisation coped (0 where a mechanism is off: nothing abandoned, nobody hired)
    for count in ("abandoned", "wasted_hours", "bypassed", "waved_through"):
        summary[f"{count}_per_day_after"] = (
            float(after[count].mean()) if count in after.columns else 0.0
        )
    summary["hired_end"] = int(model.hired)  # people hired who have started
    summary.update(_market_readout(before, after))
    summary["headcount_end"] = {
        name: int(model.headcount[s])
        for s, name in enumerate(model.stages.names)
        if model.headcount[s] > 0
    }
    summary["control_steps_added"] = model.control_steps_added
    summary["control_step_day"] = model.control_step_day
    summary["survey"] = model.datacollector.survey(model)
    law = littles_law(model)
    summary["littles_law"] = law
    summary["littles_law_max_relative_error"] = max(
        (v["relative_error"] for v in law.values()), default=0.0
    )
    summary["conservation_checked_days"] = len(timeseries)
    summary["artifacts_created"] = int(model.engine.created)
    summary["agent_days"] = int(len(model.people) * cfg.days)
    return {
        key: (None if isinstance(value, float) and math.isnan(value) else _plain(value))
        for key, value in summary.items()
    }


def _market_readout(before: pd.DataFrame, after: pd.DataFrame) -> dict[str, Any]:
    """Revenue by source, the article's dashboard per function and the win-loss readout.

    Win-loss: the share of unsubscribes owed to over-contact ("blanketed") and of lost deals owed
    to proposals that missed the customer ("not understood"); `sim.market` attributes both.
    """
    readout: dict[str, Any] = {
        "revenue_change": relative_change(after.revenue.mean(), before.revenue.mean()),
        "revenue_new_change": relative_change(after.revenue_new.mean(), before.revenue_new.mean()),
        "recurring_revenue_share_before": ratio(before.revenue_recurring, before.revenue),
    }
    for measure in ("asset", "outreach"):  # the article's dashboard, per reporting function
        column = f"article_{measure}_per_plan"
        readout[f"article_{measure}_change"] = relative_change(
            after[column].mean(), before[column].mean()
        )
    for name, window in (("before", before), ("after", after)):
        readout[f"blanketed_share_{name}"] = ratio(
            window.unsubscribes_over_contact, window.unsubscribes
        )
        readout[f"not_understood_share_{name}"] = ratio(window.losses_not_understood, window.losses)
    return readout


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value
