"""Governance adaptation ("adaptation by containment"): control steps added when defects escape.

When the defects that reached their readers over the review window rise well above their level
before the roll-out, the organisation reacts the way the seed case describes: brand, then
legal, bolt a review step onto the path, once the decision has taken effect, and reviewing
all of the kind or a sample of it. The workflow graph changes during the run; time-to-send
rises.
"""

from __future__ import annotations

import networkx as nx
from omegaconf import DictConfig

from sim.workflow import insert_control_step


def control_steps_due(
    escaped_last_week: float, baseline_week: float, escalation_factor: float, already_added: bool
) -> bool:
    """Whether escaped defects have risen enough over their baseline to call for control steps."""
    return not already_added and escaped_last_week > escalation_factor * max(baseline_week, 1.0)


def add_control_steps(
    graph: nx.DiGraph, steps: list[DictConfig], sample_share: float = 1.0
) -> list[str]:
    """Insert the configured control steps into the graph.

    Args:
        graph: the workflow graph, edited in place.
        steps: the organisation's `control_steps`.
        sample_share: share of each step's kind the step reviews (1: all of it).

    Returns:
        A description of each step actually inserted.
    """
    added = []
    for step in steps:
        if insert_control_step(
            graph, step.kind, step.source, step.target, step.stage, sample_share
        ):
            added.append(f"{step.kind}: {step.source} → {step.stage} → {step.target}")
    return added
