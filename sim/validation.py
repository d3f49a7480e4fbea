"""The queueing-theory limit: the organisation model, stripped of behaviour, against theory.

With people's behaviour, AI, the market and governance switched off, exponential service,
Poisson arrivals and shifts that cover the whole clock, the organisation model (`OrgModel`
driving `Engine`, the same code every experiment runs) is an open Jackson network of M/M/c
stations. This module

- converts an org config into that network (external rates γ, routing P, mean service times
  s and servers c), and solves it with `sim.queueing_theory`;
- runs replications of the model with a warm-up, measuring per stage the time-average number
  in the stage L, the arrival rate λ, the mean sojourn W and the mean wait in queue Wq, and
  for the whole network the same four measured directly on every job (entry to exit);
- for stations whose kind has a patience (`patience_days`), single stations fed by their own
  kind, compares instead with Erlang-A (M/M/c+M): the share of arrivals abandoned, Wq, W, L
  and the throughput;
- compares the two: a 95% t-interval over replications beside each analytic value, the
  relative error, and PASS when the interval covers the analytic value or the relative
  error is below 3%.

`run_validation` is what `absorb experiment=validate_queueing org=<network>` calls. The method
is described in docs/validation.md.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from omegaconf import DictConfig

from sim.config import ConfigError, to_container
from sim.engine import Artifact, Engine
from sim.metrics import littles_law
from sim.model import OrgModel
from sim.outputs import write_json
from sim.queueing_theory import JacksonResult, erlang_a, jackson_network, traffic_equations
from sim.runner import versions
from sim.stats import confidence_interval
from sim.workflow import build_graph, routing_matrix

CONFIDENCE = 0.95
RELATIVE_TOLERANCE = 0.03
NETWORK = "network"
# Measured quantities, in the order of the tables: key, symbol, unit.
METRICS = (
    ("arrival_rate", "λ", "/h"),
    ("wq", "Wq", "h"),
    ("w", "W", "h"),
    ("l", "L", ""),
)
# For stations with abandonment (Erlang-A), per station only.
ABANDONMENT_METRICS = (
    ("arrival_rate", "λ", "/h"),
    ("abandonment", "P(abandon)", ""),
    ("wq", "Wq", "h"),
    ("w", "W", "h"),
    ("l", "L", ""),
    ("throughput", "served", "/h"),
)


@dataclass(frozen=True)
class QueueingNetwork:
    """An org config read as an open Jackson network of M/M/c stations.

    Attributes:
        name: the organisation's name.
        kind: the one artifact kind that flows through it.
        stations: the staffed stages that receive work, in config order.
        stage_index: each station's index among the model's stages.
        external_rates: γ, external Poisson arrivals per hour at each station.
        routing: P[i, j], probability that a job leaving station i joins station j.
        mean_service_hours: s, mean exponential service time at each station.
        servers: c, people at each station.
        mean_patience_hours: with abandonment, each station's mean patience (inf: none);
            empty for a Jackson network.
        station_kinds: with abandonment, the kind each station receives.
    """

    name: str
    kind: str
    stations: tuple[str, ...]
    stage_index: tuple[int, ...]
    external_rates: np.ndarray
    routing: np.ndarray
    mean_service_hours: np.ndarray
    servers: np.ndarray
    mean_patience_hours: tuple[float, ...] = ()
    station_kinds: tuple[str, ...] = ()

    @property
    def abandonment(self) -> bool:
        """Whether the stations are M/M/c+M (compared with Erlang-A, not Jackson)."""
        return bool(self.mean_patience_hours)

    def analytic(self) -> JacksonResult:
        """The network's steady state by Jackson's theorem."""
        return jackson_network(
            self.external_rates,
            self.routing,
            self.mean_service_hours,
            self.servers,
            names=self.stations,
        )


def _pure(cfg: DictConfig) -> None:
    """Raise unless every mechanism beyond queueing is switched off."""
    problems = []
    if cfg.people.enabled:
        problems.append("people.enabled=true (people change service times and make work)")
    if cfg.market.enabled:
        problems.append("market.enabled=true")
    if cfg.governance.enabled:
        problems.append("governance.enabled=true")
    if float(cfg.ai.automation_rate) > 0 and len(cfg.ai.kinds) > 0:
        problems.append("AI drafting is on (use ai=none)")
    if cfg.org.capacity_follows_load:
        problems.append("org.capacity_follows_load=true (headcounts would follow the AI load)")
    if problems:
        raise ConfigError(
            "validate_queueing needs a pure queueing network, but " + "; ".join(problems)
        )


def network_from_config(cfg: DictConfig) -> QueueingNetwork:
    """Read the org config of a run as an open Jackson network.

    The stages that receive work (by external arrivals or routing) are the stations: servers
    are `headcount`, the mean service time is `effort_hours` of the kind, external arrivals are
    `arrival_rate_per_hour`, and routing is the `handoffs` (the same graph and routing matrix
    the model compiles). Work routed to a `market` stage, or not routed on, leaves the network.

    Args:
        cfg: a validated run config.

    Returns:
        The network.

    Raises:
        ConfigError: if the config is not a pure single-kind network of always-on M/M/c
            stations (the message says which key breaks it), or a station is unstable.
    """
    _pure(cfg)
    org = cfg.org
    graph = build_graph(org)
    names = list(graph.nodes)
    if any(kind.patience_days is not None for kind in org.kinds.values()):
        return _abandonment_network(cfg, graph)
    kinds = sorted(
        {
            kind
            for name in names
            for kind, rate in graph.nodes[name]["arrival_rate_per_hour"].items()
            if rate > 0
        }
    )
    if len(kinds) != 1:
        found = ", ".join(kinds) if kinds else "none"
        raise ConfigError(
            f"org.stages.*.arrival_rate_per_hour: validate_queueing needs external arrivals of "
            f"exactly one kind, found {found}"
        )
    kind = kinds[0]
    for name in names:
        if graph.nodes[name]["produces_per_day"]:
            raise ConfigError(
                f"org.stages.{name}.produces_per_day: a queueing network has Poisson arrivals "
                "(arrival_rate_per_hour) only"
            )
    nodes = [i for i, name in enumerate(names) if graph.nodes[name]["role"] != "market"]
    full = routing_matrix(graph, kind, names)
    routing = full[np.ix_(nodes, nodes)]
    gamma = np.array([graph.nodes[names[i]]["arrival_rate_per_hour"].get(kind, 0.0) for i in nodes])
    try:  # traffic equations over every non-sink stage, to find the ones that receive work
        rates = traffic_equations(gamma, routing)
    except ValueError as error:
        raise ConfigError(f"org.handoffs: {error}") from None
    active = [k for k in range(len(nodes)) if rates[k] > 1e-12 * gamma.sum()]
    for k in active:
        _check_station(graph, names[nodes[k]], kind, float(org.hours_per_day))
    network = QueueingNetwork(
        name=str(org.name),
        kind=kind,
        stations=tuple(names[nodes[k]] for k in active),
        stage_index=tuple(nodes[k] for k in active),
        external_rates=gamma[active],
        routing=routing[np.ix_(active, active)],
        mean_service_hours=np.array(
            [graph.nodes[names[nodes[k]]]["effort_hours"][kind] for k in active]
        ),
        servers=np.array([graph.nodes[names[nodes[k]]]["headcount"] for k in active], dtype=int),
    )
    try:
        network.analytic()
    except ValueError as error:
        raise ConfigError(f"org.stages: {error}") from None
    return network


def _check_station(graph, name: str, kind: str, hours_per_day: float) -> None:
    """Raise unless stage `name` is an always-on M/M/c station for `kind`."""
    node = graph.nodes[name]
    key = f"org.stages.{name}"
    if node["headcount"] < 1:
        raise ConfigError(f"{key}.headcount: the stage receives {kind} work but has no people")
    if node["service_distribution"] != "exponential":
        raise ConfigError(
            f"{key}.service_distribution = {node['service_distribution']!r}: "
            "an M/M/c station needs exponential service"
        )
    if node["effort_hours"].get(kind, 0.0) <= 0:
        raise ConfigError(f"{key}.effort_hours.{kind}: must be > 0 (the mean service time)")
    if node["attention_hours"] != hours_per_day:
        raise ConfigError(
            f"{key}.attention_hours = {node['attention_hours']:g}: servers must be on duty "
            f"the whole day (org.hours_per_day = {hours_per_day:g})"
        )


def _abandonment_network(cfg: DictConfig, graph) -> QueueingNetwork:
    """Read an org whose kinds have a patience as independent M/M/c+M stations.

    Each station receives one kind, by external Poisson arrivals only, and everything it
    serves leaves (to a `market` stage or out): a single-station network per kind, each
    compared with Erlang-A at its kind's mean patience (`patience_days` x `hours_per_day`).
    """
    org = cfg.org
    names = list(graph.nodes)
    hours_per_day = float(org.hours_per_day)
    stations, kinds, gamma = [], [], []
    for i, name in enumerate(names):
        node = graph.nodes[name]
        if node["produces_per_day"]:
            raise ConfigError(
                f"org.stages.{name}.produces_per_day: a queueing network has Poisson arrivals "
                "(arrival_rate_per_hour) only"
            )
        fed = {kind: rate for kind, rate in node["arrival_rate_per_hour"].items() if rate > 0}
        if not fed:
            continue
        if len(fed) != 1:
            raise ConfigError(
                f"org.stages.{name}.arrival_rate_per_hour: with patience, validate_queueing "
                f"compares single stations each fed by one kind, found {', '.join(sorted(fed))}"
            )
        ((kind, rate),) = fed.items()
        stations.append(i)
        kinds.append(kind)
        gamma.append(rate)
    for source, target in graph.edges:
        if graph.nodes[target]["role"] != "market" and any(
            p > 0 for p in graph.edges[source, target]["routing"].values()
        ):
            raise ConfigError(
                f"org.handoffs: with patience, validate_queueing compares single stations; "
                f"{source} -> {target} routes work between stations"
            )
    if not stations:
        raise ConfigError(
            "org.stages.*.arrival_rate_per_hour: validate_queueing needs external arrivals"
        )
    for i, kind in zip(stations, kinds, strict=True):
        _check_station(graph, names[i], kind, hours_per_day)
        shape = org.kinds[kind].patience_shape
        if org.kinds[kind].patience_days is not None and shape != 1:
            raise ConfigError(
                f"org.kinds.{kind}.patience_shape: {shape} is not allowed here; Erlang-A "
                "assumes exponential patience: 1"
            )
    patience = tuple(
        math.inf
        if org.kinds[kind].patience_days is None
        else float(org.kinds[kind].patience_days) * hours_per_day
        for kind in kinds
    )
    network = QueueingNetwork(
        name=str(org.name),
        kind=", ".join(dict.fromkeys(kinds)),
        stations=tuple(names[i] for i in stations),
        stage_index=tuple(stations),
        external_rates=np.array(gamma),
        routing=np.zeros((len(stations), len(stations))),
        mean_service_hours=np.array(
            [graph.nodes[names[i]]["effort_hours"][k] for i, k in zip(stations, kinds, strict=True)]
        ),
        servers=np.array([graph.nodes[names[i]]["headcount"] for i in stations], dtype=int),
        mean_patience_hours=patience,
        station_kinds=tuple(kinds),
    )
    try:
        analytic_values(network)
    except ValueError as error:
        raise ConfigError(f"org.stages: {error}") from None
    return network


class _JobTally:
    """Per-job network sojourn and waiting, measured by wrapping the engine's hooks.

    Every completed service adds its wait in queue to the job's running total; when the job
    leaves the network, its sojourn (exit time minus `Artifact.created`, the time it entered)
    and its total wait are added to the tally, if it entered after the warm-up. A job
    abandoned in a queue leaves too: its last wait is its time in that queue.
    """

    def __init__(self, engine: Engine):
        self.engine = engine
        self.jobs = 0
        self.sojourn = 0.0
        self.wait = 0.0
        self._waits: dict[int, float] = {}
        on_done = engine.on_done
        waits = self._waits

        def counting_waits(finish: Callable[[Artifact, float], int]):
            def complete(artifact: Artifact, now: float) -> int:
                waits[artifact.id] = waits.get(artifact.id, 0.0) + (
                    artifact.started - artifact.entered
                )
                return finish(artifact, now)

            return complete

        def leave(artifact: Artifact, now: float) -> None:
            wait = waits.pop(artifact.id, 0.0)
            if artifact.created >= engine.statistics_since:
                self.jobs += 1
                self.sojourn += now - artifact.created
                self.wait += wait

        def done(artifact: Artifact, stage: int, now: float) -> None:
            leave(artifact, now)
            on_done(artifact, stage, now)

        engine.finish = [counting_waits(finish) for finish in engine.finish]
        engine.on_done = done
        on_abandon = engine.on_abandon
        if on_abandon is not None:

            def abandon(artifact: Artifact, stage: int, now: float) -> None:
                waits[artifact.id] = waits.get(artifact.id, 0.0) + (now - artifact.entered)
                leave(artifact, now)
                on_abandon(artifact, stage, now)

            engine.on_abandon = abandon

    def reset(self) -> None:
        """Forget jobs finished so far (the start of the measured window)."""
        self.jobs = 0
        self.sojourn = 0.0
        self.wait = 0.0


def simulate_replication(
    cfg: DictConfig, network: QueueingNetwork, replication: int
) -> dict[str, Any]:
    """Run one replication of the model and measure the network after the warm-up.

    Args:
        cfg: the run config (a pure queueing network).
        network: the network read from `cfg` (names the stations to measure).
        replication: replication index; with `cfg.seed` it fixes every random stream.

    Returns:
        Per station and for the network: `arrival_rate`, `wq`, `w`, `l`; plus `diagnostics`
        (Little's law per stage, jobs measured, days checked for conservation).
    """
    model = OrgModel(cfg, replication)
    engine = model.engine
    tally = _JobTally(engine)
    warmup = int(cfg.metrics.warmup_days)
    entered_before = 0
    for day in range(int(cfg.days)):
        if day == warmup:  # the model resets the engine's statistics at the start of this day
            tally.reset()
            entered_before = engine.created
        model.step()
    horizon = engine.now - engine.statistics_since
    stations = {}
    for name, s in zip(network.stations, network.stage_index, strict=True):
        served = engine.departures[s]
        stations[name] = {
            "arrival_rate": engine.arrivals[s] / horizon,
            "wq": engine.wait_sum[s] / served if served else math.nan,
            "w": engine.sojourn_sum[s] / served if served else math.nan,
            "l": engine.area[s] / horizon,
        }
        if network.abandonment:
            arrived = engine.arrivals[s]
            stations[name]["abandonment"] = engine.abandoned[s] / arrived if arrived else math.nan
            stations[name]["throughput"] = (served - engine.abandoned[s]) / horizon
    total_l = math.fsum(engine.area) / horizon
    entered = (engine.created - entered_before) / horizon
    jobs = tally.jobs
    stations[NETWORK] = {
        "arrival_rate": entered,
        "wq": tally.wait / jobs if jobs else math.nan,
        "w": tally.sojourn / jobs if jobs else math.nan,
        "l": total_l,
    }
    law = littles_law(model)
    network_w = stations[NETWORK]["w"]
    return {
        "replication": replication,
        "measured_hours": horizon,
        "stations": stations,
        "diagnostics": {
            "jobs_measured": jobs,
            "littles_law_max_relative_error": max(
                (v["relative_error"] for v in law.values()), default=0.0
            ),
            "network_littles_law_relative_error": (
                abs(total_l - entered * network_w) / total_l if total_l > 0 and jobs else math.nan
            ),
            "conservation_checked_days": len(model.datacollector.rows),
        },
    }


def analytic_values(network: QueueingNetwork) -> dict[str, dict[str, float]]:
    """The analytic λ, Wq, W, L per station and for the whole network (per job).

    The network's Wq is a job's total time waiting in queues from entry to exit, the sum over
    stations of the expected visits times the station's Wq. Stations with abandonment are
    compared one by one with Erlang-A (no network row), adding the share of arrivals
    abandoned and the throughput.
    """
    if network.abandonment:
        return _erlang_a_values(network)
    result = network.analytic()
    values = {}
    for name, station in zip(result.names, result.stations, strict=True):
        values[name] = {
            "arrival_rate": station.arrival_rate,
            "wq": station.wq,
            "w": station.w,
            "l": station.l,
            "servers": int(network.servers[result.names.index(name)]),
            "mean_service_hours": float(network.mean_service_hours[result.names.index(name)]),
            "utilisation": station.utilisation,
        }
    values[NETWORK] = {
        "arrival_rate": result.total_external_rate,
        "wq": math.fsum(v * st.wq for v, st in zip(result.visits, result.stations, strict=True)),
        "w": result.w,
        "l": result.l,
    }
    return values


def _erlang_a_values(network: QueueingNetwork) -> dict[str, dict[str, float]]:
    values = {}
    for i, name in enumerate(network.stations):
        station = erlang_a(
            float(network.external_rates[i]),
            float(network.mean_service_hours[i]),
            int(network.servers[i]),
            network.mean_patience_hours[i],
        )
        values[name] = {
            "arrival_rate": station.arrival_rate,
            "abandonment": station.abandonment_probability,
            "wq": station.wq,
            "w": station.w,
            "l": station.l,
            "throughput": station.throughput,
            "servers": int(network.servers[i]),
            "mean_service_hours": float(network.mean_service_hours[i]),
            "mean_patience_hours": network.mean_patience_hours[i],
            "kind": network.station_kinds[i],
            "utilisation": station.utilisation,
        }
    return values


def compare(
    analytic: dict[str, dict[str, float]], replications: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """One row per station (then the network) and metric: analytic value against the CI.

    A row passes when the 95% t-interval over replications covers the analytic value, or the
    mean is within 3% of it.
    """
    rows = []
    for scope in analytic:
        metrics = ABANDONMENT_METRICS if "abandonment" in analytic[scope] else METRICS
        for metric, symbol, unit in metrics:
            expected = float(analytic[scope][metric])
            ci = confidence_interval(
                [r["stations"][scope][metric] for r in replications], CONFIDENCE
            )
            mean = ci["mean"]
            relative = (mean - expected) / expected if expected != 0 else math.nan
            covers = bool(ci["ci_low"] <= expected <= ci["ci_high"])
            close = bool(abs(relative) < RELATIVE_TOLERANCE)
            rows.append(
                {
                    "scope": scope,
                    "metric": symbol,
                    "unit": unit,
                    "analytic": expected,
                    **ci,
                    "relative_error": relative,
                    "ci_covers": covers,
                    "within_tolerance": close,
                    "passed": covers or close,
                }
            )
    return rows


def validate_network(cfg: DictConfig, progress: bool = False) -> dict[str, Any]:
    """Replications of the model on a queueing network, compared with Jackson's theorem.

    Args:
        cfg: a validated run config describing a pure queueing network.
        progress: print a line per replication to stderr.

    Returns:
        The report: settings, analytic values, rows (see `compare`), per-replication
        measurements, diagnostics, versions and `passed`.

    Raises:
        ConfigError: if the config is not a pure queueing network (see `network_from_config`).
    """
    network = network_from_config(cfg)
    analytic = analytic_values(network)
    replications = []
    for replication in range(int(cfg.replications)):
        replications.append(simulate_replication(cfg, network, replication))
        if progress:
            print(f"  replication {replication + 1}/{cfg.replications} done", file=sys.stderr)
    rows = compare(analytic, replications)
    diagnostics = [r["diagnostics"] for r in replications]
    return {
        "network": network.name,
        "kind": network.kind,
        "seed": int(cfg.seed),
        "replications": int(cfg.replications),
        "days": int(cfg.days),
        "warmup_days": int(cfg.metrics.warmup_days),
        "hours_per_day": float(cfg.org.hours_per_day),
        "measured_hours_per_replication": replications[0]["measured_hours"],
        "criterion": {"confidence": CONFIDENCE, "relative_tolerance": RELATIVE_TOLERANCE},
        "routing": network.routing.tolist(),
        "analytic": analytic,
        "rows": rows,
        "diagnostics": {
            "littles_law_max_relative_error": max(
                d["littles_law_max_relative_error"] for d in diagnostics
            ),
            "network_littles_law_max_relative_error": max(
                d["network_littles_law_relative_error"] for d in diagnostics
            ),
            "conservation_checked_days": sum(d["conservation_checked_days"] for d in diagnostics),
            "jobs_measured": sum(d["jobs_measured"] for d in diagnostics),
        },
        "per_replication": replications,
        "passed": all(row["passed"] for row in rows),
        "versions": versions(),
        "config": to_container(cfg),
    }


def _number(value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.4g}"


def format_report(report: dict[str, Any]) -> str:
    """The report as Markdown: the stations' parameters, then theory against simulation."""
    analytic = report["analytic"]
    abandonment = any("abandonment" in values for values in analytic.values())
    jobs = report["diagnostics"]["jobs_measured"]
    lines = [
        f"## Queueing validation: `{report['network']}`",
        "",
        f"{report['replications']} replications (seed {report['seed']}) of {report['days']} days "
        f"of {report['hours_per_day']:g} h; the first {report['warmup_days']} days are warm-up, "
        f"so each replication measures {report['measured_hours_per_replication']:,.0f} h. "
        + (
            f"Kinds `{report['kind']}`, each with its own station; {jobs:,} jobs measured from "
            "entry to exit (served or abandoned). Stations with patience are M/M/c+M, compared "
            "with Erlang-A; W and Wq are over all arrivals, abandoned ones included."
            if abandonment
            else f"Kind `{report['kind']}`; {jobs:,} jobs measured from entry to exit."
        ),
        "",
    ]
    if abandonment:
        lines += [
            "| station | kind | servers c | mean service (h) | mean patience (h) | λ (/h) | ρ |",
            "|---|---|---:|---:|---:|---:|---:|",
        ]
    else:
        lines += [
            "| station | servers c | mean service (h) | λ (/h) | ρ |",
            "|---|---:|---:|---:|---:|",
        ]
    for scope, values in analytic.items():
        if scope == NETWORK:
            continue
        patience = (
            f"{values['kind']} | {values['servers']} | {_number(values['mean_service_hours'])} | "
            f"{_number(values['mean_patience_hours'])} |"
            if abandonment
            else f"{values['servers']} | {_number(values['mean_service_hours'])} |"
        )
        lines.append(
            f"| {scope} | {patience} "
            f"{_number(values['arrival_rate'])} | {_number(values['utilisation'])} |"
        )
    confidence = round(100 * report["criterion"]["confidence"])
    tolerance = round(100 * report["criterion"]["relative_tolerance"])
    lines += [
        "",
        f"| scope | metric | analytic | simulated mean | {confidence}% CI | relative error | "
        "result |",
        "|---|---|---:|---:|---|---:|---|",
    ]
    for row in report["rows"]:
        unit = f" ({row['unit']})" if row["unit"] else ""
        verdict = "PASS" if row["passed"] else "FAIL"
        why = "CI covers" if row["ci_covers"] else (f"< {tolerance}%" if row["passed"] else "")
        relative = row["relative_error"]
        relative_text = "n/a" if relative is None or math.isnan(relative) else f"{relative:+.2%}"
        lines.append(
            f"| {row['scope']} | {row['metric']}{unit} | {_number(row['analytic'])} | "
            f"{_number(row['mean'])} | {_number(row['ci_low'])} .. {_number(row['ci_high'])} | "
            f"{relative_text} | {verdict} ({why}) |".replace(" ()", "")
        )
    diagnostics = report["diagnostics"]
    passed = sum(row["passed"] for row in report["rows"])
    lines += [
        "",
        f"Little's law per stage, max relative error: "
        f"{diagnostics['littles_law_max_relative_error']:.2e}; for the network (L against λW "
        f"measured per job): {diagnostics['network_littles_law_max_relative_error']:.2e}. "
        f"Conservation checked on {diagnostics['conservation_checked_days']:,} days.",
        "",
        f"**{'PASS' if report['passed'] else 'FAIL'}**: {passed} of {len(report['rows'])} rows "
        f"pass (the {confidence}% t-interval over replications covers the analytic value, or "
        f"the relative error is below {tolerance}%).",
        "",
    ]
    return "\n".join(lines)


def write_report(report: dict[str, Any], directory: Path) -> list[Path]:
    """Write `validation.json` and `validation.md` into `directory`.

    Returns:
        The two paths.
    """
    directory.mkdir(parents=True, exist_ok=True)
    json_path = directory / "validation.json"
    md_path = directory / "validation.md"
    write_json(report, json_path)
    md_path.write_text(format_report(report))
    return [json_path, md_path]


def run_validation(cfg: DictConfig, directory: Path) -> dict[str, Any]:
    """The `validate_queueing` task: validate, print the tables, write them to `directory`.

    Args:
        cfg: the composed run config.
        directory: the Hydra run folder.

    Returns:
        The report (see `validate_network`).

    Raises:
        SystemExit: status 2 if the config is not a pure queueing network (nothing is
            written), status 1 after writing the report if any row fails.
    """
    try:
        network_from_config(cfg)
    except ConfigError as error:
        print(f"absorb: error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    progress = bool(cfg.progress) and sys.stderr.isatty()
    started = time.perf_counter()
    report = validate_network(cfg, progress=progress)
    write_report(report, directory)
    print(format_report(report))
    print(
        f"absorb: validation of {report['network']} "
        f"{'passed' if report['passed'] else 'FAILED'} in {time.perf_counter() - started:.1f} s"
        f" -> {directory}"
    )
    if not report["passed"]:
        raise SystemExit(1)
    return report
