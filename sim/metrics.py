"""The two sets of books, kept daily: what the dashboard counts and what the outcomes are.

Dashboard books count activity the way the seed case's dashboards did: artifacts per FTE and
messages sent, AI outputs tallied like human ones, review time and downstream queues left out.
Outcome books count what the organisation gets: qualified pipeline, wins, cycle time, escaped
defects, the hidden hours of validation and rework, queues, and people's state.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from sim.agents import Manager, Producer, Reviewer, SalesRep
from sim.queueing_theory import littles_law_error
from sim.survey import SelfReport


class ConservationError(RuntimeError):
    """Artifacts were created or lost without being accounted for (an engine defect)."""


class Books:
    """The daily collector: reads the model at the end of each day into one row of both books.

    It has the shape of Mesa's `DataCollector` (`collect(model)` once a step,
    `get_model_vars_dataframe()` for the table) and, like it, only reads: the model and its
    people keep the state they act on (`OrgModel.today`, the staff arrays, the engine's
    queues); the books keep nothing the model reads back.

    Args:
        model: the organisation model (read for its structure: who is in which role).
    """

    def __init__(self, model):
        self.rows: list[dict[str, Any]] = []
        # per-person workload before the roll-out and in the last quarter, for the survey
        n = len(model.people)
        self.busy_before = np.zeros(n)
        self.busy_recent = np.zeros(n)
        self.ai_review_before = np.zeros(n)
        self.ai_review_recent = np.zeros(n)
        # the survey as self-report (`metrics.survey`; `sim.survey`), None for the hours readout
        self.self_report = SelfReport(n) if model.cfg.metrics.survey == "self_report" else None
        self.count_people(model)

    def count_people(self, model) -> None:
        """Who is in which role (again after people are hired; new hires have no history)."""
        people = model.people
        self.producer_fte = sum(isinstance(p, Producer) for p in people)
        self.reviewer_mask = np.array([isinstance(p, Reviewer) for p in people], dtype=bool)
        self.manager_mask = np.array([isinstance(p, Manager) for p in people], dtype=bool)
        self.rep_mask = np.array([isinstance(p, SalesRep) for p in people], dtype=bool)
        self._plan_article_dashboard(model)
        new = len(people) - len(self.busy_before)
        if new > 0:
            grow = lambda tally: np.append(tally, np.zeros(new))  # noqa: E731
            self.busy_before, self.busy_recent = grow(self.busy_before), grow(self.busy_recent)
            self.ai_review_before = grow(self.ai_review_before)
            self.ai_review_recent = grow(self.ai_review_recent)
        if self.self_report is not None:
            self.self_report.grow(len(people))

    def _plan_article_dashboard(self, model) -> None:
        """What the seed case's executive dashboard counts, and its pre-AI plan per function.

        Assets (kinds sent to the market as assets) are reported by the functions that plan
        them, messages (outreach kinds: prospects x messages each) by those that plan outreach.
        A function's FTE is its headcount; review, deal desk, engineering and managers do not
        report, so their time is outside the denominator.
        """
        kinds = model.kinds
        roles = {"asset": [], "outreach": []}
        for k, role in enumerate(kinds.market_role):
            if role in roles:
                roles[role].append(k)
        self.article_units = {  # what one drafted artifact counts as, per kind
            "asset": {k: 1.0 for k in roles["asset"]},
            "outreach": {
                k: float(kinds.prospects_reached[k] * kinds.messages_per_prospect[k])
                for k in roles["outreach"]
            },
        }
        self.article_plan, self.article_fte = {}, {}
        for measure, units in self.article_units.items():
            plan = fte = 0.0
            for _, node in model.graph.nodes(data=True):
                planned = {model.kind_index[k]: v for k, v in node["produces_per_day"].items()}
                reported = [k for k in planned if k in units]
                if reported and node["headcount"] > 0:
                    fte += node["headcount"]
                    plan += node["headcount"] * sum(planned[k] * units[k] for k in reported)
            self.article_plan[measure], self.article_fte[measure] = plan, fte

    def article_dashboard(self, drafted: list[int]) -> float:
        """Output of the reporting functions in FTE-days of their pre-AI plan."""
        total = 0.0
        for measure, units in self.article_units.items():
            if self.article_plan[measure] > 0:
                out = sum(drafted[k] * unit for k, unit in units.items())
                total += out / self.article_plan[measure] * self.article_fte[measure]
        return total

    def collect(self, model) -> None:
        """Write today's row: both books, queues per stage, people's state, conservation."""
        engine, staff, today, m = model.engine, model.staff, model.today, model.market_today
        hours = model.hours_per_day
        drafted = sum(today.drafted)
        row: dict[str, Any] = {"day": model.day, "automation_rate": model.automation_rate_today()}
        # dashboard books
        row["artifacts_drafted"] = drafted
        for kind, count in zip(model.kinds.names, today.drafted, strict=True):
            row[f"drafted_{kind}"] = count
        row["artifacts_per_fte"] = drafted / self.producer_fte if self.producer_fte else 0.0
        row["messages_sent"] = today.messages
        row["ai_assisted_outputs"] = today.ai_assisted
        row["time_saved_hours"] = today.time_saved_hours
        outcome_kpis = model.cfg.policy.outcome_kpis.enabled  # a policy counts outcomes too
        counts = model.cfg.metrics.dashboard_counts
        fte = self.producer_fte
        if counts == "all" and not outcome_kpis:
            counted = drafted
        elif counts == "article" and not outcome_kpis:  # the seed case's executive dashboard
            counted = self.article_dashboard(today.drafted)
            fte = sum(self.article_fte.values())
        else:  # only what reached an outcome: pipeline-making outreach, used asset, won deal
            counted = (m.qualified_sequences + m.assets_used + m.wins) if m else 0
        row["dashboard_counted"] = counted
        row["dashboard_per_fte"] = counted / fte if fte else 0.0
        for measure, units in self.article_units.items():  # the article's figure per function
            plan = self.article_plan[measure]
            out = sum(today.drafted[k] * unit for k, unit in units.items())
            row[f"article_{measure}_per_plan"] = out / plan if plan else math.nan
        # outcome books
        row["qualified_pipeline"] = len(m.qualified) if m else 0
        row["meetings"] = len(m.meetings) if m else 0
        row["replies"] = m.replies if m else 0
        row["prospects_reached"] = m.prospects_reached if m else 0
        row["response_rate"] = (
            m.replies / m.prospects_reached if m and m.prospects_reached else math.nan
        )
        row["unsubscribes"] = m.unsubscribes if m else 0.0
        row["bounces"] = m.bounces if m else 0
        row["bounce_rate"] = m.bounces / m.messages if m and m.messages else math.nan
        row["decisions"] = m.decisions if m else 0
        row["wins"] = m.wins if m else 0
        row["win_rate"] = m.wins / m.decisions if m and m.decisions else math.nan
        row["revenue"] = m.revenue if m else 0.0
        # the market's mechanisms (0 where switched off) and the win-loss readout
        row["revenue_new"] = m.revenue_new if m else 0.0
        row["revenue_recurring"] = m.revenue_recurring if m else 0.0
        row["churned_revenue"] = m.churned_revenue if m else 0.0
        row["pipeline_open"] = m.pipeline_open if m else 0
        row["proposals_due"] = len(m.proposals_due) if m else 0
        row["inbox_placement"] = m.inbox_placement if m else 1.0
        row["burned_share"] = m.burned_share if m else 0.0
        row["unsubscribes_over_contact"] = m.unsubscribes_over_contact if m else 0.0
        row["losses"] = m.losses if m else 0
        row["losses_not_understood"] = m.losses_not_understood if m else 0.0
        row["assets_published"] = m.assets_published if m else 0
        row["assets_used"] = m.assets_used if m else 0
        now = engine.now
        row["cycle_time_to_pipeline_days"] = (
            float(np.mean([now - c for c in m.qualified])) / hours
            if m and m.qualified
            else math.nan
        )
        row["time_to_send_days"] = (
            float(np.mean(today.time_to_send)) if today.time_to_send else math.nan
        )
        row["escaped_defects"] = today.escaped_defects
        row["escaped_defects_ai"] = today.escaped[1]
        row["defects_reviewed_human"], row["defects_reviewed_ai"] = today.defects_reviewed
        row["defects_caught_human"], row["defects_caught_ai"] = today.defects_caught
        row["reworks"] = today.reworks
        row["production_hours"] = today.production_hours
        row["review_hours"] = today.review_hours
        row["rework_hours"] = today.rework_hours
        row["triage_hours"] = today.triage_hours
        row["hidden_validation_hours"] = today.hidden_validation_hours
        row["total_human_hours"] = (
            today.production_hours + today.review_hours + today.rework_hours + today.other_hours
        )
        row["coaching_hours"] = float(staff.connective_hours[self.manager_mask].sum())
        row["customer_hours"] = float(staff.connective_hours[self.rep_mask].sum())
        row["exhaustion_mean"] = float(staff.exhaustion.mean()) if len(staff.exhaustion) else 0.0
        burnout = model.cfg.people.exhaustion.burnout_threshold
        row["burnout_share"] = (
            float((staff.exhaustion > burnout).mean()) if len(staff.exhaustion) else 0.0
        )
        reviewers = self.reviewer_mask
        row["skill_mean"] = float(staff.skill[reviewers].mean()) if reviewers.any() else math.nan
        row["trust_mean"] = (
            float(np.array(staff.trust)[reviewers].mean()) if reviewers.any() else math.nan
        )
        row["control_steps"] = len(model.control_steps_added)
        row["control_steps_pending"] = model.control_steps_pending  # decided, not yet in place
        row["hired"] = model.hired  # people hired so far who have started
        row["hires_pending"] = sum(n for _, _, n in model.hires_pending)
        row["bypassed"] = sum(today.bypassed)  # coping: drafts sent around a backed-up review
        row["waved_through"] = sum(today.waved_through)  # coping: passed unread by sampling
        if model.cfg.policy.relevance_filter.enabled:
            row["discarded"] = today.discarded  # AI drafts judged below the relevance bar
        patience = model.patience_draws is not None  # only then can work be abandoned
        if patience:
            row["abandoned"] = sum(today.abandoned)
            row["wasted_hours"] = today.wasted_hours
        busy = np.array(engine.busy_hours)
        for s, name in enumerate(model.stages.names):
            if model.headcount[s] == 0:
                continue
            members = staff.stage == s
            row[f"headcount_{name}"] = int(model.headcount[s])
            row[f"queue_{name}"] = engine.queue_length[s]  # abandoned ones excluded
            row[f"queue_age_hours_{name}"] = engine.queue_age(s)
            row[f"wip_{name}"] = engine.in_stage[s]
            row[f"completed_{name}"] = engine.departures[s] - engine.abandoned[s]
            if patience:
                row[f"abandoned_{name}"] = today.abandoned[s]
            row[f"bypassed_{name}"] = today.bypassed[s]  # sent around this stage's review
            row[f"waved_through_{name}"] = today.waved_through[s]
            shift = float(staff.shift_hours[members].sum())
            row[f"utilisation_{name}"] = (
                float(busy[members].sum()) / shift if shift > 0 else math.nan
            )
        queued, in_service = engine.queued(), engine.in_service()
        row["created"], row["queued"], row["in_service"] = engine.created, queued, in_service
        row["done"], row["dropped"] = engine.done, engine.dropped
        if engine.created != queued + in_service + engine.done + engine.dropped:
            raise ConservationError(
                f"day {model.day}: created {engine.created} != queued {queued}"
                f" + in service {in_service}"
                f" + done {engine.done} + dropped {engine.dropped}"
            )
        self._tally_workload(model, busy)
        if self.self_report is not None:
            self.self_report.tally(model, busy)
        if model.cfg.ai.adoption_days > 0:  # adoption over time: the share using AI today
            row["ai_users_share"] = float((staff.adoption_day <= model.day).mean())
        self.rows.append(row)

    def _tally_workload(self, model, busy: np.ndarray) -> None:
        """Per-person workload before the roll-out and in the last quarter of the run."""
        staff = model.staff
        ai_review = np.array(staff.ai_review_hours)
        work = busy + staff.connective_hours
        if model.day < model.cfg.ai.rollout_day:
            self.busy_before += work
            self.ai_review_before += ai_review
        elif model.day >= model.cfg.days - max(1, model.cfg.days // 4):
            self.busy_recent += work
            self.ai_review_recent += ai_review

    def get_model_vars_dataframe(self) -> pd.DataFrame:
        """One row per day, both books side by side (Mesa's `DataCollector` name)."""
        return pd.DataFrame(self.rows)

    def survey(self, model) -> dict[str, float]:
        """A survey-style readout of the staff, comparable with the Upwork 2024 figures.

        Under `metrics.survey=self_report` the AI users' own answers (`sim.survey`); under
        `hours`, shares of all staff by the hours they worked.
        """
        cfg, staff = model.cfg, model.staff
        if len(staff.stage) == 0:
            return {}
        if self.self_report is not None:
            return self.self_report.answers(model)
        before_days = max(1, min(cfg.ai.rollout_day, cfg.days))
        recent_days = max(1, cfg.days // 4)
        workload_before = self.busy_before / before_days
        workload_recent = self.busy_recent / recent_days
        review_before = self.ai_review_before / before_days
        review_recent = self.ai_review_recent / recent_days
        return {
            "workload_rose_share": float((workload_recent > workload_before * 1.05 + 1e-9).mean()),
            "more_time_reviewing_ai_share": float((review_recent > review_before + 0.05).mean()),
            "burnt_out_share": float(
                (staff.exhaustion > cfg.people.exhaustion.burnout_threshold).mean()
            ),
        }


def littles_law(model) -> dict[str, dict[str, float]]:
    """Little's law per stage over the run: L (time-average in stage) against λ·W.

    Returns:
        Per staffed stage: L, arrival rate per hour, mean sojourn hours, and relative error.
    """
    engine = model.engine
    horizon = engine.now - engine.statistics_since
    report = {}
    for s, name in enumerate(model.stages.names):
        if model.headcount[s] == 0 or engine.departures[s] == 0 or horizon <= 0:
            continue
        mean_in_stage = engine.area[s] / horizon
        arrival_rate = engine.arrivals[s] / horizon
        sojourn = engine.sojourn_sum[s] / engine.departures[s]
        report[name] = {
            "L": mean_in_stage,
            "arrival_rate_per_hour": arrival_rate,
            "W_hours": sojourn,
            "relative_error": littles_law_error(mean_in_stage, arrival_rate, sojourn)
            if mean_in_stage > 0
            else 0.0,
        }
    return report
