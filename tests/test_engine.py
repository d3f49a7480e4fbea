import math

import pytest

from sim.engine import Artifact, Engine


def make_engine(people_per_stage, service=lambda s, a, p: 1.0, route=None, sinks=frozenset()):
    """An engine whose people call `service(stage, artifact, person)` and `route(...)`."""
    person_stage = [s for s, n in enumerate(people_per_stage) for _ in range(n)]
    route = route or (lambda s, a, p, t: -1)
    done = []
    engine = Engine(
        person_stage=person_stage,
        n_stages=len(people_per_stage),
        sinks=set(sinks),
        work_hours=[lambda a, s=s, p=p: service(s, a, p) for p, s in enumerate(person_stage)],
        finish=[lambda a, t, s=s, p=p: route(s, a, p, t) for p, s in enumerate(person_stage)],
        on_done=lambda a, s, t: done.append((a.id, s, t)),
        record_visits=True,
    )
    return engine, done


def arrive_at(engine, time, stage, item):
    """Run the clock to `time`, then let a new artifact enter `stage`."""
    if time > engine.now:
        engine.run_until(time)
    engine.admit(stage, item, time)


def artifact(i, time=0.0):
    return Artifact(i, 0, 0, 0.5, False, 0, time)


def test_single_server_serves_fifo_back_to_back():
    engine, done = make_engine([1])
    for i in range(3):
        arrive_at(engine, 0.0, 0, artifact(i))
    engine.open_shifts(0.0, [8.0])
    engine.run_until(8.0)
    assert done == [(0, -1, 1.0), (1, -1, 2.0), (2, -1, 3.0)]
    assert engine.wait_sum[0] == pytest.approx(0 + 1 + 2)
    assert engine.sojourn_sum[0] == pytest.approx(1 + 2 + 3)
    # time-average number in stage over [0, 8]: area = 3 + 2 + 1 hours
    assert engine.area[0] == pytest.approx(6.0)


def test_work_beyond_the_shift_carries_over_to_the_next_day():
    engine, done = make_engine([1], service=lambda s, a, p: 5.0)
    arrive_at(engine, 0.0, 0, artifact(1))
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
    arrive_at(engine, 5.0, 0, artifact(1))  # arrives after the shift ended
    engine.run_until(8.0)
    assert done == [] and engine.queued() == 1
    engine.open_shifts(8.0, [2.0])
    engine.run_until(16.0)
    assert done == [(1, -1, 9.0)]


def test_several_servers_share_one_queue():
    engine, done = make_engine([2])
    for i in range(4):
        arrive_at(engine, 0.0, 0, artifact(i))
    engine.open_shifts(0.0, [8.0, 8.0])
    engine.run_until(8.0)
    assert sorted(t for _, _, t in done) == [1.0, 1.0, 2.0, 2.0]


def test_routing_moves_artifacts_between_stages_and_to_a_sink():
    route = {0: 1, 1: 2}
    engine, done = make_engine([1, 1, 0], route=lambda s, a, p, t: route[s], sinks={2})
    arrive_at(engine, 0.0, 0, artifact(7))
    engine.open_shifts(0.0, [8.0, 8.0])
    engine.run_until(8.0)
    assert done == [(7, 2, 2.0)]
    # timestamps at every stage entry and exit
    assert engine.departures == [1, 1, 0]


def test_visits_are_recorded_with_entry_start_and_exit():
    engine, _ = make_engine([1], service=lambda s, a, p: 2.0)
    kept = []
    engine.on_done = lambda a, s, t: kept.append(a)
    arrive_at(engine, 0.0, 0, artifact(1))
    arrive_at(engine, 0.0, 0, artifact(2))
    engine.open_shifts(0.0, [8.0])
    engine.run_until(8.0)
    assert kept[1].visits == [(0, 0.0, 2.0, 4.0)]


def test_conservation_holds_at_any_moment():
    engine, done = make_engine([1], service=lambda s, a, p: 1.5)
    engine.open_shifts(0.0, [6.0])
    for i in range(16):  # an arrival every half hour, the books checked between them
        arrive_at(engine, i * 0.5, 0, artifact(i))
        engine.run_until(i * 0.5 + 0.25)
        assert (
            engine.created == engine.queued() + engine.in_service() + engine.done + engine.dropped
        )
    # one server at 1.5 h each, shift 0-6 h: four served, the other twelve wait for tomorrow
    assert engine.done == 4 and engine.queued() == 12 and engine.in_service() == 0


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
        arrive_at(engine, 0.0, 0, artifact(i))
    engine.open_shifts(0.0, [8.0])
    engine.run_until(1.5)
    engine.reset_statistics()
    assert engine.statistics_since == 1.5
    assert engine.area[0] == 0.0 and engine.departures[0] == 0
    assert engine.arrivals[0] == engine.in_stage[0] == 2
    engine.run_until(8.0)
    assert engine.departures[0] == 2
    assert math.isclose(engine.sojourn_sum[0], (2.0 - 1.5) + (3.0 - 1.5))


# --------------------------------------------------------------------------- abandonment


def impatient_engine(people, patience, service=lambda s, a, p: 1.0):
    engine, done = make_engine(people, service=service)
    abandoned = []
    engine.patience_hours = lambda stage, a: patience
    engine.on_abandon = lambda a, s, t: abandoned.append((a.id, s, t))
    return engine, done, abandoned


def test_work_that_waits_past_its_patience_is_abandoned():
    engine, done, abandoned = impatient_engine([1], patience=1.5)
    engine.open_shifts(0.0, [8.0])
    for i in range(4):
        arrive_at(engine, 0.0, 0, artifact(i))
    engine.run_until(8.0)
    # served at once: 0 (done at 1); 1 waits 1 h (done at 2); 2 and 3 give up at 1.5
    assert done == [(0, -1, 1.0), (1, -1, 2.0)]
    assert abandoned == [(2, 0, 1.5), (3, 0, 1.5)]
    assert engine.dropped == 2 and engine.abandoned == [2] and engine.queued() == 0
    assert engine.created == engine.queued() + engine.in_service() + engine.done + engine.dropped


def test_patience_only_runs_while_waiting_in_the_queue():
    engine, done, abandoned = impatient_engine([1], patience=0.5, service=lambda s, a, p: 3.0)
    engine.open_shifts(0.0, [8.0])
    arrive_at(engine, 0.0, 0, artifact(1))  # served at once: 3 h of service is not waiting
    engine.run_until(8.0)
    assert done == [(1, -1, 3.0)] and abandoned == []


def test_an_old_abandonment_does_not_touch_a_later_visit():
    engine, done, abandoned = impatient_engine([1], patience=2.5)
    visits = {}

    def back_once(a, t):  # every artifact comes back to the same queue once (rework)
        visits[a.id] = visits.get(a.id, 0) + 1
        return 0 if visits[a.id] == 1 else -1

    engine.finish = [back_once]
    engine.open_shifts(0.0, [8.0])
    arrive_at(engine, 0.0, 0, artifact(1))
    arrive_at(engine, 0.0, 0, artifact(2))  # waits from 0 (patience until 2.5), served at 1
    engine.run_until(8.0)
    # 2 is back in the queue from 2 to 3 when its first wait's patience runs out at 2.5
    assert abandoned == []
    assert done == [(1, -1, 3.0), (2, -1, 4.0)]


def test_littles_law_holds_with_abandonment():
    import numpy as np

    from sim.rng import Draws

    arrivals, service, patience = (Draws(np.random.default_rng(s)) for s in (1, 2, 3))
    engine, _, abandoned = impatient_engine(
        [2], patience=0, service=lambda s, a, p: 1.0 * service.exponential()
    )
    engine.patience_hours = lambda stage, a: 2.0 * patience.exponential()
    counter = iter(range(10**9))
    engine.add_poisson_source(0, 3.0, lambda t: artifact(next(counter), t), arrivals.exponential)
    for day in range(100):  # rho = 1.5: without abandonment the queue would grow forever
        engine.open_shifts(day * 24.0, [24.0, 24.0])
        engine.run_until((day + 1) * 24.0)
        assert len(engine.queues[0]) <= 2 * engine.queue_length[0] + 64
    horizon = engine.now
    mean_in_stage = engine.area[0] / horizon
    sojourn = engine.sojourn_sum[0] / engine.departures[0]
    assert mean_in_stage == pytest.approx(engine.arrivals[0] / horizon * sojourn, rel=0.01)
    assert engine.queue_length[0] < 50 and len(abandoned) > 1000


def test_an_added_person_serves_the_queue_from_the_next_shift():
    engine, done = make_engine([1])
    for i in range(4):
        arrive_at(engine, 0.0, 0, artifact(i))
    engine.open_shifts(0.0, [1.0])
    engine.run_until(4.0)
    assert [i for i, _, _ in done] == [0]
    person = engine.add_person(0, lambda a: 1.0, lambda a, t: -1)
    assert person == 1 and engine.members[0] == [0, 1]
    engine.run_until(8.0)
    assert len(done) == 1  # nobody works before the new person's first shift
    engine.open_shifts(8.0, [1.0, 1.0])
    engine.run_until(16.0)
    assert sorted(t for _, _, t in done[1:]) == [9.0, 9.0]  # two servers now
    assert len(engine.busy_hours) == 2 and engine.busy_hours[1] == pytest.approx(1.0)
