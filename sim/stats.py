"""Statistics over replications: mean, standard deviation, n and a 95% t-interval."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def ratio(numerator: pd.Series, denominator: pd.Series) -> float:
    """Pooled ratio of two daily counts over a window (NaN when the denominator is 0)."""
    total = float(denominator.sum())
    return float(numerator.sum()) / total if total > 0 else math.nan


def mean(series: pd.Series) -> float:
    """Mean of the defined values (NaN when there are none)."""
    values = series.dropna()
    return float(values.mean()) if len(values) else math.nan


def relative_change(after: float, before: float) -> float:
    """After / before − 1 (NaN when the baseline is 0 or undefined)."""
    return after / before - 1.0 if before and not math.isnan(before) else math.nan


def confidence_interval(values, confidence: float = 0.95) -> dict[str, float]:
    """Mean, sample standard deviation, n and the t-interval of the mean.

    Args:
        values: replication results (NaN values are left out).
        confidence: coverage of the interval.

    Returns:
        `mean`, `sd`, `n`, `ci_low`, `ci_high` (the interval is NaN when n < 2).
    """
    array = np.asarray(values, dtype=float)
    array = array[~np.isnan(array)]
    n = len(array)
    if n == 0:
        return {"mean": math.nan, "sd": math.nan, "n": 0, "ci_low": math.nan, "ci_high": math.nan}
    mean = float(array.mean())
    if n < 2:
        return {"mean": mean, "sd": math.nan, "n": 1, "ci_low": math.nan, "ci_high": math.nan}
    from scipy import stats  # 0.3 s to import: only where an interval is computed

    sd = float(array.std(ddof=1))
    if sd == 0.0:
        return {"mean": mean, "sd": 0.0, "n": n, "ci_low": mean, "ci_high": mean}
    low, high = stats.t.interval(confidence, n - 1, loc=mean, scale=sd / math.sqrt(n))
    return {"mean": mean, "sd": sd, "n": n, "ci_low": float(low), "ci_high": float(high)}


def summarise(frame: pd.DataFrame, by: list[str], columns: list[str]) -> pd.DataFrame:
    """Per group of `by`, the mean, sd, n and 95% CI of each column (tidy: one row per group).

    Returns:
        Columns `by` + for each metric `<metric>_mean`, `_sd`, `_n`, `_ci_low`, `_ci_high`.
    """
    rows = []
    for keys, group in frame.groupby(by, sort=True):
        keys = keys if isinstance(keys, tuple) else (keys,)
        row = dict(zip(by, keys, strict=True))
        for column in columns:
            for stat, value in confidence_interval(group[column]).items():
                row[f"{column}_{stat}"] = value
        rows.append(row)
    return pd.DataFrame(rows)
