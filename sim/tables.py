"""The config flattened once into the tables the event loop indexes.

The model and its agents read these per event, so they are plain lists indexed by stage and
kind number (list indexing is the cheapest read in Python); everything else reads the config or
the workflow graph, where each value has its name.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx

HUMAN, AI = 0, 1  # an artifact's origin, and the column of the per-origin tables


@dataclass
class KindTable:
    """Per kind of artifact: how humans and AI make it and what it is to the market.

    Per-origin entries are `[human, ai]`; a kind AI does not draft has the human value twice.
    """

    names: list[str]
    ai_drafted: list[bool]
    ai_effort_ratio: list[float]
    ai_review_effort_ratio: list[float]
    defect_probability: list[list[float]]
    relevance_mean: list[list[float]]
    relevance_concentration: list[float]
    produced_on: list[str]
    market_role: list[str]
    prospects_reached: list[int]
    messages_per_prospect: list[int]
    critical: list[bool]
    intangible: list[bool]


@dataclass
class StageTable:
    """Per stage of the workflow graph, in graph order."""

    names: list[str]
    roles: list[str]
    effort: list[list[float]]  # [stage][kind] human hours
    exponential: list[bool]


def kind_table(cfg) -> KindTable:
    """Flatten `org.kinds` and `ai.kinds` into per-kind lists.

    Under `policy.augmentation_only`, AI only assists with the kinds marked `intangible`: the
    policy's effort ratio, and the AI draft's defect chance, relevance and review effort moved
    back towards the human ones by the policy's `human_share`.
    """
    kinds, ai = cfg.org.kinds, cfg.ai.kinds
    names = list(kinds)
    augmentation = cfg.policy.augmentation_only

    def assisted(k: str) -> bool:
        return augmentation.enabled and k in ai and kinds[k].intangible

    def kept(k: str, human: float, machine: float) -> float:
        """The AI value, or under assistance most of the way back to the human one."""
        return (
            human + (1.0 - augmentation.human_share) * (machine - human) if assisted(k) else machine
        )

    def per_origin(attribute: str) -> list[list[float]]:
        return [
            [
                getattr(kinds[k], attribute),
                kept(k, getattr(kinds[k], attribute), getattr(ai[k], attribute))
                if k in ai
                else getattr(kinds[k], attribute),
            ]
            for k in names
        ]

    def effort_ratio(k: str) -> float:
        if k not in ai:
            return 1.0
        return augmentation.effort_ratio if assisted(k) else ai[k].effort_ratio

    return KindTable(
        names=names,
        ai_drafted=[k in ai for k in names],
        ai_effort_ratio=[effort_ratio(k) for k in names],
        ai_review_effort_ratio=[
            kept(k, 1.0, ai[k].review_effort_ratio) if k in ai else 1.0 for k in names
        ],
        defect_probability=per_origin("defect_probability"),
        relevance_mean=per_origin("relevance_mean"),
        relevance_concentration=[kinds[k].relevance_concentration for k in names],
        produced_on=[kinds[k].produced_on for k in names],
        market_role=[kinds[k].market_role for k in names],
        prospects_reached=[int(kinds[k].prospects_reached) for k in names],
        messages_per_prospect=[int(kinds[k].messages_per_prospect) for k in names],
        critical=[bool(kinds[k].critical) for k in names],
        intangible=[bool(kinds[k].intangible) for k in names],
    )


def stage_table(graph: nx.DiGraph, kind_names: list[str]) -> StageTable:
    """Flatten the graph's stage attributes into per-stage lists."""
    nodes = graph.nodes
    names = list(nodes)
    return StageTable(
        names=names,
        roles=[nodes[s]["role"] for s in names],
        effort=[[nodes[s]["effort_hours"].get(k, 0.0) for k in kind_names] for s in names],
        exponential=[nodes[s]["service_distribution"] == "exponential" for s in names],
    )
