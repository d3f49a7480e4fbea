"""People: the Mesa agents on the stages, and the arrays that hold their state.

Each person is a `Person` agent placed on their stage's cell of the workflow network. The
hot state of everyone (skill, trust, exhaustion, hours) lives in numpy arrays in `Staff` so
the daily updates run per stage in one vectorised step; an agent's attributes view its row.
"""

from __future__ import annotations

import numpy as np
from mesa.discrete_space import FixedAgent


class Staff:
    """Everyone's state, one row per person (the order of `Model.people`)."""

    def __init__(
        self,
        stage: np.ndarray,
        attention_hours: np.ndarray,
        connective_target: np.ndarray,
        skill: float,
        trust: float,
        exhaustion: float,
    ):
        n = len(stage)
        self.stage = stage
        self.attention_hours = attention_hours
        self.connective_target = connective_target
        self.skill = np.full(n, skill)
        self.trust = [trust] * n  # read and written per review event: a list is fastest
        self.exhaustion = np.full(n, exhaustion)
        self.connective_hours = connective_target.copy()
        self.shift_hours = attention_hours.copy()
        # per-day tallies written by the event loop
        self.reviews = [0] * n
        self.engagement = [0.0] * n
        self.ai_review_hours = [0.0] * n
        # per-person totals used by the survey readout
        self.busy_before = np.zeros(n)
        self.busy_recent = np.zeros(n)
        self.ai_review_before = np.zeros(n)
        self.ai_review_recent = np.zeros(n)

    def start_tallies(self) -> None:
        """Reset the per-day tallies."""
        n = len(self.stage)
        self.reviews = [0] * n
        self.engagement = [0.0] * n
        self.ai_review_hours = [0.0] * n


class Person(FixedAgent):
    """A person in a role on one stage of the workflow, with finite absorption capacity.

    Args:
        model: the organisation model.
        index: the person's row in the staff arrays.
        role: sales_rep, marketer, brand_reviewer, legal_reviewer, deal_desk, engineer, manager.
        cell: the stage's cell of the workflow network.
    """

    def __init__(self, model, index: int, role: str, cell):
        super().__init__(model)
        self.index = index
        self.role = role
        self.cell = cell

    @property
    def stage(self) -> str:
        """The stage (team) this person works on."""
        return self.cell.coordinate

    @property
    def skill(self) -> float:
        """Chance of catching a defect when reading carefully."""
        return float(self.model.staff.skill[self.index])

    @property
    def trust(self) -> float:
        """Trust in AI output (0..1)."""
        return float(self.model.staff.trust[self.index])

    @property
    def exhaustion(self) -> float:
        """Exhaustion (0..1); above the burnout threshold the person counts as burnt out."""
        return float(self.model.staff.exhaustion[self.index])

    @property
    def absorption_capacity_hours(self) -> float:
        """Hours of attention this person gives the queue today."""
        return float(self.model.staff.shift_hours[self.index])

    @property
    def busy_hours_today(self) -> float:
        """Hours spent serving artifacts so far today."""
        return float(self.model.engine.busy_hours[self.index])
