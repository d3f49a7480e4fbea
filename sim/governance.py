"""Governance adaptation ("adaptation by containment"): control steps added when defects escape.

When the defects that reached their readers over the review window rise well above their level
before the roll-out, the organisation reacts the way the seed case describes: brand, then
legal, bolt a review step onto the path, once the decision has taken effect, and reviewing
all of the kind or a sample of it. The workflow graph changes during the run; time-to-send
rises. A backlog that stays high may instead, or as well, make it hire for the stage: the new
people start after a lead time.
"""

from __future__ import annotations

import math

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


def people_to_hire(
    headcount: int, pending: int, ceiling: float, share: float, sustained: bool
) -> int:
    """How many people a stage with a sustained backlog is given (0 if none or at the ceiling).

    Args:
        headcount: people on the stage now.
        pending: people hired for it who have not started yet.
        ceiling: the most people the stage may have.
        share: people hired at once, as a share of the headcount (at least one).
        sustained: whether the backlog has been above the threshold the whole window.
    """
    if not sustained or pending:
        return 0
    room = math.floor(ceiling) - headcount
    return max(0, min(max(1, round(share * headcount)), room))
