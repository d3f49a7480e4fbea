import math

import pytest

from sim.engine import Artifact, Engine


def make_engine(people_per_stage, service=lambda s, a, p: 1.0, route=None, sinks=frozenset()):
    person_stage = [s for s, n in enumerate(people_per_stage) for _ in range(n)]
    done = []
    engine = Engine(
        person_stage=person_stage,
        n_stages=len(people_per_stage),
        sinks=set(sinks),
        service_hours=service,
        on_complete=route or (lambda s, a, p, t: -1),
        on_done=lambda a, s, t: done.append((a.id, s, t)),
        record_visits=True,
    )
    return engine, done


def artifact(i, time=0.0):
    return Artifact(i, 0, 0, 0.5, False, 0, time)


def test_single_server_serves_fifo_back_to_back():
    engine, done = make_engine([1])
    for i in range(3):
        engine.schedule_arrival(0.0, 0, artifact(i))
    engine.open_shifts(0.0, [8.0])
    engine.run_until(8.0)
    assert done == [(0, -1, 1.0), (1, -1, 2.0), (2, -1, 3.0)]
    assert engine.wait_sum[0] == pytest.approx(0 + 1 + 2)
    assert engine.sojourn_sum[0] == pytest.approx(1 + 2 + 3)
    # time-average number in stage over [0, 8]: area = 3 + 2 + 1 hours
    assert engine.area[0] == pytest.approx(6.0)


def test_work_beyond_the_shift_carries_over_to_the_next_day():
    engine, done = make_engine([1], service=lambda s, a, p: 5.0)
    engine.schedule_arrival(0.0, 0, artifact(1))
    engine.open_shifts(0.0, [3.0])
    engine.run_until(8.0)
    assert done == []
    assert engine.in_service() == 1
    assert engine.busy_hours[0] == pytest.approx(3.0)
    engine.open_shifts(8.0, [3.0])
    engine.run_until(16.0)
    assert done == [(1, -1, 10.0)]  # two hours left, resumed at the start of day two


def test_nobody_works_outside_their_shift():
    engine, done = make_engine([1])
    engine.open_shifts(0.0, [2.0])
    engine.schedule_arrival(5.0, 0, artifact(1))  # arrives after the shift ended
    engine.run_until(8.0)
    assert done == [] and engine.queued() == 1
    engine.open_shifts(8.0, [2.0])
    engine.run_until(16.0)
    assert done == [(1, -1, 9.0)]


def test_several_servers_share_one_queue():
    engine, done = make_engine([2])
    for i in range(4):
        engine.schedule_arrival(0.0, 0, artifact(i))
    engine.open_shifts(0.0, [8.0, 8.0])
    engine.run_until(8.0)
    assert sorted(t for _, _, t in done) == [1.0, 1.0, 2.0, 2.0]


def test_routing_moves_artifacts_between_stages_and_to_a_sink():
    route = {0: 1, 1: 2}
    engine, done = make_engine([1, 1, 0], route=lambda s, a, p, t: route[s], sinks={2})
    engine.schedule_arrival(0.0, 0, artifact(7))
    engine.open_shifts(0.0, [8.0, 8.0])
    engine.run_until(8.0)
    assert done == [(7, 2, 2.0)]
    # timestamps at every stage entry and exit
    assert engine.departures == [1, 1, 0]


def test_visits_are_recorded_with_entry_start_and_exit():
    engine, _ = make_engine([1], service=lambda s, a, p: 2.0)
    kept = []
    engine.on_done = lambda a, s, t: kept.append(a)
    engine.schedule_arrival(0.0, 0, artifact(1))
    engine.schedule_arrival(0.0, 0, artifact(2))
    engine.open_shifts(0.0, [8.0])
    engine.run_until(8.0)
    assert kept[1].visits == [(0, 0.0, 2.0, 4.0)]


def test_conservation_holds_at_any_moment():
    engine, done = make_engine([1], service=lambda s, a, p: 1.5)
    for i in range(10):
        engine.schedule_arrival(i * 0.5, 0, artifact(i))
    engine.open_shifts(0.0, [6.0])
    for end in (0.25, 2.0, 4.1, 8.0):
        engine.run_until(end)
        assert (
            engine.created == engine.queued() + engine.in_service() + engine.done + engine.dropped
        )


def test_poisson_source_and_littles_law_on_a_stage():
    import numpy as np

    from sim.rng import Draws

    draws = Draws(np.random.default_rng(3))
    service = Draws(np.random.default_rng(4))
    engine, _ = make_engine([1], service=lambda s, a, p: 0.8 * service.exponential())
    counter = iter(range(10**9))
    engine.add_poisson_source(0, 1.0, lambda t: artifact(next(counter), t), draws.exponential)
    for day in range(200):
        engine.open_shifts(day * 24.0, [24.0])
        engine.run_until((day + 1) * 24.0)
    horizon = engine.now
    mean_in_stage = engine.area[0] / horizon
    arrival_rate = engine.arrivals[0] / horizon
    sojourn = engine.sojourn_sum[0] / engine.departures[0]
    assert arrival_rate == pytest.approx(1.0, rel=0.03)
    assert mean_in_stage == pytest.approx(arrival_rate * sojourn, rel=0.01)
    # M/M/1 at rho 0.8: W = s / (1 - rho) = 4 h; a 4800-hour run is within ~10%
    assert sojourn == pytest.approx(4.0, rel=0.15)


def test_reset_statistics_starts_a_new_window():
    engine, _ = make_engine([1])
    for i in range(3):
        engine.schedule_arrival(0.0, 0, artifact(i))
    engine.open_shifts(0.0, [8.0])
    engine.run_until(1.5)
    engine.reset_statistics()
    assert engine.statistics_since == 1.5
    assert engine.area[0] == 0.0 and engine.departures[0] == 0
    assert engine.arrivals[0] == engine.in_stage[0] == 2
    engine.run_until(8.0)
    assert engine.departures[0] == 2
    assert math.isclose(engine.sojourn_sum[0], (2.0 - 1.5) + (3.0 - 1.5))
