"""Adoption over time: AI use spreads through the staff over weeks, not on one day.

New tools diffuse along an S-curve (Rogers 2003; Bass 1969; the brief's "Anchors"). Each person
starts using AI on their own day after the roll-out, drawn once from a logistic distribution
placed so that 10% start on the roll-out day itself (the innovators and early adopters) and 90%
within `ai.adoption_days`. A team's drafts are AI-made at the automation rate times the share of
its people who have started.
"""

from __future__ import annotations

import math

import numpy as np


def adoption_delays(rng: np.random.Generator, n: int, adoption_days: float) -> np.ndarray:
    """Working days from the roll-out until each of `n` people starts using AI.

    A logistic S-curve with its middle at `adoption_days / 2` and scale `adoption_days /
    (2 ln 9)`, so that its 10th percentile is the roll-out day and its 90th `adoption_days`
    after it; the earliest tenth start on the roll-out day. With `adoption_days` 0 everyone
    starts on the roll-out day and nothing is drawn.
    """
    if adoption_days <= 0.0:
        return np.zeros(n)
    scale = adoption_days / (2.0 * math.log(9.0))
    u = rng.random(n)
    return np.maximum(adoption_days / 2.0 + scale * np.log(u / (1.0 - u)), 0.0)


def adopted_share(
    adoption_day: np.ndarray, stage: np.ndarray, day: int, n_stages: int
) -> np.ndarray:
    """Per stage, the share of its people who use AI on `day` (1 for an empty stage)."""
    people = np.bincount(stage, minlength=n_stages)
    using = np.bincount(stage, weights=adoption_day <= day, minlength=n_stages)
    return np.divide(using, people, out=np.ones(n_stages), where=people > 0)
