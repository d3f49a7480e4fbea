"""Reviewers: brand, legal, deal desk and engineering, who look for defects and miss some.

A reviewer reads each artifact with some vigilance: less when it is AI-made and they trust the
machine (automation bias), less when their queue is long (they skim, which also makes the review
shorter). They catch a defect with probability skill × vigilance and send it back to its author;
a missed defect escapes downstream. Trust learns from every AI artifact; skill erodes with
delegation and recovers with careful practice.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

import numpy as np

from sim import learning, review
from sim.agents.person import Person
from sim.tables import AI

if TYPE_CHECKING:
    from sim.agents.staff import Staff
    from sim.engine import Artifact


class Verdict(Enum):
    """What a review decided."""

    PASSED = "passed"  # no defect found: none was there, or it was missed
    SENT_BACK = "sent back"  # defect caught, artifact returned to its author for rework
    FIXED = "fixed in place"  # defect caught where no hand-off leads back to the author


class Reviewer(Person):
    """A person on a review or control step."""

    def __init__(self, model, index: int, stage: int, cell):
        super().__init__(model, index, stage, cell)
        self.params = model.cfg.people.review
        self.trust_params = model.cfg.people.trust
        self.pressure = model.pressure  # felt pressure per stage (updated in place daily)
        self.ai_review_effort_ratio = model.kinds.ai_review_effort_ratio
        self.coping = model.cfg.people.coping
        self.sampling = model.sampling  # per stage: sampling today (updated in place)
        # `policy.human_in_the_loop`: the kinds read with care and a rationale (else none)
        in_the_loop = model.cfg.policy.human_in_the_loop.enabled
        self.careful = [in_the_loop and flag for flag in model.kinds.critical]
        self.rationale_hours = model.cfg.policy.human_in_the_loop.rationale_hours
        # trust a clean AI review earns; `policy.training` shows what such a pass can hide
        training = model.cfg.policy.training
        self.trust_gain = self.trust_params.gain_per_clean_review * (
            1.0 - training.trust_gain_cut if training.enabled else 1.0
        )

    @property
    def skill(self) -> float:
        """Chance of catching a defect when reading carefully."""
        return float(self.staff.skill[self.index])

    @property
    def trust(self) -> float:
        """Trust in AI output (0..1)."""
        return float(self.staff.trust[self.index])

    def vigilance(self, artifact: Artifact) -> float:
        """How carefully this reviewer reads the artifact (1 = fully, 0 = rubber stamp).

        They defer to AI output in proportion to their trust in it, and skim when their
        stage's backlog presses. A critical decision under `policy.human_in_the_loop` gets no
        deference: they read it as if they did not trust the machine at all.
        """
        return review.vigilance(
            0.0 if self.careful[artifact.kind] else self.staff.trust[self.index],
            artifact.origin == AI,
            self.pressure[self.stage],
            self.params.trust_weight,
            self.params.skim_weight,
        )

    def review_hours(self, artifact: Artifact) -> float:
        """Hours this review takes: checking AI drafts takes longer; skimming takes less.

        Reviewers skim when their queue is long: under full felt pressure they skip a share
        `skim_effort_cut` of the effort.
        """
        hours = self.effort[artifact.kind]
        if artifact.origin == AI:
            hours *= self.model.kinds.ai_review_effort_ratio[artifact.kind]
        hours = review.review_hours(
            hours, self.model.pressure[self.stage], self.params.skim_effort_cut
        )
        return hours + self.rationale_hours if self.careful[artifact.kind] else hours

    def work_hours(self, artifact: Artifact) -> float:
        """Pick the artifact up: decide how carefully to read it and how long that takes."""
        artifact.waved = (
            self.sampling[self.stage] and not self.careful[artifact.kind] and self.waves_through()
        )
        if artifact.waved:
            hours = self.effort[artifact.kind] * self.coping.waved_effort_share
        else:
            artifact.vigilance = self.vigilance(artifact)
            hours = self.review_hours(artifact)
        return hours * self.model.service_draws.exponential() if self.exponential else hours

    def waves_through(self) -> bool:
        """Under a long backlog reviewers read a sample and wave the rest through unread.

        Unlike skimming, which reads everything faster, what is waved through is not read at
        all: nothing is caught, nothing is learned, and it costs a glance.
        """
        return self.model.sampling_draws.uniform() >= self.coping.sample_share

    def finish(self, artifact: Artifact, time: float) -> int:
        """Done reading: a caught defect goes back to its author, anything else on."""
        if artifact.waved:
            self.today.waved_through[self.stage] += 1
            self.today.review_hours += artifact.work
        elif self.review(artifact) is Verdict.SENT_BACK:
            return artifact.author
        return self.hand_off(artifact)

    def review(self, artifact: Artifact) -> Verdict:
        """Look for the artifact's defect, book the review, and learn trust from it.

        A defect that is there is caught with probability skill × vigilance. A caught defect
        goes back to the author when a rework hand-off leads there, else the reviewer fixes it
        in place; a missed one escapes.
        """
        model, today, staff, person = self.model, self.today, self.staff, self.index
        ai_made = artifact.origin == AI
        vigilance = artifact.vigilance
        today.review_hours += artifact.work
        staff.reviews[person] += 1
        staff.engagement[person] += vigilance
        if ai_made:
            today.hidden_validation_hours += artifact.work
            staff.ai_review_hours[person] += artifact.work
            staff.checking_hours[person] += artifact.work
        caught = False
        if artifact.defect:
            chance = review.detection_probability(float(staff.skill[person]), vigilance)
            caught = model.review_draws.uniform() < chance
            today.defects_reviewed[artifact.origin] += 1
            today.defects_caught[artifact.origin] += caught
        if ai_made:
            self.learn_trust(caught)
        if caught:
            if artifact.author in model.routing.rework_to[self.stage]:
                artifact.rework_due = True
                artifact.reworks += 1
                today.reworks += 1
                return Verdict.SENT_BACK
            artifact.defect = False
            return Verdict.FIXED
        if artifact.defect:
            artifact.escaped = True
        return Verdict.PASSED

    def learn_trust(self, caught_defect: bool) -> None:
        """Trust learns from one AI artifact: up after a pass, down after a caught defect.

        A missed defect looks like a clean pass, so trust grows fastest where it is least
        earned. Held when `people.trust.fixed` (the automation-bias control).
        """
        trust = self.trust_params
        if not trust.fixed:
            self.staff.trust[self.index] = learning.updated_trust(
                self.staff.trust[self.index],
                caught_defect,
                self.trust_gain,
                trust.loss_per_caught_defect,
            )

    # ------------------------------------------------------------------ once a day, everyone
    @staticmethod
    def practise(staff: Staff, skill, training=None, reviewers: np.ndarray | None = None) -> None:
        """Skill moves once a day, for every reviewer at once.

        Careful reviews train it, waved-through ones let it erode; a day without reviews
        changes nothing. Under `policy.training` the reviewers' deliberate practice then closes
        a share of the gap to the skill's ceiling (its initial value) each working day.

        Args:
            staff: everyone's state (the day's review tallies included).
            skill: the `people.skill` config.
            training: the `policy.training` config (None: no training).
            reviewers: who trains (a mask over the staff).
        """
        reviews = np.array(staff.reviews, dtype=float)
        worked = reviews > 0
        engagement = np.divide(
            np.array(staff.engagement), reviews, out=np.ones_like(reviews), where=worked
        )
        staff.skill = learning.updated_skill(
            staff.skill,
            engagement,
            worked,
            skill.initial,
            skill.floor,
            skill.learning_per_day,
            skill.atrophy_per_day,
        )
        if training is not None and training.enabled and reviewers is not None:
            daily = training.skill_recovery_per_week / 5.0
            gap = np.maximum(skill.initial - staff.skill, 0.0)
            staff.skill = np.where(reviewers, staff.skill + daily * gap, staff.skill)
