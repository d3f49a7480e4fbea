"""The config's own arithmetic: offered load and utilisation per stage at an automation rate.

This is what a planner could compute before running anything: planned production (with the
volume response to cheaper drafts) pushed through the workflow graph by the traffic equations,
against each stage's absorption capacity. The saturation experiment marks where it reaches 1;
the simulated knee must sit there. Demand-driven work (proposals, call summaries) depends on
the market and is not part of this arithmetic.
"""

from __future__ import annotations

import math

import networkx as nx
from omegaconf import DictConfig

from sim import production
from sim.workflow import build_graph, offered_load


def planned_entries(
    graph: nx.DiGraph, cfg: DictConfig, automation_rate: float
) -> dict[str, dict[str, float]]:
    """Planned drafts per day per kind, entering at their author stage."""
    entries: dict[str, dict[str, float]] = {}
    elasticity = cfg.people.production.volume_elasticity
    for stage, node in graph.nodes(data=True):
        for kind, per_person in node["produces_per_day"].items():
            human_hours = node["effort_hours"].get(kind, 0.0)
            rate = automation_rate if kind in cfg.ai.kinds else 0.0
            ratio = cfg.ai.kinds[kind].effort_ratio if kind in cfg.ai.kinds else 1.0
            cost = production.unit_cost(human_hours, ratio, rate)
            volume = (
                node["headcount"]
                * per_person
                * production.volume_multiplier(cost, human_hours, elasticity)
            )
            entries.setdefault(kind, {})[stage] = entries.get(kind, {}).get(stage, 0.0) + volume
    return entries


def stage_capacity_hours(graph: nx.DiGraph, stage: str) -> float:
    """Hours of attention a stage gives its queue per day, with full connective time kept."""
    node = graph.nodes[stage]
    return node["headcount"] * max(node["attention_hours"] - node["connective_hours"], 0.0)


def utilisation(
    cfg: DictConfig, automation_rate: float, graph: nx.DiGraph | None = None
) -> dict[str, float]:
    """Offered load over capacity per staffed, non-producing stage, from planned production.

    Producer stages are left out: their own drafting time is what the volume response spends.
    Review effort is the human effort in the config (no skimming), AI drafts change only
    volume and producer effort.
    """
    graph = graph if graph is not None else build_graph(cfg.org)
    load = offered_load(graph, planned_entries(graph, cfg, automation_rate))
    result = {}
    for stage, node in graph.nodes(data=True):
        if node["role"] == "market" or node["produces_per_day"] or node["headcount"] == 0:
            continue
        capacity = stage_capacity_hours(graph, stage)
        result[stage] = float(load[stage] / capacity) if capacity > 0 else math.inf
    return result


def saturation_point(cfg: DictConfig, stage: str, tolerance: float = 1e-6) -> float | None:
    """The automation rate at which `stage`'s utilisation reaches 1, or None if it never does.

    Utilisation grows monotonically with automation when volume responds to cost, so the
    crossing is found by bisection on [0, 1].
    """
    graph = build_graph(cfg.org)
    at = lambda a: utilisation(cfg, a, graph).get(stage, 0.0)  # noqa: E731
    if at(0.0) >= 1.0:
        return 0.0
    if at(1.0) < 1.0:
        return None
    low, high = 0.0, 1.0
    while high - low > tolerance:
        middle = (low + high) / 2
        low, high = (middle, high) if at(middle) < 1.0 else (low, middle)
    return (low + high) / 2


def load_growth(cfg: DictConfig, automation_rate: float) -> dict[str, float]:
    """Per stage, planned load at `automation_rate` relative to planned load without AI."""
    graph = build_graph(cfg.org)
    now = offered_load(graph, planned_entries(graph, cfg, automation_rate))
    before = offered_load(graph, planned_entries(graph, cfg, 0.0))
    return {
        stage: (now[stage] / before[stage] if before[stage] > 0 else 1.0) for stage in graph.nodes
    }
