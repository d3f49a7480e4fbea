import numpy as np
import pandas as pd
import pytest

import sim
from sim.agents import Manager, Person, Producer, Reviewer, SalesRep, Server, Verdict
from sim.engine import Artifact
from sim.model import OrgModel
from sim.tables import AI, HUMAN


@pytest.fixture()
def model(small_cfg):
    return OrgModel(small_cfg)


def first(model, cls, stage=None):
    return next(
        p for p in model.people if type(p) is cls and (stage is None or p.stage_name == stage)
    )


def artifact(model, kind, author, origin=HUMAN, defect=False):
    k = model.kind_index[kind]
    return Artifact(1, k, origin, 0.5, defect, model.stage_index[author], 0.0)


def always(value):
    return lambda: value


# --------------------------------------------------------------------------- who is who


def test_roles_map_to_agent_classes(model):
    by_stage = {p.stage_name: type(p) for p in model.people}
    assert by_stage == {
        "marketing": Producer,
        "sales": SalesRep,
        "brand_review": Reviewer,
        "legal_review": Reviewer,
        "deal_desk": Reviewer,
        "engineering": Reviewer,
        "managers": Manager,
    }


def test_without_behaviour_everyone_is_a_queueing_server():
    cfg = sim.load_config(["people.enabled=false", "days=30"])
    assert {type(p) for p in OrgModel(cfg).people} == {Server}


# --------------------------------------------------------------------------- the reviewer


def test_reviewers_defer_to_ai_in_proportion_to_trust(model):
    reviewer = first(model, Reviewer, "brand_review")
    human = artifact(model, "campaign_asset", "marketing")
    ai = artifact(model, "campaign_asset", "marketing", origin=AI)
    model.staff.trust[reviewer.index] = 0.5
    assert reviewer.vigilance(human) == 1.0
    assert reviewer.vigilance(ai) == pytest.approx(1.0 - 0.6 * 0.5)
    model.staff.trust[reviewer.index] = 0.9
    assert reviewer.vigilance(ai) == pytest.approx(1.0 - 0.6 * 0.9)


def test_reviewers_skim_when_their_queue_is_long(model):
    reviewer = first(model, Reviewer, "brand_review")
    asset = artifact(model, "campaign_asset", "marketing")
    careful = reviewer.review_hours(asset)
    model.pressure[reviewer.stage] = 1.0
    assert reviewer.review_hours(asset) == pytest.approx(careful * (1 - 0.4))
    assert reviewer.vigilance(asset) == pytest.approx(1 - 0.3)


def test_checking_an_ai_proposal_takes_longer(model):
    reviewer = first(model, Reviewer, "legal_review")
    human = artifact(model, "proposal", "sales")
    ai = artifact(model, "proposal", "sales", origin=AI)
    assert reviewer.review_hours(ai) == pytest.approx(1.5 * reviewer.review_hours(human))


def test_a_caught_defect_goes_back_to_its_author(model):
    reviewer = first(model, Reviewer, "brand_review")
    draft = artifact(model, "campaign_asset", "marketing", defect=True)
    draft.work = reviewer.work_hours(draft)
    model.review_draws.uniform = always(0.0)
    assert reviewer.review(draft) is Verdict.SENT_BACK
    assert draft.rework_due and draft.reworks == 1 and not draft.escaped
    assert model.today.defects_caught == [1, 0] and model.today.reworks == 1


def test_finish_sends_a_caught_defect_to_the_author_stage(model):
    reviewer = first(model, Reviewer, "brand_review")
    draft = artifact(model, "campaign_asset", "marketing", defect=True)
    draft.work = reviewer.work_hours(draft)
    model.review_draws.uniform = always(0.0)
    assert reviewer.finish(draft, 0.0) == model.stage_index["marketing"]


def test_a_missed_defect_escapes_and_teaches_trust(model):
    reviewer = first(model, Reviewer, "brand_review")
    before = reviewer.trust
    draft = artifact(model, "campaign_asset", "marketing", origin=AI, defect=True)
    draft.work = reviewer.work_hours(draft)
    model.review_draws.uniform = always(0.999)
    assert reviewer.review(draft) is Verdict.PASSED
    assert draft.escaped and draft.defect
    assert reviewer.trust > before  # a missed defect looks like a clean pass
    assert model.today.defects_reviewed == [0, 1] and model.today.defects_caught == [0, 0]


def test_a_caught_ai_defect_lowers_trust_unless_trust_is_fixed(small_cfg):
    for fixed, falls in ((False, True), (True, False)):
        cfg = small_cfg.copy()
        cfg.people.trust.fixed = fixed
        model = OrgModel(cfg)
        reviewer = first(model, Reviewer, "brand_review")
        before = reviewer.trust
        draft = artifact(model, "campaign_asset", "marketing", origin=AI, defect=True)
        draft.work = reviewer.work_hours(draft)
        model.review_draws.uniform = always(0.0)
        reviewer.review(draft)
        assert (reviewer.trust < before) is falls


def test_without_a_way_back_the_reviewer_fixes_in_place(model):
    engineer = first(model, Reviewer, "engineering")
    draft = artifact(model, "proposal", "marketing", defect=True)  # no rework edge to marketing
    draft.work = engineer.work_hours(draft)
    model.review_draws.uniform = always(0.0)
    assert engineer.review(draft) is Verdict.FIXED
    assert not draft.defect and not draft.rework_due


def test_skill_erodes_only_for_reviewers_who_waved_work_through(model):
    staff = model.staff
    careful, skimmer = [p.index for p in model.people if isinstance(p, Reviewer)][:2]
    staff.reviews[careful], staff.engagement[careful] = 4, 4.0
    staff.reviews[skimmer], staff.engagement[skimmer] = 4, 0.0
    before = staff.skill.copy()
    Reviewer.practise(staff, model.cfg.people.skill)
    assert staff.skill[careful] == before[careful]  # at the ceiling already
    assert staff.skill[skimmer] < before[skimmer]
    idle = [i for i in range(len(staff.stage)) if staff.reviews[i] == 0]
    np.testing.assert_array_equal(staff.skill[idle], before[idle])


# --------------------------------------------------------------------------- the manager


def test_a_managers_review_is_triage(model):
    manager = first(model, Manager)
    report = artifact(model, "status_report", "sales")
    report.work = manager.work_hours(report)
    assert manager.review(report) is Verdict.PASSED
    assert model.today.triage_hours == pytest.approx(report.work)
    assert model.today.review_hours == pytest.approx(report.work)


# --------------------------------------------------------------------------- the producer


def test_ai_drafts_take_the_kinds_effort_ratio_and_fixes_a_share(model):
    rep = first(model, SalesRep)
    human = artifact(model, "outreach_sequence", "sales")
    ai = artifact(model, "outreach_sequence", "sales", origin=AI)
    assert rep.work_hours(human) == 1.0
    assert rep.work_hours(ai) == pytest.approx(0.2)
    human.rework_due = True
    assert rep.work_hours(human) == pytest.approx(0.5)


def test_finishing_a_draft_books_production_and_may_carry_a_defect(model):
    rep = first(model, SalesRep)
    draft = artifact(model, "outreach_sequence", "sales", origin=AI)
    draft.work = rep.work_hours(draft)
    model.defect_draws.uniform = always(0.0)
    rep.finish_draft(draft)
    assert draft.defect
    today = model.today
    assert today.production_hours == pytest.approx(0.2)
    assert today.time_saved_hours == pytest.approx(0.8)
    assert today.ai_assisted == 1 and today.drafted[draft.kind] == 1


def test_a_fix_clears_the_defect_and_counts_as_hidden_validation(model):
    rep = first(model, SalesRep)
    draft = artifact(model, "proposal", "sales", origin=AI, defect=True)
    draft.rework_due = True
    draft.work = rep.work_hours(draft)
    rep.finish_draft(draft)
    assert not draft.defect and not draft.rework_due
    assert model.today.rework_hours == model.today.hidden_validation_hours == draft.work
    assert model.today.production_hours == 0.0


def test_authors_check_their_ai_drafts_as_validation_within_the_drafts_hours(model):
    rep = first(model, SalesRep)
    share = model.cfg.people.production.ai_check_share
    assert share > 0
    draft = artifact(model, "outreach_sequence", "sales", origin=AI)
    draft.work = rep.work_hours(draft)
    assert draft.work == pytest.approx(0.2)  # the draft costs what it did
    rep.finish_draft(draft)
    assert model.today.hidden_validation_hours == pytest.approx(share * 0.2)
    assert model.staff.checking_hours[rep.index] == pytest.approx(share * 0.2)
    assert model.staff.framed_hours[rep.index] == pytest.approx((1 - share) * 0.2)
    human = artifact(model, "outreach_sequence", "sales")
    human.work = rep.work_hours(human)
    rep.finish_draft(human)  # a hand-written draft books no checking
    assert model.staff.checking_hours[rep.index] == pytest.approx(share * 0.2)


def test_reviewers_and_managers_book_their_checking_and_triage(model):
    reviewer = first(model, Reviewer, "brand_review")
    model.review_draws.uniform = always(0.99)
    draft = artifact(model, "campaign_asset", "marketing", origin=AI)
    draft.work, draft.vigilance = 0.5, 1.0
    reviewer.review(draft)
    assert model.staff.checking_hours[reviewer.index] == 0.5
    manager = first(model, Manager)
    report = artifact(model, "status_report", "sales")
    report.work, report.vigilance = 0.25, 1.0
    manager.triage(report)
    assert model.staff.triage_hours[manager.index] == 0.25
    assert model.staff.checking_hours[manager.index] == 0.0


def _planned(cfg_overrides, automation):
    model = OrgModel(sim.load_config(["days=30", *cfg_overrides]))
    Producer.plan_day(model, model.stage_index["sales"], 0.0, automation)
    return model.engine.created


def test_cheaper_drafts_mean_more_planned_drafts():
    assert _planned([], 1.0) > 2.5 * _planned([], 0.0)
    fixed = ["people.production.volume_elasticity=0"]
    assert _planned(fixed, 1.0) == _planned(fixed, 0.0)  # same stream, same expectation


def test_producers_stop_planning_while_their_queue_is_full(model):
    sales = model.stage_index["sales"]
    full = model.cfg.people.production.max_backlog_days
    for _ in range(5):  # mornings of planning with nobody working the queue
        Producer.plan_day(model, sales, 0.0, 0.0)
    assert model.backlog_days(sales) >= full
    planned = model.engine.created
    Producer.plan_day(model, sales, 0.0, 0.0)
    assert model.engine.created == planned


# --------------------------------------------------------------------------- everyone


def test_overload_tires_people_and_rest_recovers(model):
    staff = model.staff
    before = staff.exhaustion.copy()
    Person.end_day(staff, staff.attention_hours * 1.5, model.cfg.people.exhaustion)
    assert np.all(staff.exhaustion > before)
    rested = staff.exhaustion.copy()
    Person.end_day(staff, np.zeros(len(staff.stage)), model.cfg.people.exhaustion)
    assert np.all(staff.exhaustion < rested)


def test_pressure_crowds_out_connective_time_and_adds_overtime(model):
    staff, people = model.staff, model.cfg.people
    Person.start_day(staff, np.zeros(len(staff.stage)), people, model.hours_per_day)
    calm = staff.shift_hours.copy()
    np.testing.assert_array_equal(staff.connective_hours, staff.connective_target)
    Person.start_day(staff, np.ones(len(staff.stage)), people, model.hours_per_day)
    assert np.all(staff.connective_hours == 0.0)
    assert np.all(staff.shift_hours > calm)


# --------------------------------------------------------------------------- coping


def test_producers_go_around_a_backed_up_review(model):
    marketer = first(model, Producer, "marketing")
    draft = artifact(model, "explainer", "marketing")
    draft.work = marketer.work_hours(draft)
    brand = model.stage_index["brand_review"]
    assert marketer.finish(draft, 0.0) == brand  # no coping: it waits for its review
    model.bypassed_reviews = {brand}
    model.bypass_draws.uniform = always(0.0)  # this producer is one of those who go around
    assert marketer.finish(draft, 0.0) == model.stage_index["market"]
    assert model.today.bypassed[brand] == 1  # counted at the review gone around
    model.bypass_draws.uniform = always(0.99)  # most still wait
    assert marketer.finish(draft, 0.0) == brand


def test_sampling_reviewers_wave_work_through_unread(model):
    reviewer = first(model, Reviewer, "brand_review")
    model.sampling[reviewer.stage] = True
    model.sampling_draws.uniform = always(0.9)  # outside the sample
    model.review_draws.uniform = always(0.0)  # would catch anything it read
    draft = artifact(model, "campaign_asset", "marketing", origin=AI, defect=True)
    trust = reviewer.trust
    draft.work = reviewer.work_hours(draft)
    assert draft.waved and draft.work == pytest.approx(1.0 * 0.05)
    assert reviewer.finish(draft, 0.0) != draft.author  # not sent back: nobody read it
    assert (
        draft.defect and reviewer.trust == trust and model.today.waved_through[reviewer.stage] == 1
    )
    assert model.today.defects_reviewed == [0, 0]
    model.sampling_draws.uniform = always(0.1)  # inside the sample: read as usual
    draft.work = reviewer.work_hours(draft)
    assert not draft.waved and reviewer.finish(draft, 0.0) == draft.author


def test_backpressure_holds_drafts_while_the_next_stage_is_backed_up(model):
    limit = model.cfg.people.coping.backpressure_days
    marketing, asset = model.stage_index["marketing"], model.kind_index["campaign_asset"]
    assert not Producer.held_back(model, marketing, asset, limit)
    brand = model.stage_index["brand_review"]
    model.engine.queued_kinds[brand][asset] = 10_000  # weeks of brand's capacity
    assert Producer.held_back(model, marketing, asset, limit)
    outreach = model.kind_index["outreach_sequence"]  # straight to the market: never held
    assert not Producer.held_back(model, model.stage_index["sales"], outreach, limit)


def test_the_stricter_of_backpressure_and_the_wip_limit_applies(small_cfg):
    assert Producer.wip_limit_days(OrgModel(small_cfg)) is None  # both off: own queue only
    cfg = sim.load_config(["people.coping.backpressure=true", "policy=[absorption_threshold]"])
    assert Producer.wip_limit_days(OrgModel(cfg)) == min(
        cfg.people.coping.backpressure_days, cfg.policy.absorption_threshold.threshold_days
    )


def test_coping_switched_on_but_never_triggered_changes_nothing():
    base = ["days=40", "ai.rollout_day=10", "ai.automation_rate=1"]
    switches = ("bypass", "sampling", "backpressure")
    off = simulate_frame(base + [f"people.coping.{switch}=false" for switch in switches])
    on = simulate_frame(
        base
        + [f"people.coping.{switch}=true" for switch in switches]
        + [
            f"people.coping.{threshold}=1000"
            for threshold in ("bypass_backlog_days", "sampling_backlog_days", "backpressure_days")
        ]
    )
    pd.testing.assert_frame_equal(off, on, check_exact=True)


def simulate_frame(overrides):
    from sim.runner import simulate

    return simulate(sim.load_config(overrides))[0]
