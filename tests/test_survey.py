import numpy as np
import pytest

import sim
from sim.runner import simulate
from sim.survey import scale


def test_answers_on_a_five_point_scale():
    score = np.array([-0.5, -0.1, -0.01, 0.0, 0.04, 0.06, 0.2])
    assert scale(score, 0.05).tolist() == [1, 2, 3, 3, 3, 4, 5]


@pytest.fixture(scope="module")
def surveys(small_cfg):
    def survey(*overrides):
        cfg = sim.load_config(["days=60", "ai.rollout_day=10", "progress=false", *overrides])
        return simulate(cfg)[1]["survey"]

    return survey


def test_without_ai_the_ai_questions_read_zero_and_burnout_its_pre_ai_level(surveys):
    answers = surveys("ai.automation_rate=0")
    assert answers["respondents"] > 0
    assert answers["workload_rose_share"] == 0.0
    assert answers["more_time_reviewing_ai_share"] == 0.0
    assert answers["workload_answer_mean"] == 3.0
    assert answers["burnt_out_share"] == pytest.approx(answers["burnt_out_share_before"], abs=0.05)


def test_with_ai_users_report_more_work_and_more_checking(surveys):
    answers = surveys("ai.automation_rate=0.85")
    assert answers["workload_rose_share"] > 0.2
    assert answers["more_time_reviewing_ai_share"] > 0.2
    assert answers["burnt_out_share"] >= answers["burnt_out_share_before"]


def test_only_ai_users_answer():
    cfg = sim.load_config(
        ["days=60", "ai.rollout_day=10", "progress=false", "ai.adoption_days=200"]
    )
    _, summary, model = simulate(cfg)
    started = model.staff.adoption_day <= cfg.days - 1
    assert summary["survey"]["respondents"] == int(started.sum())
    assert 0 < summary["survey"]["respondents"] < len(model.people)


def test_the_hours_readout_is_the_earlier_survey(surveys):
    answers = surveys("metrics.survey=hours")
    assert set(answers) == {
        "workload_rose_share",
        "more_time_reviewing_ai_share",
        "burnt_out_share",
    }
