from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.capacity import (
    load_growth,
    planned_entries,
    saturation_point,
    stage_capacity_hours,
    utilisation,
)
from sim.workflow import build_graph

# Default org by hand. Brand review (3 people x 6 h = 18 h) sees campaign assets (18 marketers x
# 0.3/day x 1 h) and explainers (18 x 0.5/day x 0.5 h): 9.9 h/day without AI, utilisation 0.55.
# Both kinds have AI effort ratio 0.3, so at automation a the unit cost is (1 - 0.7 a) of the
# human cost and volume grows by (1 - 0.7 a)^-e, e = people.production.volume_elasticity.
BRAND_AT_ZERO = 9.9 / 18.0
# Legal review (2 x 6 h) sees 30% of campaign assets at 0.75 h: 5.4 * 0.3 * 0.75 / 12.
LEGAL_AT_ZERO = 5.4 * 0.3 * 0.75 / 12.0


def brand_utilisation(a, elasticity):
    return BRAND_AT_ZERO * (1.0 - 0.7 * a) ** -elasticity


def brand_saturation(elasticity, at_zero=BRAND_AT_ZERO):
    # at_zero * (1 - 0.7 a)^-e = 1  =>  a = (1 - at_zero^(1/e)) / 0.7
    return (1.0 - at_zero ** (1.0 / elasticity)) / 0.7


@pytest.fixture(scope="module")
def cfg():
    return sim.load_config([])


@pytest.fixture(scope="module")
def eps(cfg):
    elasticity = cfg.people.production.volume_elasticity
    assert 0.0 < elasticity <= 5.0
    return elasticity


@pytest.fixture(scope="module")
def cfg_fixed_volume():
    return sim.load_config(["people.production.volume_elasticity=0"])


def test_stage_capacity_hours(cfg):
    graph = build_graph(cfg.org)
    assert stage_capacity_hours(graph, "brand_review") == pytest.approx(18.0)
    assert stage_capacity_hours(graph, "legal_review") == pytest.approx(12.0)
    assert stage_capacity_hours(graph, "managers") == pytest.approx(12 * (4.5 - 3.0))
    assert stage_capacity_hours(graph, "sales") == pytest.approx(44 * (6.0 - 2.0))
    assert stage_capacity_hours(graph, "market") == 0.0


def test_planned_entries_without_ai(cfg):
    graph = build_graph(cfg.org)
    entries = planned_entries(graph, cfg, 0.0)
    assert entries["outreach_sequence"] == pytest.approx({"sales": 66.0})
    assert entries["campaign_asset"] == pytest.approx({"marketing": 5.4})
    assert entries["explainer"] == pytest.approx({"marketing": 9.0})
    assert entries["status_report"] == pytest.approx({"marketing": 3.6, "sales": 8.8})
    assert entries["qbr_deck"] == pytest.approx({"sales": 2.2})
    assert "proposal" not in entries  # demand-driven, not planned
    assert "call_summary" not in entries


def test_planned_entries_grow_with_cheaper_drafts(cfg, eps):
    graph = build_graph(cfg.org)
    entries = planned_entries(graph, cfg, 0.5)
    # outreach: effort ratio 0.2 -> cost 0.6 of human, volume x 0.6^-e
    assert entries["outreach_sequence"]["sales"] == pytest.approx(66.0 * 0.6**-eps)
    assert entries["campaign_asset"]["marketing"] == pytest.approx(5.4 * 0.65**-eps)
    # QBR decks: effort ratio 0.5 -> cost 0.75
    assert entries["qbr_deck"]["sales"] == pytest.approx(2.2 * 0.75**-eps)


def test_utilisation_stages_reported(cfg):
    result = utilisation(cfg, 0.0)
    # producers and the market are left out
    assert set(result) == {"brand_review", "legal_review", "deal_desk", "engineering", "managers"}
    assert result["brand_review"] == pytest.approx(BRAND_AT_ZERO)
    assert result["legal_review"] == pytest.approx(LEGAL_AT_ZERO)
    assert result["managers"] == pytest.approx((2.2 * 1.0 + 12.4 * 0.2) / 18.0)
    assert result["deal_desk"] == 0.0  # proposals are demand-driven


@pytest.mark.parametrize("a", [0.0, 0.25, 0.5, 0.75, 1.0])
def test_brand_review_utilisation_matches_hand_calculation(cfg, eps, a):
    assert utilisation(cfg, a)["brand_review"] == pytest.approx(brand_utilisation(a, eps))


def test_utilisation_grows_with_automation_for_brand_review(cfg):
    graph = build_graph(cfg.org)
    values = [utilisation(cfg, a, graph)["brand_review"] for a in np.linspace(0.0, 1.0, 11)]
    assert all(b > a for a, b in zip(values, values[1:], strict=False))
    assert values[0] < 1.0 < values[-1]


def test_saturation_point_of_brand_review(cfg, eps):
    point = saturation_point(cfg, "brand_review")
    assert point == pytest.approx(brand_saturation(eps), abs=1e-5)
    assert 0.0 < point < 1.0
    assert utilisation(cfg, point - 1e-3)["brand_review"] < 1.0
    assert utilisation(cfg, point + 1e-3)["brand_review"] > 1.0
    assert utilisation(cfg, point)["brand_review"] == pytest.approx(1.0, abs=1e-5)


def test_saturation_point_none_for_legal_review(cfg, eps):
    # verify first that legal review never reaches 1 on [0, 1]
    top = utilisation(cfg, 1.0)["legal_review"]
    assert top == pytest.approx(LEGAL_AT_ZERO * 0.3**-eps)
    assert top < 1.0
    assert saturation_point(cfg, "legal_review") is None


def test_saturation_point_none_for_unknown_or_idle_stage(cfg):
    assert saturation_point(cfg, "deal_desk") is None
    assert saturation_point(cfg, "sales") is None  # producers are not in the utilisation table


def test_saturation_point_zero_when_already_saturated():
    cfg = sim.load_config(["org.stages.brand_review.headcount=1"])
    assert utilisation(cfg, 0.0)["brand_review"] == pytest.approx(9.9 / 6.0)
    assert saturation_point(cfg, "brand_review") == 0.0


def test_more_reviewers_push_saturation_later(cfg, eps):
    more = sim.load_config(["org.stages.brand_review.headcount=4"])
    point = saturation_point(more, "brand_review")
    assert point == pytest.approx(brand_saturation(eps, 9.9 / 24.0), abs=1e-5)
    assert point > saturation_point(cfg, "brand_review")


def test_load_growth_is_one_without_ai(cfg):
    growth = load_growth(cfg, 0.0)
    assert set(growth) == set(build_graph(cfg.org).nodes)
    assert all(v == pytest.approx(1.0) for v in growth.values())


def test_load_growth_values_at_half_automation(cfg, eps):
    growth = load_growth(cfg, 0.5)
    assert growth["brand_review"] == pytest.approx(0.65**-eps)
    assert growth["legal_review"] == pytest.approx(0.65**-eps)
    # managers: QBR decks (ratio 0.5) and status reports (ratio 0.15) grow at different rates
    managers = (2.2 * 0.75**-eps + 12.4 * 0.2 * 0.575**-eps) / (2.2 + 12.4 * 0.2)
    assert growth["managers"] == pytest.approx(managers)
    assert growth["deal_desk"] == 1.0  # no planned load: reported as 1
    assert growth["market"] == 1.0


def test_no_load_growth_with_zero_elasticity(cfg_fixed_volume):
    assert cfg_fixed_volume.people.production.volume_elasticity == 0
    for a in (0.25, 0.5, 1.0):
        growth = load_growth(cfg_fixed_volume, a)
        assert all(v == pytest.approx(1.0) for v in growth.values())


def test_utilisation_flat_with_zero_elasticity(cfg, cfg_fixed_volume):
    base = utilisation(cfg, 0.0)
    for a in (0.5, 1.0):
        assert utilisation(cfg_fixed_volume, a) == pytest.approx(base)
    assert saturation_point(cfg_fixed_volume, "brand_review") is None


def test_higher_elasticity_saturates_earlier(cfg, eps):
    higher = sim.load_config([f"people.production.volume_elasticity={eps + 0.5}"])
    point = saturation_point(higher, "brand_review")
    assert point == pytest.approx(brand_saturation(eps + 0.5), abs=1e-5)
    assert point < saturation_point(cfg, "brand_review")


def test_elasticity_one_saturation_by_hand():
    cfg = sim.load_config(["people.production.volume_elasticity=1"])
    # 0.55 / (1 - 0.7 a) = 1  =>  a = 0.45 / 0.7
    assert saturation_point(cfg, "brand_review") == pytest.approx(0.45 / 0.7, abs=1e-5)
