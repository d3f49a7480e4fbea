import numpy as np
import pytest

from sim.adoption import adopted_share, adoption_delays


def test_no_adoption_period_is_a_step_and_draws_nothing():
    rng = np.random.default_rng(1)
    state = rng.bit_generator.state
    assert np.all(adoption_delays(rng, 50, 0.0) == 0.0)
    assert rng.bit_generator.state == state


@pytest.mark.parametrize("days", [10.0, 20.0, 60.0])
def test_a_tenth_start_on_the_rollout_day_and_nine_tenths_within_the_period(days):
    delays = adoption_delays(np.random.default_rng(2), 100_000, days)
    assert np.all(delays >= 0.0)
    assert (delays == 0.0).mean() == pytest.approx(0.1, abs=0.005)
    assert (delays <= days).mean() == pytest.approx(0.9, abs=0.005)
    assert np.median(delays) == pytest.approx(days / 2, rel=0.02)


def test_use_spreads_along_an_s_curve():
    delays = adoption_delays(np.random.default_rng(3), 100_000, 20.0)
    share = np.array([(delays <= t).mean() for t in range(0, 41, 5)])
    assert np.all(np.diff(share) >= 0)
    steps = np.diff(share)
    assert steps.argmax() in (1, 2)  # fastest in the middle of the period, not at its start


def test_adopted_share_per_stage():
    day = np.array([0.0, 3.0, 10.0, 2.0])
    stage = np.array([0, 0, 0, 2])
    assert adopted_share(day, stage, 3, 3) == pytest.approx([2 / 3, 1.0, 1.0])
    assert adopted_share(day, stage, 1, 3) == pytest.approx([1 / 3, 1.0, 0.0])
