"""The staff survey as self-report: each AI user answers from their own before and after.

The Upwork Research Institute (July 2024) asked people who use AI at work whether AI tools had
added to their workload, whether they spend more time reviewing or moderating AI output, and
whether they feel burnt out. The simulated staff answer the same questions, each from what their
own days were like before the roll-out and in the last quarter of the run:

- "Has AI added to your workload?", on a five-point scale (1 much less … 3 no change … 5 much
  more): the rise in hours spent checking AI output, plus the rise of the rest of their hours in
  proportion to how much of their work touched AI output, each relative to their attention. A
  change under `metrics.survey_noticeable` is "no change"; three times that is "much".
- "Do you spend more time reviewing or moderating AI output?": yes when the hours they spend
  checking, fixing or triaging AI-made work rose by a noticeable amount.
- "Do you feel burnt out?": their exhaustion read on a seven-point frequency scale (0 never …
  6 every day, as the Maslach Burnout Inventory asks); yes above the burnout threshold, at the
  end and, for comparison, on the eve of the roll-out.

Asked, as the survey was, of AI users: people who were there before the roll-out and had
started using AI by the end of the run (people hired after the roll-out are left out).
"""

from __future__ import annotations

import math

import numpy as np


def scale(score: np.ndarray, noticeable: float) -> np.ndarray:
    """A change (relative to attention) as a five-point answer: 1 much less … 5 much more."""
    answer = np.full(score.shape, 3)
    answer[score > noticeable] = 4
    answer[score > 3.0 * noticeable] = 5
    answer[score < -noticeable] = 2
    answer[score < -3.0 * noticeable] = 1
    return answer


class SelfReport:
    """Per-person tallies over the two windows the respondents compare, and their answers.

    "Before" is from the end of the warm-up (or day 0, when the roll-out comes first) to the
    roll-out; "after" is the last quarter of the run, as in the run-level summary.

    Args:
        n: people at the start.
    """

    FIELDS = ("worked_before", "checking_before", "worked_after", "checking_after")

    def __init__(self, n: int):
        for name in (*self.FIELDS, "ai_work_after", "busy_after"):
            setattr(self, name, np.zeros(n))
        self.days_before = 0
        self.days_after = 0
        self.present = 0  # people there on the eve of the roll-out
        self.exhaustion_before: np.ndarray | None = None

    def grow(self, n: int) -> None:
        """Rows for people hired since (they have no history)."""
        for name in (*self.FIELDS, "ai_work_after", "busy_after"):
            tally = getattr(self, name)
            if n > len(tally):
                setattr(self, name, np.append(tally, np.zeros(n - len(tally))))

    def tally(self, model, busy: np.ndarray) -> None:
        """Add today to the window it belongs to."""
        cfg, staff, day = model.cfg, model.staff, model.day
        rollout, warmup = int(cfg.ai.rollout_day), int(cfg.metrics.warmup_days)
        first = warmup if warmup < rollout else 0
        worked = busy + staff.connective_hours
        checking = np.array(staff.checking_hours)
        if first <= day < rollout:
            self.days_before += 1
            self.worked_before += worked
            self.checking_before += checking
        if day == rollout - 1:
            self.present = len(staff.stage)
            self.exhaustion_before = staff.exhaustion.copy()
        if day >= cfg.days - max(1, cfg.days // 4):
            self.days_after += 1
            self.worked_after += worked
            self.checking_after += checking
            self.ai_work_after += checking + np.array(staff.framed_hours)
            self.busy_after += busy

    def answers(self, model) -> dict[str, float]:
        """The survey's shares among the respondents, and the burnout share before the roll-out."""
        cfg, staff = model.cfg, model.staff
        if not self.days_before or not self.days_after or self.exhaustion_before is None:
            nan = math.nan
            return {"respondents": 0, "workload_rose_share": nan, "burnt_out_share": nan}
        n = self.present
        asked = staff.adoption_day[:n] <= cfg.days - 1
        attention = np.maximum(staff.attention_hours[:n], 1e-9)
        worked_b = self.worked_before[:n] / self.days_before
        worked_a = self.worked_after[:n] / self.days_after
        checking_b = self.checking_before[:n] / self.days_before
        checking_a = self.checking_after[:n] / self.days_after
        busy_a = self.busy_after[:n]
        touched = np.divide(self.ai_work_after[:n], busy_a, out=np.zeros(n), where=busy_a > 0).clip(
            0.0, 1.0
        )
        more_checking = (checking_a - checking_b) / attention
        rest = (worked_a - checking_a) - (worked_b - checking_b)
        workload = more_checking + touched * rest / attention
        noticeable = float(cfg.metrics.survey_noticeable)
        threshold = cfg.people.exhaustion.burnout_threshold
        answer = scale(workload[asked], noticeable)
        share = lambda flags: float(flags.mean()) if flags.size else math.nan  # noqa: E731
        return {
            "respondents": int(asked.sum()),
            "workload_rose_share": share(answer >= 4),
            "workload_answer_mean": float(answer.mean()) if answer.size else math.nan,
            "more_time_reviewing_ai_share": share(more_checking[asked] > noticeable),
            "burnt_out_share": share(staff.exhaustion[:n][asked] > threshold),
            "burnt_out_share_before": share(self.exhaustion_before[asked] > threshold),
            "burnout_scale_mean": float(np.round(6.0 * staff.exhaustion[:n][asked]).mean())
            if asked.any()
            else math.nan,
        }
