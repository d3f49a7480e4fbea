"""Analytic queueing-theory results used to validate the simulation engine.

Pure functions for M/M/c stations, M/M/c+M stations (Erlang-A: customers who abandon
after an exponential patience) and open Jackson networks. Everything here is
closed-form (or a small linear solve) so the simulation's measured queue lengths,
waits and sojourn times can be compared against exact steady-state values.

Conventions:
    * Rates are per unit of simulated time; ``mean_service_time`` is ``1 / mu``.
    * ``offered_load`` ``a = lambda / mu`` (in Erlangs); ``utilisation``
      ``rho = a / c``.
    * ``routing[i, j]`` is the probability that a job completing service at
      station ``i`` next joins station ``j``; ``1 - routing[i].sum()`` is the
      probability that it leaves the network.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "ErlangAResult",
    "JacksonResult",
    "StationMetrics",
    "erlang_a",
    "erlang_c",
    "jackson_network",
    "littles_law_error",
    "mmc",
    "traffic_equations",
]

# Absolute tolerance for row sums of the routing matrix and for tiny negative
# arrival rates produced by floating-point round-off in the traffic equations.
_ROUTING_TOL = 1e-9
# Matrices I - P with a condition number above this are treated as singular
# (i.e. the network is, numerically, not open).
_MAX_CONDITION = 1e12
# Erlang-A: the birth-death chain is cut where the neglected tail is below this share of the
# probability mass and of the mean number in system; beyond _MAX_STATES states it refuses.
_TAIL_TOLERANCE = 1e-13
_MAX_STATES = 10_000_000
_RESCALE = 1e200


@dataclass(frozen=True, slots=True)
class StationMetrics:
    """Steady-state metrics of one M/M/c station.

    Attributes:
        arrival_rate: Total arrival rate ``lambda`` into the station.
        utilisation: Per-server utilisation ``rho = lambda * s / c``.
        wq: Mean waiting time in queue (excluding service).
        w: Mean time in the station (waiting plus service), ``wq + s``.
        lq: Mean number of jobs waiting in queue, ``lambda * wq``.
        l: Mean number of jobs in the station, ``lambda * w``.
    """

    arrival_rate: float
    utilisation: float
    wq: float
    w: float
    lq: float
    l: float  # noqa: E741 - standard queueing notation


@dataclass(frozen=True, slots=True)
class JacksonResult:
    """Steady-state metrics of an open Jackson network.

    Attributes:
        names: Station names, in the order of the input arrays.
        stations: Per-station metrics, aligned with ``names``.
        visits: Expected number of visits a job makes to each station,
            ``lambda_i / sum(gamma)``.
        total_external_rate: Total external arrival rate ``sum(gamma)``.
        l: Mean number of jobs in the whole network, ``sum(L_i)``.
        w: Mean sojourn time of a job from entering to leaving the network
            (counting revisits), ``L / sum(gamma)`` by Little's law.
    """

    names: tuple[str, ...]
    stations: tuple[StationMetrics, ...]
    visits: tuple[float, ...]
    total_external_rate: float
    l: float  # noqa: E741 - standard queueing notation
    w: float

    def station(self, name: str) -> StationMetrics:
        """Return the metrics of the station called ``name``.

        Args:
            name: Station name, as given in ``names``.

        Returns:
            The station's steady-state metrics.

        Raises:
            KeyError: If there is no station with that name.
        """
        try:
            return self.stations[self.names.index(name)]
        except ValueError:
            raise KeyError(name) from None


def _check_servers(servers: object, what: str = "servers") -> int:
    """Validate a server count and return it as a Python int."""
    if isinstance(servers, bool) or not isinstance(servers, int | np.integer):
        raise ValueError(f"{what} must be an integer, got {servers!r}")
    if servers < 1:
        raise ValueError(f"{what} must be >= 1, got {servers}")
    return int(servers)


def _check_finite_nonnegative(value: float, what: str) -> float:
    """Validate that ``value`` is a finite, non-negative real number."""
    value = float(value)
    if not math.isfinite(value) or value < 0.0:
        raise ValueError(f"{what} must be finite and >= 0, got {value!r}")
    return value


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability that an arrival has to wait in an M/M/c queue (Erlang C).

    Uses the Erlang B recursion ``B(0) = 1``,
    ``B(k) = a B(k-1) / (k + a B(k-1))`` followed by
    ``C = c B / (c - a (1 - B))``. Every intermediate value lies in ``[0, 1]``,
    so the computation neither overflows nor loses precision for thousands of
    servers, unlike the textbook factorial formula.

    Args:
        servers: Number of servers ``c`` (>= 1).
        offered_load: Offered load ``a = lambda / mu`` in Erlangs, with
            ``0 <= a < c``.

    Returns:
        The probability of waiting ``C(c, a)``, in ``[0, 1)``.

    Raises:
        ValueError: If ``servers`` is not a positive integer or the offered
            load is negative, non-finite or not below ``servers``.
    """
    c = _check_servers(servers)
    a = _check_finite_nonnegative(offered_load, "offered_load")
    if a >= c:
        raise ValueError(f"unstable M/M/c queue: offered_load a={a:g} must be < servers c={c}")
    if a == 0.0:
        return 0.0
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return c * b / (c - a * (1.0 - b))


def mmc(arrival_rate: float, mean_service_time: float, servers: int) -> StationMetrics:
    """Steady-state metrics of an M/M/c station.

    Args:
        arrival_rate: Poisson arrival rate ``lambda`` (>= 0).
        mean_service_time: Mean exponential service time ``s = 1 / mu`` (> 0).
        servers: Number of identical servers ``c`` (>= 1).

    Returns:
        The station's metrics, with ``Wq = C(c, a) s / (c - a)``,
        ``W = Wq + s``, ``Lq = lambda Wq`` and ``L = lambda W``.

    Raises:
        ValueError: If an argument is out of range or the station is unstable
            (``rho = lambda s / c >= 1``).
    """
    lam = _check_finite_nonnegative(arrival_rate, "arrival_rate")
    s = float(mean_service_time)
    if not math.isfinite(s) or s <= 0.0:
        raise ValueError(f"mean_service_time must be finite and > 0, got {s!r}")
    c = _check_servers(servers)
    a = lam * s
    rho = a / c
    if rho >= 1.0:
        raise ValueError(
            f"unstable M/M/c station: utilisation rho={rho:g} >= 1 "
            f"(arrival_rate={lam:g}, mean_service_time={s:g}, servers={c})"
        )
    wq = erlang_c(c, a) * s / (c - a)
    w = wq + s
    return StationMetrics(arrival_rate=lam, utilisation=rho, wq=wq, w=w, lq=lam * wq, l=lam * w)


@dataclass(frozen=True, slots=True)
class ErlangAResult:
    """Steady-state metrics of an M/M/c+M station (Erlang-A).

    Attributes:
        arrival_rate: Poisson arrival rate ``lambda``.
        utilisation: Offered utilisation ``rho = lambda * s / c`` (may exceed 1).
        abandonment_probability: Share of arrivals that abandon before service.
        wq: Mean wait in queue over all arrivals, those who abandon included
            (their wait is their whole stay).
        w: Mean time in the station over all arrivals, ``wq + (1 - P(ab)) s``.
        lq: Mean number waiting, ``E[Q]``.
        l: Mean number in the station, ``E[N]``.
        throughput: Served per unit time, ``mu E[min(N, c)]``.
        states: States of the birth-death chain kept (``0 .. states - 1``).
        tail_bound: Upper bound on the relative error the cut leaves in the
            probability mass and in ``E[N]``.
    """

    arrival_rate: float
    utilisation: float
    abandonment_probability: float
    wq: float
    w: float
    lq: float
    l: float  # noqa: E741 - standard queueing notation
    throughput: float
    states: int
    tail_bound: float


def erlang_a(
    arrival_rate: float, mean_service_time: float, servers: int, mean_patience: float
) -> ErlangAResult:
    """Steady state of an M/M/c+M station: FCFS, exponential patience while waiting.

    The number in the station is a birth-death chain with birth rate ``lambda`` and
    death rate ``min(n, c) mu + max(n - c, 0) theta`` (``mu = 1 / s``,
    ``theta = 1 / mean_patience``; Garnett, Mandelbaum & Reiman 2002). Its stationary
    distribution ``p_n`` is summed state by state until the tail is negligible. From ``n``
    on, each ratio ``p_{k+1} / p_k = lambda / death(k + 1)`` is at most ``r = lambda /
    death(n + 1)`` (death rates never fall), so once ``r < 1`` the neglected mass is at most
    ``p_n r / (1 - r)`` and the neglected part of ``E[N]`` at most
    ``p_n (n r / (1 - r) + r / (1 - r)^2)``; the sum stops when both are below 1e-13 of
    what has been summed (``tail_bound`` reports the bound reached).

    The waits follow from what an arrival sees (PASTA). One who finds ``n >= c`` is at
    position ``k = n - c + 1`` in the queue; the line ahead moves at rate
    ``c mu + (j - 1) theta`` at position ``j`` while the arrival's own patience runs out at
    rate ``theta``, so it reaches service with probability ``c mu / (c mu + k theta)`` and
    waits ``k / (c mu + k theta)`` on average. Hence
    ``P(ab) = sum_n p_n k theta / (c mu + k theta)`` and
    ``Wq = sum_n p_n k / (c mu + k theta)``; Little's law and flow balance give the checks
    ``Wq = E[Q] / lambda`` and ``P(ab) = theta E[Q] / lambda``.

    With ``mean_patience = inf`` (``theta = 0``) this is the M/M/c queue, which needs
    ``rho < 1``; with finite patience every ``rho`` has a steady state.

    Args:
        arrival_rate: Poisson arrival rate ``lambda`` (>= 0).
        mean_service_time: Mean exponential service time ``s = 1 / mu`` (> 0).
        servers: Number of servers ``c`` (>= 1).
        mean_patience: Mean exponential patience ``1 / theta`` (> 0; ``inf``: none abandon).

    Returns:
        The station's metrics.

    Raises:
        ValueError: If an argument is out of range, ``mean_patience`` is infinite and
            ``rho >= 1``, or the chain needs more than ten million states.
    """
    lam = _check_finite_nonnegative(arrival_rate, "arrival_rate")
    s = float(mean_service_time)
    if not math.isfinite(s) or s <= 0.0:
        raise ValueError(f"mean_service_time must be finite and > 0, got {s!r}")
    c = _check_servers(servers)
    patience = float(mean_patience)
    if math.isnan(patience) or patience <= 0.0:
        raise ValueError(f"mean_patience must be > 0 (inf: nobody abandons), got {patience!r}")
    mu, theta = 1.0 / s, 1.0 / patience
    rho = lam * s / c
    if theta == 0.0 and rho >= 1.0:
        raise ValueError(
            f"unstable M/M/c station without abandonment: utilisation rho={rho:g} >= 1 "
            f"(arrival_rate={lam:g}, mean_service_time={s:g}, servers={c})"
        )
    if lam == 0.0:
        return ErlangAResult(lam, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1, 0.0)

    def death(n: int) -> float:
        return min(n, c) * mu + max(n - c, 0) * theta

    # running sums of the unnormalised p_n: mass, E[N], E[Q], E[min(N, c)], P(ab), Wq
    p = 1.0
    mass, number, queue, busy, abandon, wait = 1.0, 0.0, 0.0, 0.0, 0.0, 0.0
    n, bound = 0, math.inf
    while True:
        ratio = lam / death(n + 1)
        if ratio < 1.0:
            mass_tail = p * ratio / (1.0 - ratio)
            number_tail = p * (n * ratio / (1.0 - ratio) + ratio / (1.0 - ratio) ** 2)
            bound = max(mass_tail / mass, number_tail / number if number > 0 else math.inf)
            if bound < _TAIL_TOLERANCE:
                break
        if n + 1 >= _MAX_STATES:
            raise ValueError(
                f"Erlang-A chain needs more than {_MAX_STATES:,} states "
                f"(arrival_rate={lam:g}, mean_service_time={s:g}, servers={c}, "
                f"mean_patience={patience:g}): patience too long for rho={rho:g}"
            )
        n += 1
        p *= ratio
        mass += p
        number += n * p
        busy += min(n, c) * p
        if n >= c:
            position = n - c + 1
            queue += (n - c) * p
            abandon += p * position * theta / (c * mu + position * theta)
            wait += p * position / (c * mu + position * theta)
        if p > _RESCALE:  # keep the unnormalised sums finite; only ratios matter
            p /= _RESCALE
            mass /= _RESCALE
            number /= _RESCALE
            queue /= _RESCALE
            busy /= _RESCALE
            abandon /= _RESCALE
            wait /= _RESCALE
    abandonment = abandon / mass
    wq = wait / mass
    return ErlangAResult(
        arrival_rate=lam,
        utilisation=rho,
        abandonment_probability=abandonment,
        wq=wq,
        w=wq + (1.0 - abandonment) * s,
        lq=queue / mass,
        l=number / mass,
        throughput=mu * busy / mass,
        states=n + 1,
        tail_bound=bound,
    )


def traffic_equations(external_rates: np.ndarray, routing: np.ndarray) -> np.ndarray:
    """Solve the traffic equations ``lambda = gamma + lambda P`` of an open network.

    Args:
        external_rates: Shape ``(n,)`` external (Poisson) arrival rates
            ``gamma`` (each >= 0).
        routing: Shape ``(n, n)`` routing matrix ``P`` with entries in
            ``[0, 1]`` and row sums ``<= 1``; ``P[i, j]`` is the probability that
            a job leaving station ``i`` goes to station ``j``.

    Returns:
        Shape ``(n,)`` array of total arrival rates ``lambda = gamma (I - P)^-1``.

    Raises:
        ValueError: If shapes are inconsistent, entries are out of range or
            non-finite, or the network is not open (``I - P`` singular, i.e. some
            jobs can never leave, or a negative solution).
    """
    gamma = np.asarray(external_rates, dtype=float)
    p = np.asarray(routing, dtype=float)
    if gamma.ndim != 1 or gamma.size == 0:
        raise ValueError(f"external_rates must be a non-empty 1-D array, got shape {gamma.shape}")
    n = gamma.size
    if p.shape != (n, n):
        raise ValueError(
            f"routing must have shape ({n}, {n}) to match external_rates, got {p.shape}"
        )
    if not np.all(np.isfinite(gamma)) or np.any(gamma < 0.0):
        raise ValueError("external_rates must be finite and >= 0")
    if not np.all(np.isfinite(p)) or np.any(p < 0.0) or np.any(p > 1.0):
        raise ValueError("routing probabilities must be finite and in [0, 1]")
    row_sums = p.sum(axis=1)
    bad_rows = np.flatnonzero(row_sums > 1.0 + _ROUTING_TOL)
    if bad_rows.size:
        i = int(bad_rows[0])
        raise ValueError(f"routing row {i} sums to {row_sums[i]:g} > 1")

    # lambda (I - P) = gamma  <=>  (I - P)^T lambda^T = gamma^T
    a = np.eye(n) - p
    if np.linalg.cond(a) > _MAX_CONDITION:
        raise ValueError(
            "network is not open: I - P is singular (some jobs can never leave the network)"
        )
    lam = np.linalg.solve(a.T, gamma)
    if np.any(lam < -_ROUTING_TOL * max(1.0, float(gamma.sum()))):
        raise ValueError("network is not open: traffic equations give a negative arrival rate")
    return np.maximum(lam, 0.0)


def jackson_network(
    external_rates: np.ndarray | Sequence[float],
    routing: np.ndarray | Sequence[Sequence[float]],
    mean_service_times: np.ndarray | Sequence[float],
    servers: np.ndarray | Sequence[int] | int,
    names: Sequence[str] | None = None,
) -> JacksonResult:
    """Product-form steady state of an open Jackson network of M/M/c stations.

    Each station behaves as an independent M/M/c queue fed at its total arrival
    rate from :func:`traffic_equations`. Network-level ``L`` is the sum of the
    station ``L_i`` and the network sojourn time is ``W = L / sum(gamma)``,
    which equals ``sum(visits_i * W_i)`` with ``visits_i = lambda_i / sum(gamma)``.

    Args:
        external_rates: Shape ``(n,)`` external arrival rates ``gamma``.
        routing: Shape ``(n, n)`` routing matrix (see :func:`traffic_equations`).
        mean_service_times: Shape ``(n,)`` mean service times (each > 0).
        servers: Shape ``(n,)`` server counts, or one int used for every
            station.
        names: Optional ``n`` unique station names; defaults to
            ``"station_0"``, ``"station_1"``, ...

    Returns:
        Per-station and network-level steady-state metrics.

    Raises:
        ValueError: If inputs are inconsistent, the network is not open, the
            total external arrival rate is zero, or a station is unstable (the
            message names the station).
    """
    lam = traffic_equations(np.asarray(external_rates, dtype=float), np.asarray(routing))
    n = lam.size
    total_external = float(np.sum(np.asarray(external_rates, dtype=float)))
    if total_external <= 0.0:
        raise ValueError("total external arrival rate must be > 0")

    service = np.asarray(mean_service_times, dtype=float)
    if service.shape != (n,):
        raise ValueError(f"mean_service_times must have shape ({n},), got {service.shape}")

    if isinstance(servers, int | np.integer) and not isinstance(servers, bool):
        server_list = [int(servers)] * n
    else:
        server_arr = np.asarray(servers)
        if server_arr.shape != (n,):
            raise ValueError(f"servers must be an int or have shape ({n},), got {server_arr.shape}")
        server_list = list(server_arr.tolist())

    if names is None:
        name_tuple = tuple(f"station_{i}" for i in range(n))
    else:
        name_tuple = tuple(str(x) for x in names)
        if len(name_tuple) != n:
            raise ValueError(f"names must have {n} entries, got {len(name_tuple)}")
        if len(set(name_tuple)) != n:
            raise ValueError("names must be unique")

    stations = []
    for i, name in enumerate(name_tuple):
        c = _check_servers(server_list[i], f"servers for station {name!r}")
        s = float(service[i])
        if not math.isfinite(s) or s <= 0.0:
            raise ValueError(f"mean_service_time for station {name!r} must be finite and > 0")
        rho = lam[i] * s / c
        if rho >= 1.0:
            raise ValueError(
                f"station {name!r} is unstable: utilisation rho={rho:g} >= 1 "
                f"(arrival_rate={lam[i]:g}, mean_service_time={s:g}, servers={c})"
            )
        stations.append(mmc(float(lam[i]), s, c))

    total_l = math.fsum(st.l for st in stations)
    return JacksonResult(
        names=name_tuple,
        stations=tuple(stations),
        visits=tuple(float(x) / total_external for x in lam),
        total_external_rate=total_external,
        l=total_l,
        w=total_l / total_external,
    )


def littles_law_error(mean_in_system: float, arrival_rate: float, mean_sojourn: float) -> float:
    """Relative deviation from Little's law, ``|L - lambda W| / max(L, tiny)``.

    Args:
        mean_in_system: Time-average number in the system ``L``.
        arrival_rate: Throughput / arrival rate ``lambda``.
        mean_sojourn: Mean time in the system ``W``.

    Returns:
        The relative error; ``0.0`` when Little's law holds exactly.

    Raises:
        ValueError: If any argument is negative or non-finite.
    """
    big_l = _check_finite_nonnegative(mean_in_system, "mean_in_system")
    lam = _check_finite_nonnegative(arrival_rate, "arrival_rate")
    w = _check_finite_nonnegative(mean_sojourn, "mean_sojourn")
    return abs(big_l - lam * w) / max(big_l, np.finfo(float).tiny)
