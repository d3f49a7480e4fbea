from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy.stats import poisson

from sim.config import MarketConfig
from sim.market import WORKING_DAYS_PER_WEEK, Market

# the market's mechanisms, each with its switch (all on by default)
MECHANISMS = (
    "relevance_counted_once",
    "pipeline",
    "installed_base",
    "sender_reputation",
    "list_burn",
)
OFF = dict.fromkeys(MECHANISMS, False)

# the cases below are written for a healthy volume of one message a week per prospect and
# 0.2 asset reads per prospect a week, and test the core equations with every mechanism off
P = dataclasses.replace(
    MarketConfig(), healthy_messages_per_week=1.0, asset_reads_per_prospect_per_week=0.2, **OFF
)


def _market(prospects=1000, baseline=0.6, seed=0, **overrides):
    params = dataclasses.replace(P, **overrides)
    return Market(params, prospects, baseline, np.random.default_rng(seed))


# --------------------------------------------------------------------------- reply probability


def test_reply_probability_at_baseline_relevance_unfatigued():
    assert _market().reply_probability(0.6) == pytest.approx(P.base_reply_rate)


def test_reply_probability_scales_with_relevance():
    market = _market()
    assert market.reply_probability(0.3) == pytest.approx(0.02)
    assert market.reply_probability(0.9) == pytest.approx(0.06)
    values = market.reply_probability(np.array([0.1, 0.3, 0.45, 0.6]))
    assert values == pytest.approx(0.04 * np.array([0.1, 0.3, 0.45, 0.6]) / 0.6)
    assert np.all(np.diff(values) > 0)


@pytest.mark.parametrize("fatigue", [0.0, 1.5, 3.0, 6.0])
def test_reply_probability_falls_with_fatigue(fatigue):
    market = _market()
    market.fatigue = fatigue
    # fatigue_messages_per_week = 3: replies fall by 1/e per 3 messages a week
    assert market.reply_probability(0.6) == pytest.approx(0.04 * math.exp(-fatigue / 3.0))


def test_reply_probability_capped_at_one():
    market = _market(base_reply_rate=0.5)
    assert market.reply_probability(0.6 * 3) == 1.0


def test_reply_probability_no_fatigue_effect_when_disabled():
    market = _market(fatigue_messages_per_week=0.0)
    market.fatigue = 10.0
    assert market.reply_probability(0.6) == pytest.approx(0.04)


def test_constructor_guards():
    market = Market(P, 0, 0.0, np.random.default_rng(0))
    assert market.prospects == 1
    assert market.baseline_relevance == pytest.approx(1e-9)
    assert market.fatigue == 0.0
    assert market.unsubscribed == 0.0


def test_replies_drawn_match_reply_probability_fresh_vs_fatigued():
    # 20000 prospects x 1 message in a pool of 1e6: weekly rate 0.1 < healthy, bounce 1%
    counts = {}
    for fatigue in (0.0, 3.0):
        market = _market(prospects=1_000_000, seed=42)
        market.fatigue = fatigue
        p_reply = float(market.reply_probability(0.6))
        market.receive_outreach(20_000, 1, 0.6, 0.0)
        day = market.end_of_day()
        reached = day.prospects_reached
        # reached ~ Binomial(20000, 0.99): mean 19800, SD 14
        assert reached == pytest.approx(19_800, abs=5 * math.sqrt(20_000 * 0.99 * 0.01))
        # replies ~ Binomial(reached, p): allow 5 binomial SDs
        sd = math.sqrt(reached * p_reply * (1 - p_reply))
        assert day.replies == pytest.approx(reached * p_reply, abs=5 * sd)
        counts[fatigue] = day.replies
    # fatigued: 0.04 / e = 0.0147 vs 0.04 (means ~291 vs ~792, SDs ~17 and ~28)
    assert counts[3.0] < counts[0.0]


# --------------------------------------------------------------------------- fatigue, unsubscribes


def _one_day(messages_per_prospect, prospects_reached=200, pool=1000):
    market = _market(prospects=pool)
    market.receive_outreach(prospects_reached, messages_per_prospect, 0.6, 0.0)
    day = market.end_of_day()
    return market, day


def _expected_after_one_day(messages_per_prospect, prospects_reached=200, pool=1000):
    messages = prospects_reached * messages_per_prospect
    weekly = messages / pool * WORKING_DAYS_PER_WEEK
    bounce = min(1.0, P.soft_bounce_rate * max(1.0, weekly / P.healthy_messages_per_week))
    delivered = messages * (1 - bounce)  # nobody has unsubscribed yet
    per_prospect = delivered / pool
    fatigue = (per_prospect * WORKING_DAYS_PER_WEEK) / P.fatigue_memory_days
    leaving = P.unsubscribe_per_message * per_prospect * (1 + fatigue / P.fatigue_messages_per_week)
    unsubscribed = leaving * (1 - P.pool_refresh_per_day)
    return fatigue, unsubscribed


@pytest.mark.parametrize("messages_per_prospect", [1, 3, 5])
def test_fatigue_and_unsubscribes_after_one_day_follow_equations(messages_per_prospect):
    market, day = _one_day(messages_per_prospect)
    fatigue, unsubscribed = _expected_after_one_day(messages_per_prospect)
    assert market.fatigue == pytest.approx(fatigue)
    assert market.unsubscribed == pytest.approx(unsubscribed)
    assert day.unsubscribes == pytest.approx(unsubscribed * 1000)


def test_one_message_at_healthy_volume_exact_values():
    market, day = _one_day(1)
    assert (day.messages, day.bounces) == (200, 2)
    assert market.fatigue == pytest.approx(0.099)  # 198 / 1000 * 5 / 10
    assert market.unsubscribed == pytest.approx(0.002 * 0.198 * (1 + 0.033) * 0.99)


def test_more_messages_per_prospect_more_fatigue_and_unsubscribes():
    results = [_one_day(m) for m in (1, 2, 3, 5, 8)]
    fatigue = [market.fatigue for market, _ in results]
    unsubscribed = [market.unsubscribed for market, _ in results]
    assert all(b > a for a, b in zip(fatigue, fatigue[1:], strict=False))
    assert all(b > a for a, b in zip(unsubscribed, unsubscribed[1:], strict=False))


def test_repeated_heavy_sending_builds_fatigue_and_lowers_replies():
    market = _market()
    chances = [float(market.reply_probability(0.6))]
    for _ in range(10):
        market.receive_outreach(500, 5, 0.6, 0.0)
        market.end_of_day()
        chances.append(float(market.reply_probability(0.6)))
    assert all(b < a for a, b in zip(chances, chances[1:], strict=False))
    assert 0.0 < market.unsubscribed < 1.0


def test_fatigue_decays_with_memory_when_sending_stops():
    market, _ = _one_day(5)
    fatigue = market.fatigue
    unsubscribed = market.unsubscribed
    market.end_of_day()
    assert market.fatigue == pytest.approx(fatigue * (1 - 1 / P.fatigue_memory_days))
    # refresh replaces unsubscribed prospects with new leads
    assert market.unsubscribed == pytest.approx(unsubscribed * (1 - P.pool_refresh_per_day))


# --------------------------------------------------------------------------- bounces


@pytest.mark.parametrize(
    ("prospects_reached", "messages_per_prospect", "rate"),
    [
        (100, 1, 0.01),  # half the healthy volume: base rate
        (200, 1, 0.01),  # exactly healthy (1/week per prospect)
        (200, 3, 0.03),  # 3x healthy: 3x the base rate
        (200, 5, 0.05),
        (1000, 10, 0.5),  # 50 a week per prospect
        (2000, 20, 1.0),  # capped: everything bounces
    ],
)
def test_bounce_rate_rises_above_healthy_volume(prospects_reached, messages_per_prospect, rate):
    _, day = _one_day(messages_per_prospect, prospects_reached)
    assert day.messages == prospects_reached * messages_per_prospect
    assert day.bounces == round(day.messages * rate)
    if rate == 1.0:
        assert day.prospects_reached == 0
        assert day.replies == 0


# --------------------------------------------------------------------------- meetings, qualified


def test_meetings_and_qualified_carry_creation_hour_and_shrink_down_the_funnel():
    market = _market(prospects=1_000_000, seed=3, base_reply_rate=0.5)
    market.receive_outreach(5000, 1, 0.6, 2.5)
    market.receive_outreach(5000, 1, 0.6, 7.0)
    day = market.end_of_day()
    assert day.replied_sequences == 2
    assert 0 < len(day.qualified) <= len(day.meetings) <= day.replies <= day.prospects_reached
    assert set(day.meetings) == {2.5, 7.0}
    assert set(day.qualified) <= {2.5, 7.0}
    # meetings ~ Binomial(replies, 0.5); qualified ~ Binomial(meetings, 0.5 * 0.6)
    assert len(day.meetings) == pytest.approx(0.5 * day.replies, abs=5 * math.sqrt(day.replies / 4))
    m = len(day.meetings)
    assert len(day.qualified) == pytest.approx(0.3 * m, abs=5 * math.sqrt(m * 0.3 * 0.7))


# --------------------------------------------------------------------------- proposals


def _win_share(defect, contact, n=4000, seed=7):
    market = _market(seed=seed)
    for _ in range(n):
        market.receive_proposal(defect, contact)
    day = market.end_of_day()
    assert day.decisions == n
    assert day.revenue == pytest.approx(day.wins * P.deal_value)
    return day.wins / n


def test_proposals_with_defects_win_less_often():
    n = 4000
    sound = _win_share(False, 1.0, n)
    flawed = _win_share(True, 1.0, n)
    p_sound = P.base_win_rate  # 0.25
    p_flawed = P.base_win_rate * (1 - P.defect_win_penalty)  # 0.125
    sd_sound = math.sqrt(p_sound * (1 - p_sound) / n)  # 0.0068
    sd_flawed = math.sqrt(p_flawed * (1 - p_flawed) / n)  # 0.0052
    assert sound == pytest.approx(p_sound, abs=5 * sd_sound)
    assert flawed == pytest.approx(p_flawed, abs=5 * sd_flawed)
    # difference 0.125 with SD sqrt(sd_sound^2 + sd_flawed^2) ~ 0.0086: 5 SD below is still > 0.08
    sd_diff = math.hypot(sd_sound, sd_flawed)
    assert sound - flawed > (p_sound - p_flawed) - 5 * sd_diff
    assert sound - flawed > 0.08


def test_proposals_without_human_contact_win_less_often():
    n = 4000
    full = _win_share(False, 1.0, n, seed=11)
    none = _win_share(False, 0.0, n, seed=11)
    p_none = P.base_win_rate * (1 - P.human_contact_win_weight)  # 0.175
    assert none == pytest.approx(p_none, abs=5 * math.sqrt(p_none * (1 - p_none) / n))
    assert none < full


def test_proposal_contact_above_one_is_clipped():
    # same seed, same uniforms: contact 3.0 behaves exactly like contact 1.0
    assert _win_share(False, 3.0, 500, seed=5) == _win_share(False, 1.0, 500, seed=5)


# --------------------------------------------------------------------------- end of day


def test_end_of_day_resets_the_days_inputs():
    market = _market(prospects=100_000, seed=1)
    market.receive_outreach(5000, 2, 0.6, 1.0)
    for _ in range(5):
        market.receive_asset(0.6)
    for _ in range(20):
        market.receive_proposal(False, 1.0)
    first = market.end_of_day()
    assert first.messages == 10_000
    assert first.assets_published == 5
    assert first.decisions == 20
    second = market.end_of_day()
    assert second.messages == 0
    assert second.bounces == 0
    assert second.prospects_reached == 0
    assert second.replies == 0
    assert second.replied_sequences == 0
    assert second.meetings == []
    assert second.qualified == []
    assert second.assets_published == 0
    assert second.assets_used == 0
    assert second.decisions == 0
    assert second.wins == 0
    assert second.revenue == 0.0
    assert second.unsubscribes == pytest.approx(0.0, abs=1e-9)


def test_empty_day_is_all_zero():
    day = _market().end_of_day()
    assert (day.messages, day.replies, day.assets_published, day.decisions) == (0, 0, 0, 0)
    assert day.unsubscribes == 0.0


# --------------------------------------------------------------------------- assets


def _assets_day(relevances, pool=10_000, seed=0):
    market = _market(prospects=pool, seed=seed)
    for r in relevances:
        market.receive_asset(r)
    return market.end_of_day()


def test_few_assets_are_all_used():
    # attention = 10000 * 0.2 / 5 = 400 reads a day; 10 assets -> 40 reads each, P(<5) ~ 1e-12
    day = _assets_day([0.6] * 10)
    assert (day.assets_published, day.assets_used) == (10, 10)


def test_many_assets_leave_most_unused():
    # 200 assets share 400 reads: 2 each, P(>=5) = 0.0527; used ~ Bin(200, 0.0527): 10.5 +- 3.2
    day = _assets_day([0.6] * 200)
    p_used = poisson.sf(P.asset_useful_reads - 1, 2.0)
    sd = math.sqrt(200 * p_used * (1 - p_used))
    assert day.assets_published == 200
    assert day.assets_used == pytest.approx(200 * p_used, abs=5 * sd)
    assert 1 - day.assets_used / day.assets_published > 0.8


def test_zombie_share_grows_with_number_of_assets():
    zombie_share = []
    for n in (10, 50, 100, 200, 400):
        day = _assets_day([0.6] * n, seed=9)
        zombie_share.append(1 - day.assets_used / day.assets_published)
    assert zombie_share[0] == 0.0
    assert all(b > a for a, b in zip(zombie_share, zombie_share[1:], strict=False))


def test_low_relevance_assets_among_many_become_zombies():
    # 20 assets at 0.9 and 80 at 0.05 share 400 reads: 16.4 vs 0.91 reads expected each
    relevances = [0.9] * 20 + [0.05] * 80
    day = _assets_day(relevances, seed=4)
    mu = 400 * np.array(relevances) / sum(relevances)
    p_used = poisson.sf(P.asset_useful_reads - 1, mu)
    expected, sd = p_used.sum(), math.sqrt((p_used * (1 - p_used)).sum())
    assert expected == pytest.approx(20.2, abs=0.1)
    assert day.assets_used == pytest.approx(expected, abs=5 * sd)
    # the zombies are the low-relevance ones: about 80 of 100 go unused
    assert day.assets_published - day.assets_used >= 75


def test_unsubscribed_prospects_read_fewer_assets():
    fresh = _assets_day([0.6] * 100, pool=10_000, seed=2)
    market = _market(prospects=10_000, seed=2)
    market.unsubscribed = 0.9  # attention falls to 40 reads: 0.4 per asset
    for _ in range(100):
        market.receive_asset(0.6)
    tired = market.end_of_day()
    assert tired.assets_used < fresh.assets_used


# --------------------------------------------------------------------------- settle


def test_settle_without_sending_leaves_the_pool_at_rest():
    market = _market()
    market.settle(0.0, days=50)
    assert market.fatigue == 0.0
    assert market.unsubscribed == 0.0


def test_settle_reaches_the_fixed_point_of_its_own_update():
    market = _market(prospects=11_880)
    market.settle(3960.0)
    fatigue, unsubscribed = market.fatigue, market.unsubscribed
    assert 0.0 < unsubscribed < 1.0
    # fatigue equals the weekly messages per prospect actually delivered
    assert fatigue == pytest.approx(5 * market.delivered(3960.0) / 11_880, rel=1e-9)
    market.settle(3960.0, days=10)
    assert market.fatigue == pytest.approx(fatigue, rel=1e-9)
    assert market.unsubscribed == pytest.approx(unsubscribed, rel=1e-9)


def test_settle_more_sending_more_fatigue_and_unsubscribes():
    low, high = _market(prospects=10_000), _market(prospects=10_000)
    low.settle(1000.0)
    high.settle(4000.0)
    assert high.fatigue > low.fatigue
    assert high.unsubscribed > low.unsubscribed


def test_settled_pool_does_not_drift_at_the_same_sending_volume():
    # default org before AI: 44 reps x 1.5 sequences x 20 prospects x 3 messages = 3960 a day,
    # pool 270 x 44 = 11880, healthy volume 1.5 a week as in configs/market/default.yaml
    market = _market(prospects=11_880, healthy_messages_per_week=1.5)
    market.settle(3960.0)
    fatigue, unsubscribed = market.fatigue, market.unsubscribed
    for _ in range(60):
        for _ in range(66):
            market.receive_outreach(20, 3, 0.6, 0.0)
        market.end_of_day()
    # the docs promise "the baseline does not drift"; allow 1% (observed: ~ +8% fatigue)
    assert market.fatigue == pytest.approx(fatigue, rel=0.01)
    assert market.unsubscribed == pytest.approx(unsubscribed, rel=0.01)


# --------------------------------------------------------------------------- the mechanisms


def test_every_mechanism_is_on_by_default():
    assert all(getattr(MarketConfig(), name) for name in MECHANISMS)


def test_switched_off_the_day_is_what_the_core_equations_give():
    market = _market(prospects=100_000, seed=5, base_reply_rate=0.3)
    market.receive_outreach(3000, 1, 0.6, 1.0)
    for _ in range(200):
        market.receive_proposal(False, 1.0)
    day = market.end_of_day()
    assert day.proposals_due == day.qualified  # no pipeline: proposals asked for at once
    assert day.revenue == day.revenue_new == day.wins * P.deal_value  # no installed base
    assert day.revenue_recurring == 0.0 and day.pipeline_open == 0
    assert day.inbox_placement == 1.0 and day.burned_share == 0.0


@pytest.mark.parametrize("relevance", [0.3, 0.6, 0.9])
def test_relevance_counted_once_leaves_qualification_at_the_baseline_fit(relevance):
    once = _market(relevance_counted_once=True)
    twice = _market()
    assert once.qualify_probability(relevance) == pytest.approx(P.qualify_per_meeting * 0.6)
    assert twice.qualify_probability(relevance) == pytest.approx(P.qualify_per_meeting * relevance)
    # the reply chance carries relevance either way
    assert once.reply_probability(relevance) == pytest.approx(twice.reply_probability(relevance))


def test_pipeline_holds_opportunities_for_a_sales_cycle():
    market = _market(prospects=1_000_000, seed=11, base_reply_rate=0.5, pipeline=True)
    market.receive_outreach(20_000, 1, 0.6, 3.0)
    first = market.end_of_day()
    assert len(first.qualified) > 100 and first.proposals_due == []
    assert first.pipeline_open == len(first.qualified)
    due = []
    for _ in range(400):
        due += market.end_of_day().proposals_due
    # every opportunity comes out once, with its creation hour, at mean ~ sales_cycle_days
    assert len(due) == len(first.qualified) and set(due) == {3.0}
    assert market.end_of_day().pipeline_open == 0


def test_pipeline_cycle_lengths_average_the_sales_cycle():
    market = _market(prospects=1_000_000, seed=2, base_reply_rate=0.5, pipeline=True)
    market.receive_outreach(50_000, 1, 0.6, 0.0)
    n = len(market.end_of_day().qualified)
    days = [d for d in range(1, 600) for _ in market.end_of_day().proposals_due]
    sd = P.sales_cycle_days / math.sqrt(P.sales_cycle_shape) / math.sqrt(n)
    assert len(days) == n
    assert np.mean(days) == pytest.approx(P.sales_cycle_days + 0.5, abs=5 * sd + 1)


def test_seeded_pipeline_gives_the_steady_flow_from_the_first_day():
    market = _market(seed=4, pipeline=True)
    market.seed_pipeline(50.0)
    due = [len(market.end_of_day().proposals_due) for _ in range(40)]
    # Poisson(50 * P(cycle >= d)): about 50 a day at first, falling as the seeded stock drains
    assert np.mean(due[:5]) == pytest.approx(50.0, abs=5 * math.sqrt(50 / 5))
    assert np.mean(due[-5:]) < np.mean(due[:5])


def test_installed_base_starts_flat_and_churns_more_without_contact():
    flat = _market(installed_base=True)
    flat.seed_installed_base(2.0)
    net = P.annual_churn - P.annual_expansion
    assert flat.recurring == pytest.approx(2.0 * P.deal_value * 250 / net)
    revenue = [flat.end_of_day().revenue_recurring for _ in range(100)]
    assert revenue[-1] == pytest.approx(revenue[0], rel=1e-9)  # steady at full contact
    lonely = _market(installed_base=True)
    lonely.seed_installed_base(2.0)
    lonely.receive_contact(0.5)
    days = [lonely.end_of_day() for _ in range(100)]
    assert days[-1].revenue_recurring < revenue[-1]
    assert days[0].churned_revenue == pytest.approx(
        flat.recurring * P.annual_churn * (1 + 0.5 * P.contact_churn_weight) / 250
    )
    assert days[0].revenue == days[0].revenue_recurring  # no wins today: recurring only


def test_installed_base_churns_more_with_less_relevant_messages():
    market = _market(installed_base=True)
    assert market.churn_multiplier(0.6) == 1.0
    assert market.churn_multiplier(0.3) == pytest.approx(1 + 0.5 * P.relevance_churn_weight)
    assert market.churn_multiplier(0.9) == 1.0  # more relevant than baseline: no extra churn


def test_sender_reputation_falls_with_bounces_and_heals():
    market = _market(sender_reputation=True)
    assert market.inbox_placement() == 1.0
    for _ in range(20):
        market.receive_outreach(1000, 10, 0.6, 0.0)  # 50 a week per prospect: bounces 50%
        market.end_of_day()
    hurt = market.inbox_placement()
    assert hurt < 0.5
    for _ in range(60):
        market.end_of_day()
    assert hurt < market.inbox_placement() < 1.0
    assert market.damage == pytest.approx(
        -math.log(hurt) / P.placement_loss * (1 - 1 / P.reputation_memory_days) ** 60
    )


def test_low_reputation_lowers_reach_of_every_later_send():
    good = _market(prospects=100_000, seed=1, sender_reputation=True)
    bad = _market(prospects=100_000, seed=1, sender_reputation=True)
    bad.damage = 1.0
    good.receive_outreach(5000, 1, 0.6, 0.0)
    bad.receive_outreach(5000, 1, 0.6, 0.0)
    g, b = good.end_of_day(), bad.end_of_day()
    assert b.prospects_reached == pytest.approx(
        g.prospects_reached * math.exp(-P.placement_loss), rel=0.05
    )


def test_list_burn_rises_with_irrelevant_contact_and_is_forgotten():
    relevant, irrelevant = _market(list_burn=True), _market(list_burn=True)
    for _ in range(10):
        relevant.receive_outreach(200, 1, 0.9, 0.0)
        irrelevant.receive_outreach(200, 1, 0.2, 0.0)
        relevant.end_of_day(), irrelevant.end_of_day()
    assert 0.0 < relevant.burned < irrelevant.burned < 1.0
    assert irrelevant.reply_probability(0.6) < relevant.reply_probability(0.6) < 0.04
    burned = irrelevant.burned
    irrelevant.end_of_day()  # no contact: memory fades and new leads replace the burned
    keep = (1 - 1 / P.burn_memory_days) * (1 - P.pool_refresh_per_day)
    assert irrelevant.burned == pytest.approx(burned * keep)


def test_settled_burn_is_the_reply_baseline():
    market = _market(prospects=11_880, list_burn=True)
    market.settle(3960.0, prospects_per_day=1320.0)
    assert 0.0 < market.burned_at_rest == market.burned < 1.0
    assert market.reply_probability(0.6) == pytest.approx(
        0.04 * math.exp(-market.fatigue / P.fatigue_messages_per_week)
    )


def test_win_loss_readout_attributes_losses_and_unsubscribes():
    market = _market(seed=9)
    market.fatigue = 3.0  # one unit of fatigue: half the unsubscribes owed to over-contact
    market.receive_outreach(200, 1, 0.6, 0.0)
    for defect, contact in [(False, 1.0), (True, 1.0), (False, 0.0)]:
        market.receive_proposal(defect, contact)
    day = market.end_of_day()
    assert 0.0 < day.unsubscribes_over_contact < day.unsubscribes
    boost = market.fatigue / P.fatigue_messages_per_week
    assert day.unsubscribes_over_contact == pytest.approx(day.unsubscribes * boost / (1 + boost))
    w = P.base_win_rate
    expected = w * P.defect_win_penalty + w * P.human_contact_win_weight
    assert day.losses_not_understood == pytest.approx(expected)
    assert day.losses == 3 - day.wins


# --------------------------------------------------------------------------- in the model


def test_in_the_model_without_the_mechanisms_revenue_is_new_wins_and_proposals_follow_pipeline():
    import sim

    off = [f"market.{name}=false" for name in MECHANISMS]
    rows = sim.run(sim.load_config(["days=30", *off])).timeseries
    assert (rows.revenue == rows.wins * MarketConfig().deal_value).all()
    assert (rows.proposals_due == rows.qualified_pipeline).all()
    assert (rows.revenue_recurring == 0).all() and (rows.inbox_placement == 1).all()


def test_in_the_model_the_mechanisms_start_in_steady_state():
    import sim

    rows = sim.run(sim.load_config(["days=20", "ai.automation_rate=0"])).timeseries
    # before AI: proposals flow from the seeded pipeline, recurring revenue is most of revenue
    assert rows.proposals_due.iloc[:5].sum() > 0
    assert (rows.revenue_recurring > rows.revenue_new).all()
    assert rows.revenue_recurring.iloc[-1] == pytest.approx(
        rows.revenue_recurring.iloc[0], rel=0.01
    )
    assert rows.inbox_placement.min() > 0.99
