"""The robustness screen: scaling a parameter, judging every row again, ranking parameters."""

import json

import pandas as pd
import pytest

import sim
from experiments import robustness
from experiments.seed_case import described_facts, fact, write_seed_case
from sim.outputs import write_run

SMALL = ["experiment=seed_case", "org=default", "days=60", "replications=1", "figures=false"]


@pytest.fixture(scope="module")
def base():
    cfg = sim.load_config(SMALL)
    result = sim.run(cfg, progress=False)
    runs = [f.reset_index(drop=True) for _, f in result.timeseries.groupby("replication")]
    described = described_facts()
    rows = [fact(f, cfg, runs, result.replications) for f in described["facts"]]
    rows += [fact(f, cfg, runs, result.replications) for f in described["survey"]]
    return cfg, result, rows, described


def test_a_pattern_scales_every_matching_number_and_clips_to_its_bound():
    cfg = sim.load_config(["org=default"])
    relevance = robustness.scaled(cfg, "ai.kinds.*.relevance_mean", 1.5, high=0.7)
    assert set(relevance) == {f"ai.kinds.{k}.relevance_mean" for k in cfg.ai.kinds}
    for key, value in relevance.items():
        kind = key.split(".")[2]
        assert value == min(cfg.ai.kinds[kind].relevance_mean * 1.5, 0.7)
    assert robustness.scaled(cfg, "governance.escalation_factor", 0.5, low=1.0) == {
        "governance.escalation_factor": 1.0
    }
    with pytest.raises(ValueError, match="no_such"):
        robustness.scaled(cfg, "ai.no_such", 0.5)


def test_a_factor_of_one_changes_no_verdict(base):
    cfg, _, rows, described = base
    parameters = [{"name": "elasticity", "key": "people.production.volume_elasticity"}]
    table = robustness.screen(cfg, rows, described, parameters, factors=(1.0,), replications=1)
    assert len(table) == len(rows)
    assert not table.changed.any()
    assert table.movement.max() == 0.0


def test_a_parameter_that_moves_the_rows_shows_in_the_table(base):
    cfg, _, rows, described = base
    parameters = [
        {"name": "automation", "key": "ai.automation_rate", "high": 1.0},
        {"name": "elasticity", "key": "people.production.volume_elasticity"},
    ]
    table = robustness.screen(cfg, rows, described, parameters, factors=(0.0,), replications=1)
    # no AI at all, or no volume response: the rows' figures move (the email volume row first)
    assert (table.groupby("parameter").movement.sum() > 0).all()
    ranked = robustness.influence(table)
    assert list(ranked.columns) == ["changed", "movement"]
    text = robustness.render(table, rows, top=1)
    assert text.count("\n| ") == len(rows) + 1 + len(ranked)
    assert f"{ranked.index[0]} ×0" in text and f"{ranked.index[1]} ×0" not in text


def test_influence_ranks_by_verdicts_changed_then_movement():
    table = pd.DataFrame(
        {
            "parameter": ["a", "a", "b", "b", "c", "c"],
            "changed": [False, False, True, False, False, False],
            "movement": [0.5, 0.5, 0.1, 0.0, 2.0, 0.0],
        }
    )
    assert list(robustness.influence(table).index) == ["b", "c", "a"]


def test_the_seed_case_writes_its_robustness_table(base, tmp_path):
    cfg, result, _, described = base
    write_run(result, tmp_path, figures=False)
    spec = {
        "factors": [0.5, 1.5],
        "replications": 1,
        "parameters": [{"name": "AI relevance", "key": "ai.kinds.*.relevance_mean"}],
    }
    text = write_seed_case(tmp_path, described | {"robustness": spec}).read_text()
    assert "## Robustness" in text and "AI relevance ×0.5" in text and "AI relevance ×1.5" in text
    table = pd.read_csv(tmp_path / "robustness.csv")
    n_rows = len(json.loads((tmp_path / "seed_case.json").read_text())["facts"])
    assert len(table) == 2 * (n_rows + len(described["survey"]))
