"""Structured configuration: the dataclasses Hydra composes into, and their validation.

Every parameter of the model lives here with its type and default; `configs/` only overrides.
The source or reasoning behind each default is in `docs/model.md`. Validation turns any bad
value into one `ConfigError` whose message names the key, the value and what is allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING, DictConfig, OmegaConf

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


class ConfigError(ValueError):
    """A configuration value that the model cannot run with; the message is one line."""


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
    """

    defect_probability: float = 0.05
    relevance_mean: float = 0.6
    relevance_concentration: float = 8.0
    produced_on: str = "plan"
    market_role: str = "internal"
    prospects_reached: int = 0
    messages_per_prospect: int = 0


@dataclass
class StageConfig:
    """A stage of the workflow graph: a team, its people and the work it does.

    Attributes:
        role: the people's role (one of ROLES); `market` marks the prospects, who have no staff.
        headcount: people on the stage (servers, in queueing terms).
        attention_hours: absorption capacity, hours of attention per person per working day.
        effort_hours: human effort (hours) per artifact of each kind handled here.
        produces_per_day: discretionary artifacts each person drafts per day before AI.
        arrival_rate_per_hour: external Poisson arrivals per kind (queueing networks).
        service_distribution: `deterministic` effort or `exponential` with that mean.
        review: whether people here look for defects (a review or control step).
        connective_hours: coaching or customer-conversation hours per person per day.
    """

    role: str = MISSING
    headcount: int = 0
    attention_hours: float = 6.0
    effort_hours: dict[str, float] = field(default_factory=dict)
    produces_per_day: dict[str, float] = field(default_factory=dict)
    arrival_rate_per_hour: dict[str, float] = field(default_factory=dict)
    service_distribution: str = "deterministic"
    review: bool = False
    connective_hours: float = 0.0


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

    source: str = MISSING
    target: str = MISSING
    routing: dict[str, float] = field(default_factory=dict)
    rework: bool = False


@dataclass
class ControlStepConfig:
    """A control step governance may insert: `kind` from `source` to `target` via `stage`."""

    kind: str = MISSING
    source: str = MISSING
    target: str = MISSING
    stage: str = MISSING


@dataclass
class OrgConfig:
    """An organisation: its workflow graph and the kinds of artifact it makes.

    Attributes:
        capacity_follows_load: staff every non-producing stage in proportion to the planned
            load the automation rate sends it (the saturation control: no stage saturates).
    """

    name: str = MISSING
    capacity_follows_load: bool = False
    hours_per_day: float = 8.0
    stages: dict[str, StageConfig] = field(default_factory=dict)
    handoffs: list[HandoffConfig] = field(default_factory=list)
    kinds: dict[str, KindConfig] = field(default_factory=dict)
    control_steps: list[ControlStepConfig] = field(default_factory=list)


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

    effort_ratio: float = 0.5
    review_effort_ratio: float = 1.0
    defect_probability: float = 0.05
    relevance_mean: float = 0.6


@dataclass
class AiConfig:
    """The AI roll-out.

    Attributes:
        automation_rate: share of production drafted by AI once rolled out.
        rollout_day: working day on which AI becomes available.
        kinds: per-kind effects of AI drafting; kinds absent here are never AI-drafted.
    """

    automation_rate: float = 0.5
    rollout_day: int = 20
    kinds: dict[str, AiKindConfig] = field(default_factory=dict)


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
    """

    enabled: bool = True
    prospects_per_rep: float = 270.0
    base_reply_rate: float = 0.04
    fatigue_messages_per_week: float = 3.0
    fatigue_memory_days: float = 10.0
    unsubscribe_per_message: float = 0.002
    pool_refresh_per_day: float = 0.01
    soft_bounce_rate: float = 0.01
    healthy_messages_per_week: float = 1.5
    meeting_per_reply: float = 0.5
    qualify_per_meeting: float = 0.5
    base_win_rate: float = 0.25
    defect_win_penalty: float = 0.5
    human_contact_win_weight: float = 0.3
    deal_value: float = 50000.0
    asset_reads_per_prospect_per_week: float = 0.05
    asset_useful_reads: int = 5


@dataclass
class ProductionConfig:
    """Producers' response to cheaper drafts (the rebound lever).

    Attributes:
        volume_elasticity: elasticity of discretionary volume to unit cost; 0 fixes volume.
        max_backlog_days: producers stop planning new discretionary work while their queue
            holds more than this many days of their own capacity.
        rework_effort_share: author hours to fix a returned artifact, relative to drafting it.
    """

    volume_elasticity: float = 0.96
    max_backlog_days: float = 1.0
    rework_effort_share: float = 0.5


@dataclass
class ReviewConfig:
    """How reviewers look for defects (automation bias and skimming).

    Attributes:
        trust_weight: loss of vigilance on AI-made work per unit of trust in AI.
        skim_weight: loss of vigilance when the queue is long.
        skim_effort_cut: share of review effort skipped when skimming fully.
    """

    trust_weight: float = 0.6
    skim_weight: float = 0.3
    skim_effort_cut: float = 0.4


@dataclass
class TrustConfig:
    """Trust in AI, updated by experience.

    Attributes:
        initial: trust at roll-out.
        gain_per_clean_review: step towards 1 after an AI artifact passes review.
        loss_per_caught_defect: step towards 0 after a defect in AI work is caught.
        fixed: hold trust at `initial` (the automation-bias control).
    """

    initial: float = 0.4
    gain_per_clean_review: float = 0.01
    loss_per_caught_defect: float = 0.05
    fixed: bool = False


@dataclass
class SkillConfig:
    """Skill at catching defects, learned by practice and lost by delegation.

    Attributes:
        initial: skill of a trained reviewer (detection probability at full vigilance).
        floor: skill that never erodes.
        atrophy_per_day: daily erosion rate at full delegation.
        learning_per_day: daily recovery rate at full practice.
    """

    initial: float = 0.8
    floor: float = 0.2
    atrophy_per_day: float = 0.005
    learning_per_day: float = 0.005


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
    """

    initial: float = 0.1
    overload_gain: float = 0.15
    isolation_gain: float = 0.05
    recovery_per_day: float = 0.03
    capacity_loss: float = 0.3
    defect_gain: float = 0.5
    burnout_threshold: float = 0.6
    max_overtime_hours: float = 2.0


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
    """

    enabled: bool = True
    pressure_backlog_days: float = 2.0
    pressure_memory_days: float = 3.0
    connective_crowd_out: bool = True
    production: ProductionConfig = field(default_factory=ProductionConfig)
    review: ReviewConfig = field(default_factory=ReviewConfig)
    trust: TrustConfig = field(default_factory=TrustConfig)
    skill: SkillConfig = field(default_factory=SkillConfig)
    exhaustion: ExhaustionConfig = field(default_factory=ExhaustionConfig)


@dataclass
class GovernanceConfig:
    """Adaptation by containment: control steps added when defects escape.

    Attributes:
        enabled: whether control steps are inserted during the run.
        escalation_factor: the steps are added once escaped defects over the last five days
            exceed this multiple of their level before the roll-out (a visible rise).
    """

    enabled: bool = True
    escalation_factor: float = 2.0


@dataclass
class MetricsConfig:
    """What the books count.

    Attributes:
        dashboard_counts: `all` artifacts (AI tallied like human), or only `outcome_linked` ones:
            outreach that produced qualified pipeline, assets that were used, won proposals.
        warmup_days: days excluded from run-level statistics.
        record_artifacts: keep one row per stage visit (artifacts.parquet).
    """

    dashboard_counts: str = "all"
    warmup_days: int = 0
    record_artifacts: bool = False


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
    task: str = "run"
    seed: int = 0
    days: int = 195
    replications: int = 1
    figures: bool = True
    progress: bool = True


def register_configs() -> None:
    """Register the schemas so Hydra checks every composed config against them."""
    cs = ConfigStore.instance()
    cs.store(name="run_schema", node=RunConfig)


def _fail(key: str, value: Any, allowed: str) -> None:
    raise ConfigError(f"{key} = {value!r} is not allowed: {allowed}")


def _check_range(key: str, value: float, low: float | None = None, high: float | None = None):
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"[{'-inf' if low is None else low}, {'inf' if high is None else high}]"
        _fail(key, value, f"must be within {bounds}")


def validate(cfg: DictConfig) -> None:
    """Check ranges and the workflow graph's consistency.

    Args:
        cfg: the composed run configuration.

    Raises:
        ConfigError: on the first value the model cannot run with, naming key, value and rule.
    """
    org = cfg.org
    kinds = set(org.kinds)
    stages = org.stages
    if cfg.task not in ("run", "validate_queueing"):
        _fail("task", cfg.task, "one of run, validate_queueing")
    _check_range("org.hours_per_day", org.hours_per_day, 1e-9, 24.0)
    _check_range("days", cfg.days, 1, None)
    _check_range("replications", cfg.replications, 1, None)
    _check_range("seed", cfg.seed, 0, None)
    if not stages:
        _fail("org.stages", {}, "an organisation needs at least one stage")
    for name, stage in stages.items():
        key = f"org.stages.{name}"
        if stage.role not in ROLES:
            _fail(f"{key}.role", stage.role, f"one of {', '.join(ROLES)}")
        _check_range(f"{key}.headcount", stage.headcount, 0, None)
        _check_range(f"{key}.attention_hours", stage.attention_hours, 0.0, org.hours_per_day)
        _check_range(f"{key}.connective_hours", stage.connective_hours, 0.0, stage.attention_hours)
        if stage.service_distribution not in SERVICE_DISTRIBUTIONS:
            _fail(
                f"{key}.service_distribution",
                stage.service_distribution,
                f"one of {', '.join(SERVICE_DISTRIBUTIONS)}",
            )
        for table in ("effort_hours", "produces_per_day", "arrival_rate_per_hour"):
            for kind, value in stage[table].items():
                if kind not in kinds:
                    _fail(
                        f"{key}.{table}.{kind}",
                        value,
                        f"a kind in org.kinds ({', '.join(sorted(kinds))})",
                    )
                _check_range(f"{key}.{table}.{kind}", value, 0.0, None)
        if stage.role != "market" and (stage.produces_per_day or stage.arrival_rate_per_hour):
            if stage.headcount == 0:
                _fail(f"{key}.headcount", 0, "a stage that produces or receives work needs people")
    for kind, spec in org.kinds.items():
        key = f"org.kinds.{kind}"
        _check_range(f"{key}.defect_probability", spec.defect_probability, 0.0, 1.0)
        _check_range(f"{key}.relevance_mean", spec.relevance_mean, 0.0, 1.0)
        _check_range(f"{key}.relevance_concentration", spec.relevance_concentration, 1e-9, None)
        if spec.produced_on not in ("plan", "meeting", "qualified"):
            _fail(f"{key}.produced_on", spec.produced_on, "one of plan, meeting, qualified")
        if spec.market_role not in ("outreach", "asset", "proposal", "internal"):
            _fail(
                f"{key}.market_role", spec.market_role, "one of outreach, asset, proposal, internal"
            )
        _check_range(f"{key}.prospects_reached", spec.prospects_reached, 0, None)
        _check_range(f"{key}.messages_per_prospect", spec.messages_per_prospect, 0, None)
    totals: dict[tuple[str, str], float] = {}
    for i, handoff in enumerate(org.handoffs):
        key = f"org.handoffs[{i}]"
        for end in ("source", "target"):
            if handoff[end] not in stages:
                _fail(f"{key}.{end}", handoff[end], f"a stage in org.stages ({', '.join(stages)})")
        for kind, p in handoff.routing.items():
            if kind not in kinds:
                _fail(
                    f"{key}.routing.{kind}", p, f"a kind in org.kinds ({', '.join(sorted(kinds))})"
                )
            _check_range(f"{key}.routing.{kind}", p, 0.0, 1.0)
            totals[(handoff.source, kind)] = totals.get((handoff.source, kind), 0.0) + p
        target = stages[handoff.target]
        if (
            target.role != "market"
            and target.headcount == 0
            and (handoff.routing or handoff.rework)
        ):
            _fail(
                f"org.stages.{handoff.target}.headcount",
                0,
                f"stage {handoff.target} receives work from {handoff.source} and needs people",
            )
    for (source, kind), total in totals.items():
        if total > 1.0 + 1e-9:
            _fail(
                f"org.handoffs (source {source}, kind {kind}) routing sum",
                round(total, 6),
                "probabilities leaving a stage for one kind must sum to at most 1",
            )
    for i, step in enumerate(org.control_steps):
        for end in ("source", "target", "stage"):
            if step[end] not in stages:
                _fail(
                    f"org.control_steps[{i}].{end}",
                    step[end],
                    f"a stage in org.stages ({', '.join(stages)})",
                )
        if step.kind not in kinds:
            _fail(
                f"org.control_steps[{i}].kind",
                step.kind,
                f"a kind in org.kinds ({', '.join(sorted(kinds))})",
            )
    ai = cfg.ai
    _check_range("ai.automation_rate", ai.automation_rate, 0.0, 1.0)
    _check_range("ai.rollout_day", ai.rollout_day, 0, None)
    for kind, spec in ai.kinds.items():
        if kind not in kinds:
            _fail(
                f"ai.kinds.{kind}", dict(spec), f"a kind in org.kinds ({', '.join(sorted(kinds))})"
            )
        if spec.effort_ratio <= 0.0:
            _fail(f"ai.kinds.{kind}.effort_ratio", spec.effort_ratio, "must be > 0 (a free draft)")
        _check_range(f"ai.kinds.{kind}.review_effort_ratio", spec.review_effort_ratio, 0.0, None)
        _check_range(f"ai.kinds.{kind}.defect_probability", spec.defect_probability, 0.0, 1.0)
        _check_range(f"ai.kinds.{kind}.relevance_mean", spec.relevance_mean, 0.0, 1.0)
    market = cfg.market
    for name in (
        "base_reply_rate",
        "unsubscribe_per_message",
        "pool_refresh_per_day",
        "soft_bounce_rate",
        "meeting_per_reply",
        "qualify_per_meeting",
        "base_win_rate",
        "defect_win_penalty",
        "human_contact_win_weight",
    ):
        _check_range(f"market.{name}", market[name], 0.0, 1.0)
    for name in (
        "prospects_per_rep",
        "fatigue_messages_per_week",
        "fatigue_memory_days",
        "healthy_messages_per_week",
        "deal_value",
        "asset_reads_per_prospect_per_week",
    ):
        _check_range(f"market.{name}", market[name], 0.0, None)
    _check_range("market.fatigue_memory_days", market.fatigue_memory_days, 1e-9, None)
    people = cfg.people
    _check_range(
        "people.production.volume_elasticity", people.production.volume_elasticity, 0.0, 5.0
    )
    _check_range(
        "people.production.max_backlog_days", people.production.max_backlog_days, 0.0, None
    )
    for group in ("review", "trust", "skill", "exhaustion"):
        for name, value in people[group].items():
            if isinstance(value, bool):
                continue
            high = None if name == "max_overtime_hours" else 1.0
            _check_range(f"people.{group}.{name}", value, 0.0, high)
    _check_range("people.pressure_backlog_days", people.pressure_backlog_days, 1e-9, None)
    _check_range("people.pressure_memory_days", people.pressure_memory_days, 1.0, None)
    _check_range(
        "people.production.rework_effort_share", people.production.rework_effort_share, 0.0, None
    )
    _check_range("governance.escalation_factor", cfg.governance.escalation_factor, 1.0, None)
    if cfg.metrics.dashboard_counts not in ("all", "outcome_linked"):
        _fail(
            "metrics.dashboard_counts", cfg.metrics.dashboard_counts, "one of all, outcome_linked"
        )
    _check_range("metrics.warmup_days", cfg.metrics.warmup_days, 0, cfg.days - 1)


def load_config(
    overrides: list[str] | None = None, config_name: str = "config", return_hydra: bool = False
) -> DictConfig:
    """Compose a run configuration the way the command line does, for notebooks and tests.

    Args:
        overrides: Hydra overrides, e.g. `["org=gtm_2800", "ai.automation_rate=0.8"]`.
        config_name: the primary config in `configs/`.
        return_hydra: keep the `hydra` node (sweeper params) in the result.

    Returns:
        The composed, validated configuration.

    Raises:
        ConfigError: when an override or value is not allowed.
    """
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    register_configs()
    if GlobalHydra.instance().is_initialized():
        GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
            cfg = compose(
                config_name=config_name,
                overrides=list(overrides or []),
                return_hydra_config=return_hydra,
            )
    except Exception as error:  # Hydra reports composition problems through several types
        raise ConfigError(one_line(error)) from None
    validate(cfg)
    return cfg


def one_line(error: BaseException) -> str:
    """Condense a Hydra or OmegaConf error into one line naming the key and what is allowed."""
    text = str(error.__cause__ or error).strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    missing = re.search(r"Could not find '([^/']+)/([^']+)'", text)
    if missing and "Available options" in text:
        start = next(i for i, line in enumerate(lines) if line.startswith("Available options"))
        options = [
            line for line in lines[start + 1 :] if not line.startswith(("Config", "provider"))
        ]
        group, choice = missing.groups()
        return f"{group}={choice} is not allowed: one of {', '.join(options)}"
    full_key = next(
        (line.split(":", 1)[1].strip() for line in lines if line.startswith("full_key:")), ""
    )
    unknown = re.search(r"Key '([^']+)' not in '([A-Za-z]+)'", text)
    if unknown and unknown.group(2) in globals():
        keys = ", ".join(f.name for f in fields(globals()[unknown.group(2)]))
        return f"{full_key or unknown.group(1)} is not a known key: allowed here are {keys}"
    reason = next(
        (
            line
            for line in lines
            if not line.startswith(("full_key", "object_type", "reference_type"))
        ),
        text,
    )
    return f"{full_key}: {reason}" if full_key and full_key not in reason else reason


def to_container(cfg: DictConfig) -> dict[str, Any]:
    """The resolved configuration as plain Python data."""
    return OmegaConf.to_container(cfg, resolve=True)  # type: ignore[return-value]
