"""Producers: the sales reps and marketers who plan, draft and fix the organisation's work.

A producer's day: plan how much to draft (cheaper drafts, more drafts: the rebound lever), draft
it (AI drafts take a share of the human hours and carry their own defect rate), and fix what
reviewers send back. Sales reps also write the proposals and call summaries the market asks for
and spend connective time with customers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim import production
from sim.agents.person import Person
from sim.tables import AI

if TYPE_CHECKING:
    from sim.engine import Artifact


class Producer(Person):
    """A person who drafts artifacts (a marketer; `SalesRep` adds customer work)."""

    def __init__(self, model, index: int, stage: int, cell):
        super().__init__(model, index, stage, cell)
        self.ai_effort_ratio = model.kinds.ai_effort_ratio
        self.check_share = model.cfg.people.production.ai_check_share
        self.relevance_filter = model.cfg.policy.relevance_filter

    # ------------------------------------------------------------------ once a day, per team
    @staticmethod
    def plan_day(model, stage: int, day_start: float, automation: float) -> None:
        """The producers of `stage` plan today's discretionary drafts.

        They stop planning while their own queue holds more than `max_backlog_days` of their
        capacity. Otherwise volume responds to unit cost: each kind's target per person grows
        by `(cost now / cost before)^(-elasticity)` as AI makes drafts cheaper; under
        `policy.outcome_kpis` the cost is that of an expected outcome (unit cost over the
        relative relevance of the drafts, `production.outcome_yield`). The team shares its
        targets, so it plans as one: a Poisson draw around headcount × target × response.

        Args:
            model: the organisation model.
            stage: the producers' stage.
            day_start: clock hour the day starts.
            automation: today's automation rate.
        """
        params = model.cfg.people.production
        node = model.graph.nodes[model.stages.names[stage]]
        if not node["produces_per_day"] or model.backlog_days(stage) >= params.max_backlog_days:
            return
        kinds, limit = model.kinds, Producer.wip_limit_days(model)
        outcomes = model.cfg.policy.outcome_kpis.enabled
        for kind, per_person in node["produces_per_day"].items():
            k = model.kind_index[kind]
            if limit is not None and Producer.held_back(model, stage, k, limit):
                continue
            human_hours = model.stages.effort[stage][k]
            rate = automation if kinds.ai_drafted[k] else 0.0
            cost = production.unit_cost(human_hours, kinds.ai_effort_ratio[k], rate)
            if outcomes:
                cost /= production.outcome_yield(*kinds.relevance_mean[k], rate)
            response = production.volume_multiplier(cost, human_hours, params.volume_elasticity)
            expected = model.headcount[stage] * per_person * response
            count = production.planned_volume(model.production_rng, expected)
            Producer.draft(model, k, stage, count, day_start, automation)

    @staticmethod
    def wip_limit_days(model) -> float | None:
        """The downstream backlog producers respect, in days (None: they look only at theirs).

        Backpressure they notice by themselves (`people.coping.backpressure`), or the WIP
        limit of `policy.absorption_threshold`; with both, the stricter.
        """
        coping, policy = model.cfg.people.coping, model.cfg.policy.absorption_threshold
        limits = [coping.backpressure_days] if coping.backpressure else []
        limits += [policy.threshold_days] if policy.enabled else []
        return min(limits) if limits else None

    @staticmethod
    def held_back(model, stage: int, kind: int, limit_days: float) -> bool:
        """Whether producers hold new drafts of `kind`: backpressure they can see.

        They notice what waits downstream of their own work: while the stage the kind goes to
        next holds more than `limit_days` of that stage's capacity, they draft none.
        """
        following = model.routing.certain[stage][kind]
        if following is None or following == model.market_stage:
            return False
        return model.backlog_days(following) > limit_days

    @staticmethod
    def draft(model, kind: int, stage: int, count: int, day_start: float, automation: float):
        """Start `count` drafts of `kind` at `stage`: a share `automation` of them by AI.

        Each draft's true relevance is drawn from a Beta around its origin's mean; the drafts
        join the producers' queue, where drafting them is their work.
        """
        if count <= 0:
            return
        kinds = model.kinds
        rate = automation if kinds.ai_drafted[kind] else 0.0
        origins = (model.origin_rng.random(count) < rate).astype(np.int64)
        mean = np.array(kinds.relevance_mean[kind])[origins]
        concentration = kinds.relevance_concentration[kind]
        relevance = model.relevance_rng.beta(mean * concentration, (1.0 - mean) * concentration)
        for origin, rel in zip(origins.tolist(), relevance.tolist(), strict=True):
            model.engine.admit(
                stage, model.new_artifact(kind, origin, stage, day_start, rel), day_start
            )

    # ------------------------------------------------------------------ per artifact
    def work_hours(self, artifact: Artifact) -> float:
        """Hours to draft or fix one of the team's artifacts (others' work: the stage's effort).

        A fix takes a share of the drafting effort; an AI draft takes the kind's effort ratio
        (prompting and editing instead of writing).
        """
        hours = self.effort[artifact.kind]
        if artifact.author == self.stage:
            if artifact.rework_due:
                hours *= self.model.cfg.people.production.rework_effort_share
            elif artifact.origin == AI:
                hours *= self.ai_effort_ratio[artifact.kind]
                if self.filters(artifact):  # and the author reads it against the bar
                    hours += self.triage_hours(artifact)
        return hours * self.model.service_draws.exponential() if self.exponential else hours

    def filters(self, artifact: Artifact) -> bool:
        """Whether `policy.relevance_filter` has this AI first draft triaged by its author."""
        return (
            self.relevance_filter.enabled
            and artifact.origin == AI
            and artifact.author == self.stage
            and self.model.kinds.produced_on[artifact.kind] == "plan"
        )

    def triage_hours(self, artifact: Artifact) -> float:
        """Hours to judge one AI draft against the relevance bar."""
        return self.relevance_filter.triage_effort_share * self.effort[artifact.kind]

    def triage(self, artifact: Artifact) -> bool:
        """The author judges the draft's relevance, with error: keep it (True) or discard it.

        The judgement draws on its own stream, `judgement`; the hours were part of the work.
        """
        policy = self.relevance_filter
        judged = artifact.relevance + policy.judgement_sd * self.model.judgement_draws.normal()
        self.today.hidden_validation_hours += self.triage_hours(artifact)
        self.staff.checking_hours[self.index] += self.triage_hours(artifact)
        return judged >= policy.bar

    def finish(self, artifact: Artifact, time: float) -> int:
        """A draft or a fix is done: book it, then hand it on (perhaps around its review)."""
        if artifact.author != self.stage:
            self.today.other_hours += artifact.work
            return self.hand_off(artifact)
        first_draft = not artifact.rework_due and artifact.reworks == 0
        self.finish_draft(artifact)
        if first_draft and self.filters(artifact) and not self.triage(artifact):
            self.today.discarded += 1
            artifact.defect = False  # nobody will read it: it cannot escape
            return -1
        following = self.hand_off(artifact)
        if following in self.model.bypassed_reviews:
            return self.go_around(artifact, following)
        return following

    def go_around(self, artifact: Artifact, review_stage: int) -> int:
        """Some producers will not wait for a review this backed up and send without it.

        A share `bypass_share` of the drafts heading to such a review goes where the review
        would have sent it, unread: whatever defect it carries passes that review unseen.
        """
        model = self.model
        if model.bypass_draws.uniform() >= model.cfg.people.coping.bypass_share:
            return review_stage
        self.today.bypassed[review_stage] += 1
        return self.hand_off(artifact, review_stage)

    def finish_draft(self, artifact: Artifact) -> None:
        """A draft or a fix leaves its author; a first draft may carry a hidden defect.

        The defect chance is the origin's rate for the kind, raised by the author's exhaustion.
        """
        model, today = self.model, self.today
        if artifact.rework_due:
            artifact.rework_due = False
            artifact.defect = False
            today.rework_hours += artifact.work
            if artifact.origin == AI:
                today.hidden_validation_hours += artifact.work
                self.staff.checking_hours[self.index] += artifact.work
            return
        kind, origin = artifact.kind, artifact.origin
        today.production_hours += artifact.work
        today.drafted[kind] += 1
        if origin == AI:
            today.ai_assisted += 1
            today.time_saved_hours += self.effort[kind] - artifact.work
            self.check_own_draft(artifact)
        probability = model.kinds.defect_probability[kind][origin]
        probability *= (
            1.0 + model.cfg.people.exhaustion.defect_gain * (self.staff.exhaustion[self.index])
        )
        artifact.defect = model.defect_draws.uniform() < probability

    def check_own_draft(self, artifact: Artifact) -> None:
        """The author checks their AI draft: a share `ai_check_share` of its hours.

        The hours were part of drafting it (the kind's effort ratio), so the draft costs what
        it did; the books now see the checking as hidden validation, and the author's day
        counts it as checking (a job demand) and the rest as work within the tool's framing.
        """
        share = self.check_share
        if share:
            checked = share * artifact.work
            self.today.hidden_validation_hours += checked
            self.staff.checking_hours[self.index] += checked
            self.staff.framed_hours[self.index] += artifact.work - checked
        else:
            self.staff.framed_hours[self.index] += artifact.work


class SalesRep(Producer):
    """A producer who also works the market: proposals, call summaries, customer time.

    Their connective hours are time with customers; when the backlog crowds it out, proposals
    are won less often (`sim.market`). The proposals and call summaries the market asks for are
    drafted at the sales stage (`OrgModel.plan_day`).
    """
