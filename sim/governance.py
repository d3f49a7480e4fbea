"""Governance adaptation ("adaptation by containment"): control steps added when defects escape.

When the defects that reached their readers over the last week rise well above their level
before the roll-out, the organisation reacts the way the seed case describes: brand, then
legal, bolt a review step onto the path. The workflow graph changes during the run;
time-to-send rises.
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


def add_control_steps(graph: nx.DiGraph, steps: list[DictConfig]) -> list[str]:
    """Insert the configured control steps into the graph.

    Returns:
        A description of each step actually inserted.
    """
    added = []
    for step in steps:
        if insert_control_step(graph, step.kind, step.source, step.target, step.stage):
            added.append(f"{step.kind}: {step.source} → {step.stage} → {step.target}")
    return added
