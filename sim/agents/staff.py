"""Everyone's state in arrays, one row per person: what the agents read and write per event.

The people are Mesa agents (`sim.agents`), but the state the event loop touches millions of
times a run (trust, skill, hours) and the daily updates that move everyone at once (skill,
exhaustion) live here, so an update is one vectorised step instead of a loop over agents.
"""

from __future__ import annotations

from array import array

import numpy as np


class Staff:
    """Everyone's state, one row per person (the order of `OrgModel.people`).

    Args:
        stage: each person's stage index.
        attention_hours: each person's absorption capacity (hours of attention a day).
        connective_target: each person's coaching or customer hours a day, when not pressed.
        skill: initial skill at catching defects.
        trust: initial trust in AI output.
        exhaustion: initial exhaustion.
        susceptibility: each person's susceptibility to exhaustion (the inverse of their
            resilience; default 1 for all).
        adoption_day: the day each person starts using AI (default 0 for all: whenever the
            roll-out comes).
    """

    def __init__(
        self,
        stage: np.ndarray,
        attention_hours: np.ndarray,
        connective_target: np.ndarray,
        skill: float,
        trust: float,
        exhaustion: float,
        susceptibility: np.ndarray | None = None,
        adoption_day: np.ndarray | None = None,
    ):
        n = len(stage)
        self.stage = stage
        self.attention_hours = attention_hours
        self.connective_target = connective_target
        self.skill = np.full(n, skill)
        # read and written per review event: machine doubles in a row (`array`), so a read
        # touches one place in memory whatever the headcount, and numpy reads them at once
        self.trust = array("d", [trust]) * n
        self.exhaustion = np.full(n, exhaustion)
        self.connective_hours = connective_target.copy()
        self.shift_hours = attention_hours.copy()
        self.susceptibility = np.ones(n) if susceptibility is None else susceptibility
        self.adoption_day = np.zeros(n) if adoption_day is None else adoption_day
        self.start_day()

    def start_day(self) -> None:
        """Reset the tallies the event loop writes during a day."""
        n = len(self.stage)
        zeros = array("d", [0.0]) * n  # copied: one array per tally
        self.reviews = array("q", [0]) * n
        self.engagement = zeros[:]  # summed vigilance of the day's reviews
        self.ai_review_hours = zeros[:]
        # the job demands and lost control of `people.exhaustion.job_demands`, and the survey
        self.checking_hours = zeros[:]  # checking, fixing or triaging AI-made work
        self.triage_hours = zeros[:]  # triaging human-made work (managers)
        self.framed_hours = zeros

    def add(
        self,
        n: int,
        stage: int,
        attention_hours: float | np.ndarray,
        connective_target: float,
        skill: float,
        trust: float,
        exhaustion: float,
        susceptibility: np.ndarray | None = None,
        adoption_day: np.ndarray | None = None,
    ) -> None:
        """Append `n` new people on `stage` (new hires: rows at the end, fresh state).

        `attention_hours` is one figure for all of them or one each; `susceptibility` and
        `adoption_day` one each (default: 1 and 0). The new rows are built by the constructor
        and joined field by field, so a field added to `Staff` cannot be forgotten here.
        """
        hires = Staff(
            np.full(n, stage, dtype=self.stage.dtype),
            np.array(np.broadcast_to(attention_hours, (n,)), dtype=float),
            np.full(n, connective_target, dtype=float),
            skill=skill,
            trust=trust,
            exhaustion=exhaustion,
            susceptibility=susceptibility,
            adoption_day=adoption_day,
        )
        for name, rows in vars(hires).items():
            ours = getattr(self, name)
            if isinstance(ours, list | array):
                ours.extend(rows)
            else:
                setattr(self, name, np.concatenate([ours, rows]))
