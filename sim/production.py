"""Production and rebound: cheaper drafts mean more drafts.

Producers (reps, marketers) plan their discretionary volume each day. When AI lowers the
unit cost of a kind of artifact, volume responds with a constant elasticity (volume-KPI
pressure): volume ∝ unit_cost^(−elasticity). Elasticity 0 fixes volume (the rebound control);
elasticity 1 keeps production hours constant, so every downstream hour is extra (backfire).
"""

from __future__ import annotations

import numpy as np


def unit_cost(human_hours: float, effort_ratio: float, automation_rate: float) -> float:
    """Expected producer hours per artifact when `automation_rate` of drafts are AI-made."""
    return human_hours * (1.0 - automation_rate + automation_rate * effort_ratio)


def outcome_yield(relevance_human: float, relevance_ai: float, automation_rate: float) -> float:
    """Expected relevance of a draft relative to a human one when `automation_rate` are AI-made.

    Relevance is what turns a draft into an outcome (a reply, a use, a win), so this is the
    outcome a draft yields relative to a human draft.
    """
    if relevance_human <= 0.0:
        return 1.0
    return 1.0 - automation_rate + automation_rate * relevance_ai / relevance_human


def volume_multiplier(cost_now: float, cost_before: float, elasticity: float) -> float:
    """How much discretionary volume grows when unit cost falls from `cost_before` to `cost_now`."""
    if cost_before <= 0.0 or cost_now <= 0.0:
        return 1.0
    return (cost_now / cost_before) ** (-elasticity)


def planned_volume(rng: np.random.Generator, expected: float) -> int:
    """Artifacts actually drafted today: Poisson around the planned expectation."""
    return int(rng.poisson(expected)) if expected > 0 else 0
