"""The organisation model: a Mesa model whose step is one working day.

Each day reads as `step()` says: people set their hours and producers plan their drafts; the
engine serves the day's work event by event, each person acting through their agent's methods;
the market answers what reached it; people's skill and exhaustion move; governance may add
control steps; the books collect the day.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields

import mesa
import numpy as np
from mesa.discrete_space import Network
from omegaconf import DictConfig, OmegaConf

from sim import adoption, exhaustion, review
from sim.agents import Person, Producer, Reviewer, SalesRep, Staff, agent_class
from sim.capacity import load_growth
from sim.config import RunConfig
from sim.engine import Artifact, Engine
from sim.governance import add_control_steps, control_steps_due, people_to_hire
from sim.market import DayOfMarket, Market
from sim.metrics import Books
from sim.rng import Draws, generator
from sim.tables import HUMAN, kind_table, stage_table
from sim.workflow import build_graph, compile_routing, demand_author


@dataclass(slots=True)
class Today:
    """What happened today, tallied by the people as they work and read by the books."""

    drafted: list[int] = field(default_factory=list)  # per kind
    ai_assisted: int = 0
    time_saved_hours: float = 0.0
    messages: int = 0
    production_hours: float = 0.0
    review_hours: float = 0.0
    rework_hours: float = 0.0
    triage_hours: float = 0.0
    other_hours: float = 0.0
    hidden_validation_hours: float = 0.0
    reworks: int = 0
    defects_reviewed: list[int] = field(default_factory=lambda: [0, 0])  # per origin
    defects_caught: list[int] = field(default_factory=lambda: [0, 0])
    escaped: list[int] = field(default_factory=lambda: [0, 0])
    discarded: int = 0  # AI drafts their authors judged below the relevance bar (a policy)
    bypassed: list[int] = field(default_factory=list)  # per review stage gone around (coping)
    waved_through: list[int] = field(default_factory=list)  # per stage: passed unread (coping)
    time_to_send: list[float] = field(default_factory=list)  # days, per artifact sent
    abandoned: list[int] = field(default_factory=list)  # per stage: given up while waiting
    wasted_hours: float = 0.0  # service hours the abandoned artifacts had already had

    def reset(self, n_kinds: int, n_stages: int = 0) -> None:
        """Start a new day (in place: the people hold this object), every field at its default."""
        for spec in fields(self):
            default = spec.default_factory() if spec.default is MISSING else spec.default
            setattr(self, spec.name, default)
        self.drafted = [0] * n_kinds
        self.abandoned = [0] * n_stages
        self.bypassed = [0] * n_stages
        self.waved_through = [0] * n_stages

    @property
    def escaped_defects(self) -> int:
        """Defects that reached their reader today."""
        return self.escaped[0] + self.escaped[1]


class OrgModel(mesa.Model):
    """An organisation absorbing AI-drafted work.

    Args:
        cfg: a validated run config.
        replication: index of the replication; with `cfg.seed` it fixes every random stream.
    """

    def __init__(self, cfg: DictConfig | RunConfig, replication: int = 0):
        if isinstance(cfg, DictConfig):
            # plain dataclasses: OmegaConf's attribute access costs microseconds per read
            cfg = OmegaConf.to_object(cfg)
        mesa_seed = int(generator(cfg.seed, replication, "mesa").integers(2**63))
        super().__init__(rng=mesa_seed)
        self.cfg = cfg
        self.replication = replication
        self.hours_per_day = float(cfg.org.hours_per_day)
        self.behaviour = bool(cfg.people.enabled)
        self.graph = build_graph(cfg.org)
        if cfg.org.capacity_follows_load:
            self._scale_capacity_with_load()
        self.kinds = kind_table(cfg)
        self.stages = stage_table(self.graph, self.kinds.names)
        self.stage_index = {name: i for i, name in enumerate(self.stages.names)}
        self.kind_index = {name: i for i, name in enumerate(self.kinds.names)}
        self.routing = compile_routing(self.graph, self.stage_index, self.kind_index)
        self.market_stage = next(
            (i for i, role in enumerate(self.stages.roles) if role == "market"), -1
        )
        self.demand_author = self._demand_authors()
        stream = lambda name: generator(cfg.seed, replication, name)  # noqa: E731
        self.service_draws = Draws(stream("service"))
        self.routing_draws = Draws(stream("routing"))
        self.review_draws = Draws(stream("review"))
        self.defect_draws = Draws(stream("defects"))
        self.production_rng = stream("production")
        self.relevance_rng = stream("relevance")
        self.origin_rng = stream("origin")
        self.bypass_draws = Draws(stream("bypass"))
        self.sampling_draws = Draws(stream("sampling"))
        # the author's judgement of relevance under the relevance filter (its own stream)
        self.judgement_draws = stream("judgement")
        # people who differ, and the day each starts using AI (each on its own stream)
        self.people_rng = stream("people")
        self.adoption_rng = stream("adoption")
        self.today = Today()
        self.today.reset(len(self.kinds.names), len(self.stages.names))
        self.pressure = [0.0] * len(self.stages.names)  # felt backlog pressure per stage
        # coping, judged each morning from the backlogs (empty or all-false when switched off)
        self.bypassed_reviews: set[int] = set()
        self.sampling = [False] * len(self.stages.names)
        self._place_people()
        self.initial_headcount = self.headcount.copy()
        self._backlog_streak = [0] * len(self.stages.names)  # days above the hiring threshold
        self.hires_pending: list[tuple[int, int, int]] = []  # (first day, stage, people)
        self.hired = 0  # people hired so far who have started
        # mean patience in hours per kind (inf: waits forever); drawn on its own stream
        self.mean_patience_hours = [
            math.inf if kind.patience_days is None else kind.patience_days * self.hours_per_day
            for kind in cfg.org.kinds.values()
        ]
        waits_forever = all(math.isinf(hours) for hours in self.mean_patience_hours)
        self.patience_draws = None if waits_forever else Draws(stream("patience"))
        self.patience_of_kind: list[Callable[[], float]] = []  # mean-1 draws per kind
        if self.patience_draws is not None:
            by_shape: dict[float, Callable[[], float]] = {}
            for kind in cfg.org.kinds.values():
                shape = float(kind.patience_shape)
                if shape not in by_shape:
                    by_shape[shape] = self.patience_draws.gamma(shape)
                self.patience_of_kind.append(by_shape[shape])
        self.engine = Engine(
            person_stage=self.staff.stage.tolist(),
            n_stages=len(self.stages.names),
            sinks={self.market_stage} if self.market_stage >= 0 else set(),
            work_hours=[person.work_hours for person in self.people],
            finish=[person.finish for person in self.people],
            on_done=self.deliver,
            record_visits=bool(cfg.metrics.record_artifacts),
            n_kinds=len(self.kinds.names),
            patience_hours=None if waits_forever else self.patience_hours,
            on_abandon=None if waits_forever else self.abandon,
        )
        self.market = (
            Market(
                cfg.market,
                round(cfg.market.prospects_per_rep * self._headcount_of(SalesRep)),
                self._baseline_outreach_relevance(),
                stream("market"),
            )
            if cfg.market.enabled and self.market_stage >= 0 and self.behaviour
            else None
        )
        if self.market is not None:
            self._settle_market()
        arrival_draws = Draws(stream("arrivals"))
        for name, node in self.graph.nodes(data=True):
            for kind, rate in node["arrival_rate_per_hour"].items():
                stage, k = self.stage_index[name], self.kind_index[kind]
                self.engine.add_poisson_source(
                    stage,
                    rate,
                    lambda t, s=stage, k=k: self.new_artifact(k, HUMAN, s, t, 0.5),
                    arrival_draws.exponential,
                )
        self.contact_today = 1.0
        self.market_today: DayOfMarket | None = None
        window = int(cfg.governance.review_window_days)
        self.escaped_by_day: deque[int] = deque(maxlen=window)
        self._escaped_before: list[int] = []
        self.control_steps_added: list[str] = []
        self.control_step_day: int | None = None  # the day the steps were in place
        self.control_step_decided_day: int | None = None  # the day governance decided them
        self.control_steps_pending = 0  # steps decided and not yet in place
        self.visit_log: list[tuple] = []
        self._pending_meetings: list[float] = []
        self._pending_qualified: list[float] = []
        self._next_id = 0
        self.day = 0
        self.datacollector = Books(self)

    # ------------------------------------------------------------------ construction
    def _scale_capacity_with_load(self) -> None:
        """The saturation control: hire downstream in step with the planned load."""
        growth = load_growth(self.cfg, float(self.cfg.ai.automation_rate))
        for stage, node in self.graph.nodes(data=True):
            if node["role"] != "market" and not node["produces_per_day"] and node["headcount"] > 0:
                node["headcount"] = math.ceil(node["headcount"] * max(growth[stage], 1.0))

    def _demand_authors(self) -> dict[int, int]:
        """The author stage of each demand-driven kind: the first sales stage with effort for it."""
        authors = {}
        for k, kind in enumerate(self.kinds.names):
            author = demand_author(self.graph, kind)
            if self.kinds.produced_on[k] != "plan" and author is not None:
                authors[k] = self.stage_index[author]
        return authors

    def _place_people(self) -> None:
        """One agent per head, of its role's class, on its stage's cell of the network."""
        self.network = Network(self.graph, layout=None, random=self.random)
        stage, attention, connective, classes = [], [], [], []
        for name, node in self.graph.nodes(data=True):
            for _ in range(node["headcount"]):
                stage.append(self.stage_index[name])
                cls = agent_class(node["role"], self.behaviour)
                attention.append(self._attention_hours(node, cls))
                connective.append(node["connective_hours"] if self.behaviour else 0.0)
                classes.append(cls)
        people = self.cfg.people
        attention, susceptible, adoption_day = self._individuals(
            np.array(attention, dtype=float), np.array(connective, dtype=float)
        )
        self.staff = Staff(
            np.array(stage, dtype=np.int64),
            attention,
            np.array(connective, dtype=float),
            skill=people.skill.initial,
            trust=people.trust.initial,
            exhaustion=people.exhaustion.initial,
            susceptibility=susceptible,
            adoption_day=adoption_day,
        )
        self.people: list[Person] = [
            cls(self, i, stage[i], self.network[self.stages.names[stage[i]]])
            for i, cls in enumerate(classes)
        ]
        self._count_people()
        self._review_stages = [False] * len(self.stages.names)
        for person in self.people:
            if isinstance(person, Reviewer):
                self._review_stages[person.stage] = True
        self.producing_stages = [
            s
            for s, name in enumerate(self.stages.names)
            if self.graph.nodes[name]["produces_per_day"]
        ]

    def _attention_hours(self, node: dict, cls: type[Person]) -> float:
        """A person's daily attention; reviewers give `policy.training` its hours from it."""
        training = self.cfg.policy.training
        if training.enabled and issubclass(cls, Reviewer):
            return max(0.0, node["attention_hours"] - training.hours_per_week / 5.0)
        return node["attention_hours"]

    def _individuals(
        self, attention: np.ndarray, connective: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each person's own attention, susceptibility to exhaustion and day to start with AI.

        With `people.differ` (and behaviour on), attention is their stage's times a mean-1
        lognormal factor (kept between their connective time and the working day) and
        susceptibility a mean-1 lognormal, both drawn on the `people` stream; otherwise
        everyone on a stage is alike (susceptibility 1). The day each starts using AI is the
        roll-out day plus a delay drawn on the `adoption` stream (`sim.adoption`).
        """
        n, people = len(attention), self.cfg.people
        susceptible = np.ones(n)
        if people.differ and self.behaviour and n:
            factor = exhaustion.attention_factors(self.people_rng, n, people.attention_cv)
            attention = np.clip(attention * factor, connective, self.hours_per_day)
            susceptible = exhaustion.susceptibility(self.people_rng, n, people.resilience_sd)
        delays = adoption.adoption_delays(self.adoption_rng, n, float(self.cfg.ai.adoption_days))
        return attention, susceptible, self.cfg.ai.rollout_day + delays

    def _count_people(self) -> None:
        """Headcount, queue capacity and the customer-time mask, from the staff arrays."""
        n_stages = len(self.stages.names)
        self.headcount = np.bincount(self.staff.stage, minlength=n_stages)
        queue_hours = self.staff.attention_hours - self.staff.connective_target
        self.capacity_hours = np.bincount(
            self.staff.stage, weights=queue_hours, minlength=n_stages
        ).tolist()
        self._customer_time = np.array(
            [isinstance(p, SalesRep) for p in self.people], dtype=bool
        ) & (self.staff.connective_target > 0)
        # `policy.augmentation_only` protects the connective time of those who make
        # high-intangible work (customer time, coaching): None when nobody's is protected
        self.protected = None
        if self.cfg.policy.augmentation_only.enabled:
            names, flags = self.kinds.names, self.kinds.intangible
            intangible = {k for k, flag in zip(names, flags, strict=True) if flag}
            by_stage = np.array(
                [
                    bool(intangible & set(self.graph.nodes[s]["effort_hours"]))
                    for s in self.stages.names
                ]
            )
            self.protected = by_stage[self.staff.stage]

    def add_people(self, stage: int, n: int) -> None:
        """`n` new people join `stage`: agents of its role on its cell, staff rows, servers.

        They start with the configured initial skill, trust and exhaustion and take work from
        the next shift on.
        """
        name = self.stages.names[stage]
        node = self.graph.nodes[name]
        people = self.cfg.people
        connective = node["connective_hours"] if self.behaviour else 0.0
        cls = agent_class(node["role"], self.behaviour)
        attention, susceptible, adoption_day = self._individuals(
            np.full(n, self._attention_hours(node, cls)), np.full(n, connective)
        )
        self.staff.add(
            n,
            stage,
            attention,
            connective,
            skill=people.skill.initial,
            trust=people.trust.initial,
            exhaustion=people.exhaustion.initial,
            susceptibility=susceptible,
            adoption_day=adoption_day,
        )
        for _ in range(n):
            person = cls(self, len(self.people), stage, self.network[name])
            self.people.append(person)
            self.engine.add_person(stage, person.work_hours, person.finish)
        self._count_people()
        self.datacollector.count_people(self)

    def _headcount_of(self, family: type[Person]) -> int:
        return sum(isinstance(person, family) for person in self.people)

    def _planned_messages_per_day(self) -> float:
        """Messages the organisation plans to send per day before AI."""
        kinds, total = self.kinds, 0.0
        for _, node in self.graph.nodes(data=True):
            for kind, per_person in node["produces_per_day"].items():
                k = self.kind_index[kind]
                if kinds.market_role[k] == "outreach":
                    reach = kinds.prospects_reached[k] * kinds.messages_per_prospect[k]
                    total += node["headcount"] * per_person * reach
        return total

    def _settle_market(self) -> None:
        """The market before AI: pool at rest, pipeline stock and installed base in steady state."""
        messages, prospects = self._planned_messages_per_day(), self._planned_prospects_per_day()
        self.market.settle(messages, prospects_per_day=prospects)
        qualified = self.market.expected_qualified_per_day(prospects, messages)
        self.market.seed_pipeline(qualified)
        self.market.seed_installed_base(qualified * float(self.cfg.market.base_win_rate))

    def _planned_prospects_per_day(self) -> float:
        """Prospects the organisation plans to contact per day before AI."""
        kinds, total = self.kinds, 0.0
        for _, node in self.graph.nodes(data=True):
            for kind, per_person in node["produces_per_day"].items():
                k = self.kind_index[kind]
                if kinds.market_role[k] == "outreach":
                    total += node["headcount"] * per_person * kinds.prospects_reached[k]
        return total

    def _baseline_outreach_relevance(self) -> float:
        kinds = self.kinds
        outreach = [k for k, role in enumerate(kinds.market_role) if role == "outreach"]
        return kinds.relevance_mean[outreach[0]][HUMAN] if outreach else 0.5

    # ------------------------------------------------------------------ artifacts
    def new_artifact(
        self, kind: int, origin: int, author: int, time: float, relevance: float
    ) -> Artifact:
        """A new artifact of `kind` authored at stage `author`."""
        self._next_id += 1
        return Artifact(self._next_id, kind, origin, relevance, False, author, time)

    def deliver(self, artifact: Artifact, stage: int, time: float) -> None:
        """An artifact has left the network: to the market (`stage` is the sink) or done."""
        today, kinds = self.today, self.kinds
        if artifact.defect:
            today.escaped[artifact.origin] += 1
        if artifact.visits is not None:
            name = kinds.names[artifact.kind]
            self.visit_log.extend((artifact.id, name, artifact.origin, *v) for v in artifact.visits)
        if stage < 0 or self.market is None:
            return
        kind = artifact.kind
        role = kinds.market_role[kind]
        today.time_to_send.append((time - artifact.created) / self.hours_per_day)
        if role == "outreach":
            today.messages += kinds.prospects_reached[kind] * kinds.messages_per_prospect[kind]
            self.market.receive_outreach(
                kinds.prospects_reached[kind],
                kinds.messages_per_prospect[kind],
                artifact.relevance,
                artifact.created,
            )
        elif role == "asset":
            self.market.receive_asset(artifact.relevance)
        elif role == "proposal":
            self.market.receive_proposal(artifact.defect, self.contact_today)

    def patience_hours(self, stage: int, artifact: Artifact) -> float:
        """How long the owner of an artifact that joins a queue lets it wait (gamma, mean P)."""
        mean = self.mean_patience_hours[artifact.kind]
        return mean * self.patience_of_kind[artifact.kind]() if mean < math.inf else math.inf

    def abandon(self, artifact: Artifact, stage: int, time: float) -> None:
        """Its owner gave up on a waiting artifact: the service it had is wasted."""
        self.today.abandoned[stage] += 1
        self.today.wasted_hours += artifact.hours_spent

    # ------------------------------------------------------------------ state
    def automation_rate_today(self) -> float:
        """The share of drafts AI makes today (0 before the roll-out)."""
        return float(self.cfg.ai.automation_rate) if self.day >= self.cfg.ai.rollout_day else 0.0

    def stage_automation(self, rate: float) -> list[float]:
        """Per stage, today's share of AI drafts: `rate` times the share of its people using AI.

        With `ai.adoption_days` 0 everyone uses AI from the roll-out on: `rate` everywhere.
        """
        n_stages = len(self.stages.names)
        if not rate or self.cfg.ai.adoption_days <= 0:
            return [rate] * n_stages
        share = adoption.adopted_share(
            self.staff.adoption_day, self.staff.stage, self.day, n_stages
        )
        return (rate * share).tolist()

    def backlog_days(self, stage: int) -> float:
        """Days of the stage's own capacity its queue holds (queued work at human effort)."""
        capacity = self.capacity_hours[stage]
        if capacity <= 0.0:
            return 0.0
        queued = self.engine.queued_kinds[stage]  # running counts: no walk over the queue
        return (
            sum(n * hours for n, hours in zip(queued, self.stages.effort[stage], strict=True))
            / capacity
        )

    def human_contact_ratio(self) -> float:
        """Sales reps' customer time today relative to what they aim for."""
        staff, mask = self.staff, self._customer_time
        if not mask.any():
            return 1.0
        return float(staff.connective_hours[mask].sum() / staff.connective_target[mask].sum())

    # ------------------------------------------------------------------ the day
    def step(self) -> None:
        """One working day."""
        self.day = self.steps - 1
        self.today.reset(len(self.kinds.names), len(self.stages.names))
        self.staff.start_day()
        self.plan_day()
        self.serve_day()
        self.answer_market()
        if self.behaviour:
            Reviewer.practise(
                self.staff,
                self.cfg.people.skill,
                self.cfg.policy.training,
                self.datacollector.reviewer_mask,
            )
            Person.end_day(
                self.staff,
                np.array(self.engine.busy_hours),
                self.cfg.people.exhaustion,
                np.array(self.pressure)[self.staff.stage],
                self.cfg.people.differ,
            )
            self.govern()
        self.datacollector.collect(self)

    def plan_day(self) -> None:
        """People feel their stage's backlog and set their hours; producers plan their drafts."""
        staff = self.staff
        if not self.behaviour:
            staff.shift_hours = staff.attention_hours
            return
        people = self.cfg.people
        self.pressure[:] = [  # in place: reviewers hold this list
            review.felt_pressure(
                self.pressure[s],
                review.pressure(self.backlog_days(s), people.pressure_backlog_days),
                people.pressure_memory_days,
            )
            for s in range(len(self.stages.names))
        ]
        Person.start_day(
            staff, np.array(self.pressure)[staff.stage], people, self.hours_per_day, self.protected
        )
        self._judge_backlogs(people.coping)
        self.contact_today = self.human_contact_ratio()
        day_start = self.day * self.hours_per_day
        automation = self.stage_automation(self.automation_rate_today())
        for stage in self.producing_stages:
            Producer.plan_day(self, stage, day_start, automation[stage])
        for k, author in self.demand_author.items():
            meeting = self.kinds.produced_on[k] == "meeting"
            demand = self._pending_meetings if meeting else self._pending_qualified
            Producer.draft(self, k, author, len(demand), day_start, automation[author])
        self._pending_meetings, self._pending_qualified = [], []

    def _judge_backlogs(self, coping) -> None:
        """Which reviews producers go around today, and which reviewers sample."""
        reviews = [s for s, p in enumerate(self._review_stages) if p]
        if coping.bypass:
            self.bypassed_reviews = {
                s for s in reviews if self.backlog_days(s) > coping.bypass_backlog_days
            }
        if coping.sampling:
            for s in reviews:
                self.sampling[s] = self.backlog_days(s) > coping.sampling_backlog_days

    def serve_day(self) -> None:
        """The engine serves the day's work event by event, inside everyone's shift."""
        day_start = self.day * self.hours_per_day
        if self.day == self.cfg.metrics.warmup_days and self.day > 0:
            self.engine.reset_statistics()
        self.engine.open_shifts(day_start, self.staff.shift_hours.tolist())
        self.engine.run_until(day_start + self.hours_per_day)

    def answer_market(self) -> None:
        """The market answers what reached it; its calls and deals become tomorrow's work."""
        if self.market is not None:
            self.market.receive_contact(self.contact_today)  # for the installed base's churn
        self.market_today = self.market.end_of_day() if self.market is not None else None
        if self.market_today is not None:
            self._pending_meetings = self.market_today.meetings
            # proposals are asked for when an opportunity's sales cycle ends (the pipeline)
            self._pending_qualified = self.market_today.proposals_due

    def govern(self) -> None:
        """Containment: decide control steps once escaped defects cross the threshold.

        The decided steps are pending for `decision_delay_days`, then put in place.
        """
        governance = self.cfg.governance
        if governance.hiring:
            self.hire()
        aligned = self.cfg.policy.capacity_alignment
        if aligned.enabled and self.day == self.cfg.ai.rollout_day + aligned.lead_days:
            self.align_capacity()
        escaped = self.today.escaped_defects
        self.escaped_by_day.append(escaped)
        if self.day < self.cfg.ai.rollout_day:
            self._escaped_before.append(escaped)
            return
        window = float(self.escaped_by_day.maxlen)
        baseline = window * float(np.mean(self._escaped_before)) if self._escaped_before else 0.0
        if governance.enabled and control_steps_due(
            sum(self.escaped_by_day),
            baseline,
            governance.escalation_factor,
            self.control_step_decided_day is not None,
        ):
            self.control_step_decided_day = self.day
            self.control_steps_pending = len(self._control_steps()[0])
        decided = self.control_step_decided_day
        if (
            self.control_steps_pending
            and decided is not None
            and self.day >= decided + governance.decision_delay_days
        ):
            self._put_control_steps_in_place()

    def _put_control_steps_in_place(self) -> None:
        """The decided control steps take effect: the graph and the routing change."""
        self.control_steps_pending = 0
        added = add_control_steps(self.graph, *self._control_steps())
        if added:
            self.control_steps_added = added
            self.control_step_day = self.day
            self.routing = compile_routing(self.graph, self.stage_index, self.kind_index)

    def _control_steps(self) -> tuple[list, float]:
        """The control steps governance puts in place, and the share of the kind they read.

        Under `policy.process_redesign` the sequential steps are replaced by one combined
        review at the first step's stage, reading a sample of the kind.
        """
        steps, redesign = list(self.cfg.org.control_steps), self.cfg.policy.process_redesign
        if redesign.enabled:
            return steps[:1], redesign.sample_share
        return steps, self.cfg.governance.control_sample_share

    def align_capacity(self) -> None:
        """`policy.capacity_alignment`: staff downstream stages for the planned load.

        Every staffed stage that does not produce on a plan is brought to its starting
        headcount times the growth of its planned load at the automation rate (the saturation
        control's arithmetic, `sim.capacity.load_growth`), a lead time after the roll-out.
        """
        growth = load_growth(self.cfg, float(self.cfg.ai.automation_rate))
        produces = set(self.producing_stages)
        for s, name in enumerate(self.stages.names):
            if self.headcount[s] == 0 or s in produces or s == self.market_stage:
                continue
            target = math.ceil(self.initial_headcount[s] * max(growth.get(name, 1.0), 1.0))
            if target > self.headcount[s]:
                n = int(target - self.headcount[s])
                self.add_people(s, n)
                self.hired += n

    def hire(self) -> None:
        """Hire for stages whose backlog stayed high; the people hired earlier start.

        Stages that produce on a plan are left out: their headcount sets their production.
        """
        governance = self.cfg.governance
        starting = [h for h in self.hires_pending if h[0] <= self.day + 1]  # work tomorrow
        self.hires_pending = [h for h in self.hires_pending if h[0] > self.day + 1]
        for _, stage, n in starting:
            self.add_people(stage, n)
            self.hired += n
        produces = set(self.producing_stages)
        for s in range(len(self.stages.names)):
            if self.headcount[s] == 0 or s in produces or s == self.market_stage:
                continue
            high = self.backlog_days(s) > governance.hire_backlog_days
            self._backlog_streak[s] = self._backlog_streak[s] + 1 if high else 0
            n = people_to_hire(
                int(self.headcount[s]),
                sum(n for _, stage, n in self.hires_pending if stage == s),
                governance.max_headcount_growth * self.initial_headcount[s],
                governance.hire_share,
                self._backlog_streak[s] >= governance.hire_window_days,
            )
            if n:
                self.hires_pending.append((self.day + governance.hire_lead_days, s, n))
                self._backlog_streak[s] = 0
