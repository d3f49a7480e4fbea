"""The organisation model: a Mesa model whose step is one working day.

Each day: people set their hours (attention, less exhaustion and crowded-out connective time,
plus overtime when pressed); producers plan their drafts (the rebound lever); the engine
serves the day's work event by event; the market answers what reached it; trust, skill and
exhaustion update; governance may add control steps; the books close the day.
"""

from __future__ import annotations

import math
from collections import deque

import mesa
import numpy as np
from mesa.discrete_space import Network
from omegaconf import DictConfig, OmegaConf

from sim import exhaustion, learning, production, review
from sim.capacity import load_growth
from sim.config import RunConfig
from sim.engine import Artifact, Engine
from sim.governance import add_control_steps, control_steps_due
from sim.market import Market
from sim.metrics import Books
from sim.people import Person, Staff
from sim.rng import Draws, generator
from sim.workflow import build_graph, compile_routing

HUMAN, AI = 0, 1


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
            self._scale_capacity_with_load(cfg)
        self.stage_names = list(self.graph.nodes)
        self.stage_index = {name: i for i, name in enumerate(self.stage_names)}
        self.kind_names = list(cfg.org.kinds)
        self.kind_index = {name: i for i, name in enumerate(self.kind_names)}
        self.routing = compile_routing(self.graph, self.stage_index, self.kind_index)
        self._build_tables(cfg)
        self._build_people(cfg)
        self.market_stage = next(
            (i for i, n in enumerate(self.stage_names) if self.graph.nodes[n]["role"] == "market"),
            -1,
        )
        self.engine = Engine(
            person_stage=self.staff.stage.tolist(),
            n_stages=len(self.stage_names),
            sinks={
                i for i, n in enumerate(self.stage_names) if self.graph.nodes[n]["role"] == "market"
            },
            service_hours=self._service_hours if self.behaviour else self._queueing_service_hours,
            on_complete=self._on_complete if self.behaviour else self._route,
            on_done=self._on_done,
            record_visits=bool(cfg.metrics.record_artifacts),
        )
        stream = lambda name: generator(cfg.seed, replication, name)  # noqa: E731
        self.service_draws = Draws(stream("service"))
        self.routing_draws = Draws(stream("routing"))
        self.review_draws = Draws(stream("review"))
        self.defect_draws = Draws(stream("defects"))
        self.production_rng = stream("production")
        self.relevance_rng = stream("relevance")
        self.origin_rng = stream("origin")
        self.market = (
            Market(
                cfg.market,
                self._prospect_pool(cfg),
                self._baseline_outreach_relevance(),
                stream("market"),
            )
            if cfg.market.enabled and self.market_stage >= 0 and self.behaviour
            else None
        )
        if self.market is not None:
            self.market.settle(self._planned_messages_per_day())
        arrival_draws = Draws(stream("arrivals"))
        for name, node in self.graph.nodes(data=True):
            for kind, rate in node["arrival_rate_per_hour"].items():
                stage, k = self.stage_index[name], self.kind_index[kind]
                self.engine.add_poisson_source(
                    stage,
                    rate,
                    lambda t, s=stage, k=k: self._new_artifact(k, HUMAN, s, t, 0.5),
                    arrival_draws.exponential,
                )
        self.books = Books(self)
        self.pressure = [0.0] * len(self.stage_names)
        self.escaped_by_day: deque[int] = deque(maxlen=5)
        self._escaped_before: list[int] = []
        self.control_steps_added: list[str] = []
        self.control_step_day: int | None = None
        self._pending_meetings: list[float] = []
        self._pending_qualified: list[float] = []
        self._next_id = 0
        self.contact_today = 1.0
        self.day = 0

    # ------------------------------------------------------------------ construction
    def _build_tables(self, cfg: DictConfig) -> None:
        """Per stage × kind effort, per kind human and AI properties, as flat lists."""
        nodes = self.graph.nodes
        self.effort = [
            [nodes[s]["effort_hours"].get(k, 0.0) for k in self.kind_names]
            for s in self.stage_names
        ]
        self.is_review = [nodes[s]["review"] for s in self.stage_names]
        self.exponential = [
            nodes[s]["service_distribution"] == "exponential" for s in self.stage_names
        ]
        self.triage_stage = [nodes[s]["role"] == "manager" for s in self.stage_names]
        kinds, ai = cfg.org.kinds, cfg.ai.kinds
        self.ai_kind = [k in ai for k in self.kind_names]
        self.ai_effort_ratio = [ai[k].effort_ratio if k in ai else 1.0 for k in self.kind_names]
        self.ai_review_ratio = [
            ai[k].review_effort_ratio if k in ai else 1.0 for k in self.kind_names
        ]
        self.defect_probability = [
            [
                kinds[k].defect_probability,
                ai[k].defect_probability if k in ai else kinds[k].defect_probability,
            ]
            for k in self.kind_names
        ]
        self.relevance_mean = [
            [kinds[k].relevance_mean, ai[k].relevance_mean if k in ai else kinds[k].relevance_mean]
            for k in self.kind_names
        ]
        self.relevance_concentration = [kinds[k].relevance_concentration for k in self.kind_names]
        self.market_role = [kinds[k].market_role for k in self.kind_names]
        self.produced_on = [kinds[k].produced_on for k in self.kind_names]
        self.prospects_reached = [int(kinds[k].prospects_reached) for k in self.kind_names]
        self.messages_per_prospect = [int(kinds[k].messages_per_prospect) for k in self.kind_names]
        # the author stage of demand-driven kinds: the stage with effort for it that has people
        self.demand_author = {}
        for k, kind in enumerate(self.kind_names):
            if self.produced_on[k] != "plan":
                for name in self.stage_names:
                    if nodes[name]["role"] == "sales_rep" and kind in nodes[name]["effort_hours"]:
                        self.demand_author[k] = self.stage_index[name]
                        break

    def _scale_capacity_with_load(self, cfg: DictConfig) -> None:
        """The saturation control: hire downstream in step with the planned load."""
        growth = load_growth(cfg, float(cfg.ai.automation_rate))
        for stage, node in self.graph.nodes(data=True):
            if node["role"] != "market" and not node["produces_per_day"] and node["headcount"] > 0:
                node["headcount"] = math.ceil(node["headcount"] * max(growth[stage], 1.0))

    def _build_people(self, cfg: DictConfig) -> None:
        """One Person agent per head, placed on its stage's cell of the workflow network."""
        self.network = Network(self.graph, layout=None, random=self.random)
        stage, attention, connective, roles = [], [], [], []
        for name, node in self.graph.nodes(data=True):
            for _ in range(node["headcount"]):
                stage.append(self.stage_index[name])
                attention.append(node["attention_hours"])
                connective.append(node["connective_hours"] if self.behaviour else 0.0)
                roles.append(node["role"])
        people = cfg.people
        self.staff = Staff(
            np.array(stage, dtype=np.int64),
            np.array(attention, dtype=float),
            np.array(connective, dtype=float),
            skill=people.skill.initial,
            trust=people.trust.initial,
            exhaustion=people.exhaustion.initial,
        )
        self.people = [
            Person(self, i, roles[i], self.network[self.stage_names[stage[i]]])
            for i in range(len(stage))
        ]
        self.headcount = np.bincount(self.staff.stage, minlength=len(self.stage_names))
        queue_hours = self.staff.attention_hours - self.staff.connective_target
        self.capacity_hours = np.bincount(
            self.staff.stage, weights=queue_hours, minlength=len(self.stage_names)
        ).tolist()

    def _prospect_pool(self, cfg: DictConfig) -> int:
        reps = sum(
            self.graph.nodes[n]["headcount"]
            for n in self.stage_names
            if self.graph.nodes[n]["role"] == "sales_rep"
        )
        return round(cfg.market.prospects_per_rep * reps)

    def _planned_messages_per_day(self) -> float:
        """Messages the organisation plans to send per day before AI."""
        total = 0.0
        for _, node in self.graph.nodes(data=True):
            for kind, per_person in node["produces_per_day"].items():
                k = self.kind_index[kind]
                if self.market_role[k] == "outreach":
                    reach = self.prospects_reached[k] * self.messages_per_prospect[k]
                    total += node["headcount"] * per_person * reach
        return total

    def _baseline_outreach_relevance(self) -> float:
        outreach = [k for k in range(len(self.kind_names)) if self.market_role[k] == "outreach"]
        return self.relevance_mean[outreach[0]][HUMAN] if outreach else 0.5

    # ------------------------------------------------------------------ artifacts
    def _new_artifact(
        self, kind: int, origin: int, author: int, time: float, relevance: float
    ) -> Artifact:
        self._next_id += 1
        return Artifact(self._next_id, kind, origin, relevance, False, author, time)

    def automation_rate_today(self) -> float:
        """The share of drafts AI makes today (0 before the roll-out)."""
        return float(self.cfg.ai.automation_rate) if self.day >= self.cfg.ai.rollout_day else 0.0

    def _create(
        self, kind: int, author: int, count: int, day_start: float, automation: float
    ) -> None:
        """Create `count` artifacts of `kind` at `author`: the morning's plan of drafts."""
        if count <= 0:
            return
        rate = automation if self.ai_kind[kind] else 0.0
        origins = (self.origin_rng.random(count) < rate).astype(np.int64)
        mean = np.array(self.relevance_mean[kind])[origins]
        concentration = self.relevance_concentration[kind]
        relevance = self.relevance_rng.beta(mean * concentration, (1.0 - mean) * concentration)
        for origin, rel in zip(origins.tolist(), relevance.tolist(), strict=True):
            self.engine.admit(
                author, self._new_artifact(kind, origin, author, day_start, rel), day_start
            )

    def _plan_production(self, day_start: float, automation: float) -> None:
        """Producers plan their drafts: planned volume grows as AI makes drafts cheaper."""
        prod = self.cfg.people.production
        for name, node in self.graph.nodes(data=True):
            stage = self.stage_index[name]
            if not node["produces_per_day"] or self.backlog_days(stage) >= prod.max_backlog_days:
                continue
            for kind, per_person in node["produces_per_day"].items():
                k = self.kind_index[kind]
                human_hours = self.effort[stage][k]
                rate = automation if self.ai_kind[k] else 0.0
                cost = production.unit_cost(human_hours, self.ai_effort_ratio[k], rate)
                multiplier = production.volume_multiplier(cost, human_hours, prod.volume_elasticity)
                expected = self.headcount[stage] * per_person * multiplier
                self._create(
                    k,
                    stage,
                    production.planned_volume(self.production_rng, expected),
                    day_start,
                    automation,
                )
        for k, author in self.demand_author.items():
            demand = (
                self._pending_meetings
                if self.produced_on[k] == "meeting"
                else self._pending_qualified
            )
            self._create(k, author, len(demand), day_start, automation)
        self._pending_meetings, self._pending_qualified = [], []

    # ------------------------------------------------------------------ engine hooks
    def _queueing_service_hours(self, stage: int, artifact: Artifact, person: int) -> float:
        """Service time with every behaviour off: the stage's effort, or an exponential draw."""
        if self.exponential[stage]:
            return self.effort[stage][artifact.kind] * self.service_draws.exponential()
        return self.effort[stage][artifact.kind]

    def _route(self, stage: int, artifact: Artifact, person: int, time: float) -> int:
        """Where an artifact goes next by the hand-offs' routing probabilities.

        A hand-off without choice takes no draw, so adding a control step (which only
        changes certain routes) leaves the routing draws of every other choice unchanged.
        """
        certain = self.routing.certain[stage][artifact.kind]
        if certain is not None:
            return certain
        return self.routing.next_stage(stage, artifact.kind, self.routing_draws.uniform())

    def _service_hours(self, stage: int, artifact: Artifact, person: int) -> float:
        hours = self.effort[stage][artifact.kind]
        if self.behaviour:
            if stage == artifact.author:
                if artifact.rework_due:
                    hours *= self.cfg.people.production.rework_effort_share
                elif artifact.origin == AI:
                    hours *= self.ai_effort_ratio[artifact.kind]
            elif self.is_review[stage]:
                params = self.cfg.people.review
                artifact.attention = review.vigilance(
                    self.staff.trust[person],
                    artifact.origin == AI,
                    self.pressure[stage],
                    params.trust_weight,
                    params.skim_weight,
                )
                if artifact.origin == AI:
                    hours *= self.ai_review_ratio[artifact.kind]
                hours = review.review_hours(hours, self.pressure[stage], params.skim_effort_cut)
        if self.exponential[stage]:
            hours *= self.service_draws.exponential()
        return hours

    def _on_complete(self, stage: int, artifact: Artifact, person: int, time: float) -> int:
        if self.behaviour:
            if stage == artifact.author:
                self._finish_drafting(artifact, person)
            elif self.is_review[stage]:
                sent_back = self._finish_review(stage, artifact, person)
                if sent_back >= 0:
                    return sent_back
            else:
                self.books.other_hours += artifact.work
        return self._route(stage, artifact, person, time)

    def _finish_drafting(self, artifact: Artifact, person: int) -> None:
        """A draft or a fix leaves its author; a first draft may carry a defect."""
        books = self.books
        if artifact.rework_due:
            artifact.rework_due = False
            artifact.defect = False
            books.rework_hours += artifact.work
            if artifact.origin == AI:
                books.hidden_validation_hours += artifact.work
            return
        kind, origin = artifact.kind, artifact.origin
        books.production_hours += artifact.work
        books.drafted[kind] += 1
        if origin == AI:
            books.ai_assisted += 1
            books.time_saved_hours += self.effort[artifact.author][kind] - artifact.work
        probability = self.defect_probability[kind][origin]
        probability *= 1.0 + self.cfg.people.exhaustion.defect_gain * self.staff.exhaustion[person]
        artifact.defect = self.defect_draws.uniform() < probability

    def _finish_review(self, stage: int, artifact: Artifact, person: int) -> int:
        """A reviewer has read an artifact: catch its defect or let it pass; trust learns.

        Returns:
            The author stage if the artifact goes back for rework, else -1.
        """
        books, staff = self.books, self.staff
        ai_made = artifact.origin == AI
        attention = artifact.attention
        books.review_hours += artifact.work
        if self.triage_stage[stage]:
            books.triage_hours += artifact.work
        staff.reviews[person] += 1
        staff.engagement[person] += attention
        if ai_made:
            books.hidden_validation_hours += artifact.work
            staff.ai_review_hours[person] += artifact.work
        caught = False
        if artifact.defect:
            chance = review.detection_probability(float(staff.skill[person]), attention)
            caught = self.review_draws.uniform() < chance
            books.defects_reviewed[artifact.origin] += 1
            books.defects_caught[artifact.origin] += caught
        if ai_made and not self.cfg.people.trust.fixed:
            trust = self.cfg.people.trust
            staff.trust[person] = learning.updated_trust(
                staff.trust[person],
                caught,
                trust.gain_per_clean_review,
                trust.loss_per_caught_defect,
            )
        if caught:
            if artifact.author in self.routing.rework_to[stage]:
                artifact.rework_due = True
                artifact.reworks += 1
                books.reworks += 1
                return artifact.author
            artifact.defect = False  # no way back: the reviewer fixes it in place
        elif artifact.defect:
            artifact.escaped = True
        return -1

    def _on_done(self, artifact: Artifact, stage: int, time: float) -> None:
        books = self.books
        if artifact.defect:
            books.escaped[artifact.origin] += 1
        if artifact.visits is not None:
            books.visit_log.extend(
                (artifact.id, self.kind_names[artifact.kind], artifact.origin, *v)
                for v in artifact.visits
            )
        if stage < 0 or self.market is None:
            return
        kind = artifact.kind
        role = self.market_role[kind]
        books.time_to_send.append((time - artifact.created) / self.hours_per_day)
        if role == "outreach":
            books.messages += self.prospects_reached[kind] * self.messages_per_prospect[kind]
            self.market.receive_outreach(
                self.prospects_reached[kind],
                self.messages_per_prospect[kind],
                artifact.relevance,
                artifact.created,
            )
        elif role == "asset":
            self.market.receive_asset(artifact.relevance)
        elif role == "proposal":
            self.market.receive_proposal(artifact.defect, self.contact_today)

    # ------------------------------------------------------------------ state
    def backlog_days(self, stage: int) -> float:
        """Days of the stage's own capacity its queue holds (queued work at human effort)."""
        capacity = self.capacity_hours[stage]
        if capacity <= 0.0:
            return 0.0
        effort = self.effort[stage]
        return sum(effort[artifact.kind] for artifact in self.engine.queues[stage]) / capacity

    def human_contact_ratio(self) -> float:
        """Reps' connective (customer) time today relative to what they aim for."""
        staff = self.staff
        reps = staff.connective_target > 0
        sales = [
            self.stage_index[n]
            for n in self.stage_names
            if self.graph.nodes[n]["role"] == "sales_rep"
        ]
        mask = reps & np.isin(staff.stage, sales)
        if not mask.any():
            return 1.0
        return float(staff.connective_hours[mask].sum() / staff.connective_target[mask].sum())

    # ------------------------------------------------------------------ the day
    def step(self) -> None:
        """One working day."""
        self.day = self.steps - 1
        cfg, staff = self.cfg, self.staff
        day_start = self.day * self.hours_per_day
        automation = self.automation_rate_today()
        self.books.open_day()
        staff.start_tallies()
        if self.behaviour:
            people = cfg.people
            self.pressure = [
                review.felt_pressure(
                    self.pressure[s],
                    review.pressure(self.backlog_days(s), people.pressure_backlog_days),
                    people.pressure_memory_days,
                )
                for s in range(len(self.stage_names))
            ]
            felt = np.array(self.pressure)[staff.stage]
            if people.connective_crowd_out:
                staff.connective_hours = exhaustion.connective_hours(staff.connective_target, felt)
            ex = cfg.people.exhaustion
            staff.shift_hours = exhaustion.shift_hours(
                staff.attention_hours,
                staff.exhaustion,
                staff.connective_hours,
                felt,
                ex.capacity_loss,
                ex.max_overtime_hours,
                self.hours_per_day,
            )
            self.contact_today = self.human_contact_ratio()
            self._plan_production(day_start, automation)
        else:
            staff.shift_hours = staff.attention_hours
        if self.day == self.cfg.metrics.warmup_days and self.day > 0:
            self.engine.reset_statistics()
        self.engine.open_shifts(day_start, staff.shift_hours.tolist())
        self.engine.run_until(day_start + self.hours_per_day)
        market_day = self.market.end_of_day() if self.market is not None else None
        if market_day is not None:
            self._pending_meetings = market_day.meetings
            self._pending_qualified = market_day.qualified
        if self.behaviour:
            self._update_people()
            self._govern()
        self.books.close_day(market_day)

    def _update_people(self) -> None:
        """Skill and exhaustion move once a day, for everyone at once."""
        cfg, staff = self.cfg, self.staff
        reviews = np.array(staff.reviews, dtype=float)
        worked = reviews > 0
        engagement = np.divide(
            np.array(staff.engagement), reviews, out=np.ones_like(reviews), where=worked
        )
        skill = cfg.people.skill
        staff.skill = learning.updated_skill(
            staff.skill,
            engagement,
            worked,
            skill.initial,
            skill.floor,
            skill.learning_per_day,
            skill.atrophy_per_day,
        )
        busy = np.array(self.engine.busy_hours)
        overload = np.maximum(busy - staff.attention_hours, 0.0) / np.maximum(
            staff.attention_hours, 1e-9
        )
        lost = np.divide(
            staff.connective_target - staff.connective_hours,
            staff.connective_target,
            out=np.zeros_like(busy),
            where=staff.connective_target > 0,
        )
        ex = cfg.people.exhaustion
        staff.exhaustion = exhaustion.updated_exhaustion(
            staff.exhaustion,
            overload,
            lost,
            ex.overload_gain,
            ex.isolation_gain,
            ex.recovery_per_day,
        )

    def _govern(self) -> None:
        """Containment: add control steps once escaped defects cross the threshold."""
        governance = self.cfg.governance
        escaped = self.books.escaped_today()
        self.escaped_by_day.append(escaped)
        if self.day < self.cfg.ai.rollout_day:
            self._escaped_before.append(escaped)
            return
        baseline_week = 5.0 * float(np.mean(self._escaped_before)) if self._escaped_before else 0.0
        if governance.enabled and control_steps_due(
            sum(self.escaped_by_day),
            baseline_week,
            governance.escalation_factor,
            bool(self.control_steps_added),
        ):
            added = add_control_steps(self.graph, list(self.cfg.org.control_steps))
            if added:
                self.control_steps_added = added
                self.control_step_day = self.day
                self.routing = compile_routing(self.graph, self.stage_index, self.kind_index)
