"""Structured configuration: the schema Hydra composes into, its rules, and composition.

Every parameter of the model lives here once: its type, its default with a short note of where
the default comes from (the full reasoning is in `docs/model.md`), and what values it may take.
`configs/` only overrides. The rules are declared next to each field (`param`, `table`) and
checked by one function, `validate`, which the command line, `load_config` and `sim.run` all
call: any bad value becomes one `ConfigError` whose one-line message names the key, the value
and what is allowed. The checks are listed in `docs/configuration.md`.
"""

from __future__ import annotations

import copy
import math
import os
import re
import secrets
from dataclasses import MISSING as NO_DEFAULT
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, get_args, get_origin, get_type_hints

import networkx as nx
from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, DictConfig, OmegaConf, open_dict
from omegaconf.errors import OmegaConfBaseException

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"

ROLES = (
    "sales_rep",
    "marketer",
    "brand_reviewer",
    "legal_reviewer",
    "deal_desk",
    "engineer",
    "manager",
    "market",
    "server",
)
SERVICE_DISTRIBUTIONS = ("deterministic", "exponential")
PRODUCED_ON = ("plan", "meeting", "qualified")
MARKET_ROLES = ("outreach", "asset", "proposal", "internal")
TASKS = ("run", "validate_queueing", "audit")
DASHBOARD_COUNTS = ("all", "outcome_linked", "article")
SURVEYS = ("self_report", "hours")

# Bounds on what is sane: beyond them a run is a typo, or would take hours and fill the disk.
MAX_DAYS = 100_000
MAX_REPLICATIONS = 10_000
MAX_HEADCOUNT = 1_000_000
MAX_SEED = 2**63 - 1


class ConfigError(ValueError):
    """A configuration value that the model cannot run with; the message is one line.

    Attributes:
        key: the offending key (`org.stages.sales.headcount`), when there is one.
        value: the offending value, when there is one.
    """

    def __init__(self, message: str, key: str | None = None, value: Any = None):
        super().__init__(" ".join(str(message).split()))
        self.key = key
        self.value = value


# --------------------------------------------------------------------------- the rule layer


@dataclass(frozen=True)
class Rule:
    """What a value may be. Bounds are numbers, or the key of another value.

    A bound that names a key is looked up beside the value first (`attention_hours` for a
    stage's `connective_hours`), then from the root (`days`, `org.hours_per_day`).

    Attributes:
        low: inclusive lower bound.
        high: inclusive upper bound.
        above: exclusive lower bound.
        below: exclusive upper bound.
        one_of: the allowed strings.
        identifier: a name (a string value, or the keys of a table) must be a plain identifier.
        names_in: a name (a string value, or the keys of a table) must be a key of this mapping.
        when: bounds that name another key apply only while this key is non-zero.
        why: the reason, added to the message.
    """

    low: float | str | None = None
    high: float | str | None = None
    above: float | str | None = None
    below: float | str | None = None
    one_of: tuple[str, ...] | None = None
    identifier: bool = False
    names_in: str | None = None
    when: str | None = None
    why: str = ""


def param(default: Any = MISSING, **rule: Any) -> Any:
    """A scalar field with its default and its `Rule` (keyword arguments)."""
    return field(default=default, metadata={"rule": Rule(**rule)})


def table(**rule: Any) -> Any:
    """A mapping field (empty by default) whose keys and values follow one `Rule`."""
    return field(default_factory=dict, metadata={"rule": Rule(**rule)})


def rows() -> Any:
    """A list field (empty by default) of nested configs, each checked by its own rules."""
    return field(default_factory=list)


# --------------------------------------------------------------------------- the schema


@dataclass
class KindConfig:
    """One kind of artifact as humans make it.

    Attributes:
        defect_probability: chance a human-made artifact carries a hidden defect.
        relevance_mean: mean true relevance to its reader (0..1) of a human-made artifact.
        relevance_concentration: Beta concentration of relevance around its mean.
        produced_on: `plan` (discretionary: volume responds to unit cost), `meeting` (one per
            call with a prospect) or `qualified` (one per qualified opportunity).
        market_role: what it is to prospects: `outreach`, `asset`, `proposal`, or `internal`.
        prospects_reached: prospects an outreach artifact contacts when it reaches the market.
        messages_per_prospect: messages sent to each prospect reached.
        patience_days: mean patience, in working days, of an artifact of this kind waiting
            in a queue: its owner abandons it after a gamma time of this mean
            (`docs/model.md`, "Patience and abandonment"); None: it waits forever.
        patience_shape: shape of that gamma time (1: exponential, as in Erlang-A).
        critical: a decision that `policy.human_in_the_loop` reviews with a rationale.
        intangible: high-intangible work that `policy.augmentation_only` keeps human-drafted.
    """

    # assumption: a few per hundred; the org file sets each kind ("Artifacts")
    defect_probability: float = param(0.05, low=0.0, high=1.0)
    # assumption; the org file sets each kind. A Beta mean: strictly between 0 and 1
    relevance_mean: float = param(0.6, above=0.0, below=1.0)
    relevance_concentration: float = param(8.0, above=0.0)  # assumption ("Artifacts")
    produced_on: str = param("plan", one_of=PRODUCED_ON)  # discretionary unless said otherwise
    market_role: str = param("internal", one_of=MARKET_ROLES)  # stays inside unless said
    prospects_reached: int = param(0, low=0, high=MAX_HEADCOUNT)  # outreach kinds set it
    messages_per_prospect: int = param(0, low=0, high=1000)  # outreach kinds set it
    # form: exponential patience, Erlang-A (Garnett, Mandelbaum & Reiman 2002); values per kind
    # in the org files; None waits forever
    patience_days: float | None = param(None, above=0.0)
    # assumption: owners know roughly when work goes stale, so few give up within hours of
    # a days-long patience (shape 4: 2% of a 3-day patience is under 6 hours; exponential,
    # shape 1, gives 22%); 1 is Erlang-A's exponential, used by the queueing validation
    patience_shape: float = param(4.0, above=0.0, high=1000.0)
    # seed 003 names "proposals, pricing, claims" as the decisions that need a human
    critical: bool = False
    # seed 003: customer-facing and judgement work ("thin judgment", "blanketed")
    intangible: bool = False


@dataclass
class StageConfig:
    """A stage of the workflow graph: a team, its people and the work it does.

    Attributes:
        role: the people's role (one of ROLES), which decides what they do (`sim.agents`);
            `market` marks the prospects, who have no staff.
        headcount: people on the stage (servers, in queueing terms).
        attention_hours: absorption capacity, hours of attention per person per working day.
        effort_hours: human effort (hours) per artifact of each kind handled here.
        produces_per_day: discretionary artifacts each person drafts per day before AI.
        arrival_rate_per_hour: external Poisson arrivals per kind (queueing networks).
        service_distribution: `deterministic` effort or `exponential` with that mean.
        connective_hours: coaching or customer-conversation hours per person per day.
    """

    role: str = param(MISSING, one_of=ROLES)
    headcount: int = param(0, low=0, high=MAX_HEADCOUNT)  # the org file staffs each stage
    # reasoning: of an 8-hour day about 6 are attention for the queue ("Organisation")
    attention_hours: float = param(6.0, low=0.0, high="org.hours_per_day")
    effort_hours: dict[str, float] = table(low=0.0, names_in="org.kinds")  # org file
    produces_per_day: dict[str, float] = table(low=0.0, names_in="org.kinds")  # org file
    arrival_rate_per_hour: dict[str, float] = table(low=0.0, names_in="org.kinds")  # networks
    service_distribution: str = param("deterministic", one_of=SERVICE_DISTRIBUTIONS)
    connective_hours: float = param(0.0, low=0.0, high="attention_hours")  # org file sets it


@dataclass
class HandoffConfig:
    """A hand-off (edge) between stages.

    Attributes:
        source: stage the artifact leaves.
        target: stage it enters.
        routing: probability per artifact kind of taking this hand-off on leaving `source`.
        rework: carries artifacts whose defect a reviewer at `source` detected back to
            their author stage (`target`).
    """

    source: str = param(MISSING, names_in="org.stages")
    target: str = param(MISSING, names_in="org.stages")
    routing: dict[str, float] = table(low=0.0, high=1.0, names_in="org.kinds")
    rework: bool = False


@dataclass
class ControlStepConfig:
    """A control step governance may insert: `kind` from `source` to `target` via `stage`."""

    kind: str = param(MISSING, names_in="org.kinds")
    source: str = param(MISSING, names_in="org.stages")
    target: str = param(MISSING, names_in="org.stages")
    stage: str = param(MISSING, names_in="org.stages")


@dataclass
class OrgConfig:
    """An organisation: its workflow graph and the kinds of artifact it makes.

    Attributes:
        capacity_follows_load: staff every non-producing stage in proportion to the planned
            load the automation rate sends it (the saturation control: no stage saturates).
    """

    # names the output folder (outputs/<name>/), so a plain identifier, never a path
    name: str = param(MISSING, identifier=True)
    capacity_follows_load: bool = False  # headcounts as configured: saturation can happen
    hours_per_day: float = param(8.0, above=0.0, high=24.0)  # a working day ("Time")
    stages: dict[str, StageConfig] = table(identifier=True)
    handoffs: list[HandoffConfig] = rows()
    kinds: dict[str, KindConfig] = table(identifier=True)
    control_steps: list[ControlStepConfig] = rows()


@dataclass
class AiKindConfig:
    """What AI drafting changes for one kind of artifact.

    Attributes:
        effort_ratio: producer hours for an AI draft relative to a human one (prompt + edit).
        defect_probability: chance an AI draft carries a hidden defect.
        relevance_mean: mean true relevance of an AI draft.
        review_effort_ratio: reviewer hours for an AI draft relative to a human one
            (checking fluent text whose assumptions may be wrong takes longer).
    """

    # Fallbacks for what an AI table entry leaves open; the table's values and sources are in
    # configs/ai/default.yaml and docs/model.md ("AI").
    # assumption: prompting and editing take half the drafting time
    effort_ratio: float = param(0.5, above=0.0, high=100.0, why="a free draft is not possible")
    review_effort_ratio: float = param(1.0, low=0.0, high=100.0)  # assumption: as for a human's
    defect_probability: float = param(0.05, low=0.0, high=1.0)  # assumption: a kind's default
    relevance_mean: float = param(0.6, above=0.0, below=1.0)  # assumption: a kind's default


@dataclass
class AiConfig:
    """The AI roll-out.

    Attributes:
        automation_rate: share of production drafted by AI once rolled out.
        rollout_day: working day on which AI becomes available.
        adoption_days: working days over which use spreads through the staff after the
            roll-out: each person starts on their own day, drawn so that 10% have started at
            the roll-out's first day and 90% by `adoption_days` after it (a logistic S-curve);
            0 gives everyone AI on the roll-out day (a step).
        kinds: per-kind effects of AI drafting; kinds absent here are never AI-drafted.
    """

    automation_rate: float = param(0.5, low=0.0, high=1.0)  # assumption: AI drafts half
    # assumption: four weeks of baseline before the roll-out ("Time")
    rollout_day: int = param(
        20,
        low=0,
        below="days",
        when="ai.automation_rate",
        why="AI is rolled out inside the run (or set ai.automation_rate=0 for no AI)",
    )
    # assumption: tools diffuse over weeks (S-curves, "Anchors"); seed 003: volume had tripled
    # "within six weeks", so most had started by then: 10% to 90% over four weeks
    adoption_days: float = param(20.0, low=0.0, high=10000.0)
    kinds: dict[str, AiKindConfig] = table(  # per kind of the org: configs/ai/default.yaml
        names_in="org.kinds", why="an AI table is per org; use ai=none, or an ai file of your own"
    )


@dataclass
class MarketConfig:
    """The prospects who receive outreach and decide on proposals.

    Attributes:
        enabled: whether artifacts reaching the market get answered.
        prospects_per_rep: size of the prospect pool per sales rep.
        base_reply_rate: reply chance per prospect contacted, at baseline relevance, unfatigued.
        fatigue_messages_per_week: messages per prospect per week at which replies fall by 1/e.
        fatigue_memory_days: time constant (working days) of prospects' memory of contact.
        unsubscribe_per_message: chance a message makes an unfatigued prospect unsubscribe.
        pool_refresh_per_day: share of unsubscribed prospects replaced by new leads each day.
        soft_bounce_rate: share of messages soft-bouncing at the healthy sending volume.
        healthy_messages_per_week: messages per prospect per week the domain sends without penalty.
        meeting_per_reply: share of replies that become a call.
        qualify_per_meeting: share of calls that become qualified pipeline, at full relevance.
        base_win_rate: win chance of a sound proposal with full human contact.
        defect_win_penalty: relative loss of win chance for a proposal with an escaped defect.
        human_contact_win_weight: how much of the win chance depends on reps' connective time.
        deal_value: revenue per won deal.
        asset_reads_per_prospect_per_week: attention prospects give to campaign assets.
        asset_useful_reads: reads an asset needs to count as used (fewer: a "zombie" asset).
        relevance_counted_once: relevance sets the reply chance only; calls qualify at the
            baseline's fit (false: relevance counted again at qualification).
        pipeline: qualified opportunities wait a sales cycle before their proposal.
        sales_cycle_days: mean working days from qualified opportunity to proposal.
        sales_cycle_shape: gamma shape of the sales cycle's length.
        installed_base: revenue = the installed base's renewals and expansion + new wins.
        annual_churn: share of recurring revenue lost a year at full contact and relevance.
        annual_expansion: recurring revenue added by expansion a year at full contact.
        contact_churn_weight: relative rise of churn when reps' customer time is fully lost.
        relevance_churn_weight: relative rise of churn when relevance falls to nothing.
        sender_reputation: bounces and complaints lower inbox placement of later sends.
        bounce_limit: bounce rate mailbox providers tolerate.
        complaint_limit: spam-complaint rate mailbox providers tolerate.
        complaint_share: share of unsubscribing prospects who report the message as spam.
        reputation_memory_days: time constant (working days) of the sender's reputation.
        placement_loss: inbox placement is exp(-placement_loss x damage).
        list_burn: contacted prospects remember an irrelevant approach and reply less.
        burn_memory_days: time constant (working days) of that memory.
        burned_reply_factor: reply chance of a prospect who remembers, relative to a fresh one.
    """

    enabled: bool = True
    # Sources and reasoning: docs/model.md, "The market".
    prospects_per_rep: float = param(270.0, low=0.0, high=1e7)  # assumption: pool scale
    base_reply_rate: float = param(0.04, low=0.0, high=1.0)  # vendor data: replies 3-5%
    fatigue_messages_per_week: float = param(3.0, above=0.0)  # assumption
    fatigue_memory_days: float = param(10.0, low=1.0)  # assumption: two weeks of memory
    unsubscribe_per_message: float = param(0.002, low=0.0, high=1.0)  # assumption (0.1-0.5%)
    pool_refresh_per_day: float = param(0.01, low=0.0, high=1.0)  # assumption: ~5 months
    soft_bounce_rate: float = param(0.01, low=0.0, high=1.0)  # assumption
    healthy_messages_per_week: float = param(1.5, above=0.0)  # assumption
    meeting_per_reply: float = param(0.5, low=0.0, high=1.0)  # assumption
    qualify_per_meeting: float = param(0.5, low=0.0, high=1.0)  # assumption
    base_win_rate: float = param(0.25, low=0.0, high=1.0)  # assumption: B2B wins 20-30%
    defect_win_penalty: float = param(0.5, low=0.0, high=1.0)  # assumption
    human_contact_win_weight: float = param(0.3, low=0.0, high=1.0)  # seeds 000-002; size assumed
    deal_value: float = param(50000.0, low=0.0)  # scale only: revenue = wins x deal value
    # assumed: set so that about three in four assets are used before AI
    asset_reads_per_prospect_per_week: float = param(0.05, low=0.0)
    asset_useful_reads: int = param(5, low=0, high=1_000_000)  # assumed, with the reads above
    # Mechanisms of the market and revenue (docs/model.md, "The market"); each has its switch.
    relevance_counted_once: bool = True  # reasoning: relevance is one property of a message
    pipeline: bool = True  # brief: new business lags qualified pipeline by a sales cycle
    sales_cycle_days: float = param(60.0, above=0.0)  # brief: "a sales cycle of months"; ~3
    sales_cycle_shape: float = param(2.0, above=0.0)  # assumption: right-skewed cycles
    installed_base: bool = True  # brief: most revenue in a quarter is recurring
    annual_churn: float = param(0.12, low=0.0, high=1.0)  # assumption: B2B SaaS 10-15%
    annual_expansion: float = param(0.04, low=0.0, high=1.0)  # assumption
    contact_churn_weight: float = param(0.5, low=0.0)  # seeds 000-002; size assumed
    relevance_churn_weight: float = param(0.5, low=0.0)  # assumption
    sender_reputation: bool = True  # brief: bounces and complaints lower inbox placement
    bounce_limit: float = param(0.02, above=0.0, high=1.0)  # assumption: common 2% guidance
    complaint_limit: float = param(0.003, above=0.0, high=1.0)  # Google sender rules: 0.3%
    complaint_share: float = param(0.1, low=0.0, high=1.0)  # assumption
    reputation_memory_days: float = param(20.0, low=1.0)  # assumption: ~30-day windows
    placement_loss: float = param(0.5, low=0.0)  # assumption
    list_burn: bool = True  # reasoning: the same list is hit again
    burn_memory_days: float = param(60.0, low=1.0)  # assumption: ~3-month re-contact rule
    burned_reply_factor: float = param(0.5, low=0.0, high=1.0)  # assumption


@dataclass
class ProductionConfig:
    """Producers' response to cheaper drafts (the rebound lever).

    Attributes:
        volume_elasticity: elasticity of discretionary volume to unit cost; 0 fixes volume.
        max_backlog_days: producers stop planning new discretionary work while their queue
            holds more than this many days of their own capacity.
        rework_effort_share: author hours to fix a returned artifact, relative to drafting it.
        ai_check_share: share of an AI draft's hours its author spends checking it (reading it
            against facts, tone and scope), booked as hidden validation; 0 books none.
    """

    # fit: the seed case's email volume ×3 (messages sent, week six) at automation 0.85,
    # `absorb experiment=calibration` (docs/model.md, "Production and rebound")
    volume_elasticity: float = param(1.13, low=0.0, high=5.0)
    max_backlog_days: float = param(1.0, low=0.0)  # assumption
    rework_effort_share: float = param(0.5, low=0.0, high=100.0)  # Stanford/BetterUp 2025
    # seed 003: reps spent "more time skimming AI-written drafts than crafting relevance"
    ai_check_share: float = param(0.5, low=0.0, high=1.0)


@dataclass
class ReviewConfig:
    """How reviewers look for defects (automation bias and skimming).

    Attributes:
        trust_weight: loss of vigilance on AI-made work per unit of trust in AI.
        skim_weight: loss of vigilance when the queue is long.
        skim_effort_cut: share of review effort skipped when skimming fully.
    """

    trust_weight: float = param(0.6, low=0.0, high=1.0)  # Lyell et al. 2017 ("Review")
    skim_weight: float = param(0.3, low=0.0, high=1.0)  # assumption
    skim_effort_cut: float = param(0.4, low=0.0, high=1.0)  # assumption


@dataclass
class TrustConfig:
    """Trust in AI, updated by experience.

    Attributes:
        initial: trust at roll-out.
        gain_per_clean_review: step towards 1 after an AI artifact passes review.
        loss_per_caught_defect: step towards 0 after a defect in AI work is caught.
        fixed: hold trust at `initial` (the automation-bias control).
    """

    initial: float = param(0.4, low=0.0, high=1.0)  # assumption
    gain_per_clean_review: float = param(0.01, low=0.0, high=1.0)  # assumption
    # assumption: a caught error weighs five clean passes
    loss_per_caught_defect: float = param(0.05, low=0.0, high=1.0)
    fixed: bool = False  # trust learns; true is the automation-bias control


@dataclass
class SkillConfig:
    """Skill at catching defects, learned by practice and lost by delegation.

    Attributes:
        initial: skill of a trained reviewer (detection probability at full vigilance).
        floor: skill that never erodes.
        atrophy_per_day: daily erosion rate at full delegation.
        learning_per_day: daily recovery rate at full practice.
    """

    initial: float = param(0.8, low=0.0, high=1.0)  # assumption: a trained reviewer
    floor: float = param(0.2, low=0.0, high="initial")  # assumption
    # fit: Budzyn et al. 2025, detection -21% after about three months of AI use ("Trust and skill")
    atrophy_per_day: float = param(0.005, low=0.0, high=1.0)
    learning_per_day: float = param(0.005, low=0.0, high=1.0)  # assumption: as fast as atrophy


@dataclass
class ExhaustionConfig:
    """Exhaustion as impeded relationship: overload plus loss of connective time.

    Attributes:
        initial: exhaustion at the start.
        overload_gain: daily rise per unit of demand above capacity.
        isolation_gain: daily rise when connective time is fully crowded out.
        recovery_per_day: daily recovery rate.
        capacity_loss: share of attention lost at full exhaustion.
        defect_gain: relative rise of the defect chance of work made at full exhaustion.
        burnout_threshold: exhaustion above which a person counts as burnt out.
        max_overtime_hours: extra hours a person works per day when behind.
        job_demands: exhaustion follows the job demands-resources model: demands are the
            hours the queue asks beyond attention (whatever the person manages to give) and
            the hours spent checking AI output or triaging; lost resources are connective time
            and control (hours spent within the tool's framing); overtime takes the evenings
            recovery needs. Off: overload is the hours worked beyond attention, and recovery
            is never impeded.
        validation_gain: daily rise per unit of checking and triage hours (over attention).
        control_gain: daily rise when all of a day's work is within the tool's framing.
    """

    # Reasoning for each: docs/model.md, "Exhaustion and connective time".
    initial: float = param(0.1, low=0.0, high=1.0)  # a rested organisation
    overload_gain: float = param(0.15, low=0.0, high=1.0)  # a week of 2 h overtime adds ~0.25
    isolation_gain: float = param(0.05, low=0.0, high=1.0)  # a month alone: 0.1 -> ~0.53
    recovery_per_day: float = param(0.03, low=0.0, high=1.0)  # about a month to recover half
    capacity_loss: float = param(0.3, low=0.0, high=1.0)  # assumption: 30% less attention
    defect_gain: float = param(0.5, low=0.0, high=1.0)  # assumption: 50% more defects
    burnout_threshold: float = param(0.6, low=0.0, high=1.0)  # assumption
    max_overtime_hours: float = param(2.0, low=0.0, high=24.0)  # seed 003: "spent evenings"
    job_demands: bool = True  # Demerouti et al. 2001 ("Exhaustion and connective time")
    # assumption: every demand or lost resource other than overload tires as lost connection does
    validation_gain: float = param(0.05, low=0.0, high=1.0)
    control_gain: float = param(0.05, low=0.0, high=1.0)  # assumption: as above


@dataclass
class CopingConfig:
    """How people cope when work waits downstream; each mechanism has its own switch.

    Attributes:
        bypass: producers send around a review whose backlog they will not wait for.
        bypass_backlog_days: the review backlog (days of its own capacity) producers
            tolerate before some of them go around it.
        bypass_share: the share of finished drafts sent around such a review.
        sampling: reviewers under a long backlog read a sample and wave the rest through.
        sampling_backlog_days: the own backlog at which reviewers start sampling.
        sample_share: the share of artifacts a sampling reviewer still reads.
        waved_effort_share: effort of waving one artifact through, relative to reviewing it.
        backpressure: producers hold new drafts of a kind while the stage it goes to next
            holds more than `backpressure_days` of that stage's capacity.
        backpressure_days: the downstream backlog producers notice and respect.
    """

    # on: organisations cope by going around reviews nobody can wait for (project mission);
    # off: every draft waits for its review, however long
    bypass: bool = True
    # assumption: a rep will not hold an email for more than about a week's review backlog
    bypass_backlog_days: float = param(5.0, above=0.0)
    bypass_share: float = param(0.3, low=0.0, high=1.0)  # assumption: a minority goes around
    # on: overloaded reviewers sample (project mission); off: they read everything (may skim)
    sampling: bool = True
    sampling_backlog_days: float = param(4.0, above=0.0)  # assumption: twice full pressure
    # assumption: "review one in four" is a common triage rule for overloaded approval queues
    sample_share: float = param(0.25, low=0.0, high=1.0)
    waved_effort_share: float = param(0.05, low=0.0, high=1.0)  # assumption: a glance
    # off: producers look only at their own queue; on is the WIP-limit remedy, not seed 003
    backpressure: bool = False
    # assumption: a team notices a downstream queue of more than a week of its capacity
    backpressure_days: float = param(5.0, above=0.0)


@dataclass
class PeopleConfig:
    """Behaviour of the people on the stages; `enabled: false` gives a pure queueing network.

    Attributes:
        enabled: people adapt (production plans, vigilance, trust, skill, exhaustion).
        pressure_backlog_days: backlog, in days of the stage's own capacity (queued work at
            human effort over the hours its people give the queue), that feels like full
            pressure: people skim, work overtime and give up connective time.
        pressure_memory_days: time constant over which felt pressure follows the backlog.
        connective_crowd_out: whether pressure crowds out coaching and customer time.
        differ: people differ: each has their own attention (around their stage's) and
            resilience, drawn once on the `people` stream; off, everyone on a stage is alike.
        attention_cv: coefficient of variation of attention between people.
        resilience_sd: log-sd of susceptibility to exhaustion (the inverse of resilience;
            a mean-1 lognormal factor on the daily rise).
    """

    enabled: bool = True
    pressure_backlog_days: float = param(2.0, above=0.0)  # assumption ("Review")
    # assumption: routines change over days; an update faster than daily would overshoot
    pressure_memory_days: float = param(3.0, low=1.0)
    connective_crowd_out: bool = True  # false is the saturation experiment's design
    differ: bool = True  # "People who differ" in docs/model.md
    # assumption; 0 for now: any spread (even 0.05) takes the seed case's deal-desk queue
    # before the roll-out from ~9 to ~70 (its 2-hour shifts; docs/model.md, "People who differ")
    attention_cv: float = param(0.0, low=0.0, high=0.5)
    resilience_sd: float = param(0.3, low=0.0, high=2.0)  # assumption
    production: ProductionConfig = field(default_factory=ProductionConfig)
    review: ReviewConfig = field(default_factory=ReviewConfig)
    trust: TrustConfig = field(default_factory=TrustConfig)
    skill: SkillConfig = field(default_factory=SkillConfig)
    exhaustion: ExhaustionConfig = field(default_factory=ExhaustionConfig)
    coping: CopingConfig = field(default_factory=CopingConfig)


@dataclass
class GovernanceConfig:
    """Adaptation by containment: control steps added when defects escape.

    Attributes:
        enabled: whether control steps are inserted during the run.
        escalation_factor: the steps are decided once escaped defects over the last
            `review_window_days` exceed this multiple of their level before the roll-out.
        review_window_days: working days over which escaped defects are summed and compared
            with the same span before the roll-out.
        decision_delay_days: working days between the decision and the steps being in place;
            until then the decided steps are pending.
        control_sample_share: share of the kind's artifacts a control step routes through
            itself; the rest go on as before (1: all of them, 0.25: one in four).
        hiring: whether a sustained backlog at a stage that does not produce on a plan makes
            the organisation hire for it.
        hire_backlog_days: backlog, in days of the stage's own capacity, that counts as
            sustained when exceeded on every day of `hire_window_days`.
        hire_window_days: working days the backlog must stay above `hire_backlog_days`.
        hire_share: people hired at once, as a share of the stage's headcount (at least 1).
        hire_lead_days: working days from the decision to the new people's first shift.
        max_headcount_growth: a stage is never staffed above this multiple of its headcount
            at the start of the run.
    """

    enabled: bool = True  # seed 003: brand and legal added control steps
    escalation_factor: float = param(2.0, low=1.0)  # assumption: a visible rise ("Governance")
    # a working week: the model's reaction so far; weeks or a quarter is the slower process
    review_window_days: int = param(5, low=1)
    # seed 003 gives no lag between "quietly added" and in place: the step is in place at once
    decision_delay_days: int = param(0, low=0)
    # seed 003's steps review everything routed to them; sampling is the lighter alternative
    control_sample_share: float = param(1.0, above=0.0, high=1.0)
    hiring: bool = False  # seed 003 reports no hiring: containment was the response
    # the review pressure scale is 2 days ("Review"); twice that is a backlog nobody skims away
    hire_backlog_days: float = param(4.0, above=0.0)
    hire_window_days: int = param(10, low=1)  # assumption: two working weeks before a req opens
    hire_share: float = param(0.25, above=0.0, high=1.0)  # assumption: one req for a few heads
    hire_lead_days: int = param(40, low=1)  # assumption: about two months to recruit and onboard
    max_headcount_growth: float = param(2.0, low=1.0)  # assumption: budget at most doubles a team


@dataclass
class MetricsConfig:
    """What the books count.

    Attributes:
        dashboard_counts: `all` artifacts (AI tallied like human), or only `outcome_linked` ones:
            outreach that produced qualified pipeline, assets that were used, won proposals, or
            the seed case's executive dashboard (`article`): assets drafted in the functions
            that plan them and messages drafted in those that plan outreach, AI tallied like
            human, per FTE of those functions, in units of their pre-AI plan.
        warmup_days: days excluded from run-level statistics.
        record_artifacts: keep one row per stage visit (artifacts.parquet).
        survey: how the staff survey is read: `self_report` (each AI user who was there
            before the roll-out answers from their own before/after experience on a scale) or
            `hours` (shares of all staff by hours worked, the earlier readout).
        survey_noticeable: the smallest change a respondent notices, relative to their
            attention (a just-noticeable difference).
    """

    dashboard_counts: str = param("all", one_of=DASHBOARD_COUNTS)  # as the seed case counted
    # prospects' fatigue memory is 10 days and the first proposals take days ("The books")
    warmup_days: int = param(10, low=0, below="days")
    record_artifacts: bool = False
    survey: str = param("self_report", one_of=SURVEYS)  # "The books"
    survey_noticeable: float = param(0.05, low=0.0, high=1.0)  # assumption: about 20 min a day


# --------------------------------------------------------------------------- policies
# The seed's remedies (docs/policies.md), each off by default and switched on by its file in
# configs/policy/ (`absorb policy=[training,relevance_filter]`); each acts through one named
# mechanism on the agents or in governance.


@dataclass
class HumanInTheLoopPolicy:
    """Critical kinds get a careful review with a written rationale.

    Attributes:
        enabled: the policy is in force.
        rationale_hours: reviewer hours to write the rationale for one critical artifact.
    """

    enabled: bool = False
    # assumption: a short written paragraph per decision, a quarter of an hour
    rationale_hours: float = param(0.25, low=0.0, high=24.0)


@dataclass
class RelevanceFilterPolicy:
    """Authors triage their AI drafts against a relevance bar before sending them on.

    Attributes:
        enabled: the policy is in force.
        bar: the judged relevance below which a draft is discarded.
        judgement_sd: standard deviation of the author's error in judging relevance.
        triage_effort_share: triage hours per AI draft, as a share of the human drafting effort.
    """

    enabled: bool = False
    # assumption: a draft more likely irrelevant than relevant to its reader is not sent
    bar: float = param(0.5, low=0.0, high=1.0)
    # assumption: authors misjudge relevance by about one Beta sd of the drafts (sd 0.15)
    judgement_sd: float = param(0.15, low=0.0, high=1.0)
    # assumption: reading a draft against a checklist takes a tenth of writing it
    triage_effort_share: float = param(0.1, low=0.0, high=10.0)


@dataclass
class AbsorptionThresholdPolicy:
    """WIP limits: producers hold drafts while the next stage is past its threshold.

    Attributes:
        enabled: the policy is in force.
        threshold_days: the next stage's backlog, in days of its own capacity, above which
            producers hold new drafts of the kinds going there.
    """

    enabled: bool = False
    # a day's backlog is a day's wait (Little's law): past it the stage no longer absorbs
    # today's work today; the felt-pressure scale is 2 days ("Review")
    threshold_days: float = param(1.0, above=0.0)


@dataclass
class TrainingPolicy:
    """Deliberate practice for reviewers: skill kept up, unearned trust slowed.

    Attributes:
        enabled: the policy is in force.
        hours_per_week: practice hours per reviewer per week, taken from their attention.
        skill_recovery_per_week: share of the gap between skill and its ceiling closed by a
            week of practice.
        trust_gain_cut: share by which practice cuts the trust gained from a clean AI review.
    """

    enabled: bool = False
    hours_per_week: float = param(2.0, low=0.0, high=40.0)  # assumption: a weekly session
    # assumption: a week's practice on seeded defects closes a tenth of the skill gap
    skill_recovery_per_week: float = param(0.1, low=0.0, high=1.0)
    # assumption: seeing what one misses halves the trust a clean-looking pass earns
    trust_gain_cut: float = param(0.5, low=0.0, high=1.0)


@dataclass
class AugmentationOnlyPolicy:
    """High-intangible kinds are AI-assisted, not AI-drafted.

    Attributes:
        enabled: the policy is in force.
        effort_ratio: producer hours for an AI-assisted draft relative to a human one.
        human_share: share of the way back from the AI draft's relevance and defect chance to
            the human ones that the human author keeps.
    """

    enabled: bool = False
    # Dell'Acqua et al. 2023 measure 25% faster with full use inside the frontier; assistance
    # on work kept by the human saves less (assumption: 15%)
    effort_ratio: float = param(0.85, above=0.0, high=100.0)
    human_share: float = param(0.8, low=0.0, high=1.0)  # assumption: the human keeps most


@dataclass
class OutcomeKpisPolicy:
    """Outcome-linked dashboard, and volume that responds to the cost of an outcome.

    Attributes:
        enabled: the policy is in force.
    """

    enabled: bool = False


@dataclass
class ProcessRedesignPolicy:
    """Sequential control steps replaced by one combined, sampled review.

    Attributes:
        enabled: the policy is in force.
        sample_share: share of the kind's artifacts the combined review reads.
    """

    enabled: bool = False
    # assumption: a risk-based review reads about one in three
    sample_share: float = param(0.3, above=0.0, high=1.0)


@dataclass
class CapacityAlignmentPolicy:
    """Downstream hiring in step with the planned load, after a lead time.

    Attributes:
        enabled: the policy is in force.
        lead_days: working days from the roll-out to the new people's first shift.
    """

    enabled: bool = False
    lead_days: int = param(40, low=0)  # as governance.hire_lead_days: two months to hire


@dataclass
class PolicyConfig:
    """The remedies a user switches on (`configs/policy/`); all off by default."""

    human_in_the_loop: HumanInTheLoopPolicy = field(default_factory=HumanInTheLoopPolicy)
    relevance_filter: RelevanceFilterPolicy = field(default_factory=RelevanceFilterPolicy)
    absorption_threshold: AbsorptionThresholdPolicy = field(
        default_factory=AbsorptionThresholdPolicy
    )
    training: TrainingPolicy = field(default_factory=TrainingPolicy)
    augmentation_only: AugmentationOnlyPolicy = field(default_factory=AugmentationOnlyPolicy)
    outcome_kpis: OutcomeKpisPolicy = field(default_factory=OutcomeKpisPolicy)
    process_redesign: ProcessRedesignPolicy = field(default_factory=ProcessRedesignPolicy)
    capacity_alignment: CapacityAlignmentPolicy = field(default_factory=CapacityAlignmentPolicy)


@dataclass
class RunConfig:
    """The whole run.

    Attributes:
        task: `run` (the organisation model) or `validate_queueing` (the queueing limit against
            theory; see docs/validation.md).
    """

    org: OrgConfig = field(default_factory=OrgConfig)
    ai: AiConfig = field(default_factory=AiConfig)
    market: MarketConfig = field(default_factory=MarketConfig)
    people: PeopleConfig = field(default_factory=PeopleConfig)
    governance: GovernanceConfig = field(default_factory=GovernanceConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    task: str = param("run", one_of=TASKS)
    seed: int = param(0, low=0, high=MAX_SEED)  # root seed; every stream derives from it
    # three quarters of 65 working days: the seed case reports "by quarter three" ("Time")
    days: int = param(195, low=1, high=MAX_DAYS)
    replications: int = param(1, low=1, high=MAX_REPLICATIONS)  # inside one job
    figures: bool = True
    progress: bool = True
    # where every run's tidy record is appended (one Parquet file per run; `absorb results`
    # queries them with DuckDB); relative to the current folder; "" writes none
    store: str = "results"


# Settings that change neither a run's numbers nor its files: two runs that differ only in
# them are the same run (resume compares configs without them; the config hash leaves them out).
NOT_THE_RUN = ("progress", "store")
STAMP = "ABSORB_STAMP"


def stamp() -> str:
    """This command's folder name: its start time and a random part, the same in every job.

    The command line sets it once per command (`new_stamp`); worker processes inherit it, and
    Hydra copies the resolved value into each job's config. Two commands started in the same
    second get different folders.
    """
    return os.environ.get(STAMP) or new_stamp()


def new_stamp() -> str:
    """A fresh stamp (`2026-12-06_02-35-12_3fa9c1`), set for this process and its children."""
    os.environ[STAMP] = f"{datetime.now():%Y-%m-%d_%H-%M-%S}_{secrets.token_hex(3)}"
    return os.environ[STAMP]


OmegaConf.register_new_resolver("absorb.stamp", stamp, use_cache=True, replace=True)


def register_configs() -> None:
    """Register the schemas so Hydra checks every composed config against them."""
    cs = ConfigStore.instance()
    cs.store(name="run_schema", node=RunConfig)


# --------------------------------------------------------------------------- checking


def validate(cfg: DictConfig | RunConfig) -> None:
    """Check a composed configuration against the schema's rules and the workflow graph.

    Args:
        cfg: a run configuration (with or without its `hydra` node), or a `RunConfig`.

    Raises:
        ConfigError: on the first value the model cannot run with, naming key, value and rule.
    """
    data = plain(cfg)
    _check_node(RunConfig, data, "", data)
    check_workflow(data["org"])


def plain(cfg: DictConfig | RunConfig) -> dict[str, Any]:
    """The configuration as resolved plain data, without its `hydra` node.

    Raises:
        ConfigError: when an interpolation cannot be resolved (`${oc.env:...}` unset, ...).
    """
    if is_dataclass(cfg):
        cfg = OmegaConf.structured(cfg)
    data: dict[str, Any] = {}
    for key in cfg:
        if key == "hydra":
            continue
        try:
            if OmegaConf.is_missing(cfg, key):
                data[key] = MISSING
                continue
            value = cfg[key]
            if OmegaConf.is_config(value):
                value = OmegaConf.to_container(value, resolve=True, throw_on_missing=False)
            data[key] = value
        except OmegaConfBaseException as error:
            full_key = getattr(error, "full_key", None) or key
            raw = OmegaConf.to_container(cfg, resolve=False, throw_on_missing=False)
            for part in _key_parts(full_key):
                raw = raw[part] if isinstance(raw, dict | list) else None
            raise ConfigError(one_line(error, raw=raw), full_key, raw) from None
    return data


@cache
def _hints(schema: type) -> dict[str, Any]:
    return get_type_hints(schema)


def _fail(key: str, value: Any, allowed: str) -> None:
    shown = "nan" if isinstance(value, float) and math.isnan(value) else repr(value)
    raise ConfigError(f"{key} = {shown} is not allowed: {allowed}", key, value)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _check_node(schema: type, node: Any, path: str, root: dict[str, Any]) -> None:
    """Check one node of plain data against a schema dataclass, scalars before sub-nodes."""
    allowed = [f.name for f in fields(schema)]
    if not isinstance(node, dict):
        _fail(path, node, f"a mapping with the keys {', '.join(allowed)}")
    for key in node:
        if key not in allowed:
            raise ConfigError(
                f"{_join(path, key)} is not a known key: allowed here are {', '.join(allowed)}",
                _join(path, key),
            )
    hints = _hints(schema)
    ordered = sorted(fields(schema), key=lambda f: _is_container(hints[f.name]))
    for spec in ordered:
        key = _join(path, spec.name)
        if spec.name not in node:
            example = "" if spec.default is NO_DEFAULT else f" (default {spec.default!r})"
            raise ConfigError(
                f"{key} is missing: it cannot be removed, give it a value{example}", key
            )
        value = node[spec.name]
        if value == MISSING:
            _fail(key, MISSING, "a value is required (it has no default)")
        hint = hints[spec.name]
        rule = spec.metadata.get("rule", Rule())
        origin = get_origin(hint)
        if is_dataclass(hint):
            _check_node(hint, value, key, root)
        elif origin is dict:
            _check_table(key, value, get_args(hint)[1], rule, root)
        elif origin is list:
            item_schema = get_args(hint)[0]
            if not isinstance(value, list):
                _fail(key, value, "a list")
            for i, item in enumerate(value):
                _check_node(item_schema, item, f"{key}[{i}]", root)
        else:
            _check_value(key, value, hint, rule, node, root)


def _is_container(hint: Any) -> bool:
    return is_dataclass(hint) or get_origin(hint) in (dict, list)


def _check_table(key: str, value: Any, item: Any, rule: Rule, root: dict[str, Any]) -> None:
    if not isinstance(value, dict):
        _fail(key, value, "a mapping")
    for name, entry in value.items():
        _check_name(f"{key}.{name}", name, entry, rule, root, what="key")
        if is_dataclass(item):
            _check_node(item, entry, f"{key}.{name}", root)
        else:
            _check_value(f"{key}.{name}", entry, item, rule, value, root)


def _check_name(key: str, name: Any, value: Any, rule: Rule, root: dict, what: str) -> None:
    """A name: a plain identifier, or a key of the mapping the rule points at."""
    if rule.identifier and not (isinstance(name, str) and name.isidentifier()):
        if what == "key":
            parent = key.rsplit(".", 1)[0] if isinstance(name, str) else key
            raise ConfigError(
                f"{parent} has the name {name!r}, which is not allowed: names must be plain "
                "identifiers (letters, digits and _, not starting with a digit; no paths)",
                key,
                name,
            )
        _fail(key, name, "a plain identifier (letters, digits and _, not starting with a digit)")
    if rule.names_in is not None:
        names = _lookup(rule.names_in, {}, root)
        if not isinstance(names, dict) or name not in names:
            listed = ", ".join(map(str, names)) if isinstance(names, dict) else ""
            noun = "kind" if rule.names_in.endswith("kinds") else "stage"
            allowed = f"a {noun} in {rule.names_in} ({listed})"
            allowed += f"; {rule.why}" if rule.why else ""
            if what == "key" and isinstance(value, dict):
                raise ConfigError(f"{key} is not allowed: {name} is not {allowed}", key, name)
            _fail(key, value if what == "key" else name, allowed)


def _lookup(reference: str, node: dict[str, Any], root: dict[str, Any]) -> Any:
    if reference in node:
        return node[reference]
    value: Any = root
    for part in reference.split("."):
        value = value[part]
    return value


def _check_value(
    key: str, value: Any, hint: Any, rule: Rule, node: dict[str, Any], root: dict[str, Any]
) -> None:
    optional = get_args(hint)
    if type(None) in optional:  # `float | None`: unset is allowed, a set value follows the rule
        if value is None:
            return
        hint = next(arg for arg in optional if arg is not type(None))
    if hint is bool:
        if not isinstance(value, bool):
            _fail(key, value, "true or false")
        return
    if hint is str:
        if not isinstance(value, str):
            _fail(key, value, "a string")
        if rule.one_of is not None and value not in rule.one_of:
            _fail(key, value, f"one of {', '.join(rule.one_of)}")
        _check_name(key, value, value, rule, root, what="value")
        return
    number = "an integer" if hint is int else "a finite number"
    if isinstance(value, bool) or not isinstance(value, int | float):
        _fail(key, value, number)
    if hint is int and not isinstance(value, int):
        _fail(key, value, number)
    if not math.isfinite(value):
        _fail(key, value, f"{number}{_describe_bounds(rule, node, root, values=False)}")
    applies = rule.when is None or bool(_lookup(rule.when, node, root))
    for bound, passes in (
        (rule.low, lambda b: value >= b),
        (rule.above, lambda b: value > b),
        (rule.high, lambda b: value <= b),
        (rule.below, lambda b: value < b),
    ):
        if bound is None or (isinstance(bound, str) and not applies):
            continue
        limit = _lookup(bound, node, root) if isinstance(bound, str) else bound
        if not passes(limit):
            allowed = f"must be {_describe_bounds(rule, node, root, values=True).strip()}"
            _fail(key, value, allowed + (f": {rule.why}" if rule.why else ""))


def _describe_bounds(rule: Rule, node: dict[str, Any], root: dict[str, Any], values: bool) -> str:
    """`>= 0 and < days (30)`: the bounds of a rule as words, with referenced values."""
    parts = []
    for bound, sign in ((rule.low, ">="), (rule.above, ">"), (rule.high, "<="), (rule.below, "<")):
        if bound is None:
            continue
        if isinstance(bound, str):
            shown = f"{bound} ({_lookup(bound, node, root)!r})" if values else bound
            if rule.when is not None:
                shown += f" while {rule.when} > 0"
        else:
            shown = f"{bound:g}" if isinstance(bound, float) else f"{bound:,}"
        parts.append(f"{sign} {shown}")
    return (" " + " and ".join(parts)) if parts else ""


# --------------------------------------------------------------------------- the workflow graph

EXIT = "<leaves the network>"


def check_workflow(org: dict[str, Any]) -> None:
    """Check the workflow graph an organisation describes, before and after its control steps.

    Every stage that receives work has people and effort for each kind it receives; routing
    out of a stage sums to at most 1 per kind; every kind can leave the network from every
    stage it reaches (no cycle that keeps work forever); control steps name staffed stages and
    a hand-off that carries their kind.

    Args:
        org: the `org` section as plain data, after the schema checks.

    Raises:
        ConfigError: naming the key, the value and what is allowed.
    """
    stages = org["stages"]
    if not stages:
        _fail("org.stages", {}, "an organisation needs at least one stage")
    for name, stage in stages.items():
        if stage["role"] == "market":
            for key in ("headcount", "produces_per_day", "arrival_rate_per_hour"):
                if stage[key]:
                    _fail(
                        f"org.stages.{name}.{key}",
                        stage[key],
                        "a market stage stands for the prospects: no staff and no work of its own",
                    )
    routes: dict[tuple[str, str], dict[str, float]] = {}
    origin: dict[tuple[str, str, str], str] = {}  # (source, target, kind) -> the key that set it
    for i, handoff in enumerate(org["handoffs"]):
        pair = (handoff["source"], handoff["target"])
        table = routes.setdefault(pair, {})
        for kind, probability in handoff["routing"].items():
            table[kind] = table.get(kind, 0.0) + probability
            origin.setdefault((*pair, kind), f"org.handoffs[{i}].routing.{kind}")
    _check_routes(org, routes, origin, "")
    for i, step in enumerate(org["control_steps"]):
        key = f"org.control_steps[{i}]"
        kind, source, target, stage = step["kind"], step["source"], step["target"], step["stage"]
        if stage in (source, target):
            _fail(f"{key}.stage", stage, f"a stage other than its source and target ({stage})")
        node = stages[stage]
        if node["role"] == "market" or node["headcount"] == 0:
            _fail(
                f"org.stages.{stage}.headcount",
                node["headcount"],
                f"{key} routes {kind} through {stage}, which needs people",
            )
        probability = routes.get((source, target), {}).pop(kind, 0.0)
        if probability <= 0.0:
            _fail(
                f"{key}.kind",
                kind,
                f"a kind the hand-off {source} -> {target} carries when the step is added "
                "(otherwise the step does nothing)",
            )
        into = routes.setdefault((source, stage), {})
        into[kind] = into.get(kind, 0.0) + probability
        routes.setdefault((stage, target), {})[kind] = 1.0
        for pair in ((source, stage), (stage, target)):
            origin.setdefault((*pair, kind), f"{key}.stage")
        _check_routes(org, routes, origin, f" once {key} is added")


def _entry_stages(org: dict[str, Any], kind: str) -> dict[str, str]:
    """Stages where artifacts of `kind` are made or arrive, with the key that says so."""
    entries = {}
    spec = org["kinds"][kind]
    for name, stage in org["stages"].items():
        for table in ("produces_per_day", "arrival_rate_per_hour"):
            if stage[table].get(kind, 0.0) > 0:
                entries[name] = f"org.stages.{name}.{table}.{kind}"
    if spec["produced_on"] != "plan":
        # the author of demand-driven kinds: the first sales_rep stage with effort for it
        author = next(
            (
                name
                for name, stage in org["stages"].items()
                if stage["role"] == "sales_rep" and kind in stage["effort_hours"]
            ),
            None,
        )
        if author is not None:
            entries[author] = f"org.kinds.{kind}.produced_on"
    return entries


def _check_routes(
    org: dict[str, Any],
    routes: dict[tuple[str, str], dict[str, float]],
    origin: dict[tuple[str, str, str], str],
    when: str,
) -> None:
    stages = org["stages"]
    for kind in org["kinds"]:
        graph = nx.DiGraph()
        graph.add_nodes_from(stages)
        leaving: dict[str, float] = dict.fromkeys(stages, 0.0)
        last: dict[str, tuple[str, float]] = {}  # the last hand-off adding to a stage's sum
        for (source, target), table in routes.items():
            if table.get(kind, 0.0) > 0.0:
                graph.add_edge(source, target, probability=table[kind])
                leaving[source] += table[kind]
                last[source] = (origin.get((source, target, kind), "org.handoffs"), table[kind])
        for name, total in leaving.items():
            if total > 1.0 + 1e-9:
                raise ConfigError(
                    f"org.handoffs (source {name}, kind {kind}) routing sum = {round(total, 6)!r}"
                    " is not allowed: probabilities leaving a stage for one kind must sum to at "
                    f"most 1{when}",
                    *last[name],
                )
        sinks = [n for n in stages if stages[n]["role"] == "market"]
        graph.remove_edges_from([e for e in list(graph.edges) if e[0] in sinks])  # work ends
        reached: dict[str, str] = {}  # stage -> the key that sends work of this kind there
        for entry, key in _entry_stages(org, kind).items():
            reached.setdefault(entry, key)
            for source, stage in nx.bfs_edges(graph, entry):
                reached.setdefault(stage, origin.get((source, stage, kind), key))
        for name, total in leaving.items():
            if total < 1.0 - 1e-9 or name in sinks:
                graph.add_edge(name, EXIT)
        can_leave = nx.ancestors(graph, EXIT) if EXIT in graph else set()
        for stage, how in reached.items():
            node = stages[stage]
            if node["role"] == "market":
                continue
            if node["headcount"] == 0:
                _fail(
                    f"org.stages.{stage}.headcount",
                    0,
                    f"stage {stage} receives {kind} ({how}){when} and needs people",
                )
            if kind not in node["effort_hours"]:
                raise ConfigError(
                    f"org.stages.{stage}.effort_hours has no {kind}, which is not allowed: stage "
                    f"{stage} receives {kind} ({how}){when} and needs the hours one takes",
                    f"org.stages.{stage}.effort_hours",
                )
            if stage not in can_leave:
                trapped = graph.subgraph(n for n in reached if n not in can_leave)
                cycle = [edge[0] for edge in nx.find_cycle(trapped, stage)]
                first = origin.get((cycle[0], cycle[1 % len(cycle)], kind), "org.handoffs")
                loop = " -> ".join([*cycle, cycle[0]])
                _fail(
                    first,
                    routes[(cycle[0], cycle[1 % len(cycle)])][kind],
                    f"{kind} routed {loop}{when} can never leave the network (every stage on "
                    "the cycle passes all of it on); let part of it leave or reach a market stage",
                )


# --------------------------------------------------------------------------- composing


@dataclass(frozen=True)
class SearchPath:
    """Where configs are found, as the command line's flags say.

    Attributes:
        primary: the folder of the primary config (`--config-path`), absolute or `pkg://`.
        extra: an additional folder searched after it (`--config-dir`), e.g. the user's orgs.
        config_name: the primary config (`--config-name`).
    """

    primary: str = str(CONFIG_DIR)
    extra: str | None = None
    config_name: str = "config"


class Composer:
    """Composes configurations exactly as Hydra's command line does, from one search path.

    Use as a context manager: Hydra's global state is restored on exit.
    """

    def __init__(self, search: SearchPath = SearchPath()):
        self.search = search
        self._groups: dict[str, bool] = {}

    def __enter__(self) -> Composer:
        from hydra._internal.hydra import Hydra
        from hydra._internal.utils import create_config_search_path
        from hydra.core.config_search_path import SearchPathQuery
        from hydra.core.global_hydra import GlobalHydra
        from hydra.core.utils import setup_globals

        register_configs()
        setup_globals()
        search_path = create_config_search_path(self.search.primary)
        if self.search.extra is not None:
            folder = Path(self.search.extra).expanduser().resolve()
            if not folder.is_dir():
                raise ConfigError(
                    f"--config-dir {self.search.extra} is not allowed: no such folder ({folder})",
                    "--config-dir",
                    self.search.extra,
                )
            search_path.prepend(  # where Hydra's own --config-dir puts it
                provider="command-line",
                path=f"file://{folder}",
                anchor=SearchPathQuery(provider="schema"),
            )
        self._backup = GlobalHydra.instance().hydra
        GlobalHydra.instance().clear()
        try:
            self.hydra = Hydra.create_main_hydra2(task_name="cli", config_search_path=search_path)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        from hydra.core.global_hydra import GlobalHydra

        GlobalHydra.instance().clear()
        if self._backup is not None:
            GlobalHydra.instance().initialize(self._backup)

    def is_group(self, key: str) -> bool:
        """Whether `key` (`org`, `hydra/launcher`) is a config group of the search path."""
        if key not in self._groups:
            self._groups[key] = bool(self.hydra.config_loader.repository.group_exists(key))
        return self._groups[key]

    def compose(self, overrides: list[str], multirun: bool = False) -> DictConfig:
        """The composed configuration, `hydra` node included.

        Raises:
            ConfigError: when a group choice, key, value type or file is not allowed.
        """
        from hydra.types import RunMode

        check_choices(
            [o for o in overrides if self.is_group(o.partition("=")[0].lstrip("+~").split("@")[0])]
        )
        if self.search != SearchPath(config_name=self.search.config_name) or any(
            o.startswith("hydra.searchpath") for o in overrides
        ):
            self._check_defaults_lists(overrides, multirun)  # a user's files may name paths
        try:
            cfg = self.hydra.compose_config(
                config_name=self.search.config_name,
                overrides=list(overrides),
                run_mode=RunMode.MULTIRUN if multirun else RunMode.RUN,
                with_log_configuration=False,
            )
        except Exception as error:  # Hydra, OmegaConf and YAML report through many types
            message = one_line(error, self.search)
            where = self._where(error)
            raise ConfigError(f"{message} ({where})" if where else message) from None
        check_choices([f"{g}={c}" for g, c in cfg.hydra.runtime.choices.items() if c])
        return cfg

    def _check_defaults_lists(self, overrides: list[str], multirun: bool) -> None:
        """Configs named in defaults lists stay inside the search path, as choices do."""
        from hydra.types import RunMode

        try:
            defaults = self.hydra.config_loader.compute_defaults_list(
                self.search.config_name,
                list(overrides),
                RunMode.MULTIRUN if multirun else RunMode.RUN,
            )
        except Exception:  # composition reports it, in one line
            return
        for default in defaults.defaults:
            path = default.config_path or ""
            if ".." in path.split("/") or path.startswith("/"):
                raise ConfigError(
                    f"{default.parent} names {path!r} in its defaults list, which is not allowed: "
                    "a config inside the config search path, not a path",
                    default.parent,
                    path,
                )

    def _where(self, error: BaseException) -> str:
        """The file and line of a composition error inside a config file, if Hydra names one."""
        text = str(error)
        config = re.match(r"In '([^']+)': \w+ raised while composing config", text)
        if config is None:
            return ""
        folders = [
            source.path
            for source in self.hydra.config_loader.get_sources()
            if source.scheme() == "file"
        ]
        path = _config_file(config.group(1), folders)
        if path is None:
            return ""
        full_key = re.search(r"full_key: (\S+)", text)
        parts = _key_parts(full_key.group(1)) if full_key else []
        if parts and parts[0] == config.group(1).split("/")[0]:
            parts = parts[1:]
        line, _, _ = _yaml_line(path, parts)
        return f"{path}, line {line}" if line else str(path)

    def apply(self, base: DictConfig, overrides: list[Any]) -> DictConfig:
        """A copy of `base` with parsed value overrides applied as Hydra applies them."""
        from hydra._internal.config_loader_impl import ConfigLoaderImpl

        cfg = copy.deepcopy(base)
        try:
            ConfigLoaderImpl._apply_overrides_to_config(overrides, cfg)
        except Exception as error:  # OmegaConf's type and key errors, through Hydra's
            raise ConfigError(one_line(error, self.search)) from None
        return cfg


def check(cfg: DictConfig, composed: DictConfig | None = None) -> None:
    """`validate`, with errors in an org file pointed at its file and line.

    Args:
        cfg: the configuration, with the `hydra` node of its composition.
        composed: the composition `cfg` was derived from, if its own `hydra` node is cut.
    """
    try:
        validate(cfg)
    except ConfigError as error:
        where = locate(error, composed if composed is not None else cfg)
        if where:
            raise ConfigError(f"{error} ({where})", error.key, error.value) from None
        raise


def load_config(
    overrides: list[str] | None = None,
    config_name: str = "config",
    return_hydra: bool = False,
    config_dir: str | Path | None = None,
) -> DictConfig:
    """Compose a run configuration the way the command line does, for notebooks and tests.

    Args:
        overrides: Hydra overrides, e.g. `["org=gtm_2800", "ai.automation_rate=0.8"]`.
        config_name: the primary config in `configs/`.
        return_hydra: keep the `hydra` node (sweeper params) in the result.
        config_dir: a folder of your own configs searched too (as `--config-dir`), e.g. one
            holding `org/acme.yaml` for `org=acme`.

    Returns:
        The composed, validated configuration.

    Raises:
        ConfigError: when an override or value is not allowed.
    """
    search = SearchPath(
        extra=None if config_dir is None else str(config_dir), config_name=config_name
    )
    with Composer(search) as composer:
        cfg = composer.compose(list(overrides or []))
    check(cfg)
    if not return_hydra:
        with open_dict(cfg):
            del cfg["hydra"]
    return cfg


_CHOICE = re.compile(r"^\w[\w.-]*$")


def check_choices(overrides: list[str]) -> None:
    """Group choices (`org=acme`) name configs inside the search path: no paths out of it."""
    for override in overrides:
        key, _, value = override.partition("=")
        key = key.lstrip("+~")
        if not value:
            continue
        for choice in re.split(r"[,\[\]()]", value):
            choice = choice.strip().strip("'\"")
            if "/" not in choice and "\\" not in choice and ".." not in choice:
                continue
            if choice.startswith(("glob", "choice", "range")):
                continue
            if not all(_CHOICE.match(part) for part in choice.split("/")):
                raise ConfigError(
                    f"{key}={choice} is not allowed: a config choice is a name in the config "
                    f"search path (e.g. {key}=acme for {key}/acme.yaml), not a path",
                    key,
                    choice,
                )


# --------------------------------------------------------------------------- messages


def one_line(error: BaseException, search: SearchPath | None = None, raw: Any = None) -> str:
    """Condense a Hydra, OmegaConf or YAML error into one line naming the key and the fix.

    Args:
        error: the exception.
        search: the search path the config was composed from (named in the message).
        raw: the value before resolution, for an interpolation that failed.
    """
    import yaml

    if isinstance(error, ConfigError):
        return str(error)
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        context = ""
        if error.context and error.context_mark is not None:
            context = f" ({error.context} at line {error.context_mark.line + 1})"
        return f"{mark.name}, line {mark.line + 1}: {error.problem}{context}"
    text = str(error.__cause__ or error).strip()
    config = re.match(r"In '([^']+)': \w+ raised while composing config:\s*", text)
    if config:
        text = text[config.end() :]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    merge = re.search(r"Merge error: (\w+) is not a subclass of (\w+)", text)
    if merge and merge.group(2) in _SCHEMAS:
        keys = ", ".join(f.name for f in fields(_SCHEMAS[merge.group(2)]))
        name = config.group(1) if config else "the config"
        wrong = merge.group(1)
        return f"{name} is not allowed: it must be a mapping with the keys {keys}, not a {wrong}"
    missing = re.search(r"Could not find '(.+)/([^/']+)'", text)
    if missing and "Available options" in text:
        start = next(i for i, line in enumerate(lines) if line.startswith("Available options"))
        options = []
        for line in lines[start + 1 :]:
            if line.startswith(("Config search path", "provider", "Search path")):
                break
            options.append(line)
        group, choice = missing.groups()
        return f"{group}={choice} is not allowed: one of {', '.join(options)}"
    unloadable = re.search(
        r"Could not load '(.+)/([^/']+)'", text
    )  # one of a list, as policy=[...]
    if unloadable:
        group, choice = unloadable.groups()
        folders = [CONFIG_DIR / group] + ([Path(search.primary) / group] if search else [])
        options = sorted({path.stem for folder in folders for path in folder.glob("*.yaml")})
        return f"{group}={choice} is not allowed: one of {', '.join(options) or 'none'}"
    if "Cannot find primary config" in text:
        name = search.config_name if search else "config"
        where = search.primary if search else str(CONFIG_DIR)
        return (
            f"--config-name {name} is not allowed: there is no {name}.yaml in {where} "
            "(--config-path) or the config search path; to add a folder of your own configs to "
            "the shipped ones, use --config-dir"
        )
    if "Primary config directory not found" in text or "Primary config module" in text:
        where = search.primary if search else str(CONFIG_DIR)
        return f"--config-path {where} is not allowed: no such folder of configs"
    if text.startswith("Ambiguous value for argument"):
        argument = re.search(r"argument '([^']*)'", text)
        line = argument.group(1) if argument else "key=a,b"
        key, _, value = line.partition("=")
        return (
            f"{line} is a sweep: add -m (--multirun) to run one job per value, "
            f"or write {key}=[{value}] for a list"
        )
    if "requires --multirun" in text:
        argument = re.search(r"'([^']*)'", text)
        line = argument.group(1) if argument else "the sweep"
        return f"{line} is a sweep: add -m (--multirun) to run one job per value"
    delete = re.search(r"Could not delete from config. '([^']+)' does not exist", text)
    if delete:
        return f"~{delete.group(1)} is not allowed: there is no key {delete.group(1)} to remove"
    append = re.search(r"An item is already at '([^']+)'", text)
    if append:
        return (
            f"+{append.group(1)} is not allowed: {append.group(1)} already has a value; "
            f"set it without the + ({append.group(1)}=...)"
        )
    full_key = getattr(error.__cause__ or error, "full_key", None) or next(
        (line.split(":", 1)[1].strip() for line in lines if line.startswith("full_key:")), ""
    )
    unknown = re.search(r"Key '([^']+)' not in '([A-Za-z]+)'", text)
    if unknown and unknown.group(2) in _SCHEMAS:
        keys = ", ".join(f.name for f in fields(_SCHEMAS[unknown.group(2)]))
        return f"{full_key or unknown.group(1)} is not a known key: allowed here are {keys}"
    could_not = re.search(r"Could not override '([^']+)'", str(error))
    if could_not:
        return (
            f"{could_not.group(1)} is not a known key (to add a new entry, if that is what you "
            f"mean, write +{could_not.group(1)}=...)"
        )
    if "does not support deletion" in text:
        return f"~{full_key} is not allowed: {full_key} cannot be removed; set a value instead"
    convert = re.search(r"Value '(.*?)'(?: of type '.*?')? could not be converted to (\w+)", text)
    if convert:
        wanted = {"Integer": "an integer", "Float": "a finite number", "Boolean": "true or false"}
        allowed = wanted.get(convert.group(2), convert.group(2))
        return f"{full_key} = {convert.group(1)!r} is not allowed: must be {allowed}"
    shown = f"{full_key} = {raw!r}" if raw is not None else full_key
    env = re.search(r"Environment variable '([^']+)' not found", text)
    if env:
        return f"{shown} cannot be resolved: the environment variable {env.group(1)} is not set"
    if "Interpolation" in type(error).__name__ or "interpolation" in text:
        reason = lines[0] if lines else text
        return f"{shown} cannot be resolved: {reason}"
    if hasattr(error, "override") or "Error parsing override" in text:
        override = getattr(error, "override", None) or text
        first = lines[0] if lines else ""
        if first.startswith("LexerNoViableAlt"):
            reason = "a character the override grammar does not take"
        elif first.startswith("Error parsing override") and len(lines) > 1:
            reason = lines[1]
        else:
            reason = first
        return (
            f"{override} is not an override absorb can read ({reason}): write key=value, "
            "e.g. days=30, and quote values with other characters, e.g. org.name='x y'"
        )
    reason = next(
        (
            line
            for line in lines
            if not line.startswith(("full_key", "object_type", "reference_type"))
        ),
        text,
    )
    return f"{full_key}: {reason}" if full_key and full_key not in reason else reason


_SCHEMAS = {
    schema.__name__: schema
    for schema in (
        KindConfig,
        StageConfig,
        HandoffConfig,
        ControlStepConfig,
        OrgConfig,
        AiKindConfig,
        AiConfig,
        MarketConfig,
        ProductionConfig,
        ReviewConfig,
        TrustConfig,
        SkillConfig,
        ExhaustionConfig,
        PeopleConfig,
        GovernanceConfig,
        MetricsConfig,
        RunConfig,
    )
}


def locate(error: ConfigError, cfg: DictConfig) -> str:
    """`path/org/acme.yaml, line 12` for an error in an org file, or "" when not from one.

    The chosen org's file is found in the config search path the run composed from; the line
    is the deepest part of the key that the file holds. A value set on the command line is not
    pointed at a file.
    """
    if not error.key or not error.key.startswith("org") or "hydra" not in cfg:
        return ""
    choice = OmegaConf.select(cfg, "hydra.runtime.choices.org")
    if not choice:
        return ""
    folders = [s.path for s in cfg.hydra.runtime.config_sources if s.schema == "file"]
    path = _config_file(f"org/{choice}", folders)
    if path is None:
        return ""
    parts = _key_parts(error.key)[1:]
    line, found, node = _yaml_line(path, parts)
    if line is None:
        return str(path) if error.value in (None, MISSING) else ""
    if found < len(parts) and error.value not in (None, MISSING):
        return ""  # the value in force is not in the file: it came from the command line
    if node is not None and error.value is not None and not _same(node, error.value):
        return ""
    return f"{path}, line {line}"


def _config_file(config: str, folders: list[str]) -> Path | None:
    """The file Hydra reads for `config` (`org/acme`): the first folder of the path holding it."""
    return next(
        (Path(f) / f"{config}.yaml" for f in folders if (Path(f) / f"{config}.yaml").is_file()),
        None,
    )


def _key_parts(key: str) -> list[Any]:
    parts: list[Any] = []
    for piece in key.split("."):
        name, *indexes = piece.split("[")
        if name:
            parts.append(name)
        parts.extend(int(i.rstrip("]")) for i in indexes if i.rstrip("]").isdigit())
    return parts


def _yaml_line(path: Path, parts: list[Any]) -> tuple[int | None, int, Any]:
    """Where the deepest part of `parts` is in a YAML file.

    Returns:
        Its line (None if not even the first part is there), how many parts were found, and
        the scalar text found at the full path (None if not a scalar or not found).
    """
    import yaml

    try:
        node = yaml.compose(path.read_text())
    except (OSError, yaml.YAMLError):
        return None, 0, None
    line = None
    for depth, part in enumerate(parts):
        found = None
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if k.value == str(part)), None)
            key_node = next((k for k, v in node.value if k.value == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            found = node.value[part] if part < len(node.value) else None
            key_node = found
        if found is None:
            return line, depth, None
        node, line = found, key_node.start_mark.line + 1
    return line, len(parts), node.value if isinstance(node, yaml.ScalarNode) else None


def _same(scalar: str, value: Any) -> bool:
    import yaml

    try:
        parsed = yaml.safe_load(scalar) if scalar else scalar
    except yaml.YAMLError:
        parsed = scalar
    if isinstance(parsed, int | float) and isinstance(value, int | float):
        return math.isclose(parsed, value) or (math.isnan(parsed) and math.isnan(value))
    return str(parsed) == str(value)


def to_container(cfg: DictConfig) -> dict[str, Any]:
    """The resolved configuration as plain Python data."""
    return OmegaConf.to_container(cfg, resolve=True)  # type: ignore[return-value]
