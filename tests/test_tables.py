import sim
from sim.tables import AI, HUMAN, kind_table, stage_table
from sim.workflow import build_graph


def test_kind_table_holds_human_and_ai_values_per_kind():
    cfg = sim.load_config([])
    kinds = kind_table(cfg)
    k = kinds.names.index("proposal")
    assert kinds.defect_probability[k][HUMAN] == cfg.org.kinds.proposal.defect_probability
    assert kinds.defect_probability[k][AI] == cfg.ai.kinds.proposal.defect_probability
    assert kinds.ai_review_effort_ratio[k] == cfg.ai.kinds.proposal.review_effort_ratio


def test_a_kind_ai_never_drafts_keeps_its_human_values():
    cfg = sim.load_config(["ai=none"])
    kinds = kind_table(cfg)
    assert not any(kinds.ai_drafted)
    assert all(human == ai for human, ai in kinds.relevance_mean)
    assert kinds.ai_effort_ratio == [1.0] * len(kinds.names)


def test_stage_table_follows_graph_order_with_zero_effort_for_other_kinds():
    cfg = sim.load_config([])
    graph = build_graph(cfg.org)
    kinds = kind_table(cfg)
    stages = stage_table(graph, kinds.names)
    assert stages.names == list(graph.nodes)
    brand = stages.names.index("brand_review")
    assert stages.effort[brand][kinds.names.index("campaign_asset")] == 1.0
    assert stages.effort[brand][kinds.names.index("proposal")] == 0.0
    assert stages.roles[brand] == "brand_reviewer"
