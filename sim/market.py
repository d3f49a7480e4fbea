"""The market: prospects who answer outreach, read assets and decide on proposals.

Prospects are an environment, not staff. Their attention is finite: replies fall with low
relevance and with the number of messages each prospect gets (fatigue); unsubscribes and soft
bounces rise with volume. Calls become qualified pipeline in proportion to fit (relevance);
proposals are won less often when they carry an escaped defect (wrong assumptions) and when
reps have lost their time with customers.

Five mechanisms, each with its switch in `MarketConfig` (off: the equations above alone):
relevance counted once (in the reply, not again at qualification); a pipeline stock that
turns qualified opportunities into proposals a sales cycle later; an installed base whose
renewals and expansion make most revenue, with churn that responds to customer contact and
relevance; sender reputation (bounces and complaints lower inbox placement for every later
send); and list burn (a prospect who got an irrelevant message remembers it for months).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from omegaconf import DictConfig
from scipy.stats import gamma

WORKING_DAYS_PER_WEEK = 5.0
WORKING_DAYS_PER_YEAR = 250.0


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
    # proposals the pipeline asks for today (without the pipeline stock: today's qualified)
    proposals_due: list[float] = field(default_factory=list)
    revenue_new: float = 0.0  # won deals' value
    revenue_recurring: float = 0.0  # the installed base's renewals and expansion
    churned_revenue: float = 0.0  # annual recurring revenue lost today
    pipeline_open: int = 0  # qualified opportunities not yet at proposal
    inbox_placement: float = 1.0  # share of delivered messages that reach the inbox
    burned_share: float = 0.0  # share of the pool that remembers an irrelevant approach
    # win-loss readout: what prospects would name
    unsubscribes_over_contact: float = 0.0  # unsubscribes beyond the unfatigued rate
    losses: int = 0
    losses_not_understood: float = 0.0  # expected losses from defects and lost contact


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
        self.day = 0  # the market's own day count (the pipeline's clock)
        self.damage = 0.0  # sender reputation damage (0: clean)
        self.burned = 0.0  # share of the pool that remembers an irrelevant approach
        self.burned_at_rest = 0.0  # burned share of the settled pre-AI pool
        self.customer_contact = 1.0  # reps' customer time relative to target, today
        self.recurring = 0.0  # the installed base's annual recurring revenue
        self.renewing = 0.0  # annual revenue of the customers won a year ago, renewing per day
        self._pipeline: dict[int, list[float]] = {}  # market day -> creation hours due then

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
        burn = self._burn_factor() if p.list_burn else 1.0
        return np.minimum(
            1.0, p.base_reply_rate * (relevance / self.baseline_relevance) * fatigue * burn
        )

    def _burn_factor(self) -> float:
        """Replies of a pool with burned prospects, relative to the settled pre-AI pool."""
        loss = 1.0 - self.params.burned_reply_factor
        return (1.0 - self.burned * loss) / max(1.0 - self.burned_at_rest * loss, 1e-9)

    def inbox_placement(self) -> float:
        """Share of delivered messages that land in the inbox, given the sender's reputation."""
        p = self.params
        return math.exp(-p.placement_loss * self.damage) if p.sender_reputation else 1.0

    def qualify_probability(self, relevance: float | np.ndarray) -> float | np.ndarray:
        """Chance a call becomes qualified pipeline.

        Relevance already set the reply; counted once, fit at the call is the baseline's.
        """
        p = self.params
        fit = self.baseline_relevance if p.relevance_counted_once else relevance
        return np.minimum(1.0, p.qualify_per_meeting * fit)

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
            inbox = (1.0 - self.unsubscribed) * (1.0 - bounce)
            if p.sender_reputation:
                inbox *= self.inbox_placement()
            reached = rng.binomial(prospects, inbox)
            replies = rng.binomial(reached, self.reply_probability(relevance))
            meetings = rng.binomial(replies, p.meeting_per_reply)
            qualified = rng.binomial(meetings, self.qualify_probability(relevance))
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
        boost = self.fatigue / max(p.fatigue_messages_per_week, 1e-9)
        day.unsubscribes_over_contact = day.unsubscribes * boost / (1.0 + boost)
        if p.list_burn:
            contacted = day.prospects_reached / pool
            judged = (
                float(np.average(relevance, weights=prospects))
                if self._outreach and prospects.sum() > 0
                else self.baseline_relevance
            )
            self._record_burn(contacted, judged)
        if p.sender_reputation:
            bounce_rate = day.bounces / day.messages if day.messages else 0.0
            delivered = self.delivered(day.messages)
            complaints = p.complaint_share * day.unsubscribes / delivered if delivered else 0.0
            self._record_reputation(bounce_rate, complaints)
        day.inbox_placement = self.inbox_placement()
        day.burned_share = self.burned
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
            day.losses = day.decisions - day.wins
            day.losses_not_understood = float((p.base_win_rate - win).sum())
        day.revenue_new = day.revenue
        if p.installed_base:
            day.revenue_recurring, day.churned_revenue = self._renew(self._relevance_today())
            day.revenue += day.revenue_recurring
        day.proposals_due = self._pipeline_step(day.qualified) if p.pipeline else day.qualified
        day.pipeline_open = sum(len(v) for v in self._pipeline.values())
        self._outreach, self._assets, self._proposals = [], [], []
        self.day += 1
        return day

    def receive_contact(self, contact: float) -> None:
        """Reps' time with customers today, relative to what they aim for."""
        self.customer_contact = contact

    def _relevance_today(self) -> float:
        """Mean relevance of what reached the market today (baseline when nothing did)."""
        values = [r for _, _, r, _ in self._outreach] + self._assets
        return float(np.mean(values)) if values else self.baseline_relevance

    # ------------------------------------------------------------------ pipeline
    def _pipeline_step(self, qualified: list[float]) -> list[float]:
        """Today's qualified opportunities join the stock; those whose cycle ends come out."""
        p = self.params
        if qualified:
            scale = p.sales_cycle_days / p.sales_cycle_shape
            cycles = self.rng.gamma(p.sales_cycle_shape, scale, len(qualified))
            for created, cycle in zip(qualified, cycles.tolist(), strict=True):
                self._pipeline.setdefault(self.day + max(1, math.ceil(cycle)), []).append(created)
        return self._pipeline.pop(self.day, [])

    def seed_pipeline(self, qualified_per_day: float) -> None:
        """Fill the stock as a steady pre-AI flow of `qualified_per_day` would have left it.

        An opportunity qualified `a` days ago is still open on day `d` if its cycle exceeds
        `a + d`; summed over ages, about `qualified_per_day · P(cycle ≥ d)` fall due on day `d`.
        Their creation hour is unknown (before the run): 0.
        """
        p = self.params
        if not p.pipeline or qualified_per_day <= 0:
            return
        scale = p.sales_cycle_days / p.sales_cycle_shape
        horizon = int(math.ceil(gamma.ppf(0.9999, p.sales_cycle_shape, scale=scale))) + 1
        still_open = gamma.sf(np.arange(horizon), p.sales_cycle_shape, scale=scale)
        due = self.rng.poisson(qualified_per_day * still_open)
        for d, n in enumerate(due.tolist()):
            if n:
                self._pipeline.setdefault(self.day + d, []).extend([0.0] * n)

    def expected_qualified_per_day(
        self, prospects_per_day: float, messages_per_day: float
    ) -> float:
        """Qualified opportunities a day at human relevance, in the pool's present state."""
        p = self.params
        inbox = (1.0 - self.unsubscribed) * (1.0 - self.bounce_rate(messages_per_day))
        inbox *= self.inbox_placement()
        reply = float(self.reply_probability(self.baseline_relevance))
        qualify = float(self.qualify_probability(self.baseline_relevance))
        return prospects_per_day * inbox * reply * p.meeting_per_reply * qualify

    # ------------------------------------------------------------------ installed base
    def seed_installed_base(self, wins_per_day: float) -> None:
        """Start the installed base in the steady state of the pre-AI new business.

        Customers won a year ago (at the pre-AI rate: a run is shorter than a year) come up for
        their first renewal each day; the base's net churn at full contact and baseline
        relevance balances that inflow, so recurring revenue is flat before the roll-out.
        """
        p = self.params
        if not p.installed_base:
            return
        self.renewing = wins_per_day * p.deal_value
        net = p.annual_churn - p.annual_expansion
        self.recurring = self.renewing * WORKING_DAYS_PER_YEAR / net if net > 0 else 0.0

    def churn_multiplier(self, relevance: float) -> float:
        """How much more often customers leave with less contact and less relevant messages."""
        p = self.params
        contact_gap = 1.0 - min(max(self.customer_contact, 0.0), 1.0)
        relevance_gap = max(0.0, 1.0 - relevance / self.baseline_relevance)
        return 1.0 + p.contact_churn_weight * contact_gap + p.relevance_churn_weight * relevance_gap

    def _renew(self, relevance: float) -> tuple[float, float]:
        """One day of the installed base: today's recurring revenue and the revenue churned."""
        p = self.params
        revenue = self.recurring / WORKING_DAYS_PER_YEAR
        churned = self.recurring * p.annual_churn * self.churn_multiplier(relevance)
        churned /= WORKING_DAYS_PER_YEAR
        contact = min(max(self.customer_contact, 0.0), 1.0)
        expanded = self.recurring * p.annual_expansion * contact / WORKING_DAYS_PER_YEAR
        self.recurring += self.renewing + expanded - churned
        return revenue, churned

    def settle(
        self, messages_per_day: float, days: int = 2000, prospects_per_day: float | None = None
    ) -> None:
        """Start the pool in the steady state of a sending volume (the organisation before AI).

        Fatigue and unsubscribes move slowly (the pool refreshes over months); without this, a
        run would begin with a market at rest and its baseline would drift for months. List
        burn and sender reputation settle too, when switched on (`prospects_per_day`: the
        prospects those messages go to; by default one message each).
        """
        p = self.params
        contacted = messages_per_day if prospects_per_day is None else prospects_per_day
        for _ in range(days):
            bounce = self.bounce_rate(messages_per_day)
            before = self.unsubscribed
            delivered = self.delivered(messages_per_day)
            self._record_contact(delivered, self.prospects)
            if p.list_burn:
                reached = contacted * (1 - before) * (1 - bounce) * self.inbox_placement()
                self._record_burn(reached / self.prospects, self.baseline_relevance)
            if p.sender_reputation:
                left = max(0.0, self.unsubscribed - before * (1.0 - p.pool_refresh_per_day))
                complaints = (
                    p.complaint_share * left * self.prospects / delivered if delivered else 0
                )
                self._record_reputation(bounce, complaints)
        self.burned_at_rest = self.burned

    def bounce_rate(self, messages: float) -> float:
        """Share of today's messages that soft-bounce: it rises above the healthy volume."""
        p = self.params
        weekly_rate = messages / self.prospects * WORKING_DAYS_PER_WEEK
        healthy = max(p.healthy_messages_per_week, 1e-9)
        return min(1.0, p.soft_bounce_rate * max(1.0, weekly_rate / healthy))

    def delivered(self, messages: float) -> float:
        """Messages that reach a subscribed prospect's inbox."""
        delivered = messages * (1.0 - self.unsubscribed) * (1.0 - self.bounce_rate(messages))
        return delivered * self.inbox_placement() if self.params.sender_reputation else delivered

    def _record_burn(self, contacted: float, relevance: float) -> None:
        """Contacted prospects judge the message: the irrelevant share remembers it for months."""
        p = self.params
        fresh = min(1.0, contacted) * (1.0 - self.burned)
        self.burned += fresh * (1.0 - min(max(relevance, 0.0), 1.0))
        self.burned *= (1.0 - 1.0 / p.burn_memory_days) * (1.0 - p.pool_refresh_per_day)

    def _record_reputation(self, bounce_rate: float, complaint_rate: float) -> None:
        """Mailbox providers' view of the sender: damage rises above their limits, then heals."""
        p = self.params
        signal = bounce_rate / p.bounce_limit + complaint_rate / p.complaint_limit
        self.damage += (max(0.0, signal - 1.0) - self.damage) / p.reputation_memory_days

    def _record_contact(self, delivered: float, pool: int) -> None:
        p = self.params
        per_prospect = delivered / pool
        memory = 1.0 / p.fatigue_memory_days
        self.fatigue += memory * (per_prospect * WORKING_DAYS_PER_WEEK - self.fatigue)
        fatigue_boost = 1.0 + self.fatigue / max(p.fatigue_messages_per_week, 1e-9)
        leaving = min(1.0, p.unsubscribe_per_message * per_prospect * fatigue_boost)
        self.unsubscribed += (1.0 - self.unsubscribed) * leaving
        self.unsubscribed *= 1.0 - p.pool_refresh_per_day
