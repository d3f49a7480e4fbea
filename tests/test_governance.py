from __future__ import annotations

import networkx as nx
import pytest
from omegaconf import OmegaConf

import sim
from sim.capacity import utilisation
from sim.governance import add_control_steps, control_steps_due, people_to_hire
from sim.workflow import build_graph, compile_routing, insert_control_step

OUTREACH = "outreach_sequence"


@pytest.fixture(scope="module")
def cfg():
    return sim.load_config([])


@pytest.fixture()
def graph(cfg):
    return build_graph(cfg.org)


def _out_sums(graph, stage, kinds):
    return {
        kind: sum(d["routing"].get(kind, 0.0) for _, _, d in graph.out_edges(stage, data=True))
        for kind in kinds
    }


# --------------------------------------------------------------------------- control_steps_due


@pytest.mark.parametrize(
    ("escaped", "baseline", "factor", "added", "due"),
    [
        (2.0, 0.0, 2.0, False, False),  # baseline floored at 1: threshold 2, not exceeded
        (2.01, 0.0, 2.0, False, True),
        (3.0, 0.5, 2.0, False, True),  # baseline below 1 still floored at 1
        (8.0, 4.0, 2.0, False, False),  # exactly at the threshold: not yet
        (8.5, 4.0, 2.0, False, True),
        (12.0, 4.0, 3.0, False, False),
        (12.1, 4.0, 3.0, False, True),
        (100.0, 4.0, 2.0, True, False),  # once added, never again
        (0.0, 0.0, 1.0, False, False),
    ],
)
def test_control_steps_due(escaped, baseline, factor, added, due):
    assert control_steps_due(escaped, baseline, factor, added) is due


# --------------------------------------------------------------------------- add_control_steps


def test_default_org_has_two_control_steps(cfg):
    steps = [(s.kind, s.source, s.target, s.stage) for s in cfg.org.control_steps]
    assert steps == [
        (OUTREACH, "sales", "market", "brand_review"),
        (OUTREACH, "brand_review", "market", "legal_review"),
    ]


def test_add_control_steps_routes_outreach_through_brand_then_legal(cfg, graph):
    assert graph.edges["sales", "market"]["routing"][OUTREACH] == 1.0
    added = add_control_steps(graph, list(cfg.org.control_steps))
    assert added == [
        f"{OUTREACH}: sales → brand_review → market",
        f"{OUTREACH}: brand_review → legal_review → market",
    ]
    assert OUTREACH not in graph.edges["sales", "market"]["routing"]
    assert graph.edges["sales", "brand_review"]["routing"] == {OUTREACH: 1.0}
    assert graph.edges["sales", "brand_review"]["rework"] is False
    assert graph.edges["brand_review", "legal_review"]["routing"] == {
        "campaign_asset": 0.3,
        OUTREACH: 1.0,
    }
    assert OUTREACH not in graph.edges["brand_review", "market"]["routing"]
    assert graph.edges["legal_review", "market"]["routing"][OUTREACH] == 1.0
    # other kinds untouched
    assert graph.edges["brand_review", "market"]["routing"] == {
        "campaign_asset": 0.7,
        "explainer": 1.0,
    }
    assert graph.edges["legal_review", "market"]["routing"]["proposal"] == 1.0
    # the path of an outreach sequence is now sales -> brand -> legal -> market
    outreach_edges = [
        (u, v) for u, v, d in graph.edges(data=True) if d["routing"].get(OUTREACH, 0) > 0
    ]
    assert sorted(outreach_edges) == sorted(
        [("sales", "brand_review"), ("brand_review", "legal_review"), ("legal_review", "market")]
    )


def test_add_control_steps_is_idempotent(cfg, graph):
    add_control_steps(graph, list(cfg.org.control_steps))
    before = nx.to_dict_of_dicts(graph)
    before = {
        u: {v: {**d, "routing": dict(d["routing"])} for v, d in nbrs.items()}
        for u, nbrs in before.items()
    }
    assert add_control_steps(graph, list(cfg.org.control_steps)) == []
    after = nx.to_dict_of_dicts(graph)
    assert after == before
    assert graph.number_of_edges() == 20  # 19 hand-offs + sales -> brand_review


def test_routing_sums_stay_at_most_one_after_control_steps(cfg, graph):
    add_control_steps(graph, list(cfg.org.control_steps))
    kinds = list(cfg.org.kinds)
    sales = _out_sums(graph, "sales", kinds)
    assert all(total <= 1.0 + 1e-12 for total in sales.values())
    assert sales[OUTREACH] == pytest.approx(1.0)  # nothing lost, nothing duplicated
    for stage in graph.nodes:
        assert all(t <= 1.0 + 1e-12 for t in _out_sums(graph, stage, kinds).values())
    assert _out_sums(graph, "brand_review", kinds)[OUTREACH] == pytest.approx(1.0)
    assert _out_sums(graph, "legal_review", kinds)[OUTREACH] == pytest.approx(1.0)


def test_compiled_routing_after_control_steps(cfg, graph):
    add_control_steps(graph, list(cfg.org.control_steps))
    s = {name: i for i, name in enumerate(graph.nodes)}
    k = {name: i for i, name in enumerate(cfg.org.kinds)}
    routing = compile_routing(graph, s, k)
    assert routing.certain[s["sales"]][k[OUTREACH]] == s["brand_review"]
    assert routing.certain[s["brand_review"]][k[OUTREACH]] == s["legal_review"]
    assert routing.certain[s["legal_review"]][k[OUTREACH]] == s["market"]
    # defects caught by the new steps go back to sales along the existing rework edges
    assert s["sales"] in routing.rework_to[s["brand_review"]]
    assert s["sales"] in routing.rework_to[s["legal_review"]]


def test_control_steps_add_outreach_review_load(cfg, graph):
    # 44 reps x 1.5 sequences x 0.1 h = 6.6 h/day extra at brand (18 h) and legal (12 h)
    before = utilisation(cfg, 0.0, graph)
    add_control_steps(graph, list(cfg.org.control_steps))
    after = utilisation(cfg, 0.0, graph)
    assert after["brand_review"] == pytest.approx(before["brand_review"] + 6.6 / 18.0)
    assert after["legal_review"] == pytest.approx(before["legal_review"] + 6.6 / 12.0)
    assert after["managers"] == pytest.approx(before["managers"])


# --------------------------------------------------------------------------- insert_control_step


def test_insert_control_step_missing_edge_or_kind_changes_nothing(graph):
    edges = graph.number_of_edges()
    assert insert_control_step(graph, OUTREACH, "marketing", "market", "brand_review") is False
    assert insert_control_step(graph, "proposal", "sales", "market", "legal_review") is False
    assert graph.number_of_edges() == edges
    assert graph.edges["sales", "market"]["routing"] == {OUTREACH: 1.0}


def test_insert_control_step_moves_a_partial_probability():
    graph = nx.DiGraph()
    graph.add_edge("a", "z", routing={"x": 0.4, "y": 1.0}, rework=False)
    graph.add_edge("a", "b", routing={"x": 0.6}, rework=False)
    assert insert_control_step(graph, "x", "a", "z", "c") is True
    assert graph.edges["a", "z"]["routing"] == {"y": 1.0}
    assert graph.edges["a", "c"]["routing"] == {"x": 0.4}
    assert graph.edges["c", "z"]["routing"] == {"x": 1.0}
    assert graph.edges["a", "b"]["routing"] == {"x": 0.6}
    assert insert_control_step(graph, "x", "a", "z", "c") is False


def test_insert_control_step_adds_to_an_existing_edge_to_the_control_stage():
    graph = nx.DiGraph()
    graph.add_edge("a", "z", routing={"x": 0.3}, rework=False)
    graph.add_edge("a", "c", routing={"x": 0.7}, rework=False)
    graph.add_edge("c", "z", routing={"w": 0.5}, rework=True)
    assert insert_control_step(graph, "x", "a", "z", "c") is True
    assert graph.edges["a", "c"]["routing"] == {"x": pytest.approx(1.0)}
    assert graph.edges["c", "z"]["routing"] == {"w": 0.5, "x": 1.0}
    assert graph.edges["c", "z"]["rework"] is True  # existing flag kept


def test_add_control_steps_accepts_plain_config_nodes(graph):
    steps = [
        OmegaConf.create(
            {"kind": OUTREACH, "source": "sales", "target": "market", "stage": "managers"}
        )
    ]
    assert add_control_steps(graph, steps) == [f"{OUTREACH}: sales → managers → market"]
    assert graph.edges["managers", "market"]["routing"] == {OUTREACH: 1.0}


def test_a_sampled_control_step_reviews_its_share_and_lets_the_rest_go_on():
    graph = nx.DiGraph()
    graph.add_edge("a", "z", routing={"x": 0.8, "y": 1.0}, rework=False)
    assert insert_control_step(graph, "x", "a", "z", "c", share=0.25) is True
    assert graph.edges["a", "c"]["routing"] == {"x": pytest.approx(0.2)}
    assert graph.edges["a", "z"]["routing"] == {"x": pytest.approx(0.6), "y": 1.0}
    assert graph.edges["c", "z"]["routing"] == {"x": 1.0}
    # once in place, the unsampled rest is not sampled again
    assert insert_control_step(graph, "x", "a", "z", "c", share=0.25) is False
    assert graph.edges["a", "z"]["routing"]["x"] == pytest.approx(0.6)


def test_sampled_control_steps_add_their_share_of_the_review_load(cfg, graph):
    before = utilisation(cfg, 0.0, graph)
    add_control_steps(graph, list(cfg.org.control_steps), sample_share=0.25)
    after = utilisation(cfg, 0.0, graph)
    # a quarter of 6.6 h/day at brand, a quarter of that quarter at legal
    assert after["brand_review"] == pytest.approx(before["brand_review"] + 0.25 * 6.6 / 18.0)
    assert after["legal_review"] == pytest.approx(before["legal_review"] + 0.25 * 0.25 * 6.6 / 12.0)
    assert _out_sums(graph, "sales", list(cfg.org.kinds))[OUTREACH] == pytest.approx(1.0)


# --------------------------------------------------------------------------- people_to_hire


@pytest.mark.parametrize(
    ("headcount", "pending", "ceiling", "share", "sustained", "hired"),
    [
        (4, 0, 8.0, 0.25, False, 0),  # no sustained backlog: nobody
        (4, 0, 8.0, 0.25, True, 1),
        (3, 0, 6.0, 0.1, True, 1),  # at least one
        (12, 0, 24.0, 0.25, True, 3),
        (4, 1, 8.0, 0.25, True, 0),  # one hire at a time per stage
        (7, 0, 8.0, 0.5, True, 1),  # capped by the ceiling
        (8, 0, 8.0, 0.25, True, 0),  # at the ceiling
    ],
)
def test_people_to_hire(headcount, pending, ceiling, share, sustained, hired):
    assert people_to_hire(headcount, pending, ceiling, share, sustained) == hired
