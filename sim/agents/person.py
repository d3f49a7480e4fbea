"""A person on a stage of the workflow: the base of every role, and the plain queueing server.

Every person serves one artifact at a time inside their shift (the engine's part) and, when done,
hands it on along the workflow graph. What they do with it in between is their role's behaviour,
in the subclasses. The hours they give the queue and how tired they get are set once a day for
everyone at once (`Person.start_day`, `Person.end_day`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from mesa.discrete_space import FixedAgent

from sim import exhaustion

if TYPE_CHECKING:
    from sim.agents.staff import Staff
    from sim.engine import Artifact


class Person(FixedAgent):
    """A person in a role on one stage of the workflow, with finite absorption capacity.

    Args:
        model: the organisation model.
        index: the person's row in the staff arrays.
        stage: the index of their stage.
        cell: the stage's cell of the workflow network.
    """

    def __init__(self, model, index: int, stage: int, cell):
        super().__init__(model)
        self.index = index
        self.stage = stage
        self.cell = cell
        # what the event loop reads per artifact, held here to keep each read one lookup
        self.staff: Staff = model.staff
        self.today = model.today  # the day's tallies (reset in place each morning)
        self.effort = model.stages.effort[stage]  # human hours per kind at this stage
        self.exponential = model.stages.exponential[stage]

    @property
    def stage_name(self) -> str:
        """The stage (team) this person works on."""
        return self.cell.coordinate

    @property
    def exhaustion(self) -> float:
        """Exhaustion (0..1); above `people.exhaustion.burnout_threshold`, burnt out."""
        return float(self.staff.exhaustion[self.index])

    def work_hours(self, artifact: Artifact) -> float:
        """Hours the artifact needs from this person: the stage's effort for its kind."""
        return self.timed(self.effort[artifact.kind])

    def timed(self, hours: float) -> float:
        """`hours` as served: fixed, or an exponential draw with that mean."""
        return hours * self.model.service_draws.exponential() if self.exponential else hours

    def finish(self, artifact: Artifact, time: float) -> int:
        """Done with an artifact: where it goes next (a stage index, or -1 to leave)."""
        return self.hand_off(artifact)

    def hand_off(self, artifact: Artifact, stage: int | None = None) -> int:
        """The next stage by the hand-offs' routing probabilities out of `stage` (default: here).

        A hand-off without choice takes no draw, so adding a control step (which only changes
        certain routes) leaves the routing draws of every other choice unchanged.
        """
        if stage is None:
            stage = self.stage
        routing = self.model.routing
        certain = routing.certain[stage][artifact.kind]
        if certain is not None:
            return certain
        return routing.next_stage(stage, artifact.kind, self.model.routing_draws.uniform())

    # ------------------------------------------------------------------ once a day, everyone
    @staticmethod
    def start_day(
        staff: Staff,
        felt_pressure: np.ndarray,
        people,
        hours_per_day: float,
        protected: np.ndarray | None = None,
    ) -> None:
        """Everyone sets today's hours: connective time and queue hours, given felt pressure.

        The backlog crowds out coaching and customer time (when `connective_crowd_out`), and
        people give the queue their attention less exhaustion and connective time, plus
        overtime (the evenings) when pressed.

        Args:
            staff: everyone's state.
            felt_pressure: the pressure each person feels (their stage's).
            people: the `people` config.
            hours_per_day: length of the working day.
            protected: people whose connective time the backlog cannot crowd out (a policy).
        """
        if people.connective_crowd_out:
            staff.connective_hours = exhaustion.connective_hours(
                staff.connective_target, felt_pressure
            )
            if protected is not None:
                staff.connective_hours[protected] = staff.connective_target[protected]
        tiring = people.exhaustion
        staff.shift_hours = exhaustion.shift_hours(
            staff.attention_hours,
            staff.exhaustion,
            staff.connective_hours,
            felt_pressure,
            tiring.capacity_loss,
            tiring.max_overtime_hours,
            hours_per_day,
        )

    @staticmethod
    def end_day(
        staff: Staff,
        busy_hours: np.ndarray,
        tiring,
        felt_pressure: np.ndarray | None = None,
        differ: bool = False,
    ) -> None:
        """Everyone's exhaustion moves: demands and lost resources tire, rest recovers.

        Under `tiring.job_demands` (and with `felt_pressure` given) the job demands-resources
        day (`exhaustion.jdr_exhaustion`): the demands are the hours the queue asks beyond
        attention (`max_overtime_hours` × felt pressure, whatever the person manages to give)
        and the hours spent checking AI output or triaging; the lost resources are connective
        time and control (the share of the day's work done within the tool's framing); the
        evenings the queue takes are evenings without recovery. Otherwise overload is the
        hours worked beyond attention and rest always recovers.

        Args:
            staff: everyone's state (the day's tallies included).
            busy_hours: hours each person served artifacts today.
            tiring: the `people.exhaustion` config.
            felt_pressure: the pressure each person felt today (their stage's).
            differ: people differ in their susceptibility to exhaustion (`people.differ`).
        """
        attention = np.maximum(staff.attention_hours, 1e-9)
        lost = np.divide(
            staff.connective_target - staff.connective_hours,
            staff.connective_target,
            out=np.zeros_like(busy_hours),
            where=staff.connective_target > 0,
        )
        susceptible = staff.susceptibility if differ else None
        if tiring.job_demands and felt_pressure is not None:
            asked = tiring.max_overtime_hours * felt_pressure / attention
            checking = (np.array(staff.checking_hours) + np.array(staff.triage_hours)) / attention
            framed = np.array(staff.framed_hours)
            control = np.divide(
                framed, busy_hours, out=np.zeros_like(busy_hours), where=busy_hours > 0
            )
            evenings = felt_pressure if tiring.max_overtime_hours > 0 else np.zeros_like(lost)
            staff.exhaustion = exhaustion.jdr_exhaustion(
                staff.exhaustion,
                (asked, checking),
                (lost, np.minimum(control, 1.0)),
                evenings,
                (
                    tiring.overload_gain,
                    tiring.validation_gain,
                    tiring.isolation_gain,
                    tiring.control_gain,
                ),
                tiring.recovery_per_day,
                susceptible,
            )
            return
        overload = np.maximum(busy_hours - staff.attention_hours, 0.0) / attention
        staff.exhaustion = exhaustion.updated_exhaustion(
            staff.exhaustion,
            overload,
            lost,
            tiring.overload_gain,
            tiring.isolation_gain,
            tiring.recovery_per_day,
            susceptible,
        )


class Server(Person):
    """A queueing server: serves at the stage's effort and hands on, with no behaviour.

    Everyone is a server when `people.enabled=false`, the limit `sim.validation` checks against
    queueing theory.
    """
