import pandas as pd
import pytest
from omegaconf import OmegaConf

import sim
from sim.windows import after_rollout, before_rollout, last_days, last_quarter, rollout_day


def books(days: int) -> pd.DataFrame:
    return pd.DataFrame({"day": range(days), "value": range(days)})


def config(days: int = 100, rollout: int = 20, warmup: int = 10):
    return OmegaConf.create(
        {"days": days, "ai": {"rollout_day": rollout}, "metrics": {"warmup_days": warmup}}
    )


def test_before_is_warmup_to_rollout():
    assert list(before_rollout(books(100), config()).day) == list(range(10, 20))


def test_before_falls_back_to_the_steady_state_without_a_prerollout_period():
    # AI from day 0 (or before the warm-up ends): every day after the warm-up
    assert list(before_rollout(books(30), config(30, rollout=0)).day) == list(range(10, 30))
    assert list(before_rollout(books(30), config(30, rollout=5)).day) == list(range(10, 30))


def test_rollout_after_the_last_day_is_bounded_by_the_run():
    cfg = config(days=30, rollout=50)
    assert rollout_day(cfg) == 30
    assert list(before_rollout(books(30), cfg).day) == list(range(10, 30))
    assert after_rollout(books(30), cfg).empty


def test_after_rollout_counts_days_from_the_rollout():
    ts, cfg = books(100), config()
    assert list(after_rollout(ts, cfg).day) == list(range(20, 100))
    assert list(after_rollout(ts, cfg, 25, 30).day) == list(range(45, 50))
    assert list(after_rollout(ts, cfg, 0, 30).day) == list(range(20, 50))


@pytest.mark.parametrize(("days", "first"), [(100, 75), (195, 147), (7, 6), (3, 2)])
def test_last_quarter_is_a_quarter_of_the_run_and_at_least_a_day(days, first):
    window = last_quarter(books(days), config(days, rollout=0, warmup=0))
    assert list(window.day) == list(range(first, days))


def test_last_days():
    assert list(last_days(books(100), config(), 40).day) == list(range(60, 100))


def test_run_summary_compares_these_windows(small_cfg):
    result = sim.run(small_cfg, progress=False)
    ts, summary = result.timeseries, result.replications[0]
    before, after = before_rollout(ts, small_cfg), last_quarter(ts, small_cfg)
    assert summary["total_human_hours_per_day_before"] == pytest.approx(
        before.total_human_hours.mean()
    )
    assert summary["total_human_hours_per_day_after"] == pytest.approx(
        after.total_human_hours.mean()
    )
