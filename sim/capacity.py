"""The config's own arithmetic: offered load and utilisation per stage at an automation rate.

This is what a planner could compute before running anything: planned production (with the
volume response to cheaper drafts) pushed through the workflow graph by the traffic equations,
against each stage's absorption capacity. The saturation experiment marks where it reaches 1;
the simulated knee must sit there. It leaves out demand-driven work (proposals, call
summaries); the absorption audit (`demand=True`) adds it, expected from the planned outreach
through the market's own formulas.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
from omegaconf import DictConfig

from sim import production, review
from sim.market import Market
from sim.workflow import build_graph, demand_author, offered_arrivals, offered_load


def _add(entries: dict[str, dict[str, float]], kind: str, stage: str, per_day: float) -> None:
    """Add `per_day` artifacts of `kind` entering at `stage` to `entries`."""
    entries.setdefault(kind, {})[stage] = entries.get(kind, {}).get(stage, 0.0) + per_day


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
            _add(entries, kind, stage, volume)
    return entries


def demand_entries(
    graph: nx.DiGraph, cfg: DictConfig, entries: dict[str, dict[str, float]], automation_rate: float
) -> dict[str, dict[str, float]]:
    """Demand-driven drafts per day, entering at their author stage, expected from `entries`.

    A call summary per meeting (`produced_on: meeting`) and a proposal per qualified
    opportunity (`produced_on: qualified`), made at the first sales stage with effort for the
    kind, as the model does. Meetings and opportunities are the planned outreach (sequences ×
    prospects reached) through the market's formulas: reach after unsubscribes and bounces,
    reply probability by relevance (at the mean relevance of human and AI drafts), meetings per
    reply, qualification by relevance; the prospect pool is settled at the planned sending, as
    the model starts it. None without a market.
    """
    kinds, ai, params = cfg.org.kinds, cfg.ai.kinds, cfg.market
    reps = sum(n["headcount"] for _, n in graph.nodes(data=True) if n["role"] == "sales_rep")
    outreach = [k for k in kinds if kinds[k].market_role == "outreach" and k in entries]
    if not params.enabled or not outreach or reps == 0:
        return {}
    baseline = kinds[outreach[0]].relevance_mean
    market = Market(
        params, round(params.prospects_per_rep * reps), baseline, np.random.default_rng()
    )
    sequences = {k: sum(entries[k].values()) for k in outreach}
    messages = sum(
        n * kinds[k].prospects_reached * kinds[k].messages_per_prospect
        for k, n in sequences.items()
    )
    market.settle(messages)
    reach = (1.0 - market.unsubscribed) * (1.0 - market.bounce_rate(messages))
    meetings = qualified = 0.0
    for k, n in sequences.items():
        rate = automation_rate if k in ai else 0.0
        mix = [(1.0 - rate, kinds[k].relevance_mean)]
        mix += [(rate, ai[k].relevance_mean)] if k in ai else []
        for share, relevance in mix:
            met = n * share * kinds[k].prospects_reached * reach
            met *= float(market.reply_probability(relevance)) * params.meeting_per_reply
            meetings += met
            qualified += met * min(1.0, params.qualify_per_meeting * relevance)
    demand: dict[str, dict[str, float]] = {}
    for k, kind in kinds.items():
        per_day = {"meeting": meetings, "qualified": qualified}.get(kind.produced_on)
        author = demand_author(graph, k)
        if per_day is not None and author is not None:
            demand[k] = {author: per_day}
    return demand


def kind_entries(
    graph: nx.DiGraph, cfg: DictConfig, automation_rate: float, demand: bool = False
) -> dict[str, dict[str, float]]:
    """Artifacts per day entering the graph per kind: planned, and demand-driven if asked.

    Demand-driven work includes the external Poisson arrivals of a queueing network
    (`arrival_rate_per_hour` over a working day).
    """
    entries = planned_entries(graph, cfg, automation_rate)
    hours = float(cfg.org.hours_per_day)
    if not demand:
        return entries
    for stage, node in graph.nodes(data=True):
        for kind, rate in node["arrival_rate_per_hour"].items():
            _add(entries, kind, stage, rate * hours)
    for kind, entering in demand_entries(graph, cfg, entries, automation_rate).items():
        for stage, n in entering.items():
            _add(entries, kind, stage, n)
    return entries


def stage_capacity_hours(graph: nx.DiGraph, stage: str) -> float:
    """Hours of attention a stage gives its queue per day, with full connective time kept."""
    node = graph.nodes[stage]
    return node["headcount"] * max(node["attention_hours"] - node["connective_hours"], 0.0)


def rereview_share(
    graph: nx.DiGraph, cfg: DictConfig, kind: str, automation_rate: float
) -> dict[str, float]:
    """Per stage with a way back for rework: the share of `kind` it reads a second time.

    A reviewer sends back the defects they catch, and the fix returns for another reading:
    the share is the defect chance (human and AI mix) times the chance of catching it at the
    people's starting skill and trust, with no backlog pressure (`sim.review`).
    """
    human = cfg.org.kinds[kind].defect_probability
    ai = cfg.ai.kinds[kind] if kind in cfg.ai.kinds else None
    rate = automation_rate if ai is not None else 0.0
    people, shares = cfg.people, {}
    if not people.enabled:
        return {}
    for stage in graph.nodes:
        if not any(graph.edges[stage, t]["rework"] for t in graph.successors(stage)):
            continue
        caught = 0.0
        for share, p, ai_made in (
            (1.0 - rate, human, False),
            (rate, ai.defect_probability if ai else 0.0, True),
        ):
            vigilance = review.vigilance(
                people.trust.initial, ai_made, 0.0, people.review.trust_weight, 0.0
            )
            caught += share * p * review.detection_probability(people.skill.initial, vigilance)
        shares[stage] = caught
    return shares


def downstream(graph: nx.DiGraph) -> list[str]:
    """The stages the arithmetic judges: staffed, not producing on a plan, not the market."""
    return [
        stage
        for stage, node in graph.nodes(data=True)
        if node["role"] != "market" and not node["produces_per_day"] and node["headcount"] > 0
    ]


def utilisation(
    cfg: DictConfig,
    automation_rate: float,
    graph: nx.DiGraph | None = None,
    demand: bool = False,
) -> dict[str, float]:
    """Offered load over capacity per staffed, non-producing stage, from planned production.

    Producer stages are left out: their own drafting time is what the volume response spends.
    Review effort is the human effort in the config (no skimming), AI drafts change only
    volume and producer effort. With `demand` (the absorption audit), demand-driven work is
    added (`demand_entries`) and AI drafts take their kind's `review_effort_ratio` to review.
    """
    graph = graph if graph is not None else build_graph(cfg.org)
    entries = kind_entries(graph, cfg, automation_rate, demand)
    if demand:
        load = dict.fromkeys(graph.nodes, 0.0)
        for kind, entering in entries.items():
            ai = cfg.ai.kinds[kind] if kind in cfg.ai.kinds else None
            factor = 1.0 if ai is None else 1.0 + automation_rate * (ai.review_effort_ratio - 1.0)
            again = rereview_share(graph, cfg, kind, automation_rate)
            for stage, hours in offered_load(graph, {kind: entering}).items():
                load[stage] += factor * hours * (1.0 + again.get(stage, 0.0))
    else:
        load = offered_load(graph, entries)
    result = {}
    for stage in downstream(graph):
        capacity = stage_capacity_hours(graph, stage)
        result[stage] = float(load[stage] / capacity) if capacity > 0 else math.inf
    return result


def saturation_point(
    cfg: DictConfig,
    stage: str,
    tolerance: float = 1e-6,
    level: float = 1.0,
    demand: bool = False,
) -> float | None:
    """The automation rate at which `stage`'s utilisation reaches `level`, or None if never.

    Utilisation grows monotonically with automation when volume responds to cost, so the
    crossing is found by bisection on [0, 1].
    """
    graph = build_graph(cfg.org)
    at = lambda a: utilisation(cfg, a, graph, demand).get(stage, 0.0)  # noqa: E731
    if at(0.0) >= level:
        return 0.0
    if at(1.0) < level:
        return None
    low, high = 0.0, 1.0
    while high - low > tolerance:
        middle = (low + high) / 2
        low, high = (middle, high) if at(middle) < level else (low, middle)
    return (low + high) / 2


def inflow(cfg: DictConfig, automation_rate: float, demand: bool = False) -> dict[str, float]:
    """Artifacts per day reaching each judged stage that need its work, at `automation_rate`."""
    graph = build_graph(cfg.org)
    arrivals = offered_arrivals(graph, kind_entries(graph, cfg, automation_rate, demand))
    return {stage: float(arrivals[stage]) for stage in downstream(graph)}


def load_growth(cfg: DictConfig, automation_rate: float) -> dict[str, float]:
    """Per stage, planned load at `automation_rate` relative to planned load without AI."""
    graph = build_graph(cfg.org)
    now = offered_load(graph, planned_entries(graph, cfg, automation_rate))
    before = offered_load(graph, planned_entries(graph, cfg, 0.0))
    return {
        stage: (now[stage] / before[stage] if before[stage] > 0 else 1.0) for stage in graph.nodes
    }
