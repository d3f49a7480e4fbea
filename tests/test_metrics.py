import copy

import numpy as np
import pandas as pd
import pytest

import sim
from sim.metrics import Books, ConservationError, littles_law
from sim.model import OrgModel


def stepped(cfg, days):
    model = OrgModel(cfg)
    for _ in range(days):
        model.step()
    return model


def test_collecting_only_reads_the_model(small_cfg):
    model = stepped(small_cfg, 12)
    state = (
        copy.deepcopy(model.today),
        model.staff.skill.copy(),
        model.staff.exhaustion.copy(),
        list(model.staff.trust),
        model.engine.created,
        model.engine.done,
    )
    extra = Books(model)
    extra.collect(model)
    extra.collect(model)
    assert extra.rows[0] == extra.rows[1] == model.datacollector.rows[-1]
    after = (
        model.today,
        model.staff.skill,
        model.staff.exhaustion,
        model.staff.trust,
        model.engine.created,
        model.engine.done,
    )
    assert state[0] == after[0]
    for before, now in zip(state[1:4], after[1:4], strict=True):
        np.testing.assert_array_equal(before, now)
    assert state[4:] == after[4:]


def test_one_row_per_day_with_both_books(small_cfg):
    model = stepped(small_cfg, 15)
    frame = model.datacollector.get_model_vars_dataframe()
    assert frame.day.tolist() == list(range(15))
    assert {"artifacts_per_fte", "messages_sent", "qualified_pipeline", "escaped_defects"} <= set(
        frame.columns
    )
    assert {f"queue_{name}" for name in ("sales", "brand_review", "managers")} <= set(frame)
    assert "queue_market" not in frame  # the market has nobody to queue for


def test_artifacts_per_fte_divides_by_the_producers(small_cfg):
    model = stepped(small_cfg, 3)
    row = model.datacollector.rows[-1]
    assert model.datacollector.producer_fte == 18 + 44  # marketing + sales
    assert row["artifacts_per_fte"] == pytest.approx(row["artifacts_drafted"] / 62)


def test_a_lost_artifact_stops_the_run(small_cfg):
    model = stepped(small_cfg, 2)
    model.engine.done += 1  # as if the engine counted an artifact that never existed
    with pytest.raises(ConservationError, match="created"):
        model.datacollector.collect(model)


def test_outcome_linked_counting_is_smaller_than_counting_everything():
    rows = {}
    for counts in ("all", "outcome_linked"):
        cfg = sim.load_config(["days=30", f"metrics.dashboard_counts={counts}"])
        rows[counts] = stepped(cfg, 30).datacollector.get_model_vars_dataframe()
    assert rows["outcome_linked"].dashboard_counted.sum() < rows["all"].dashboard_counted.sum()
    # the outcome books are the same: only what the dashboard counts changed
    assert rows["outcome_linked"].qualified_pipeline.equals(rows["all"].qualified_pipeline)


def test_nobody_reviews_ai_output_without_ai():
    cfg = sim.load_config(["days=40", "ai.automation_rate=0", "ai.rollout_day=10"])
    model = stepped(cfg, 40)
    survey = model.datacollector.survey(model)
    assert survey["more_time_reviewing_ai_share"] == 0.0
    with_ai = sim.load_config(["days=40", "ai.automation_rate=1", "ai.rollout_day=10"])
    model = stepped(with_ai, 40)
    assert model.datacollector.survey(model)["more_time_reviewing_ai_share"] > 0.0


def test_littles_law_per_stage(small_cfg):
    law = littles_law(stepped(small_cfg, 30))
    assert {"sales", "brand_review"} <= set(law)
    for stage in law.values():
        assert stage["relative_error"] < 0.05


def test_article_dashboard_reads_one_pre_ai_plan_per_fte_before_ai():
    cfg = sim.load_config(["days=30", "ai.automation_rate=0", "metrics.dashboard_counts=article"])
    rows = sim.run(cfg).timeseries
    settled = rows[rows.day >= 10]
    # assets and messages drafted in marketing and sales, in units of their pre-AI plan
    assert settled.dashboard_per_fte.mean() == pytest.approx(1.0, abs=0.1)


def test_article_dashboard_changes_only_what_the_dashboard_counts():
    rows = {}
    for counts in ("all", "article"):
        cfg = sim.load_config(["days=30", f"metrics.dashboard_counts={counts}"])
        rows[counts] = sim.run(cfg).timeseries
    dashboard = ["dashboard_counted", "dashboard_per_fte"]
    assert not np.allclose(rows["all"].dashboard_per_fte, rows["article"].dashboard_per_fte)
    pd.testing.assert_frame_equal(
        rows["all"].drop(columns=dashboard), rows["article"].drop(columns=dashboard)
    )
    # AI drafts count like human ones: the article's dashboard rises with the drafts
    after = rows["article"][rows["article"].day >= 20].dashboard_per_fte.mean()
    assert after > rows["article"][rows["article"].day.between(10, 19)].dashboard_per_fte.mean()
