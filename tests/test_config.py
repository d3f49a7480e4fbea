import pytest

import sim
from sim.config import ConfigError


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("ai.automation_rate=1.5", "ai.automation_rate = 1.5"),
        ("ai.automation_rate=-0.1", "ai.automation_rate = -0.1"),
        ("org.stages.sales.headcount=-3", "org.stages.sales.headcount = -3"),
        (
            "org.stages.brand_review.attention_hours=30",
            "org.stages.brand_review.attention_hours = 30.0",
        ),
        (
            "org.handoffs.0.routing.campaign_asset=1.2",
            "org.handoffs[0].routing.campaign_asset = 1.2",
        ),
        ("org.handoffs.0.target=nowhere", "org.handoffs[0].target = 'nowhere'"),
        ("org.stages.marketing.headcount=0", "org.stages.marketing.headcount = 0"),
        ("market.base_reply_rate=2", "market.base_reply_rate = 2.0"),
        ("org.stages.sales.role=wizard", "org.stages.sales.role = 'wizard'"),
        ("metrics.dashboard_counts=some", "metrics.dashboard_counts = 'some'"),
        ("task=dance", "task = 'dance'"),
    ],
)
def test_bad_values_name_key_value_and_rule_in_one_line(override, expected):
    with pytest.raises(ConfigError) as error:
        sim.load_config([override])
    message = str(error.value)
    assert expected in message
    assert "\n" not in message
    assert "not allowed" in message


def test_routing_that_sums_above_one_is_rejected():
    with pytest.raises(ConfigError, match="routing sum = 1.3"):
        sim.load_config(["org.handoffs.2.routing.campaign_asset=1.0"])


def test_misspelled_key_is_named():
    with pytest.raises(ConfigError) as error:
        sim.load_config(["ai.automaton_rate=0.5"])
    assert "automaton_rate" in str(error.value)
    assert "\n" not in str(error.value)


def test_wrong_type_is_named():
    with pytest.raises(ConfigError) as error:
        sim.load_config(["days=many"])
    assert "days" in str(error.value) and "many" in str(error.value)


def test_unknown_group_option_is_named():
    with pytest.raises(ConfigError, match="nonexistent"):
        sim.load_config(["org=nonexistent"])


def test_default_and_seed_case_organisations():
    default = sim.load_config([])
    people = sum(stage.headcount for stage in default.org.stages.values())
    assert 60 <= people <= 150
    seed_case = sim.load_config(["org=gtm_2800"])
    assert sum(stage.headcount for stage in seed_case.org.stages.values()) == 2800
    assert seed_case.days == 195 and seed_case.ai.rollout_day == 20


def test_a_stage_that_receives_work_needs_people():
    with pytest.raises(ConfigError, match="org.stages.deal_desk.headcount = 0"):
        sim.load_config(["org.stages.deal_desk.headcount=0"])
