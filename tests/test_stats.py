from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.stats import confidence_interval, summarise

SAMPLE = [2.0, 4.0, 4.0, 5.0, 7.0, 8.0]  # mean 5, sum of squares 24, sd sqrt(24 / 5)


def _reference(values, confidence=0.95):
    n = len(values)
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n)
    return mean, sd, mean - half, mean + half


def test_confidence_interval_known_sample():
    result = confidence_interval(SAMPLE)
    assert result["n"] == 6
    assert result["mean"] == pytest.approx(5.0)
    assert result["sd"] == pytest.approx(math.sqrt(24 / 5))
    # t(0.975, 5) = 2.5706: half-width 2.5706 * 2.1909 / sqrt(6) = 2.2992
    half = 2.570582 * math.sqrt(24 / 5) / math.sqrt(6)
    assert result["ci_low"] == pytest.approx(5.0 - half, abs=1e-5)
    assert result["ci_high"] == pytest.approx(5.0 + half, abs=1e-5)
    assert result["ci_low"] == pytest.approx(2.70080, abs=1e-5)
    assert result["ci_high"] == pytest.approx(7.29920, abs=1e-5)


@pytest.mark.parametrize("confidence", [0.8, 0.9, 0.95, 0.99])
def test_confidence_interval_matches_scipy_t_quantiles(confidence):
    values = list(np.random.default_rng(17).normal(3.0, 2.0, size=12))
    mean, sd, low, high = _reference(values, confidence)
    result = confidence_interval(values, confidence)
    assert result["mean"] == pytest.approx(mean)
    assert result["sd"] == pytest.approx(sd)
    assert result["ci_low"] == pytest.approx(low)
    assert result["ci_high"] == pytest.approx(high)
    assert result["n"] == 12


def test_confidence_interval_wider_with_more_confidence():
    widths = []
    for confidence in (0.8, 0.9, 0.95, 0.99):
        result = confidence_interval(SAMPLE, confidence)
        widths.append(result["ci_high"] - result["ci_low"])
    assert all(b > a for a, b in zip(widths, widths[1:], strict=False))


def test_confidence_interval_two_values():
    result = confidence_interval([1.0, 3.0])
    # sd sqrt(2), t(0.975, 1) = 12.7062: half-width 12.7062 * sqrt(2) / sqrt(2)
    assert result["sd"] == pytest.approx(math.sqrt(2))
    assert result["ci_low"] == pytest.approx(2.0 - 12.706205, abs=1e-5)
    assert result["ci_high"] == pytest.approx(2.0 + 12.706205, abs=1e-5)


@pytest.mark.parametrize("values", [[], np.array([]), [math.nan, math.nan]])
def test_confidence_interval_empty(values):
    result = confidence_interval(values)
    assert result["n"] == 0
    for key in ("mean", "sd", "ci_low", "ci_high"):
        assert math.isnan(result[key])


@pytest.mark.parametrize("values", [[4.2], [math.nan, 4.2], np.array([4.2])])
def test_confidence_interval_single_value(values):
    result = confidence_interval(values)
    assert result["n"] == 1
    assert result["mean"] == pytest.approx(4.2)
    assert math.isnan(result["sd"])
    assert math.isnan(result["ci_low"])
    assert math.isnan(result["ci_high"])


def test_confidence_interval_drops_nan():
    with_nan = confidence_interval([2.0, math.nan, 4.0, 4.0, 5.0, np.nan, 7.0, 8.0])
    assert with_nan == pytest.approx(confidence_interval(SAMPLE))
    assert with_nan["n"] == 6


def test_confidence_interval_accepts_pandas_series_with_missing_values():
    series = pd.Series([2.0, 4.0, None, 4.0, 5.0, 7.0, 8.0])
    assert confidence_interval(series) == pytest.approx(confidence_interval(SAMPLE))


def test_confidence_interval_zero_variance():
    result = confidence_interval([3.5, 3.5, 3.5, 3.5])
    assert result == {"mean": 3.5, "sd": 0.0, "n": 4, "ci_low": 3.5, "ci_high": 3.5}


def test_confidence_interval_contains_mean_and_is_symmetric():
    result = confidence_interval([1.0, 10.0, 2.0, 8.0, 3.0])
    assert result["ci_low"] < result["mean"] < result["ci_high"]
    assert result["mean"] - result["ci_low"] == pytest.approx(result["ci_high"] - result["mean"])


def test_confidence_interval_types():
    result = confidence_interval(SAMPLE)
    assert set(result) == {"mean", "sd", "n", "ci_low", "ci_high"}
    assert all(type(result[k]) is float for k in ("mean", "sd", "ci_low", "ci_high"))
    assert type(result["n"]) is int


# --------------------------------------------------------------------------- summarise


@pytest.fixture()
def frame():
    return pd.DataFrame(
        {
            "arm": ["b", "a", "a", "b", "a", "b", "b"],
            "rate": [0.5, 0.0, 0.0, 0.5, 0.0, 0.5, 1.0],
            "x": [1.0, 2.0, 4.0, 3.0, 6.0, math.nan, 5.0],
            "y": [7.0, 1.0, 1.0, 7.0, 1.0, 7.0, 7.0],
        }
    )


def test_summarise_one_key(frame):
    result = summarise(frame, ["arm"], ["x", "y"])
    assert list(result["arm"]) == ["a", "b"]  # sorted groups
    expected_columns = ["arm"] + [
        f"{metric}_{stat}"
        for metric in ("x", "y")
        for stat in ("mean", "sd", "n", "ci_low", "ci_high")
    ]
    assert list(result.columns) == expected_columns
    a = result.iloc[0]
    assert a["x_mean"] == pytest.approx(4.0)
    assert a["x_sd"] == pytest.approx(2.0)
    assert a["x_n"] == 3
    half = stats.t.ppf(0.975, 2) * 2.0 / math.sqrt(3)
    assert a["x_ci_low"] == pytest.approx(4.0 - half)
    assert a["x_ci_high"] == pytest.approx(4.0 + half)
    assert (a["y_mean"], a["y_sd"], a["y_ci_low"], a["y_ci_high"]) == (1.0, 0.0, 1.0, 1.0)
    b = result.iloc[1]
    assert b["x_n"] == 3  # the NaN is dropped
    assert b["x_mean"] == pytest.approx(3.0)
    assert b["x_sd"] == pytest.approx(2.0)
    assert b["y_n"] == 4


def test_summarise_matches_confidence_interval_per_group(frame):
    result = summarise(frame, ["arm"], ["x"]).set_index("arm")
    for arm, group in frame.groupby("arm"):
        expected = confidence_interval(group["x"])
        for stat, value in expected.items():
            assert result.loc[arm, f"x_{stat}"] == pytest.approx(value)


def test_summarise_two_keys(frame):
    result = summarise(frame, ["arm", "rate"], ["x"])
    keys = list(zip(result["arm"], result["rate"], strict=True))
    assert keys == [("a", 0.0), ("b", 0.5), ("b", 1.0)]
    single = result[(result["arm"] == "b") & (result["rate"] == 1.0)].iloc[0]
    assert single["x_n"] == 1
    assert single["x_mean"] == 5.0
    assert math.isnan(single["x_sd"])
    assert math.isnan(single["x_ci_low"])
    b_half = result[(result["arm"] == "b") & (result["rate"] == 0.5)].iloc[0]
    assert b_half["x_n"] == 2  # 1.0, 3.0 and a NaN
    assert b_half["x_mean"] == pytest.approx(2.0)


def test_summarise_empty_frame():
    empty = pd.DataFrame({"arm": pd.Series([], dtype=str), "x": pd.Series([], dtype=float)})
    assert summarise(empty, ["arm"], ["x"]).empty
