"""Day windows of a run's daily books: before the roll-out, after it, the last quarter.

Every comparison "before against after" in absorb uses these, so the run summary
(`sim.runner.summarise_run`), the effect experiments and the seed case cut the books the same
way. Each function takes the daily timeseries (a `day` column) and the run's config, and
returns the rows of the window.
"""

from __future__ import annotations

import pandas as pd
from omegaconf import DictConfig


def rollout_day(cfg: DictConfig) -> int:
    """The day AI becomes available, bounded by the run length."""
    return min(int(cfg.ai.rollout_day), int(cfg.days))


def before_rollout(timeseries: pd.DataFrame, cfg: DictConfig) -> pd.DataFrame:
    """The days from the end of the warm-up to the roll-out ("before").

    When the roll-out comes before the warm-up ends (no such days), every day after the
    warm-up instead: a run without AI has no "before", only its steady state.
    """
    warmup = int(cfg.metrics.warmup_days)
    before = timeseries[(timeseries.day >= warmup) & (timeseries.day < rollout_day(cfg))]
    return before if len(before) else timeseries[timeseries.day >= warmup]


def after_rollout(
    timeseries: pd.DataFrame, cfg: DictConfig, start: int = 0, stop: int | None = None
) -> pd.DataFrame:
    """The days from `start` up to (not including) `stop` days after the roll-out.

    With the defaults, every day from the roll-out on.
    """
    first = rollout_day(cfg) + start
    days = timeseries.day
    if stop is None:
        return timeseries[days >= first]
    return timeseries[(days >= first) & (days < rollout_day(cfg) + stop)]


def last_days(timeseries: pd.DataFrame, cfg: DictConfig, length: int) -> pd.DataFrame:
    """The last `length` days of the run."""
    return timeseries[timeseries.day >= int(cfg.days) - length]


def last_quarter(timeseries: pd.DataFrame, cfg: DictConfig) -> pd.DataFrame:
    """The last quarter of the run ("after"; at least its last day)."""
    return last_days(timeseries, cfg, max(1, int(cfg.days) // 4))
