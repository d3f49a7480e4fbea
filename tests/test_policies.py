"""The seed's remedies: each moves what it claims, draws on no other stream, and composes."""

import numpy as np
import pandas as pd
import pytest

import sim
from sim.agents import Producer, Reviewer
from sim.config import ConfigError
from sim.model import OrgModel
from sim.policies import MECHANISMS, available, overrides
from sim.runner import simulate
from sim.stats import confidence_interval
from sim.tables import AI

BASE = ["days=80", "ai.rollout_day=10", "ai.automation_rate=0.85"]
REPLICATIONS = 4


def late(policy: list[str], *extra: str) -> pd.DataFrame:
    """Per replication: the mean of every column over the last 30 days."""
    rows = []
    for r in range(REPLICATIONS):
        timeseries = simulate(sim.load_config([*BASE, *overrides(policy), *extra]), r)[0]
        rows.append(timeseries[timeseries.day >= 50].mean(numeric_only=True))
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def baseline() -> pd.DataFrame:
    return late([])


def change(policy: pd.DataFrame, baseline: pd.DataFrame, column: str) -> dict[str, float]:
    """Paired change against the baseline (common random numbers), with its 95% CI."""
    return confidence_interval((policy[column] - baseline[column]).to_numpy())


def test_every_policy_file_has_its_schema_and_its_mechanism():
    assert available() == sorted(MECHANISMS)
    cfg = sim.load_config(overrides(available()))  # all of them at once: they compose
    assert all(cfg.policy[name].enabled for name in MECHANISMS)
    assert not any(sim.load_config([]).policy[name].enabled for name in MECHANISMS)


def test_an_unknown_policy_is_one_clear_line():
    with pytest.raises(ConfigError) as error:
        sim.load_config(["policy=[training,cheaper_ai]"])
    message = str(error.value)
    assert "\n" not in message and "cheaper_ai" in message and "training" in message


def test_human_in_the_loop_reads_critical_work_without_deference(small_cfg):
    plain = OrgModel(sim.load_config(BASE))
    careful = OrgModel(sim.load_config([*BASE, *overrides(["human_in_the_loop"])]))
    for model in (plain, careful):
        for person in range(len(model.people)):
            model.staff.trust[person] = 0.8
        model.sampling[model.stage_index["legal_review"]] = True
        model.sampling_draws.uniform = lambda: 0.99  # outside any sample
    proposal = careful.kind_index["proposal"]
    reviewers = [
        next(p for p in m.people if isinstance(p, Reviewer) and p.stage_name == "legal_review")
        for m in (plain, careful)
    ]
    drafts = [m.new_artifact(proposal, AI, 0, 0.0, 0.7) for m in (plain, careful)]
    assert reviewers[1].vigilance(drafts[1]) > reviewers[0].vigilance(drafts[0])
    hours = [r.work_hours(d) for r, d in zip(reviewers, drafts, strict=True)]
    assert drafts[0].waved and not drafts[1].waved  # a critical decision is always read
    outreach = careful.kind_index["outreach_sequence"]  # not critical: unchanged
    other = careful.new_artifact(outreach, AI, 0, 0.0, 0.7)
    assert reviewers[1].vigilance(other) == reviewers[0].vigilance(other)
    assert hours[1] > careful.cfg.policy.human_in_the_loop.rationale_hours


def test_relevance_filter_discards_irrelevant_drafts_at_a_cost_in_hours(baseline):
    policy = late(["relevance_filter"])
    assert (policy.discarded > 0).all()
    assert change(policy, baseline, "escaped_defects")["ci_high"] < 0
    assert change(policy, baseline, "hidden_validation_hours")["ci_low"] > 0
    assert change(policy, baseline, "response_rate")["ci_low"] > 0


def test_absorption_threshold_holds_drafts_and_cuts_the_wait(baseline):
    policy = late(["absorption_threshold"])
    assert change(policy, baseline, "artifacts_drafted")["ci_high"] < 0
    assert change(policy, baseline, "time_to_send_days")["ci_high"] < 0


def test_training_keeps_skill_and_slows_trust(baseline):
    policy = late(["training"])
    assert change(policy, baseline, "skill_mean")["ci_low"] > 0
    assert change(policy, baseline, "trust_mean")["ci_high"] < 0


def test_augmentation_only_keeps_intangible_work_human_and_protects_customer_time(baseline):
    cfg = sim.load_config([*BASE, *overrides(["augmentation_only"])])
    model, plain = OrgModel(cfg), OrgModel(sim.load_config(BASE))
    k = model.kind_index["proposal"]
    assert model.kinds.ai_effort_ratio[k] == cfg.policy.augmentation_only.effort_ratio
    human, machine = plain.kinds.defect_probability[k]
    assert human < model.kinds.defect_probability[k][AI] < machine
    outreach = model.kind_index["outreach_sequence"]  # tangible: as before
    assert model.kinds.defect_probability[outreach] == plain.kinds.defect_probability[outreach]
    policy = late(["augmentation_only"])
    assert change(policy, baseline, "customer_hours")["ci_low"] > 0


def test_outcome_kpis_count_outcomes_and_curb_volume(baseline):
    policy = late(["outcome_kpis"])
    assert change(policy, baseline, "artifacts_drafted")["ci_high"] < 0
    assert (policy.dashboard_counted < policy.artifacts_drafted).all()


def test_process_redesign_adds_one_sampled_step_instead_of_two():
    plain = simulate(sim.load_config(BASE))[1]
    redesigned = simulate(sim.load_config([*BASE, *overrides(["process_redesign"])]))[1]
    assert len(plain["control_steps_added"]) == 2 and len(redesigned["control_steps_added"]) == 1
    assert redesigned["time_to_send_after_days"] < plain["time_to_send_after_days"]


def test_capacity_alignment_hires_after_its_lead_time(baseline):
    timeseries, summary, model = simulate(
        sim.load_config(
            [*BASE, *overrides(["capacity_alignment"]), "policy.capacity_alignment.lead_days=20"]
        )
    )
    hired = timeseries[timeseries.hired > 0].day
    assert summary["hired_end"] > 0 and hired.min() == 10 + 20
    policy = late(["capacity_alignment"], "policy.capacity_alignment.lead_days=20")
    assert change(policy, baseline, "time_to_send_days")["ci_high"] < 0


@pytest.mark.parametrize(
    ("policy", "neutral"),
    [
        (
            "relevance_filter",
            [
                "policy.relevance_filter.bar=0",
                "policy.relevance_filter.judgement_sd=0",
                "policy.relevance_filter.triage_effort_share=0",
            ],
        ),
        (
            "training",
            [
                "policy.training.hours_per_week=0",
                "policy.training.skill_recovery_per_week=0",
                "policy.training.trust_gain_cut=0",
            ],
        ),
        ("absorption_threshold", ["policy.absorption_threshold.threshold_days=1e9"]),
        ("capacity_alignment", ["policy.capacity_alignment.lead_days=1000"]),
    ],
)
def test_a_policy_whose_effect_is_neutralised_changes_no_random_stream(policy, neutral):
    base = simulate(sim.load_config(BASE))[0]
    switched = simulate(sim.load_config([*BASE, *overrides([policy]), *neutral]))[0]
    pd.testing.assert_frame_equal(base, switched[base.columns], check_exact=True)


def test_producers_judge_relevance_with_error_on_their_own_stream():
    model = OrgModel(sim.load_config([*BASE, *overrides(["relevance_filter"])]))
    author = next(p for p in model.people if isinstance(p, Producer))
    kind = model.kind_index["outreach_sequence"]
    draws = np.array([model.judgement_draws.normal() for _ in range(1000)])
    assert abs(draws.mean()) < 0.1 and 0.9 < draws.std() < 1.1
    draft = model.new_artifact(kind, AI, author.stage, 0.0, 0.95)
    assert author.filters(draft) and author.triage(draft)  # far above the bar: kept
