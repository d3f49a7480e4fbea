"""The service engine: time, queues, service and routing, at the level of single events.

Deliberately small and free of organisational behaviour. Each stage has a FIFO queue and a
pool of people (servers). A person serves one artifact at a time, only inside their shift
(the hours of attention they give that day); work left at the end of a shift carries over to
the next. Time is measured in working hours on one continuous clock; the model opens a shift
for every person each day and advances the clock to the end of the day.

Behaviour enters through hooks: one pair per person (the person's agent) and one for the end:
- `work_hours[person](artifact)`: the work an artifact needs from this person;
- `finish[person](artifact, time)`: the person has finished it; where it goes next (a stage
  index, or -1 to leave the network);
- `on_done(artifact, stage, time)`: it reached a sink stage (the market) or left;
- `patience_hours(stage, artifact)` (optional): how long the artifact may wait in the queue it
  has just joined before its owner abandons it (`inf`: forever); `on_abandon(artifact, stage,
  time)` is called when that happens. Abandoned work counts as `dropped`.

Events and patience deadlines are each kept in a calendar of time buckets whose width
narrows as the headcount grows, so that a bucket holds about as many entries at any size and
setting or taking one costs the same (one heap of everything deepens with the people and
misses the CPU caches more). Only the earliest bucket is a heap; the buckets follow time, so
entries are taken in exactly the order one heap would give: time, then the order they were
set. Deadlines are kept apart from the events: most artifacts are served long before their
owner's patience runs out, so later buckets of deadlines are plain lists, and the stale ones
are dropped in bulk (when a bucket becomes the earliest, or when they outnumber the live
ones) instead of being popped one by one. Deadlines and events are taken in one order.

With exponential service, Poisson arrivals and shifts covering the whole clock, this is an
exact open queueing network, which is how `sim.validation` checks it against theory.
"""

from __future__ import annotations

import heapq
import math
from array import array
from collections import deque
from collections.abc import Callable
from itertools import count

_COMPLETE = 1
_SOURCE = 2
# A bucket of the calendars spans this many person-hours divided by the headcount: the buckets
# narrow as the organisation grows, so each holds about as many entries whatever the size (a
# few dozen events; some hundreds of deadlines, most of them stale by their time).
_BUCKET_PERSON_HOURS = 64.0
_DEADLINE_BUCKET_PERSON_HOURS = 2048.0


class Artifact:
    """A unit of work passed along the workflow graph.

    Attributes:
        id: creation number, unique within a run.
        kind: index of its kind (outreach sequence, proposal, ...).
        origin: 0 human-made, 1 AI-drafted.
        relevance: true relevance to its reader (0..1).
        defect: carries a hidden defect (a wrong assumption) not yet found.
        author: stage that made it, where rework goes.
        created: clock hour it was created.
        entered: clock hour it entered its current stage.
        started: clock hour service at the current stage began.
        reworks: times it was sent back.
        escaped: a defect slipped past at least one review.
        visits: (stage, entered, started, left) per stage visit, when recording.
        work: hours of service it needs at its current stage.
        vigilance: how carefully the person reviewing it now reads it (1 = careful).
        rework_due: sent back with a detected defect, awaiting its author's fix.
        waved: its current reviewer waved it through unread (sampling under backlog).
        hours_spent: hours of service it has had so far, at every stage.
        waiting_at: the stage whose queue it waits in, or -1.
        waits: how many times it has joined a queue with patience (tells a stale abandonment
            from a live one).
    """

    __slots__ = (
        "id",
        "kind",
        "origin",
        "relevance",
        "defect",
        "author",
        "created",
        "entered",
        "started",
        "reworks",
        "escaped",
        "visits",
        "work",
        "vigilance",
        "rework_due",
        "waved",
        "hours_spent",
        "waiting_at",
        "waits",
    )

    def __init__(
        self,
        id: int,
        kind: int,
        origin: int,
        relevance: float,
        defect: bool,
        author: int,
        created: float,
    ):
        self.id = id
        self.kind = kind
        self.origin = origin
        self.relevance = relevance
        self.defect = defect
        self.author = author
        self.created = created
        self.entered = created
        self.started = created
        self.reworks = 0
        self.escaped = False
        self.visits: list[tuple[int, float, float, float]] | None = None
        self.work = 0.0
        self.vigilance = 1.0
        self.rework_due = False
        self.waved = False
        self.hours_spent = 0.0
        self.waiting_at = -1
        self.waits = 0


class Engine:
    """Event-level service of artifacts by people grouped in stages.

    Args:
        person_stage: the stage index of each person.
        n_stages: number of stages.
        sinks: stage indices where artifacts end (no service; `on_done` is called).
        work_hours: per person, the hook giving the hours an artifact needs from them.
        finish: per person, the hook called when they finish an artifact; it returns the
            next stage index, or -1 to leave the network.
        on_done: hook called when an artifact reaches a sink or leaves.
        record_visits: keep (stage, entered, started, left) on each artifact.
        n_kinds: number of artifact kinds (queued counts are kept per stage and kind).
        patience_hours: hook giving how long an artifact that joins a queue may wait there;
            None: nobody abandons anything.
        on_abandon: hook called when a waiting artifact is abandoned.
    """

    def __init__(
        self,
        person_stage: list[int],
        n_stages: int,
        sinks: set[int],
        work_hours: list[Callable[[Artifact], float]],
        finish: list[Callable[[Artifact, float], int]],
        on_done: Callable[[Artifact, int, float], None],
        record_visits: bool = False,
        n_kinds: int = 1,
        patience_hours: Callable[[int, Artifact], float] | None = None,
        on_abandon: Callable[[Artifact, int, float], None] | None = None,
    ):
        n_people = len(person_stage)
        self.now = 0.0
        self.person_stage = list(person_stage)
        self.is_sink = [s in sinks for s in range(n_stages)]
        self.work_hours = work_hours
        self.finish = finish
        self.on_done = on_done
        self.record_visits = record_visits
        self.patience_hours = patience_hours
        self.on_abandon = on_abandon
        # the event calendar: events (time, order, code, target) in buckets of clock time, so
        # that pushing and popping one costs the same at any headcount (one heap of every
        # event grows with the people: its depth, and its misses of the CPU caches). `_events`
        # is the earliest bucket, a heap; later buckets wait in `_later` by their number, and
        # their numbers in the heap `_later_keys`. Buckets follow time, so the events are
        # taken in exactly the order of one heap: (time, order).
        self._events: list[tuple[float, int, int, int]] = []
        self._events_key = 0  # the bucket number of `_events` (no later bucket is earlier)
        self._later: dict[int, list[tuple[float, int, int, int]]] = {}
        self._later_keys: list[int] = []
        self._per_hour = max(n_people, 1) / _BUCKET_PERSON_HOURS  # buckets per clock hour
        # patience deadlines: time, order (from the events' sequence), stage, artifact, wait; in
        # a calendar as the events are, its later buckets unsorted lists (see the module)
        self._deadlines: list[tuple[float, int, int, Artifact, int]] = []
        self._deadlines_key = 0
        self._later_deadlines: dict[int, list[tuple[float, int, int, Artifact, int]]] = {}
        self._later_deadline_keys: list[int] = []
        self._deadline_per_hour = max(n_people, 1) / _DEADLINE_BUCKET_PERSON_HOURS
        self._deadline_count = 0  # deadlines held, live or stale
        self._sweep_deadlines_at = 64  # their number that triggers the next sweep of stale ones
        self._sequence = count()
        self._sources: list[
            tuple[int, float, Callable[[float], Artifact], Callable[[], float]]
        ] = []
        # people
        self.holding: list[Artifact | None] = [None] * n_people
        # per person, hours as machine doubles side by side (the same values as Python floats):
        # one read touches one place in memory, not a list's slot and then a float object
        self.remaining = array("d", [0.0]) * n_people
        self.segment_start = array("d", [0.0]) * n_people
        self.shift_end = array("d", [0.0]) * n_people
        self.busy_hours = array("d", [0.0]) * n_people
        self._pausing: list[int] = []  # people whose work runs past the end of their shift
        # stages
        self.queues: list[deque[Artifact]] = [deque() for _ in range(n_stages)]
        self.idle: list[deque[int]] = [deque() for _ in range(n_stages)]
        self.members: list[list[int]] = [[] for _ in range(n_stages)]
        for person, stage in enumerate(person_stage):
            self.members[stage].append(person)
        self.queued_entered_sum = [0.0] * n_stages
        # running totals: a queue may hold abandoned artifacts until they reach its head
        self.queue_length = [0] * n_stages
        self.queued_kinds = [[0] * n_kinds for _ in range(n_stages)]
        self.in_stage = [0] * n_stages
        self.area = [0.0] * n_stages
        self.last_change = [0.0] * n_stages
        self.arrivals = [0] * n_stages
        self.departures = [0] * n_stages
        self.sojourn_sum = [0.0] * n_stages
        self.wait_sum = [0.0] * n_stages
        self.abandoned = [0] * n_stages
        self.statistics_since = 0.0
        # conservation: created = queued + in service + done + dropped (abandoned)
        self.created = 0
        self.done = 0
        self.dropped = 0

    # ------------------------------------------------------------------ scheduling
    def _push_event(self, event: tuple[float, int, int, int]) -> None:
        """Put an event in its bucket of the calendar."""
        key = int(event[0] * self._per_hour)
        if key == self._events_key:
            heapq.heappush(self._events, event)
        elif key > self._events_key:
            bucket = self._later.get(key)
            if bucket is None:
                self._later[key] = [event]
                heapq.heappush(self._later_keys, key)
            else:
                heapq.heappush(bucket, event)
        else:  # earlier than the earliest bucket: it becomes the earliest
            events = self._events  # in place: `run_until` holds the list
            if events:
                self._later[self._events_key] = events[:]
                heapq.heappush(self._later_keys, self._events_key)
            events[:] = [event]
            self._events_key = key

    def _next_bucket(self) -> bool:
        """The earliest bucket is empty: make the next one the earliest (False: none left)."""
        if not self._later_keys:
            return False
        key = heapq.heappop(self._later_keys)
        self._events[:] = self._later.pop(key)
        self._events_key = key
        return True

    def add_poisson_source(
        self,
        stage: int,
        rate_per_hour: float,
        make: Callable[[float], Artifact],
        exponential: Callable[[], float],
    ) -> None:
        """Feed `stage` with Poisson arrivals of artifacts made by `make(time)`.

        Args:
            stage: the stage receiving the arrivals.
            rate_per_hour: arrival rate.
            make: builds the arriving artifact at a given time.
            exponential: draws a standard exponential variate.
        """
        if rate_per_hour <= 0:
            return
        index = len(self._sources)
        self._sources.append((stage, 1.0 / rate_per_hour, make, exponential))
        gap = exponential() / rate_per_hour
        self._push_event((self.now + gap, next(self._sequence), _SOURCE, index))

    def admit(self, stage: int, artifact: Artifact, time: float) -> None:
        """Let a newly created artifact enter `stage` now (the clock must be at `time`)."""
        self.created += 1
        self.arrive(stage, artifact, time)

    def add_person(
        self,
        stage: int,
        work_hours: Callable[[Artifact], float],
        finish: Callable[[Artifact, float], int],
    ) -> int:
        """A new server on `stage`; they take work from the next shift on.

        Returns:
            The new person's index.
        """
        person = len(self.person_stage)
        self.person_stage.append(stage)
        self.work_hours.append(work_hours)
        self.finish.append(finish)
        self.holding.append(None)
        self.remaining.append(0.0)
        self.segment_start.append(0.0)
        self.shift_end.append(0.0)  # off until `open_shifts` gives them a shift
        self.busy_hours.append(0.0)
        self.members[stage].append(person)
        return person

    # ------------------------------------------------------------------ shifts
    def open_shifts(self, day_start: float, hours: list[float]) -> None:
        """Start a working day: every person works `hours[person]` from `day_start`.

        Work carried over from yesterday resumes first; idle people then take queued work.
        """
        self._settle_pauses(day_start)
        shift_end = self.shift_end
        busy = self.busy_hours
        holding = self.holding
        for person, length in enumerate(hours):
            shift_end[person] = day_start + length
            busy[person] = 0.0
        for stage, people in enumerate(self.members):
            idle = self.idle[stage] = deque()
            for person in people:
                if holding[person] is not None:
                    self.segment_start[person] = day_start
                    self._schedule_work(person, day_start)
                elif shift_end[person] > day_start:
                    idle.append(person)
            while self.queue_length[stage] and idle:
                self._start(stage, idle.popleft(), self._next_waiting(stage), day_start)

    def _schedule_work(self, person: int, time: float) -> None:
        end = time + self.remaining[person]
        if end <= self.shift_end[person]:
            self._push_event((end, next(self._sequence), _COMPLETE, person))
        else:
            self._pausing.append(person)

    def _settle_pauses(self, now: float) -> None:
        """Book the work of shifts that ended mid-artifact; the rest waits for tomorrow.

        Nothing reads a person's hours while their shift is over, so instead of an event per
        shift end the bookkeeping is done in one pass once the clock has passed it.
        """
        waiting = []
        for person in self._pausing:
            end = self.shift_end[person]
            if end <= now:
                worked = end - self.segment_start[person]
                self.busy_hours[person] += worked
                self.remaining[person] -= worked
            else:
                waiting.append(person)
        self._pausing = waiting

    # ------------------------------------------------------------------ service
    def _count(self, stage: int, time: float, change: int) -> None:
        self.area[stage] += self.in_stage[stage] * (time - self.last_change[stage])
        self.last_change[stage] = time
        self.in_stage[stage] += change

    def arrive(self, stage: int, artifact: Artifact, time: float) -> None:
        """An artifact enters `stage`: it is served at once by an idle person or queues."""
        if self.is_sink[stage]:
            self.done += 1
            self.on_done(artifact, stage, time)
            return
        artifact.entered = time
        self.arrivals[stage] += 1
        in_stage, last_change = self.in_stage, self.last_change
        self.area[stage] += in_stage[stage] * (time - last_change[stage])
        last_change[stage] = time
        in_stage[stage] += 1
        idle = self.idle[stage]
        if idle:
            shift_end = self.shift_end
            while idle:
                person = idle.popleft()
                if shift_end[person] > time:  # `_start`, inline: this runs once per service
                    artifact.started = time
                    self.holding[person] = artifact
                    work = artifact.work = self.work_hours[person](artifact)
                    self.remaining[person] = work
                    self.segment_start[person] = time
                    if time + work <= shift_end[person]:
                        self._push_event((time + work, next(self._sequence), _COMPLETE, person))
                    else:
                        self._pausing.append(person)
                    return
        # nobody free: it joins the queue, and its owner's patience starts to run
        self.queues[stage].append(artifact)
        self.queued_entered_sum[stage] += time
        self.queue_length[stage] += 1
        self.queued_kinds[stage][artifact.kind] += 1
        artifact.waiting_at = stage
        if self.patience_hours is not None:
            patience = self.patience_hours(stage, artifact)
            if patience < math.inf:
                artifact.waits += 1
                if self._deadline_count > self._sweep_deadlines_at:
                    self._forget_stale_deadlines()
                self._push_deadline(
                    (time + patience, next(self._sequence), stage, artifact, artifact.waits)
                )

    def _push_deadline(self, deadline: tuple[float, int, int, Artifact, int]) -> None:
        """Put a patience deadline in its bucket (a later bucket: appended, unsorted)."""
        self._deadline_count += 1
        key = int(deadline[0] * self._deadline_per_hour)
        if key == self._deadlines_key:
            heapq.heappush(self._deadlines, deadline)
        elif key > self._deadlines_key:
            bucket = self._later_deadlines.get(key)
            if bucket is None:
                self._later_deadlines[key] = [deadline]
                heapq.heappush(self._later_deadline_keys, key)
            else:
                bucket.append(deadline)
        else:  # earlier than the earliest bucket: it becomes the earliest
            deadlines = self._deadlines  # in place: `run_until` holds the list
            if deadlines:
                self._later_deadlines[self._deadlines_key] = deadlines[:]
                heapq.heappush(self._later_deadline_keys, self._deadlines_key)
            deadlines[:] = [deadline]
            self._deadlines_key = key

    @staticmethod
    def _live(deadlines: list) -> list:
        """The deadlines of artifacts still waiting in that queue, on that visit."""
        return [d for d in deadlines if d[3].waiting_at == d[2] and d[3].waits == d[4]]

    def _next_deadline_bucket(self) -> bool:
        """The earliest bucket of deadlines is empty: the next with a live one becomes it.

        Returns:
            False when no deadline is left.
        """
        keys, later, deadlines = self._later_deadline_keys, self._later_deadlines, self._deadlines
        while keys:
            key = heapq.heappop(keys)
            bucket = later.pop(key)
            live = self._live(bucket)
            self._deadline_count -= len(bucket) - len(live)
            if live:
                heapq.heapify(live)
                deadlines[:] = live
                self._deadlines_key = key
                return True
        return False

    def _forget_stale_deadlines(self) -> None:
        """Drop, in one pass, the deadlines of artifacts no longer waiting in that queue."""
        deadlines = self._deadlines  # in place: `run_until` holds the list
        deadlines[:] = self._live(deadlines)
        heapq.heapify(deadlines)
        later = self._later_deadlines
        for key in list(later):
            live = self._live(later[key])
            if live:
                later[key] = live
            else:
                del later[key]
        self._later_deadline_keys[:] = sorted(later)
        self._deadline_count = len(deadlines) + sum(map(len, later.values()))
        # next sweep once they have doubled: amortised, each deadline is visited O(1) times
        self._sweep_deadlines_at = 2 * self._deadline_count + 64

    def _next_waiting(self, stage: int) -> Artifact:
        """Take the queue's oldest artifact still waiting (abandoned ones are passed over)."""
        queue = self.queues[stage]
        artifact = queue.popleft()
        while artifact.waiting_at != stage:
            artifact = queue.popleft()
        artifact.waiting_at = -1
        self.queued_entered_sum[stage] -= artifact.entered
        self.queue_length[stage] -= 1
        self.queued_kinds[stage][artifact.kind] -= 1
        return artifact

    def _abandon(self, stage: int, artifact: Artifact, waits: int, time: float) -> None:
        """The owner gives up on an artifact that has waited past its patience."""
        if artifact.waiting_at != stage or artifact.waits != waits:
            return  # served meanwhile (or waiting again, on a later visit)
        artifact.waiting_at = -1
        self.queued_entered_sum[stage] -= artifact.entered
        self.queue_length[stage] -= 1
        self.queued_kinds[stage][artifact.kind] -= 1
        self._count(stage, time, -1)
        # it leaves the stage: a departure for Little's law, with its whole stay as its wait
        self.departures[stage] += 1
        self.sojourn_sum[stage] += time - artifact.entered
        self.wait_sum[stage] += time - artifact.entered
        self.abandoned[stage] += 1
        self.dropped += 1
        queue = self.queues[stage]
        if len(queue) > 2 * self.queue_length[stage] + 64:  # forget the abandoned, in one pass
            self.queues[stage] = deque(a for a in queue if a.waiting_at == stage)
        if self.on_abandon is not None:
            self.on_abandon(artifact, stage, time)

    def _start(self, stage: int, person: int, artifact: Artifact, time: float) -> None:
        artifact.started = time
        self.holding[person] = artifact
        artifact.work = self.work_hours[person](artifact)
        self.remaining[person] = artifact.work
        self.segment_start[person] = time
        self._schedule_work(person, time)

    def run_until(self, end: float) -> None:
        """Process every event up to and including clock hour `end`.

        A completion frees the person, books the stage's statistics, asks `finish` where
        the artifact goes, lets the person take the head of the queue if their shift goes on,
        and sends the artifact on. It runs once per service, the engine's hot path, so it is
        written out inline here rather than split into methods.
        """
        events = self._events
        pop, sequence = heapq.heappop, self._sequence
        holding, remaining, segment_start = self.holding, self.remaining, self.segment_start
        shift_end, busy_hours, person_stage = self.shift_end, self.busy_hours, self.person_stage
        queues, queue_length, idle = self.queues, self.queue_length, self.idle
        queued_entered_sum, queued_kinds = self.queued_entered_sum, self.queued_kinds
        in_stage, area, last_change = self.in_stage, self.area, self.last_change
        departures, sojourn_sum, wait_sum = self.departures, self.sojourn_sum, self.wait_sum
        work_hours, finish, arrive = self.work_hours, self.finish, self.arrive
        record_visits, pausing = self.record_visits, self._pausing
        abandon, deadlines = self._abandon, self._deadlines
        push_event, next_bucket = self._push_event, self._next_bucket
        later_deadlines, next_deadlines = self._later_deadline_keys, self._next_deadline_bucket
        while (events or next_bucket()) and events[0][0] <= end:
            head = events[0]
            if (deadlines or (later_deadlines and next_deadlines())) and deadlines[0] < head:
                # (time, order): never ties
                time, _, stage, artifact, waits = pop(deadlines)
                self._deadline_count -= 1
                abandon(stage, artifact, waits, time)
                continue
            time, _, code, target = pop(events)
            if code == _COMPLETE:
                person = target
                artifact = holding[person]
                holding[person] = None
                artifact.hours_spent += artifact.work
                busy_hours[person] += time - segment_start[person]
                stage = person_stage[person]
                departures[stage] += 1
                sojourn_sum[stage] += time - artifact.entered
                wait_sum[stage] += artifact.started - artifact.entered
                if record_visits:
                    self._record_visit(stage, artifact, time)
                area[stage] += in_stage[stage] * (time - last_change[stage])
                last_change[stage] = time
                in_stage[stage] -= 1
                following = finish[person](artifact, time)
                if queue_length[stage] and shift_end[person] > time:
                    queue = queues[stage]
                    waiting = queue.popleft()
                    while waiting.waiting_at != stage:  # abandoned: passed over
                        waiting = queue.popleft()
                    waiting.waiting_at = -1
                    queued_entered_sum[stage] -= waiting.entered
                    queue_length[stage] -= 1
                    queued_kinds[stage][waiting.kind] -= 1
                    waiting.started = time
                    holding[person] = waiting
                    work = waiting.work = work_hours[person](waiting)
                    remaining[person] = work
                    segment_start[person] = time
                    if time + work <= shift_end[person]:
                        push_event((time + work, next(sequence), _COMPLETE, person))
                    else:
                        pausing.append(person)
                else:
                    idle[stage].append(person)
                if following >= 0:
                    arrive(following, artifact, time)
                else:
                    self.done += 1
                    self.on_done(artifact, -1, time)
            else:
                stage, mean_gap, make, exponential = self._sources[target]
                push_event((time + exponential() * mean_gap, next(sequence), _SOURCE, target))
                self.created += 1
                arrive(stage, make(time), time)
        while (deadlines or (later_deadlines and next_deadlines())) and deadlines[0][0] <= end:
            time, _, stage, artifact, waits = pop(deadlines)  # after the period's last event
            self._deadline_count -= 1
            abandon(stage, artifact, waits, time)
        self.now = end
        self._settle_pauses(end)
        for stage in range(len(self.queues)):
            self._count(stage, end, 0)

    def _record_visit(self, stage: int, artifact: Artifact, time: float) -> None:
        if artifact.visits is None:
            artifact.visits = []
        artifact.visits.append((stage, artifact.entered, artifact.started, time))

    def reset_statistics(self) -> None:
        """Forget the per-stage time averages so far (the end of a warm-up period).

        Artifacts already in a stage count from now on as if they had entered now, so that L
        (time-average in stage), λ (arrivals) and W (sojourn) cover the same window.
        """
        self.statistics_since = self.now
        for stage in range(len(self.queues)):
            self.area[stage] = 0.0
            self.last_change[stage] = self.now
            self.arrivals[stage] = self.in_stage[stage]
            self.departures[stage] = 0
            self.sojourn_sum[stage] = 0.0
            self.wait_sum[stage] = 0.0
            self.abandoned[stage] = 0
        for stage, queue in enumerate(self.queues):
            for artifact in queue:
                if artifact.waiting_at == stage:
                    artifact.entered = max(artifact.entered, self.now)
        for artifact in self.holding:
            if artifact is not None:
                artifact.entered = max(artifact.entered, self.now)
                artifact.started = max(artifact.started, self.now)
        self.queued_entered_sum = [
            sum(a.entered for a in queue if a.waiting_at == stage)
            for stage, queue in enumerate(self.queues)
        ]

    # ------------------------------------------------------------------ state
    def in_service(self) -> int:
        """Artifacts held by a person, including work paused until the next shift."""
        return sum(artifact is not None for artifact in self.holding)

    def queued(self) -> int:
        """Artifacts waiting in stage queues."""
        return sum(self.queue_length)

    def queue_age(self, stage: int) -> float:
        """Mean hours the artifacts now queued at `stage` have waited."""
        waiting = self.queue_length[stage]
        if not waiting:
            return 0.0
        return self.now - self.queued_entered_sum[stage] / waiting
