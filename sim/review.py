"""Review and automation bias: who catches a defect, and why reviewers miss more over time.

A reviewer detects a defect with probability skill × vigilance. Vigilance falls with trust in
AI when the artifact is AI-made (automation bias: the reviewer defers to the machine) and with
backlog pressure (reviewers skim when their queue is long, which also shortens the review).
"""

from __future__ import annotations


def pressure(backlog_days: float, pressure_backlog_days: float) -> float:
    """Felt pressure in [0, 1]: the stage's backlog relative to the backlog that feels full."""
    return min(1.0, backlog_days / pressure_backlog_days)


def felt_pressure(previous: float, today: float, memory_days: float) -> float:
    """Pressure as people feel it: they change their routines over days, not overnight."""
    return previous + (today - previous) / memory_days


def vigilance(
    trust: float, ai_made: bool, felt_pressure: float, trust_weight: float, skim_weight: float
) -> float:
    """How carefully a reviewer reads an artifact (1 = fully, 0 = rubber stamp)."""
    deferred = trust_weight * trust if ai_made else 0.0
    return max(0.0, 1.0 - deferred - skim_weight * felt_pressure)


def detection_probability(skill: float, vigilance: float) -> float:
    """Chance of catching a defect that is there: skill at finding it, times attention paid."""
    return skill * vigilance


def review_hours(effort_hours: float, felt_pressure: float, skim_effort_cut: float) -> float:
    """Hours a review takes: skimming under pressure cuts the effort."""
    return effort_hours * (1.0 - skim_effort_cut * felt_pressure)
