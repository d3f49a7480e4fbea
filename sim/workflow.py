"""The workflow graph: stages (teams) as nodes, hand-offs as edges, built from the org config.

The networkx `DiGraph` is the single source of truth for the organisation's structure: the
model reads routing from it, governance edits it during a run, and the figures draw it.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
from omegaconf import DictConfig


def build_graph(org: DictConfig) -> nx.DiGraph:
    """Build the workflow graph of an organisation.

    Node attributes are the stage config (role, headcount, attention_hours, effort_hours, ...);
    edge attributes are `routing` (probability per kind) and `rework`.

    Args:
        org: the `org` section of a run config (already validated).

    Returns:
        The directed workflow graph.
    """
    graph = nx.DiGraph(name=org.name, hours_per_day=float(org.hours_per_day))
    for name, stage in org.stages.items():
        graph.add_node(
            name,
            role=stage.role,
            headcount=int(stage.headcount),
            attention_hours=float(stage.attention_hours),
            effort_hours={k: float(v) for k, v in stage.effort_hours.items()},
            produces_per_day={k: float(v) for k, v in stage.produces_per_day.items()},
            arrival_rate_per_hour={k: float(v) for k, v in stage.arrival_rate_per_hour.items()},
            service_distribution=stage.service_distribution,
            connective_hours=float(stage.connective_hours),
        )
    for handoff in org.handoffs:
        routing = {k: float(v) for k, v in handoff.routing.items()}
        if graph.has_edge(handoff.source, handoff.target):  # repeated pairs add up, as validated
            existing = graph.edges[handoff.source, handoff.target]["routing"]
            for kind, probability in routing.items():
                existing[kind] = existing.get(kind, 0.0) + probability
            graph.edges[handoff.source, handoff.target]["rework"] |= bool(handoff.rework)
        else:
            graph.add_edge(
                handoff.source, handoff.target, routing=routing, rework=bool(handoff.rework)
            )
    return graph


def insert_control_step(
    graph: nx.DiGraph, kind: str, source: str, target: str, stage: str, share: float = 1.0
) -> bool:
    """Route `kind` from `source` through the control `stage` before it reaches `target`.

    The probability of `source → target` for `kind` moves to `source → stage` (a `share` of
    it when the step samples: the rest keeps going straight to `target`), and `stage` passes
    all of that kind on to `target`. Defects the step catches go back to the artifact's author
    along the rework edges the organisation already has.

    Args:
        graph: the workflow graph, edited in place.
        kind: the artifact kind routed through the step.
        source: the stage the kind leaves.
        target: the stage it was going to.
        stage: the control stage.
        share: share of the kind the step reviews (1: all of it).

    Returns:
        True if the graph changed (the step was not already in place).
    """
    if not graph.has_edge(source, target):
        return False
    direct = graph.edges[source, target]["routing"]
    if graph.has_edge(source, stage) and kind in graph.edges[source, stage]["routing"]:
        if share < 1.0:
            return False  # already sampled: what goes straight on is the unsampled rest
    probability = direct.pop(kind, 0.0)
    if probability <= 0.0:
        return False
    if share < 1.0:
        direct[kind] = probability * (1.0 - share)
        probability *= share
    if not graph.has_edge(source, stage):
        graph.add_edge(source, stage, routing={}, rework=False)
    routing = graph.edges[source, stage]["routing"]
    routing[kind] = routing.get(kind, 0.0) + probability
    if not graph.has_edge(stage, target):
        graph.add_edge(stage, target, routing={}, rework=False)
    graph.edges[stage, target]["routing"][kind] = 1.0
    return True


@dataclass
class RoutingTable:
    """The graph's routing compiled for the event loop: per (stage, kind), cumulative choices.

    Attributes:
        targets: targets[stage][kind] = stage indices in draw order.
        cumulative: cumulative[stage][kind] = running sum of their probabilities.
        rework_to: rework_to[stage] = set of stage indices reachable by a rework edge.
        certain: certain[stage][kind] = the one possible next stage (-1: leaves) when there
            is no choice to draw, else None.
    """

    targets: list[list[list[int]]]
    cumulative: list[list[list[float]]]
    rework_to: list[set[int]]
    certain: list[list[int | None]]

    def next_stage(self, stage: int, kind: int, uniform: float) -> int:
        """The stage an artifact moves to for a uniform draw, or -1 if it leaves."""
        cumulative = self.cumulative[stage][kind]
        for index, bound in enumerate(cumulative):
            if uniform < bound:
                return self.targets[stage][kind][index]
        return -1


def compile_routing(
    graph: nx.DiGraph, stage_index: dict[str, int], kind_index: dict[str, int]
) -> RoutingTable:
    """Compile the graph's edges into a `RoutingTable` (recompiled after each graph edit)."""
    n_stages, n_kinds = len(stage_index), len(kind_index)
    targets: list[list[list[int]]] = [[[] for _ in range(n_kinds)] for _ in range(n_stages)]
    cumulative: list[list[list[float]]] = [[[] for _ in range(n_kinds)] for _ in range(n_stages)]
    rework_to: list[set[int]] = [set() for _ in range(n_stages)]
    for source, target, data in sorted(
        graph.edges(data=True), key=lambda e: (stage_index[e[0]], stage_index[e[1]])
    ):
        s, t = stage_index[source], stage_index[target]
        if data["rework"]:
            rework_to[s].add(t)
        for kind, probability in sorted(
            data["routing"].items(), key=lambda item: kind_index[item[0]]
        ):
            if probability <= 0:
                continue
            k = kind_index[kind]
            total = (cumulative[s][k][-1] if cumulative[s][k] else 0.0) + probability
            targets[s][k].append(t)
            cumulative[s][k].append(total)
    certain: list[list[int | None]] = [
        [
            -1
            if not cumulative[s][k]
            else targets[s][k][0]
            if len(targets[s][k]) == 1 and cumulative[s][k][0] >= 1.0
            else None
            for k in range(n_kinds)
        ]
        for s in range(n_stages)
    ]
    return RoutingTable(
        targets=targets, cumulative=cumulative, rework_to=rework_to, certain=certain
    )


def routing_matrix(graph: nx.DiGraph, kind: str, stages: list[str]) -> np.ndarray:
    """P[i, j]: probability an artifact of `kind` leaving stage i goes to stage j."""
    index = {name: i for i, name in enumerate(stages)}
    matrix = np.zeros((len(stages), len(stages)))
    for source, target, data in graph.edges(data=True):
        matrix[index[source], index[target]] += data["routing"].get(kind, 0.0)
    return matrix


def demand_author(graph: nx.DiGraph, kind: str) -> str | None:
    """Where demand-driven work of `kind` is written: the first sales stage with effort for it."""
    return next(
        (
            stage
            for stage, node in graph.nodes(data=True)
            if node["role"] == "sales_rep" and kind in node["effort_hours"]
        ),
        None,
    )


def visit_rates(graph: nx.DiGraph, kind: str, entering: dict[str, float]) -> np.ndarray:
    """Artifacts of `kind` per day visiting each stage (graph order): the traffic equations."""
    stages = list(graph.nodes)
    gamma = np.array([entering.get(stage, 0.0) for stage in stages])
    return np.linalg.solve((np.eye(len(stages)) - routing_matrix(graph, kind, stages)).T, gamma)


def offered_arrivals(
    graph: nx.DiGraph, kind_arrivals: dict[str, dict[str, float]]
) -> dict[str, float]:
    """Artifacts per day that reach each stage and need its work (kinds it has effort for)."""
    stages = list(graph.nodes)
    arrivals = dict.fromkeys(stages, 0.0)
    for kind, entering in kind_arrivals.items():
        for stage, rate in zip(stages, visit_rates(graph, kind, entering), strict=True):
            if graph.nodes[stage]["effort_hours"].get(kind, 0.0) > 0:
                arrivals[stage] += rate
    return arrivals


def offered_load(graph: nx.DiGraph, kind_arrivals: dict[str, dict[str, float]]) -> dict[str, float]:
    """Hours of work per day that reach each stage, from the traffic equations.

    Args:
        graph: the workflow graph.
        kind_arrivals: per kind, artifacts per day entering each stage from outside
            (production at the author stage).

    Returns:
        Offered work in hours per day per stage (sum over kinds of visits × effort).
    """
    stages = list(graph.nodes)
    load = dict.fromkeys(stages, 0.0)
    for kind, entering in kind_arrivals.items():
        rates = visit_rates(graph, kind, entering)
        for i, stage in enumerate(stages):
            load[stage] += rates[i] * graph.nodes[stage]["effort_hours"].get(kind, 0.0)
    return load
