"""Peer implementations of an open Jackson network benchmark (SimPy and Ciw).

absorb's queueing benchmark runs its own engine on the network described by
:class:`JacksonSpec` and compares it, in the same process, against the two
reference tools implemented here. Each peer returns a :class:`PeerResult` with
its throughput (completed services per wall-clock second) and the estimated
mean network sojourn time, which can be checked against
:meth:`JacksonSpec.analytic_mean_sojourn`.

The peers import nothing of absorb's engine; the analytic value comes from
``sim.queueing_theory`` (Erlang C and Jackson product form, tested against textbook
values and brute force), the same analytic side absorb's validation uses.

Run ``python -m benchmarks.peers`` for a quick self-check on a shorter horizon.
"""

from __future__ import annotations

import math
import time
from collections.abc import Generator
from dataclasses import dataclass, replace

import numpy as np

from sim.queueing_theory import jackson_network

__all__ = [
    "JacksonSpec",
    "PeerResult",
    "run_ciw",
    "run_simpy",
]


@dataclass(frozen=True, slots=True)
class JacksonSpec:
    """An open Jackson network: three stations in tandem with a rework loop.

    Jobs arrive from outside only at ``"draft"`` (Poisson, rate ``gamma``), then
    visit ``"draft" -> "review" -> "approve"``. After ``"approve"`` a job goes
    back to ``"draft"`` with probability ``rework_prob``, otherwise it leaves.
    Service is exponential, FIFO, with ``servers[i]`` parallel servers.

    Traffic equations give the same total arrival rate at every station,
    ``lambda = gamma / (1 - rework_prob) = 4.0 / 0.8 = 5.0`` jobs/hour, so the
    default utilisations ``rho_i = lambda * mean_service_i / servers_i`` are:

    ========  =======  ===================  ===========
    station   servers  mean service (h)     utilisation
    ========  =======  ===================  ===========
    draft     2        0.28                 0.70
    review    1        0.14                 0.70
    approve   3        0.40                 0.667
    ========  =======  ===================  ===========

    (The originally sketched means 0.4 / 0.2 / 0.55 give rho = 1.0 / 1.0 /
    0.917, i.e. two unstable stations, so they were reduced. Utilisations near
    0.7 rather than 0.8-0.9 keep the run-to-run spread of the mean sojourn
    estimate small: its relative standard deviation is about 2% at 4,000 h and
    about 1% at 10,000 h.)

    With 3 stations each completing ~5 services/hour, the default horizon of
    28,800 hours (1,200 days of 24 h, so that absorb's daily steps cover it
    exactly) yields ~432,000 service completions in total.

    Attributes:
        stations: Station names in visiting order.
        servers: Number of parallel servers per station.
        mean_service_hours: Mean (exponential) service time per station, hours.
        gamma: External Poisson arrival rate at the first station, jobs/hour.
        rework_prob: Probability that a job leaving the last station returns
            to the first station.
        horizon_hours: Simulated time horizon, hours.
        warmup_hours: Jobs arriving before this time are excluded from the
            sojourn statistic (default 1% of the default horizon, 12 days).
    """

    stations: tuple[str, ...] = ("draft", "review", "approve")
    servers: tuple[int, ...] = (2, 1, 3)
    mean_service_hours: tuple[float, ...] = (0.28, 0.14, 0.40)
    gamma: float = 4.0
    rework_prob: float = 0.2
    horizon_hours: float = 28_800.0
    warmup_hours: float = 288.0

    def __post_init__(self) -> None:
        """Validate the specification.

        Raises:
            ValueError: If the tuples have inconsistent lengths, a parameter is
                out of range, or a station is not stable (utilisation >= 1).
        """
        n = len(self.stations)
        if n == 0 or len(self.servers) != n or len(self.mean_service_hours) != n:
            raise ValueError("stations, servers and mean_service_hours must have equal length > 0")
        if any(c < 1 for c in self.servers):
            raise ValueError("every station needs at least one server")
        if any(m <= 0.0 for m in self.mean_service_hours):
            raise ValueError("mean service times must be positive")
        if self.gamma <= 0.0:
            raise ValueError("gamma must be positive")
        if not 0.0 <= self.rework_prob < 1.0:
            raise ValueError("rework_prob must be in [0, 1)")
        if not 0.0 <= self.warmup_hours < self.horizon_hours:
            raise ValueError("need 0 <= warmup_hours < horizon_hours")
        for name, rho in zip(self.stations, self.utilisations, strict=True):
            if rho >= 1.0:
                raise ValueError(f"station {name!r} is unstable (rho = {rho:.3f})")

    @property
    def arrival_rate(self) -> float:
        """Total arrival rate at every station, jobs/hour (traffic equations)."""
        return self.gamma / (1.0 - self.rework_prob)

    @property
    def utilisations(self) -> tuple[float, ...]:
        """Per-station utilisation ``lambda * mean_service / servers``."""
        lam = self.arrival_rate
        return tuple(
            lam * m / c for m, c in zip(self.mean_service_hours, self.servers, strict=True)
        )

    @property
    def expected_services(self) -> float:
        """Expected number of service completions over the horizon (steady state)."""
        return self.arrival_rate * len(self.stations) * self.horizon_hours

    def analytic_mean_sojourn(self) -> float:
        """Mean network sojourn time of a job (first arrival to exit), hours.

        The open Jackson network's product-form result from `sim.queueing_theory`, the same
        analytic side absorb's validation uses.

        Returns:
            The analytic mean sojourn time in hours.
        """
        n = len(self.stations)
        external = np.zeros(n)
        external[0] = self.gamma
        routing = np.zeros((n, n))
        for i in range(n - 1):
            routing[i, i + 1] = 1.0
        routing[n - 1, 0] = self.rework_prob
        return jackson_network(
            external, routing, list(self.mean_service_hours), list(self.servers)
        ).w


@dataclass(frozen=True, slots=True)
class PeerResult:
    """Outcome of one peer run.

    Attributes:
        name: Tool name (``"simpy"`` or ``"ciw"``).
        services: Completed services (all stations) over the whole horizon.
        wall_seconds: Wall-clock seconds of the simulation run only (model set-up
            and ``run``), measured with :func:`time.perf_counter`; excludes
            post-processing of records.
        services_per_second: ``services / wall_seconds``.
        mean_sojourn_hours: Mean network sojourn time over jobs that first
            arrived at or after the warm-up and left before the horizon.
        sojourn_stderr_hours: Batch-means (20 batches, ordered by arrival)
            standard error of ``mean_sojourn_hours``.
        jobs_measured: Number of jobs contributing to ``mean_sojourn_hours``.
        cpu_seconds: CPU time of this process over the same window as
            ``wall_seconds`` (:func:`time.process_time`); less sensitive than wall
            time to other work on the machine.
    """

    name: str
    services: int
    wall_seconds: float
    services_per_second: float
    mean_sojourn_hours: float
    sojourn_stderr_hours: float
    jobs_measured: int
    cpu_seconds: float = math.nan


class _Draws:
    """Buffered random draws from a :class:`numpy.random.Generator`.

    Drawing one variate per call from numpy costs far more than the variate
    itself, so standard exponentials and uniforms are drawn in blocks.
    """

    __slots__ = ("_rng", "_block", "_exp", "_exp_i", "_uni", "_uni_i")

    def __init__(self, rng: np.random.Generator, block: int = 1 << 16) -> None:
        self._rng = rng
        self._block = block
        self._exp: list[float] = []
        self._exp_i = 0
        self._uni: list[float] = []
        self._uni_i = 0

    def exponential(self, mean: float) -> float:
        """Return an exponential variate with the given mean."""
        if self._exp_i >= len(self._exp):
            self._exp = self._rng.standard_exponential(self._block).tolist()
            self._exp_i = 0
        x = self._exp[self._exp_i]
        self._exp_i += 1
        return mean * x

    def uniform(self) -> float:
        """Return a uniform variate on [0, 1)."""
        if self._uni_i >= len(self._uni):
            self._uni = self._rng.random(self._block).tolist()
            self._uni_i = 0
        u = self._uni[self._uni_i]
        self._uni_i += 1
        return u


def _summarise(
    name: str,
    services: int,
    wall: float,
    arrivals: list[float],
    sojourns: list[float],
    n_batches: int = 20,
    cpu: float = math.nan,
) -> PeerResult:
    """Build a :class:`PeerResult`, with a batch-means standard error.

    Jobs are ordered by first arrival time and split into ``n_batches``
    contiguous batches; the standard error is the standard deviation of the
    batch means over ``sqrt(n_batches)``.
    """
    n = len(sojourns)
    if n == 0:
        mean = stderr = math.nan
    else:
        values = np.asarray(sojourns, dtype=np.float64)
        mean = float(values.mean())
        if n >= 2 * n_batches:
            ordered = values[np.argsort(np.asarray(arrivals, dtype=np.float64), kind="stable")]
            batch_means = np.array([b.mean() for b in np.array_split(ordered, n_batches)])
            stderr = float(batch_means.std(ddof=1) / math.sqrt(n_batches))
        else:
            stderr = math.nan
    return PeerResult(
        name=name,
        services=services,
        wall_seconds=wall,
        services_per_second=services / wall if wall > 0.0 else math.inf,
        mean_sojourn_hours=mean,
        sojourn_stderr_hours=stderr,
        jobs_measured=n,
        cpu_seconds=cpu,
    )


def run_simpy(spec: JacksonSpec, seed: int) -> PeerResult:
    """Simulate the network with SimPy.

    One :class:`simpy.Resource` per station (capacity = servers) and one SimPy
    process per job; random numbers come from ``numpy.random.default_rng(seed)``.

    Args:
        spec: Network specification.
        seed: Seed for the numpy random generator.

    Returns:
        The peer result for ``"simpy"``.
    """
    import simpy

    draws = _Draws(np.random.default_rng(seed))
    exponential = draws.exponential
    uniform = draws.uniform
    means = spec.mean_service_hours
    rework = spec.rework_prob
    warmup = spec.warmup_hours
    mean_interarrival = 1.0 / spec.gamma
    arrivals: list[float] = []
    sojourns: list[float] = []
    services = 0

    def job(env: simpy.Environment, stations: list[simpy.Resource]) -> Generator:
        nonlocal services
        t0 = env.now
        while True:
            for res, mean in zip(stations, means, strict=True):
                with res.request() as req:
                    yield req
                    yield env.timeout(exponential(mean))
                services += 1
            if uniform() >= rework:
                break
        if t0 >= warmup:
            arrivals.append(t0)
            sojourns.append(env.now - t0)

    def source(env: simpy.Environment, stations: list[simpy.Resource]) -> Generator:
        while True:
            yield env.timeout(exponential(mean_interarrival))
            env.process(job(env, stations))

    start, cpu_start = time.perf_counter(), time.process_time()
    env = simpy.Environment()
    stations = [simpy.Resource(env, capacity=c) for c in spec.servers]
    env.process(source(env, stations))
    env.run(until=spec.horizon_hours)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    return _summarise("simpy", services, wall, arrivals, sojourns, cpu=cpu)


def run_ciw(spec: JacksonSpec, seed: int) -> PeerResult:
    """Simulate the network with Ciw (3.x API).

    Nodes are numbered 1..n in station order; only node 1 has external arrivals.
    Ciw draws from Python's :mod:`random` (seeded through :func:`ciw.seed`, which
    reseeds the process-global :mod:`random` state as a side effect).
    A job that goes round the rework loop leaves one record per visit, so its
    network sojourn is the exit date of its record routed to the exit node
    (destination ``-1``) minus the earliest arrival date over its records.

    Args:
        spec: Network specification.
        seed: Seed passed to :func:`ciw.seed`.

    Returns:
        The peer result for ``"ciw"``.
    """
    import ciw

    n = len(spec.stations)
    routing = [[0.0] * n for _ in range(n)]
    for i in range(n - 1):
        routing[i][i + 1] = 1.0
    routing[n - 1][0] = float(spec.rework_prob)
    arrivals = [ciw.dists.Exponential(rate=spec.gamma)] + [None] * (n - 1)
    service = [ciw.dists.Exponential(rate=1.0 / m) for m in spec.mean_service_hours]

    start, cpu_start = time.perf_counter(), time.process_time()
    ciw.seed(seed)
    network = ciw.create_network(
        arrival_distributions=arrivals,
        service_distributions=service,
        routing=routing,
        number_of_servers=list(spec.servers),
    )
    q = ciw.Simulation(network)
    q.simulate_until_max_time(spec.horizon_hours)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start

    records = q.get_all_records(only=["service"])
    horizon = spec.horizon_hours
    first_arrival: dict[int, float] = {}
    exit_time: dict[int, float] = {}
    services = 0
    for r in records:
        if r.service_end_date <= horizon:
            services += 1
        prev = first_arrival.get(r.id_number)
        if prev is None or r.arrival_date < prev:
            first_arrival[r.id_number] = r.arrival_date
        if r.destination == -1 and r.exit_date <= horizon:
            exit_time[r.id_number] = r.exit_date
    warmup = spec.warmup_hours
    arrivals: list[float] = []
    sojourns: list[float] = []
    for cid, t_exit in exit_time.items():
        t0 = first_arrival[cid]
        if t0 >= warmup:
            arrivals.append(t0)
            sojourns.append(t_exit - t0)
    return _summarise("ciw", services, wall, arrivals, sojourns, cpu=cpu)


def _self_check(horizon_hours: float = 10_000.0, seed: int = 12345) -> bool:
    """Run both peers on a (by default shorter) horizon and print a comparison table.

    Args:
        horizon_hours: Horizon of the check run (warm-up is 1% of it).
        seed: Seed for both peers.

    Returns:
        True if both peers' mean sojourn is within 3% of the analytic value
        and their service counts are within 3% of the expected count.
    """
    spec = replace(JacksonSpec(), horizon_hours=horizon_hours, warmup_hours=0.01 * horizon_hours)
    analytic = spec.analytic_mean_sojourn()
    rhos = ", ".join(f"{s}={r:.3f}" for s, r in zip(spec.stations, spec.utilisations, strict=True))
    print(f"Jackson network: lambda={spec.arrival_rate:g}/h at every station, rho: {rhos}")
    print(f"horizon={spec.horizon_hours:g} h, warm-up={spec.warmup_hours:g} h, seed={seed}")
    print(f"expected services ~{spec.expected_services:,.0f}; analytic T = {analytic:.4f} h")
    header = (
        f"{'peer':<7}{'services':>10}{'wall s':>8}{'services/s':>12}"
        f"{'T sim (h)':>11}{'± s.e.':>8}{'T analytic':>12}{'rel err':>9}{'jobs':>9}"
    )
    print(header)
    print("-" * len(header))
    ok = True
    for run in (run_simpy, run_ciw):
        res = run(spec, seed)
        rel = res.mean_sojourn_hours / analytic - 1.0
        count_rel = res.services / spec.expected_services - 1.0
        ok = ok and abs(rel) < 0.03 and abs(count_rel) < 0.03
        print(
            f"{res.name:<7}{res.services:>10,}{res.wall_seconds:>8.2f}"
            f"{res.services_per_second:>12,.0f}{res.mean_sojourn_hours:>11.4f}"
            f"{res.sojourn_stderr_hours:>8.4f}{analytic:>12.4f}{rel:>+9.2%}{res.jobs_measured:>9,}"
        )
    print("self-check:", "OK" if ok else "FAILED (sojourn or service count off by >= 3%)")
    return ok


if __name__ == "__main__":
    import argparse
    import sys

    parser = argparse.ArgumentParser(description="Self-check of the SimPy and Ciw peers.")
    parser.add_argument("--horizon", type=float, default=10_000.0, help="hours (default 10000)")
    parser.add_argument("--full", action="store_true", help="use the full JacksonSpec horizon")
    parser.add_argument("--seed", type=int, default=12345)
    args = parser.parse_args()
    horizon = JacksonSpec().horizon_hours if args.full else args.horizon
    sys.exit(0 if _self_check(horizon_hours=horizon, seed=args.seed) else 1)
