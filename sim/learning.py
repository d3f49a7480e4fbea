"""Learning: trust in AI updated by experience, and skill kept by practice or lost by delegation.

Trust rises after each AI artifact that passes review and falls after each caught defect;
because a missed defect looks like a clean pass, trust grows fastest where it is least earned.
Skill decays with delegation (work waved through) and recovers with practice (careful review).
"""

from __future__ import annotations

import numpy as np


def updated_trust(trust: float, caught_defect: bool, gain: float, loss: float) -> float:
    """Trust after reviewing one AI-made artifact."""
    if caught_defect:
        return trust - loss * trust
    return trust + gain * (1.0 - trust)


def updated_skill(
    skill: np.ndarray,
    engagement: np.ndarray,
    worked: np.ndarray,
    ceiling: float,
    floor: float,
    learning_per_day: float,
    atrophy_per_day: float,
) -> np.ndarray:
    """Skill after one day.

    Args:
        skill: skill per person.
        engagement: mean vigilance of the day's reviews per person (1 = all careful).
        worked: whether the person reviewed anything today (no review, no change).
        ceiling: the trained skill level practice leads back to.
        floor: skill that never erodes.
        learning_per_day: recovery rate at full engagement.
        atrophy_per_day: erosion rate at full delegation.

    Returns:
        The new skill per person.
    """
    delegation = 1.0 - engagement
    change = learning_per_day * engagement * np.maximum(ceiling - skill, 0.0)
    change -= atrophy_per_day * delegation * np.maximum(skill - floor, 0.0)
    return np.where(worked, skill + change, skill)
