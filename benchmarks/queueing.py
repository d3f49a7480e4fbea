"""Queueing network against the peers: absorb, SimPy and Ciw on the same Jackson network.

The network is :class:`benchmarks.peers.JacksonSpec`, the single definition. absorb runs it
through its queueing limit: the organisation model (`sim.model.OrgModel`, the code every
experiment runs) with people, AI, market and governance switched off, its `org` built from
the spec, one step per 24-hour day.

absorb's mean network sojourn is measured by Little's law on the whole network: the
time-average number of jobs in the network, sum_i L_i with L_i = area_i / (now - since), over
the external arrival rate gamma. SimPy and Ciw measure it per job (first arrival to exit).
"""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import replace
from typing import Any

from omegaconf import DictConfig, OmegaConf

from benchmarks.harness import Budget, Stat, load_average
from benchmarks.peers import JacksonSpec, PeerResult, run_ciw, run_simpy
from benchmarks.profiling import profile_record

HOURS_PER_DAY = 24.0
KIND = "job"
BATCHES = 20


def _days(hours: float, what: str) -> int:
    days = hours / HOURS_PER_DAY
    if abs(days - round(days)) > 1e-9:
        raise ValueError(f"{what} = {hours} h is not a whole number of 24-hour days")
    return round(days)


def org_from_spec(spec: JacksonSpec) -> dict[str, Any]:
    """The `org` section of an absorb config for the network of `spec`.

    Args:
        spec: the network.

    Returns:
        Plain data for `OrgConfig`: one `server` stage per station, hand-offs in tandem and
        the rework hand-off from the last station back to the first.
    """
    stages = {}
    for i, (name, servers, mean) in enumerate(
        zip(spec.stations, spec.servers, spec.mean_service_hours, strict=True)
    ):
        stages[name] = {
            "role": "server",
            "headcount": servers,
            "attention_hours": HOURS_PER_DAY,
            "service_distribution": "exponential",
            "effort_hours": {KIND: mean},
            "arrival_rate_per_hour": {KIND: spec.gamma} if i == 0 else {},
        }
    names = spec.stations
    handoffs = [
        {"source": a, "target": b, "routing": {KIND: 1.0}}
        for a, b in zip(names[:-1], names[1:], strict=True)
    ]
    if spec.rework_prob > 0:
        handoffs.append(
            {"source": names[-1], "target": names[0], "routing": {KIND: spec.rework_prob}}
        )
    return {
        "name": "jackson_benchmark",
        "hours_per_day": HOURS_PER_DAY,
        "kinds": {KIND: {"defect_probability": 0.0, "relevance_mean": 0.5}},
        "stages": stages,
        "handoffs": handoffs,
    }


def absorb_config(spec: JacksonSpec, seed: int) -> DictConfig:
    """A validated absorb run config for the network of `spec`.

    Composes `org=mm1` with the queueing limit's overrides (as `experiment=validate_queueing`
    does), then replaces `cfg.org` with the network built from the spec.

    Args:
        spec: the network; horizon and warm-up must be whole days.
        seed: the run's root seed.

    Returns:
        The config.
    """
    from sim.config import OrgConfig, load_config, validate

    days = _days(spec.horizon_hours, "horizon_hours")
    warmup = _days(spec.warmup_hours, "warmup_hours")
    cfg = load_config(
        [
            "org=mm1",
            "ai=none",
            "market=none",
            "people.enabled=false",
            "governance.enabled=false",
            f"days={days}",
            f"metrics.warmup_days={warmup}",
            f"seed={seed}",
            "figures=false",
            "progress=false",
        ]
    )
    cfg.org = OmegaConf.merge(OmegaConf.structured(OrgConfig), org_from_spec(spec))
    validate(cfg)
    return cfg


def same_as_shipped(spec: JacksonSpec, name: str = "tandem") -> bool:
    """Whether the org built from `spec` is the shipped `configs/org/<name>.yaml` network.

    Compares stages (role, headcount, attention, service distribution, effort, arrivals)
    and the routing of hand-offs, so that `absorb experiment=validate_queueing org=tandem`
    checks against theory the very network this benchmark times.
    """
    from sim.config import OrgConfig, load_config

    built = OmegaConf.merge(OmegaConf.structured(OrgConfig), org_from_spec(spec))
    shipped = load_config([f"org={name}", "ai=none", "market=none"]).org
    keys = (
        "role",
        "headcount",
        "attention_hours",
        "service_distribution",
        "effort_hours",
        "arrival_rate_per_hour",
    )

    def stages(org: Any) -> dict[str, tuple]:
        return {n: tuple(str(st[k]) for k in keys) for n, st in org.stages.items()}

    def routes(org: Any) -> set[tuple]:
        return {(h.source, h.target, str(h.routing), bool(h.rework)) for h in org.handoffs}

    return stages(built) == stages(shipped) and routes(built) == routes(shipped)


def run_absorb(spec: JacksonSpec, seed: int) -> PeerResult:
    """Simulate the network with absorb's organisation model in its queueing limit.

    The timed part is what `sim.runner.simulate` does before its read-outs: build
    `OrgModel(cfg)` and call `step()` once per day. Config composition is not timed (nor
    are the peers' imports). Services are every completion over the horizon (the engine
    forgets its counts at the warm-up, so the count before it is kept). The mean sojourn is
    Little's law on the network after the warm-up, with a batch-means standard error from
    the daily increments of the time-integral of jobs in the network.

    Args:
        spec: the network.
        seed: the run's root seed.

    Returns:
        The result, in the peers' format, named `"absorb"`.
    """
    return simulate_absorb(spec, absorb_config(spec, seed))


def simulate_absorb(spec: JacksonSpec, cfg: DictConfig) -> PeerResult:
    """The timed part of :func:`run_absorb`, for a config from :func:`absorb_config`."""
    from sim.model import OrgModel

    days, warmup = int(cfg.days), int(cfg.metrics.warmup_days)
    start, cpu_start = time.perf_counter(), time.process_time()
    model = OrgModel(cfg)
    engine = model.engine
    before = done_before = 0
    areas = []
    for day in range(days):
        model.step()
        if day == warmup - 1:
            before, done_before = sum(engine.departures), engine.done
        if day >= warmup:
            areas.append(sum(engine.area))
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    services = before + sum(engine.departures)
    horizon = engine.now - engine.statistics_since
    mean = areas[-1] / horizon / spec.gamma
    increments = [b - a for a, b in zip([0.0, *areas[:-1]], areas, strict=True)]
    batches = min(BATCHES, len(increments))
    size = len(increments) / batches
    batch_means = []
    for b in range(batches):
        chunk = increments[round(b * size) : round((b + 1) * size)]
        batch_means.append(sum(chunk) / (len(chunk) * HOURS_PER_DAY) / spec.gamma)
    stderr = statistics.stdev(batch_means) / math.sqrt(batches) if batches > 1 else math.nan
    return PeerResult(
        name="absorb",
        services=services,
        wall_seconds=wall,
        services_per_second=services / wall,
        mean_sojourn_hours=mean,
        sojourn_stderr_hours=stderr,
        jobs_measured=engine.done - done_before,
        cpu_seconds=cpu,
    )


TOOLS = {"absorb": run_absorb, "simpy": run_simpy, "ciw": run_ciw}
METHODS = {
    "absorb": "Little's law on the network: sum of time-average jobs per stage / gamma",
    "simpy": "per job: mean of (exit - first arrival), jobs arriving after warm-up",
    "ciw": "per job from Ciw's records: exit - first arrival, jobs arriving after warm-up",
}


def _t_quantile(n: int) -> float:
    from scipy.stats import t

    return float(t.ppf(0.975, n - 1)) if n > 1 else float("nan")


def bench(
    reps: int, budget: Budget, horizon_hours: float | None = None, with_profile: bool = True
) -> dict[str, Any]:
    """Run absorb, SimPy and Ciw on the network, interleaved, `reps` times.

    Each repetition runs the three tools one after the other in a rotating order (so slow
    drifts of the machine's load fall on all three), with seed `1000 + rep`.

    Args:
        reps: repetitions wanted (fewer if `budget` runs out; at least one).
        budget: the deadline.
        horizon_hours: shorter horizon for quick runs (warm-up stays 1% of it).
        with_profile: profile one absorb run with pyinstrument.

    Returns:
        Per tool: services/s, wall, services, sojourn estimates and their comparison with
        theory; the spec; the profile.
    """
    spec = JacksonSpec()
    if horizon_hours is not None:
        spec = replace(spec, horizon_hours=horizon_hours, warmup_hours=horizon_hours / 100)
    analytic = spec.analytic_mean_sojourn()
    short = replace(spec, horizon_hours=240.0, warmup_hours=24.0)
    for run in TOOLS.values():  # untimed warm-up: imports and first-call costs
        run(short, 0)
    runs: dict[str, list[PeerResult]] = {name: [] for name in TOOLS}
    names = list(TOOLS)
    load_before = load_average()
    slowest = 0.0
    for rep in range(reps):
        if rep > 0 and not budget.fits(slowest):
            break
        began = time.perf_counter()
        order = names[rep % len(names) :] + names[: rep % len(names)]
        for name in order:
            runs[name].append(TOOLS[name](spec, 1000 + rep))
        slowest = max(slowest, time.perf_counter() - began)
    tools: dict[str, Any] = {}
    simpy_rate = Stat([r.services_per_second for r in runs["simpy"]]).median
    simpy_cpu_rate = Stat([r.services / r.cpu_seconds for r in runs["simpy"]]).median
    for name, results in runs.items():
        rate = Stat([r.services_per_second for r in results])
        cpu_rate = Stat([r.services / r.cpu_seconds for r in results])
        sojourns = [r.mean_sojourn_hours for r in results]
        n = len(sojourns)
        mean = statistics.fmean(sojourns)
        se = statistics.stdev(sojourns) / math.sqrt(n) if n > 1 else results[0].sojourn_stderr_hours
        half = _t_quantile(n) * se if n > 1 else 1.96 * se
        relative = mean / analytic - 1.0
        tools[name] = {
            "services_per_second": rate.to_dict(),
            "wall_seconds": Stat([r.wall_seconds for r in results]).to_dict(),
            "services": Stat([float(r.services) for r in results]).to_dict(),
            "ratio_to_simpy": rate.median / simpy_rate,
            "services_per_cpu_second": cpu_rate.to_dict(),
            "cpu_ratio_to_simpy": cpu_rate.median / simpy_cpu_rate,
            "sojourn_hours": sojourns,
            "sojourn_within_run_stderr": [r.sojourn_stderr_hours for r in results],
            "sojourn_mean_hours": mean,
            "sojourn_stderr_hours": se,
            "sojourn_ci95": [mean - half, mean + half],
            "relative_error": relative,
            "matched": abs(relative) < 0.03 or (mean - half <= analytic <= mean + half),
            "method": METHODS[name],
        }
    result: dict[str, Any] = {
        "spec": {
            "stations": list(spec.stations),
            "servers": list(spec.servers),
            "mean_service_hours": list(spec.mean_service_hours),
            "gamma": spec.gamma,
            "rework_prob": spec.rework_prob,
            "utilisations": [round(u, 3) for u in spec.utilisations],
            "horizon_hours": spec.horizon_hours,
            "warmup_hours": spec.warmup_hours,
            "expected_services": spec.expected_services,
        },
        "analytic_sojourn_hours": analytic,
        "same_as_org_tandem": same_as_shipped(spec),
        "reps": len(runs["absorb"]),
        "reps_wanted": reps,
        "tools": tools,
        "load_average": [load_before, load_average()],
    }
    if with_profile:
        cfg = absorb_config(spec, 999)
        result["profile"] = profile_record(
            lambda: simulate_absorb(spec, cfg),
            f"one absorb run of the network, {spec.horizon_hours:,.0f} h",
            10,
        )
    return result
