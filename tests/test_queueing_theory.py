"""Tests for the analytic queueing-theory helpers in ``sim.queueing_theory``."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy.special import gammaln, hyp1f1, logsumexp

from sim.queueing_theory import (
    ErlangAResult,
    JacksonResult,
    StationMetrics,
    erlang_a,
    erlang_c,
    jackson_network,
    littles_law_error,
    mmc,
    traffic_equations,
)


def brute_force_erlang_c(c: int, a: float) -> float:
    """Textbook factorial formula, fine for small c."""
    tail = a**c / math.factorial(c) * c / (c - a)
    head = sum(a**k / math.factorial(k) for k in range(c))
    return tail / (head + tail)


def log_space_erlang_c(c: int, a: float) -> float:
    """Same formula evaluated in log space, usable for large c."""
    k = np.arange(c)
    log_head = logsumexp(k * math.log(a) - gammaln(k + 1))
    log_tail = c * math.log(a) - gammaln(c + 1) + math.log(c / (c - a))
    return math.exp(log_tail - np.logaddexp(log_head, log_tail))


# --------------------------------------------------------------------------- M/M/1


@pytest.mark.parametrize("rho", [0.1, 0.5, 0.8, 0.95, 0.999])
def test_mm1_closed_forms(rho: float) -> None:
    mu = 2.0
    lam = rho * mu
    m = mmc(lam, 1.0 / mu, 1)
    assert m.arrival_rate == pytest.approx(lam)
    assert m.utilisation == pytest.approx(rho)
    assert m.wq == pytest.approx(rho / (mu - lam), rel=1e-10)
    assert m.w == pytest.approx(1.0 / (mu - lam), rel=1e-10)
    assert m.l == pytest.approx(rho / (1.0 - rho), rel=1e-10)
    assert m.lq == pytest.approx(rho**2 / (1.0 - rho), rel=1e-10)


def test_mmc_zero_arrivals() -> None:
    m = mmc(0.0, 3.0, 4)
    assert (m.utilisation, m.wq, m.lq, m.l) == (0.0, 0.0, 0.0, 0.0)
    assert m.w == 3.0


@pytest.mark.parametrize(("lam", "s", "c"), [(1.5, 1.0, 2), (7.0, 0.5, 4), (30.0, 0.3, 10)])
def test_mmc_multi_server_matches_brute_force(lam: float, s: float, c: int) -> None:
    a = lam * s
    expected_wq = brute_force_erlang_c(c, a) * s / (c - a)
    m = mmc(lam, s, c)
    assert m.utilisation == pytest.approx(a / c)
    assert m.wq == pytest.approx(expected_wq, rel=1e-10)
    assert m.w == pytest.approx(expected_wq + s, rel=1e-10)
    assert m.lq == pytest.approx(lam * expected_wq, rel=1e-10)
    assert m.l == pytest.approx(lam * (expected_wq + s), rel=1e-10)


def test_station_metrics_is_frozen() -> None:
    m = mmc(1.0, 0.5, 1)
    assert isinstance(m, StationMetrics)
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.wq = 0.0  # type: ignore[misc]


# --------------------------------------------------------------------------- Erlang C


def test_erlang_c_textbook_values() -> None:
    assert erlang_c(2, 1.0) == pytest.approx(1.0 / 3.0, rel=1e-12)
    assert erlang_c(3, 2.0) == pytest.approx(4.0 / 9.0, rel=1e-12)
    assert erlang_c(5, 0.0) == 0.0


@pytest.mark.parametrize("rho", [0.01, 0.3, 0.75, 0.999])
def test_erlang_c_single_server_equals_rho(rho: float) -> None:
    assert erlang_c(1, rho) == pytest.approx(rho, rel=1e-12)


@pytest.mark.parametrize("c", [1, 2, 3, 5, 8, 12])
@pytest.mark.parametrize("frac", [0.05, 0.4, 0.9, 0.99])
def test_erlang_c_matches_brute_force(c: int, frac: float) -> None:
    a = frac * c
    assert erlang_c(c, a) == pytest.approx(brute_force_erlang_c(c, a), rel=1e-10)


def test_erlang_c_numpy_integer_servers() -> None:
    assert erlang_c(np.int64(2), 1.0) == pytest.approx(1.0 / 3.0)


@pytest.mark.parametrize(("c", "a"), [(2000, 1900.0), (5000, 4999.0), (3000, 10.0)])
def test_erlang_c_stable_for_many_servers(c: int, a: float) -> None:
    value = erlang_c(c, a)
    assert math.isfinite(value)
    assert 0.0 <= value < 1.0
    assert value == pytest.approx(log_space_erlang_c(c, a), rel=1e-8, abs=1e-300)


def test_erlang_c_large_c_is_strictly_inside_unit_interval() -> None:
    value = erlang_c(2000, 1900.0)
    assert 0.0 < value < 1.0


@pytest.mark.parametrize(
    ("c", "a"),
    [(2, 2.0), (2, 3.0), (1, -0.1), (0, 0.5), (-1, 0.5), (2, math.nan), (2, math.inf)],
)
def test_erlang_c_rejects_bad_input(c: int, a: float) -> None:
    with pytest.raises(ValueError):
        erlang_c(c, a)


@pytest.mark.parametrize("c", [2.0, 2.5, True, "2"])
def test_erlang_c_rejects_non_integer_servers(c: object) -> None:
    with pytest.raises(ValueError, match="integer"):
        erlang_c(c, 0.5)  # type: ignore[arg-type]


def test_erlang_c_unstable_message_is_one_line() -> None:
    with pytest.raises(ValueError, match="unstable") as info:
        erlang_c(3, 3.0)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("lam", "s", "c"),
    [(2.0, 0.5, 1), (3.0, 1.0, 2), (-1.0, 1.0, 1), (1.0, 0.0, 1), (1.0, -1.0, 1), (1.0, 0.5, 0)],
)
def test_mmc_rejects_bad_input(lam: float, s: float, c: int) -> None:
    with pytest.raises(ValueError):
        mmc(lam, s, c)


# --------------------------------------------------------------------------- traffic equations


def test_traffic_equations_tandem() -> None:
    gamma = np.array([2.0, 0.0, 0.0])
    p = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(traffic_equations(gamma, p), [2.0, 2.0, 2.0], rtol=1e-12)


def test_traffic_equations_tandem_with_exits_and_extra_arrivals() -> None:
    gamma = np.array([2.0, 1.0, 0.5])
    p = np.array([[0.0, 0.5, 0.0], [0.0, 0.0, 0.25], [0.0, 0.0, 0.0]])
    # lambda_1 = 2, lambda_2 = 1 + 0.5*2 = 2, lambda_3 = 0.5 + 0.25*2 = 1
    np.testing.assert_allclose(traffic_equations(gamma, p), [2.0, 2.0, 1.0], rtol=1e-12)


@pytest.mark.parametrize("rework", [0.0, 0.25, 0.5, 0.9])
def test_traffic_equations_single_station_feedback(rework: float) -> None:
    lam = traffic_equations(np.array([3.0]), np.array([[rework]]))
    assert lam.shape == (1,)
    assert lam[0] == pytest.approx(3.0 / (1.0 - rework), rel=1e-12)


def test_traffic_equations_feedback_loop_across_stations() -> None:
    # 1 -> 2 -> exit, with station 2 sending a fraction q back to station 1.
    q = 0.4
    gamma = np.array([1.0, 0.0])
    p = np.array([[0.0, 1.0], [q, 0.0]])
    np.testing.assert_allclose(traffic_equations(gamma, p), [1 / (1 - q), 1 / (1 - q)], rtol=1e-12)


def test_traffic_equations_solution_satisfies_balance() -> None:
    rng = np.random.default_rng(12345)
    n = 6
    p = rng.random((n, n))
    p *= 0.9 / p.sum(axis=1, keepdims=True)
    gamma = rng.random(n)
    lam = traffic_equations(gamma, p)
    np.testing.assert_allclose(lam, gamma + lam @ p, rtol=1e-12)
    # Flow conservation: everything that comes in eventually leaves.
    assert float(lam @ (1.0 - p.sum(axis=1))) == pytest.approx(gamma.sum(), rel=1e-12)


def test_traffic_equations_accepts_lists() -> None:
    lam = traffic_equations([1.0, 0.0], [[0.0, 1.0], [0.0, 0.0]])  # type: ignore[arg-type]
    np.testing.assert_allclose(lam, [1.0, 1.0])


@pytest.mark.parametrize(
    ("gamma", "p", "match"),
    [
        ([1.0, 0.0], [[0.0, 1.0], [1.0, 0.0]], "not open"),  # closed loop, no exit
        ([1.0], [[1.0]], "not open"),  # self-loop forever
        ([1.0, 0.0], [[0.5, 0.6], [0.0, 0.0]], "row 0 sums"),
        ([1.0, 0.0], [[0.0, 0.0], [0.7, 0.7]], "row 1 sums"),
        ([1.0, 0.0], [[0.0, -0.1], [0.0, 0.0]], r"\[0, 1\]"),
        ([1.0, 0.0], [[0.0, 1.5], [0.0, 0.0]], r"\[0, 1\]"),
        ([1.0, 0.0], [[0.0, math.nan], [0.0, 0.0]], r"\[0, 1\]"),
        ([-1.0, 0.0], [[0.0, 0.0], [0.0, 0.0]], "external_rates"),
        ([1.0, 0.0, 0.0], [[0.0, 0.0], [0.0, 0.0]], "shape"),
        ([1.0, 0.0], [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], "shape"),
        ([[1.0, 0.0]], [[0.0, 0.0], [0.0, 0.0]], "1-D"),
        ([], np.zeros((0, 0)), "non-empty"),
    ],
)
def test_traffic_equations_rejects_bad_input(gamma: list, p: list, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        traffic_equations(np.asarray(gamma, dtype=float), np.asarray(p, dtype=float))


def test_traffic_equations_unreached_closed_class_is_rejected() -> None:
    # Station 2 <-> 3 form a trap; even though no traffic reaches it the network is not open.
    gamma = np.array([1.0, 0.0, 0.0])
    p = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    with pytest.raises(ValueError, match="not open"):
        traffic_equations(gamma, p)


# --------------------------------------------------------------------------- Jackson networks


REWORK = 0.2
TANDEM_P = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [REWORK, 0.0, 0.0]])
TANDEM_GAMMA = np.array([1.0, 0.0, 0.0])
TANDEM_S = np.array([0.5, 1.2, 0.3])
TANDEM_C = np.array([1, 2, 1])


def test_jackson_tandem_with_rework_loop() -> None:
    res = jackson_network(
        TANDEM_GAMMA, TANDEM_P, TANDEM_S, TANDEM_C, names=["draft", "review", "approve"]
    )
    assert isinstance(res, JacksonResult)
    assert res.names == ("draft", "review", "approve")
    assert res.total_external_rate == pytest.approx(1.0)

    # Each job visits every station 1 / (1 - p) times on average.
    expected_visits = 1.0 / (1.0 - REWORK)
    np.testing.assert_allclose(res.visits, [expected_visits] * 3, rtol=1e-12)

    # Per-station metrics are the M/M/c metrics at the total arrival rate.
    for st, s, c in zip(res.stations, TANDEM_S, TANDEM_C, strict=True):
        expected = mmc(expected_visits * 1.0, float(s), int(c))
        assert st.arrival_rate == pytest.approx(expected.arrival_rate, rel=1e-12)
        assert st.utilisation == pytest.approx(expected.utilisation, rel=1e-12)
        assert st.w == pytest.approx(expected.w, rel=1e-12)
        assert st.l == pytest.approx(expected.l, rel=1e-12)

    # Network W equals sum over stations of visits_i * W_i ...
    w_by_visits = sum((st.arrival_rate / res.total_external_rate) * st.w for st in res.stations)
    assert res.w == pytest.approx(w_by_visits, rel=1e-12)
    # ... and Little's law holds at network level.
    assert res.l == pytest.approx(sum(st.l for st in res.stations), rel=1e-12)
    assert littles_law_error(res.l, res.total_external_rate, res.w) < 1e-12

    # Independent hand computation: lambda = 1.25 everywhere.
    lam = 1.25
    w1 = 1.0 / (1.0 / 0.5 - lam)  # M/M/1, mu = 2
    w3 = 1.0 / (1.0 / 0.3 - lam)  # M/M/1, mu = 10/3
    a2 = lam * 1.2  # M/M/2 with offered load a = 1.5
    c2 = a2**2 / (2.0 + a2)  # Erlang C for two servers: C(2, a) = a^2 / (2 + a)
    w2 = c2 * 1.2 / (2.0 - a2) + 1.2
    assert res.w == pytest.approx(expected_visits * (w1 + w2 + w3), rel=1e-12)
    # Revisits make the sojourn longer than one pass through the line.
    assert res.w > w1 + w2 + w3


def test_jackson_station_lookup_and_default_names() -> None:
    res = jackson_network(TANDEM_GAMMA, TANDEM_P, TANDEM_S, TANDEM_C)
    assert res.names == ("station_0", "station_1", "station_2")
    assert res.station("station_1") is res.stations[1]
    with pytest.raises(KeyError):
        res.station("nope")


def test_jackson_scalar_servers_broadcast() -> None:
    res = jackson_network([1.0, 0.0], [[0.0, 1.0], [0.0, 0.0]], [0.5, 0.25], 1)
    assert res.stations[0].w == pytest.approx(1.0 / (2.0 - 1.0))
    assert res.stations[1].w == pytest.approx(1.0 / (4.0 - 1.0))
    assert res.w == pytest.approx(1.0 + 1.0 / 3.0)


def test_jackson_multiple_entry_points() -> None:
    gamma = np.array([1.0, 2.0])
    p = np.array([[0.0, 0.5], [0.0, 0.0]])
    res = jackson_network(gamma, p, [0.2, 0.1], [1, 1])
    # lambda = (1, 2.5); visits = lambda / 3.
    np.testing.assert_allclose(res.visits, [1.0 / 3.0, 2.5 / 3.0], rtol=1e-12)
    assert res.w == pytest.approx(
        (1.0 / 3.0) * (1.0 / (5.0 - 1.0)) + (2.5 / 3.0) * (1.0 / (10.0 - 2.5)), rel=1e-12
    )


def test_jackson_unstable_station_is_named() -> None:
    # Review has lambda = 1.25, 2 servers, s = 1.7 -> rho = 1.0625.
    with pytest.raises(ValueError, match="'review'.*unstable"):
        jackson_network(
            TANDEM_GAMMA, TANDEM_P, [0.5, 1.7, 0.3], TANDEM_C, names=["draft", "review", "approve"]
        )


def test_jackson_station_exactly_at_capacity_is_unstable() -> None:
    with pytest.raises(ValueError, match="'only'"):
        jackson_network([2.0], [[0.0]], [0.5], [1], names=["only"])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"mean_service_times": [0.5, 1.2]}, "mean_service_times"),
        ({"servers": [1, 2]}, "servers"),
        ({"servers": [1, 0, 1]}, "servers"),
        ({"servers": [1, 1.5, 1]}, "integer"),
        ({"mean_service_times": [0.5, 0.0, 0.3]}, "mean_service_time"),
        ({"names": ["a", "b"]}, "names"),
        ({"names": ["a", "a", "b"]}, "unique"),
        ({"external_rates": [0.0, 0.0, 0.0]}, "external arrival rate"),
        ({"routing": np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.9, 0.2, 0.0]])}, "row 2"),
        ({"routing": np.eye(2)}, "shape"),
    ],
)
def test_jackson_rejects_bad_input(kwargs: dict, match: str) -> None:
    args = {
        "external_rates": TANDEM_GAMMA,
        "routing": TANDEM_P,
        "mean_service_times": TANDEM_S,
        "servers": TANDEM_C,
        "names": None,
    }
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        jackson_network(**args)


# --------------------------------------------------------------------------- Little's law


def test_littles_law_error_values() -> None:
    assert littles_law_error(2.0, 0.5, 4.0) == 0.0
    assert littles_law_error(2.0, 0.5, 4.4) == pytest.approx(0.1)
    assert littles_law_error(2.0, 0.5, 3.0) == pytest.approx(0.25)
    assert littles_law_error(0.0, 0.0, 5.0) == 0.0


def test_littles_law_error_zero_l_is_finite_and_huge() -> None:
    err = littles_law_error(0.0, 1.0, 1.0)
    assert math.isfinite(err)
    assert err > 1e300


@pytest.mark.parametrize("args", [(-1.0, 1.0, 1.0), (1.0, math.nan, 1.0), (1.0, 1.0, math.inf)])
def test_littles_law_error_rejects_bad_input(args: tuple[float, float, float]) -> None:
    with pytest.raises(ValueError):
        littles_law_error(*args)


# --------------------------------------------------------------------------- Erlang-A (M/M/c+M)


def erlang_b(c: int, a: float) -> float:
    """Erlang's loss formula by its recursion."""
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


@pytest.mark.parametrize(
    ("lam", "s", "c"), [(0.8, 1.0, 1), (6.8, 0.5, 4), (3.2, 0.5, 2), (45, 1, 50)]
)
def test_erlang_a_without_abandonment_is_erlang_c(lam: float, s: float, c: int) -> None:
    exact = mmc(lam, s, c)
    for patience in (math.inf, 1e9):
        result = erlang_a(lam, s, c, patience)
        assert result.wq == pytest.approx(exact.wq, rel=1e-6)
        assert result.l == pytest.approx(exact.l, rel=1e-6)
        assert result.lq == pytest.approx(exact.lq, rel=1e-6)
        assert result.throughput == pytest.approx(lam, rel=1e-6)
        assert result.abandonment_probability < 1e-6


@pytest.mark.parametrize(
    ("lam", "mu", "theta"), [(0.5, 1.0, 0.3), (2.0, 1.0, 0.5), (5.0, 2.0, 4.0)]
)
def test_erlang_a_single_server_matches_the_hypergeometric_closed_form(
    lam: float, mu: float, theta: float
) -> None:
    """M/M/1+M: p_n = p_0 x^n / (b)_n with x = λ/θ, b = μ/θ, so p_0 = 1 / 1F1(1; b; x)."""
    x, b = lam / theta, mu / theta
    p0 = 1.0 / hyp1f1(1.0, b, x)
    mean_number = x / b * hyp1f1(2.0, b + 1.0, x) * p0
    result = erlang_a(lam, 1.0 / mu, 1, 1.0 / theta)
    assert result.throughput == pytest.approx(mu * (1.0 - p0), rel=1e-10)
    assert result.abandonment_probability == pytest.approx(1.0 - mu * (1.0 - p0) / lam, rel=1e-10)
    assert result.l == pytest.approx(mean_number, rel=1e-10)
    assert result.lq == pytest.approx(mean_number - (1.0 - p0), rel=1e-10)


@pytest.mark.parametrize("c", [1, 3, 10])
def test_erlang_a_with_patience_equal_to_service_is_an_infinite_server_queue(c: int) -> None:
    """θ = μ: the death rate is nμ in every state, so N is Poisson with mean a = λ/μ."""
    lam, s = 7.0, 0.5
    a = lam * s
    result = erlang_a(lam, s, c, s)
    assert result.l == pytest.approx(a, rel=1e-12)
    n = np.arange(0, 200)
    poisson = np.exp(n * math.log(a) - a - gammaln(n + 1))
    assert result.throughput == pytest.approx(np.minimum(n, c) @ poisson / s, rel=1e-10)


@pytest.mark.parametrize(
    ("lam", "s", "c", "patience"),
    [(5.0, 0.5, 2, 1.2), (3.2, 0.5, 2, 2.4), (120.0, 0.1, 10, 0.05), (1.0, 2.0, 3, 10.0)],
)
def test_erlang_a_identities(lam: float, s: float, c: int, patience: float) -> None:
    """Flow balance and Little's law tie the PASTA sums to the chain's moments."""
    result = erlang_a(lam, s, c, patience)
    assert result.abandonment_probability == pytest.approx(result.lq / patience / lam, rel=1e-10)
    assert result.wq == pytest.approx(result.lq / lam, rel=1e-10)
    assert result.throughput == pytest.approx(lam * (1 - result.abandonment_probability), rel=1e-10)
    assert result.l == pytest.approx(lam * result.w, rel=1e-10)
    assert result.tail_bound < 1e-13


def test_erlang_a_has_a_steady_state_above_capacity() -> None:
    """λ = 5, c = 2, s = 0.5 h: ρ = 1.25; Erlang C has no answer, Erlang-A does."""
    with pytest.raises(ValueError, match="unstable"):
        mmc(5.0, 0.5, 2)
    with pytest.raises(ValueError, match="unstable"):
        erlang_a(5.0, 0.5, 2, math.inf)
    result = erlang_a(5.0, 0.5, 2, 1.2)
    assert result.utilisation == pytest.approx(1.25)
    # the servers are nearly always busy and the excess leaves: served at most c μ = 4 /h
    assert 0.2 < result.abandonment_probability < 1.0
    assert 0.8 * 4.0 < result.throughput < 4.0


def test_erlang_a_impatient_limit_is_erlang_b() -> None:
    """Patience → 0: whoever finds every server busy leaves at once (the loss system)."""
    lam, s, c = 6.0, 0.5, 4
    result = erlang_a(lam, s, c, 1e-7)
    assert result.abandonment_probability == pytest.approx(erlang_b(c, lam * s), rel=1e-5)


def test_erlang_a_is_monotone() -> None:
    patience = [erlang_a(5.0, 0.5, 2, p).abandonment_probability for p in (0.1, 0.5, 1, 2, 10)]
    assert all(a > b for a, b in zip(patience, patience[1:], strict=False))
    load = [erlang_a(lam, 0.5, 2, 1.0).abandonment_probability for lam in (1, 2, 4, 8)]
    assert all(a < b for a, b in zip(load, load[1:], strict=False))
    servers = [erlang_a(5.0, 0.5, c, 1.0).abandonment_probability for c in (1, 2, 3, 5)]
    assert all(a > b for a, b in zip(servers, servers[1:], strict=False))
    waits = [erlang_a(5.0, 0.5, 2, p).wq for p in (0.1, 0.5, 1, 2, 10)]
    assert all(a < b for a, b in zip(waits, waits[1:], strict=False))


def test_erlang_a_large_offered_load_stays_finite() -> None:
    """A thousand servers: the unnormalised probabilities pass 1e300 and are rescaled."""
    result = erlang_a(2000.0, 0.5, 1000, 0.5)
    assert isinstance(result, ErlangAResult)
    assert all(math.isfinite(v) for v in dataclasses.astuple(result))
    assert result.throughput == pytest.approx(2000 * (1 - result.abandonment_probability))


def test_erlang_a_zero_arrivals() -> None:
    result = erlang_a(0.0, 0.5, 2, 1.0)
    assert (result.l, result.wq, result.abandonment_probability, result.throughput) == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("lam", "s", "c", "patience"),
    [(-1, 0.5, 2, 1), (1, 0, 2, 1), (1, 0.5, 0, 1), (1, 0.5, 2, 0), (1, 0.5, 2, math.nan)],
)
def test_erlang_a_rejects_bad_input(lam: float, s: float, c: int, patience: float) -> None:
    with pytest.raises(ValueError):
        erlang_a(lam, s, c, patience)
