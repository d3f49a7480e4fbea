"""The market: prospects who answer outreach, read assets and decide on proposals.

Prospects are an environment, not staff. Their attention is finite: replies fall with low
relevance and with the number of messages each prospect gets (fatigue); unsubscribes and soft
bounces rise with volume. Calls become qualified pipeline in proportion to fit (relevance);
proposals are won less often when they carry an escaped defect (wrong assumptions) and when
reps have lost their time with customers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from omegaconf import DictConfig

WORKING_DAYS_PER_WEEK = 5.0


@dataclass
class DayOfMarket:
    """What the market did on one day (the model turns it into new work and outcomes)."""

    messages: int = 0
    prospects_reached: int = 0
    replies: int = 0
    bounces: int = 0
    unsubscribes: float = 0.0
    meetings: list[float] = field(default_factory=list)  # source creation hour, per meeting
    qualified: list[float] = field(default_factory=list)  # source creation hour, per opportunity
    replied_sequences: int = 0
    qualified_sequences: int = 0
    assets_published: int = 0
    assets_used: int = 0
    decisions: int = 0
    wins: int = 0
    revenue: float = 0.0


class Market:
    """The prospect pool.

    Args:
        params: the `market` config.
        prospects: size of the prospect pool.
        baseline_relevance: relevance of a human-made outreach (replies scale relative to it).
        rng: the market's random stream.
    """

    def __init__(
        self,
        params: DictConfig,
        prospects: int,
        baseline_relevance: float,
        rng: np.random.Generator,
    ):
        self.params = params
        self.prospects = max(int(prospects), 1)
        self.baseline_relevance = max(baseline_relevance, 1e-9)
        self.rng = rng
        self.fatigue = 0.0  # messages per prospect per week, remembered
        self.unsubscribed = 0.0  # share of the pool
        self._outreach: list[
            tuple[int, int, float, float]
        ] = []  # (prospects, messages each, relevance, created)
        self._assets: list[float] = []
        self._proposals: list[tuple[bool, float]] = []  # (defect, human contact ratio)

    # Artifacts arrive during the day; the market answers at its end.
    def receive_outreach(
        self, prospects: int, messages_per_prospect: int, relevance: float, created: float
    ) -> None:
        """An outreach sequence is sent to `prospects` prospects."""
        self._outreach.append((prospects, messages_per_prospect, relevance, created))

    def receive_asset(self, relevance: float) -> None:
        """A campaign asset or explainer is published."""
        self._assets.append(relevance)

    def receive_proposal(self, defect: bool, human_contact: float) -> None:
        """A proposal reaches the prospect for decision."""
        self._proposals.append((defect, human_contact))

    def reply_probability(self, relevance: float | np.ndarray) -> float | np.ndarray:
        """Chance a reached prospect replies, given relevance and today's fatigue."""
        p = self.params
        fatigue = (
            math.exp(-self.fatigue / p.fatigue_messages_per_week)
            if p.fatigue_messages_per_week > 0
            else 1.0
        )
        return np.minimum(1.0, p.base_reply_rate * (relevance / self.baseline_relevance) * fatigue)

    def end_of_day(self) -> DayOfMarket:
        """Answer everything received today and update the pool's fatigue and unsubscribes."""
        p, rng, day = self.params, self.rng, DayOfMarket()
        pool = self.prospects
        if self._outreach:
            prospects = np.array([n for n, _, _, _ in self._outreach], dtype=np.int64)
            per_prospect = np.array([m for _, m, _, _ in self._outreach], dtype=np.int64)
            relevance = np.array([r for _, _, r, _ in self._outreach])
            created = np.array([c for _, _, _, c in self._outreach])
            messages = int((prospects * per_prospect).sum())
            bounce = self.bounce_rate(messages)
            reached = rng.binomial(prospects, (1.0 - self.unsubscribed) * (1.0 - bounce))
            replies = rng.binomial(reached, self.reply_probability(relevance))
            meetings = rng.binomial(replies, p.meeting_per_reply)
            qualified = rng.binomial(meetings, np.minimum(1.0, p.qualify_per_meeting * relevance))
            day.messages = messages
            day.bounces = int(round(messages * bounce))
            day.prospects_reached = int(reached.sum())
            day.replies = int(replies.sum())
            day.replied_sequences = int((replies > 0).sum())
            day.qualified_sequences = int((qualified > 0).sum())
            day.meetings = np.repeat(created, meetings).tolist()
            day.qualified = np.repeat(created, qualified).tolist()
        before = self.unsubscribed
        self._record_contact(self.delivered(day.messages), pool)
        day.unsubscribes = (
            max(0.0, self.unsubscribed - before * (1.0 - p.pool_refresh_per_day)) * pool
        )
        if self._assets:
            relevance = np.array(self._assets)
            attention = (
                pool
                * (1.0 - self.unsubscribed)
                * p.asset_reads_per_prospect_per_week
                / WORKING_DAYS_PER_WEEK
            )
            reads = rng.poisson(attention * relevance / relevance.sum())
            day.assets_published = len(relevance)
            day.assets_used = int((reads >= p.asset_useful_reads).sum())
        if self._proposals:
            defect = np.array([d for d, _ in self._proposals])
            contact = np.array([c for _, c in self._proposals])
            win = p.base_win_rate * (1.0 - p.defect_win_penalty * defect)
            win *= 1.0 - p.human_contact_win_weight * (1.0 - np.clip(contact, 0.0, 1.0))
            wins = rng.random(len(win)) < win
            day.decisions = len(win)
            day.wins = int(wins.sum())
            day.revenue = float(day.wins * p.deal_value)
        self._outreach, self._assets, self._proposals = [], [], []
        return day

    def settle(self, messages_per_day: float, days: int = 2000) -> None:
        """Start the pool in the steady state of a sending volume (the organisation before AI).

        Fatigue and unsubscribes move slowly (the pool refreshes over months); without this, a
        run would begin with a market at rest and its baseline would drift for months.
        """
        for _ in range(days):
            self._record_contact(self.delivered(messages_per_day), self.prospects)

    def bounce_rate(self, messages: float) -> float:
        """Share of today's messages that soft-bounce: it rises above the healthy volume."""
        p = self.params
        weekly_rate = messages / self.prospects * WORKING_DAYS_PER_WEEK
        healthy = max(p.healthy_messages_per_week, 1e-9)
        return min(1.0, p.soft_bounce_rate * max(1.0, weekly_rate / healthy))

    def delivered(self, messages: float) -> float:
        """Messages that reach a subscribed prospect's inbox."""
        return messages * (1.0 - self.unsubscribed) * (1.0 - self.bounce_rate(messages))

    def _record_contact(self, delivered: float, pool: int) -> None:
        p = self.params
        per_prospect = delivered / pool
        memory = 1.0 / p.fatigue_memory_days
        self.fatigue += memory * (per_prospect * WORKING_DAYS_PER_WEEK - self.fatigue)
        fatigue_boost = 1.0 + self.fatigue / max(p.fatigue_messages_per_week, 1e-9)
        leaving = min(1.0, p.unsubscribe_per_message * per_prospect * fatigue_boost)
        self.unsubscribed += (1.0 - self.unsubscribed) * leaving
        self.unsubscribed *= 1.0 - p.pool_refresh_per_day
