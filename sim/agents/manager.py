"""Managers: they triage the reports and decks that reach them, and coach their people.

Coaching is a manager's connective time (`Staff.connective_hours`): a long backlog crowds it
out, which tires them (`Person.end_day`) and shows in the outcome books as lost coaching hours.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.agents.reviewer import Reviewer, Verdict
from sim.tables import AI

if TYPE_CHECKING:
    from sim.engine import Artifact


class Manager(Reviewer):
    """A manager: reviews as a reviewer does, and the hours count as triage."""

    def review(self, artifact: Artifact) -> Verdict:
        """A manager's review is triage."""
        return self.triage(artifact)

    def triage(self, artifact: Artifact) -> Verdict:
        """Read a status report, deck or call summary, sort out what matters, pass it on.

        The hours are triage: effort the dashboard never sees (the seed's pseudo-work).
        """
        self.today.triage_hours += artifact.work
        if artifact.origin != AI:  # AI-made work is checking (`Reviewer.review` books it)
            self.staff.triage_hours[self.index] += artifact.work
        return super().review(artifact)
