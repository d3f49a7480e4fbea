from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from omegaconf import OmegaConf

import sim
from sim.config import HandoffConfig, validate
from sim.workflow import build_graph, compile_routing, offered_load, routing_matrix

STAGES = [
    "marketing",
    "sales",
    "brand_review",
    "legal_review",
    "deal_desk",
    "engineering",
    "managers",
    "market",
]
REWORK_EDGES = {
    ("brand_review", "marketing"),
    ("brand_review", "sales"),
    ("legal_review", "marketing"),
    ("legal_review", "sales"),
    ("deal_desk", "sales"),
    ("engineering", "sales"),
}


@pytest.fixture(scope="module")
def cfg():
    return sim.load_config([])


@pytest.fixture()
def graph(cfg):
    return build_graph(cfg.org)


@pytest.fixture()
def table(cfg, graph):
    stage_index = {name: i for i, name in enumerate(graph.nodes)}
    kind_index = {name: i for i, name in enumerate(cfg.org.kinds)}
    return compile_routing(graph, stage_index, kind_index), stage_index, kind_index


# --------------------------------------------------------------------------- build_graph


def test_default_graph_nodes_in_config_order(graph):
    assert list(graph.nodes) == STAGES
    assert graph.graph == {"name": "default", "hours_per_day": 8.0}


def test_default_graph_node_attributes(graph):
    sales = graph.nodes["sales"]
    assert sales["role"] == "sales_rep"
    assert sales["headcount"] == 44
    assert sales["attention_hours"] == 6.0
    assert sales["connective_hours"] == 2.0
    assert sales["service_distribution"] == "deterministic"
    assert sales["produces_per_day"] == {
        "outreach_sequence": 1.5,
        "qbr_deck": 0.05,
        "status_report": 0.2,
    }
    assert sales["effort_hours"]["proposal"] == 3.0
    assert sales["arrival_rate_per_hour"] == {}
    brand = graph.nodes["brand_review"]
    assert (brand["role"], brand["headcount"]) == ("brand_reviewer", 3)
    assert brand["effort_hours"] == {
        "campaign_asset": 1.0,
        "explainer": 0.5,
        "outreach_sequence": 0.1,
    }
    assert graph.nodes["market"]["role"] == "market"
    assert graph.nodes["market"]["headcount"] == 0
    # plain Python containers, not OmegaConf nodes
    assert type(sales["effort_hours"]) is dict
    assert all(type(v) is float for v in sales["effort_hours"].values())


def test_default_graph_edges_and_rework_flags(graph):
    assert graph.number_of_edges() == 19
    rework = {(u, v) for u, v, data in graph.edges(data=True) if data["rework"]}
    assert rework == REWORK_EDGES
    for u, v in REWORK_EDGES:
        assert graph.edges[u, v]["routing"] == {}
    assert graph.edges["brand_review", "legal_review"]["routing"] == {"campaign_asset": 0.3}
    assert graph.edges["deal_desk", "engineering"]["routing"] == {"proposal": 0.6}
    assert graph.edges["sales", "managers"]["routing"] == {
        "call_summary": 1.0,
        "qbr_deck": 1.0,
        "status_report": 1.0,
    }


def test_default_graph_routing_sums_at_most_one(graph, cfg):
    for stage in graph.nodes:
        for kind in cfg.org.kinds:
            total = sum(
                d["routing"].get(kind, 0.0) for _, _, d in graph.out_edges(stage, data=True)
            )
            assert total <= 1.0 + 1e-12


def _tiny_org(handoffs):
    return OmegaConf.create(
        {
            "name": "tiny",
            "hours_per_day": 8.0,
            "stages": {
                name: {
                    "role": "engineer",
                    "headcount": 1,
                    "attention_hours": 6.0,
                    "effort_hours": {},
                    "produces_per_day": {},
                    "arrival_rate_per_hour": {},
                    "service_distribution": "deterministic",
                    "connective_hours": 0.0,
                }
                for name in ("a", "b")
            },
            "handoffs": handoffs,
        }
    )


def test_build_graph_merges_duplicate_handoffs_of_different_kinds():
    org = _tiny_org(
        [
            {"source": "a", "target": "b", "routing": {"x": 0.4}, "rework": False},
            {"source": "a", "target": "b", "routing": {"y": 1.0}, "rework": True},
            {"source": "a", "target": "b", "routing": {}, "rework": False},
        ]
    )
    graph = build_graph(org)
    assert graph.number_of_edges() == 1
    assert graph.edges["a", "b"]["routing"] == {"x": 0.4, "y": 1.0}
    assert graph.edges["a", "b"]["rework"] is True  # OR-ed over the duplicates


def test_duplicate_handoffs_of_one_kind_add_up_as_validation_assumes():
    cfg = sim.load_config([])
    index = next(
        i for i, h in enumerate(cfg.org.handoffs) if (h.source, h.target) == ("sales", "market")
    )
    cfg.org.handoffs[index].routing.outreach_sequence = 0.5
    cfg.org.handoffs.append(
        HandoffConfig(source="sales", target="market", routing={"outreach_sequence": 0.5})
    )
    validate(cfg)  # accepted: 0.5 + 0.5 = 1 leaving sales
    graph = build_graph(cfg.org)
    assert graph.edges["sales", "market"]["routing"]["outreach_sequence"] == pytest.approx(1.0)


# --------------------------------------------------------------------------- compile_routing


def test_compile_routing_cumulative_sums_in_stage_order(table):
    routing, s, k = table
    deal, proposal = s["deal_desk"], k["proposal"]
    # targets sorted by stage index: legal_review (3), engineering (5), market (7)
    assert routing.targets[deal][proposal] == [s["legal_review"], s["engineering"], s["market"]]
    assert routing.cumulative[deal][proposal] == pytest.approx([0.1, 0.7, 1.0])
    brand, asset = s["brand_review"], k["campaign_asset"]
    assert routing.targets[brand][asset] == [s["legal_review"], s["market"]]
    assert routing.cumulative[brand][asset] == pytest.approx([0.3, 1.0])


def test_compile_routing_certain_routes(table):
    routing, s, k = table
    assert routing.certain[s["sales"]][k["outreach_sequence"]] == s["market"]
    assert routing.certain[s["sales"]][k["proposal"]] == s["deal_desk"]
    assert routing.certain[s["marketing"]][k["explainer"]] == s["brand_review"]
    assert routing.certain[s["legal_review"]][k["proposal"]] == s["market"]
    # a draw is needed where there is a choice
    assert routing.certain[s["deal_desk"]][k["proposal"]] is None
    assert routing.certain[s["brand_review"]][k["campaign_asset"]] is None
    assert routing.certain[s["engineering"]][k["proposal"]] is None
    # no route out: the artifact leaves
    assert routing.certain[s["market"]][k["outreach_sequence"]] == -1
    assert routing.certain[s["managers"]][k["status_report"]] == -1
    assert routing.certain[s["marketing"]][k["proposal"]] == -1


def test_compile_routing_rework_targets(table):
    routing, s, _ = table
    assert routing.rework_to[s["brand_review"]] == {s["marketing"], s["sales"]}
    assert routing.rework_to[s["legal_review"]] == {s["marketing"], s["sales"]}
    assert routing.rework_to[s["deal_desk"]] == {s["sales"]}
    assert routing.rework_to[s["engineering"]] == {s["sales"]}
    assert routing.rework_to[s["sales"]] == set()
    assert routing.rework_to[s["market"]] == set()


@pytest.mark.parametrize(
    ("uniform", "target"),
    [
        (0.0, "legal_review"),
        (0.0999999, "legal_review"),
        (0.1, "engineering"),  # bound is exclusive: u < 0.1 goes to the first target only
        (0.5, "engineering"),
        (0.6999999, "engineering"),
        (0.7, "market"),
        (0.9999999, "market"),
    ],
)
def test_next_stage_at_boundaries(table, uniform, target):
    routing, s, k = table
    assert routing.next_stage(s["deal_desk"], k["proposal"], uniform) == s[target]


def test_next_stage_leaves_when_no_route_or_draw_above_total():
    graph = nx.DiGraph()
    graph.add_nodes_from(["a", "b", "c"])
    graph.add_edge("a", "b", routing={"x": 0.5}, rework=False)
    graph.add_edge("a", "c", routing={"x": 0.0, "y": 1.0}, rework=True)
    routing = compile_routing(graph, {"a": 0, "b": 1, "c": 2}, {"x": 0, "y": 1})
    assert routing.targets[0][0] == [1]  # zero-probability route dropped
    assert routing.cumulative[0][0] == [0.5]
    assert routing.certain[0][0] is None  # one target but the artifact may leave
    assert routing.certain[0][1] == 2
    assert routing.rework_to[0] == {2}
    assert routing.next_stage(0, 0, 0.4999) == 1
    assert routing.next_stage(0, 0, 0.5) == -1
    assert routing.next_stage(0, 0, 0.99) == -1
    assert routing.next_stage(1, 0, 0.0) == -1


def test_next_stage_frequencies_match_routing(table):
    routing, s, k = table
    uniforms = np.random.default_rng(0).random(20_000)
    draws = np.array([routing.next_stage(s["deal_desk"], k["proposal"], u) for u in uniforms])
    n = len(uniforms)
    for stage, p in (("legal_review", 0.1), ("engineering", 0.6), ("market", 0.3)):
        share = np.mean(draws == s[stage])
        assert share == pytest.approx(p, abs=5 * np.sqrt(p * (1 - p) / n))


# --------------------------------------------------------------------------- routing_matrix


def test_routing_matrix_for_proposals(graph):
    matrix = routing_matrix(graph, "proposal", STAGES)
    i = {name: n for n, name in enumerate(STAGES)}
    expected = np.zeros((8, 8))
    expected[i["sales"], i["deal_desk"]] = 1.0
    expected[i["deal_desk"], i["engineering"]] = 0.6
    expected[i["deal_desk"], i["legal_review"]] = 0.1
    expected[i["deal_desk"], i["market"]] = 0.3
    expected[i["engineering"], i["legal_review"]] = 0.15
    expected[i["engineering"], i["market"]] = 0.85
    expected[i["legal_review"], i["market"]] = 1.0
    np.testing.assert_allclose(matrix, expected)


def test_routing_matrix_row_sums(graph, cfg):
    for kind in cfg.org.kinds:
        matrix = routing_matrix(graph, kind, STAGES)
        assert matrix.shape == (8, 8)
        assert np.all(matrix >= 0)
        assert np.all(matrix.sum(axis=1) <= 1.0 + 1e-12)
        assert np.all(matrix[STAGES.index("market")] == 0.0)  # the market is a sink


def test_routing_matrix_respects_stage_order(graph):
    order = list(reversed(STAGES))
    matrix = routing_matrix(graph, "outreach_sequence", order)
    assert matrix[order.index("sales"), order.index("market")] == 1.0
    assert matrix.sum() == 1.0


# --------------------------------------------------------------------------- offered_load


def _loop_graph():
    # a -> b always; b -> a with 0.4 (a feedback loop), b -> c with 0.6; c: leaves
    graph = nx.DiGraph()
    graph.add_node("a", effort_hours={"x": 1.0, "y": 2.0})
    graph.add_node("b", effort_hours={"x": 0.5})
    graph.add_node("c", effort_hours={"x": 2.0, "y": 1.0})
    graph.add_edge("a", "b", routing={"x": 1.0}, rework=False)
    graph.add_edge("b", "a", routing={"x": 0.4}, rework=True)
    graph.add_edge("b", "c", routing={"x": 0.6}, rework=False)
    graph.add_edge("a", "c", routing={"y": 0.5}, rework=False)
    return graph


def test_offered_load_with_feedback_loop_matches_traffic_equations():
    # x: lambda_a = 6 + 0.4 lambda_b, lambda_b = lambda_a  =>  lambda_a = lambda_b = 6 / 0.6 = 10,
    #    lambda_c = 0.6 * 10 = 6. Hours: a 10 * 1, b 10 * 0.5, c 6 * 2.
    load = offered_load(_loop_graph(), {"x": {"a": 6.0}})
    assert load == pytest.approx({"a": 10.0, "b": 5.0, "c": 12.0})


def test_offered_load_sums_over_kinds_and_entry_points():
    # y: 4 enter at a, half go on to c (b has no y effort and gets none).
    # x: 6 at a as above, plus 3 entering at b: lambda_b = lambda_a + 3, lambda_a = 6 + 0.4 lambda_b
    #    => lambda_a = 7.2 / 0.6 = 12, lambda_b = 15, lambda_c = 9.
    load = offered_load(_loop_graph(), {"x": {"a": 6.0, "b": 3.0}, "y": {"a": 4.0}})
    assert load["a"] == pytest.approx(12.0 * 1.0 + 4.0 * 2.0)
    assert load["b"] == pytest.approx(15.0 * 0.5)
    assert load["c"] == pytest.approx(9.0 * 2.0 + 2.0 * 1.0)


def test_offered_load_nothing_entering_is_zero():
    assert offered_load(_loop_graph(), {}) == {"a": 0.0, "b": 0.0, "c": 0.0}


def test_offered_load_default_org_proposals(graph):
    # 10 proposals a day enter at deal_desk: engineering 6, legal 1 + 0.15 * 6 = 1.9
    load = offered_load(graph, {"proposal": {"deal_desk": 10.0}})
    assert load["deal_desk"] == pytest.approx(10.0 * 1.5)
    assert load["engineering"] == pytest.approx(6.0 * 2.0)
    assert load["legal_review"] == pytest.approx(1.9 * 1.0)
    assert load["market"] == 0.0
    assert load["sales"] == 0.0
