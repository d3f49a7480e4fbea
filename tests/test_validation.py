"""The queueing-theory limit (sim.validation), Little's law and conservation diagnostics."""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from omegaconf import open_dict

from sim import validation
from sim.config import ConfigError, HandoffConfig, KindConfig, StageConfig, load_config, validate
from sim.metrics import ConservationError, littles_law
from sim.model import OrgModel
from sim.runner import run

ABSORB = Path(sys.executable).with_name("absorb")
EXPERIMENT = ["experiment=validate_queueing"]


def network_config(*overrides: str):
    return load_config(EXPERIMENT + list(overrides))


# --------------------------------------------------------------------------- composition


def test_experiment_defaults_to_mm1_and_switches_every_mechanism_off() -> None:
    cfg = network_config()
    assert cfg.task == "validate_queueing"
    assert cfg.org.name == "mm1"
    assert cfg.ai.automation_rate == 0.0 and len(cfg.ai.kinds) == 0
    assert not cfg.market.enabled and not cfg.people.enabled and not cfg.governance.enabled
    assert 0 < cfg.metrics.warmup_days < cfg.days


@pytest.mark.parametrize("org", ["mmc", "tandem"])
def test_org_on_the_command_line_wins_over_the_experiment_default(org: str) -> None:
    assert network_config(f"org={org}").org.name == org


# --------------------------------------------------------------------------- config -> network


def test_mm1_analytic_values_match_the_closed_form() -> None:
    network = validation.network_from_config(network_config())
    values = validation.analytic_values(network)
    lam = float(network.external_rates[0])
    mu = 1.0 / float(network.mean_service_hours[0])
    rho = lam / mu
    assert values["server"]["utilisation"] == pytest.approx(rho)
    assert values["server"]["w"] == pytest.approx(1.0 / (mu - lam))
    assert values["server"]["wq"] == pytest.approx(rho / (mu - lam))
    assert values["server"]["l"] == pytest.approx(rho / (1.0 - rho))
    assert values["network"]["w"] == pytest.approx(values["server"]["w"])


def test_tandem_config_becomes_the_jackson_network_it_describes() -> None:
    cfg = network_config("org=tandem")
    network = validation.network_from_config(cfg)
    assert network.stations == ("draft", "review", "approve")
    assert network.kind == "job"
    np.testing.assert_allclose(network.external_rates, [4.0, 0.0, 0.0])
    np.testing.assert_allclose(network.routing, [[0, 1, 0], [0, 0, 1], [0.2, 0, 0]])
    np.testing.assert_allclose(network.mean_service_hours, [0.28, 0.14, 0.40])
    np.testing.assert_array_equal(network.servers, [2, 1, 3])
    values = validation.analytic_values(network)
    for station in network.stations:  # every job passes each station 1 / (1 - 0.2) times
        assert values[station]["arrival_rate"] == pytest.approx(4.0 / 0.8)
    # a job's total wait is the visit-weighted sum of the stations' waits
    assert values["network"]["wq"] == pytest.approx(
        sum(values[s]["wq"] for s in network.stations) / 0.8
    )
    assert values["network"]["w"] == pytest.approx(values["network"]["l"] / 4.0)


def test_second_entry_point_and_market_sink() -> None:
    """External arrivals at two stages; leaving by a `market` stage counts as leaving."""
    cfg = network_config("org=tandem", "days=120", "metrics.warmup_days=5")
    with open_dict(cfg):
        cfg.org.stages["out"] = StageConfig(role="market")
        cfg.org.stages.review.arrival_rate_per_hour["job"] = 1.0
        cfg.org.handoffs.append(HandoffConfig(source="approve", target="out", routing={"job": 0.8}))
    validate(cfg)
    network = validation.network_from_config(cfg)
    assert network.stations == ("draft", "review", "approve")  # the sink is no station
    values = validation.analytic_values(network)
    # draft = 4 + 0.2 * approve, review = draft + 1, approve = review
    draft = (4.0 + 0.2) / 0.8
    assert values["draft"]["arrival_rate"] == pytest.approx(draft)
    assert values["review"]["arrival_rate"] == pytest.approx(draft + 1.0)
    assert values["approve"]["arrival_rate"] == pytest.approx(draft + 1.0)
    assert values["network"]["arrival_rate"] == pytest.approx(5.0)
    # the engine agrees: a short run sees the same arrival rates
    measured = validation.simulate_replication(cfg, network, 0)["stations"]
    for scope in ("draft", "review", "approve", "network"):
        assert measured[scope]["arrival_rate"] == pytest.approx(
            values[scope]["arrival_rate"], rel=0.03
        )


def test_a_second_kind_of_arrivals_is_refused() -> None:
    cfg = network_config()
    with open_dict(cfg):
        cfg.org.kinds["other"] = KindConfig()
        cfg.org.stages.server.arrival_rate_per_hour["other"] = 1.0
        cfg.org.stages.server.effort_hours["other"] = 0.1  # a stage has effort for what it gets
    validate(cfg)
    with pytest.raises(ConfigError, match="exactly one kind, found job, other"):
        validation.network_from_config(cfg)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["people.enabled=true"], "people.enabled"),
        (["governance.enabled=true"], "governance.enabled"),
        (["org=default"], "arrival_rate_per_hour"),
        (["org.stages.server.service_distribution=deterministic"], "service_distribution"),
        (["org.stages.server.attention_hours=20"], "attention_hours"),
        (["org.stages.server.effort_hours.job=0.2"], "unstable"),
    ],
)
def test_configs_that_are_not_a_pure_mmc_network_are_refused(
    overrides: list[str], message: str
) -> None:
    cfg = network_config(*overrides)
    with pytest.raises(ConfigError, match=message):
        validation.network_from_config(cfg)


# --------------------------------------------------------------------------- simulation vs theory


@pytest.fixture(scope="module")
def tandem_report() -> dict:
    """A short validation of the tandem network with rework (6 x 300 days, ~1.5 s)."""
    return validation.validate_network(network_config("org=tandem", "replications=6", "days=300"))


def test_tandem_simulation_matches_jackson_theory(tandem_report: dict) -> None:
    failing = [(r["scope"], r["metric"]) for r in tandem_report["rows"] if not r["passed"]]
    assert not failing, failing
    assert tandem_report["passed"]
    scopes = {(r["scope"], r["metric"]) for r in tandem_report["rows"]}
    assert {
        (s, m) for s in ("draft", "review", "approve", "network") for m in ("Wq", "W", "L")
    } <= scopes
    # informative: the network's W is pinned to within a few percent
    w = next(r for r in tandem_report["rows"] if (r["scope"], r["metric"]) == ("network", "W"))
    assert (w["ci_high"] - w["ci_low"]) / 2 < 0.05 * w["analytic"]


@pytest.mark.parametrize("org", ["mm1", "mmc"])
def test_single_station_simulation_matches_erlang_c(org: str) -> None:
    """The shipped M/M/1 and M/M/4 on a short run (6 x 300 days): every row passes."""
    report = validation.validate_network(network_config(f"org={org}", "replications=6", "days=300"))
    failing = [
        (r["scope"], r["metric"], r["relative_error"]) for r in report["rows"] if not r["passed"]
    ]
    assert not failing, failing


@pytest.mark.parametrize(
    ("change", "failing_scope"),
    [
        ({"mean_service_hours": np.array([0.28, 0.14 * 1.05, 0.40])}, "review"),  # service +5%
        ({"routing": np.array([[0, 1, 0], [0, 0, 1], [0.25, 0, 0]])}, "draft"),  # rework 25%
        ({"servers": np.array([2, 1, 4])}, "approve"),  # one server more
    ],
)
def test_the_comparison_fails_against_a_wrong_network(
    tandem_report: dict, change: dict, failing_scope: str
) -> None:
    """The same simulated replications, compared with theory for a slightly different network."""
    network = validation.network_from_config(network_config("org=tandem"))
    wrong = validation.analytic_values(dataclasses.replace(network, **change))
    rows = validation.compare(wrong, tandem_report["per_replication"])
    assert any(not r["passed"] for r in rows if r["scope"] == failing_scope)


def test_littles_law_and_conservation_diagnostics_of_the_validation(tandem_report: dict) -> None:
    diagnostics = tandem_report["diagnostics"]
    # L = λW holds up to the jobs in the system at the window's edges (a few in ~50,000)
    assert diagnostics["littles_law_max_relative_error"] < 2e-3
    assert diagnostics["network_littles_law_max_relative_error"] < 2e-3
    assert diagnostics["conservation_checked_days"] == 6 * 300
    network = next(r["stations"]["network"] for r in tandem_report["per_replication"][:1])
    assert network["l"] == pytest.approx(network["arrival_rate"] * network["w"], rel=2e-3)


# ------------------------------------------------------------ Little's law, conservation


def test_summary_reports_littles_law_per_stage() -> None:
    cfg = network_config("org=tandem", "days=60")
    summary = run(cfg, progress=False).summary["per_replication"][0]
    law = summary["littles_law"]
    assert set(law) == {"draft", "review", "approve"}
    for stage in law.values():
        assert stage["L"] == pytest.approx(
            stage["arrival_rate_per_hour"] * stage["W_hours"], rel=5e-3
        )
    assert summary["littles_law_max_relative_error"] == max(
        v["relative_error"] for v in law.values()
    )
    assert summary["littles_law_max_relative_error"] < 5e-3
    assert summary["conservation_checked_days"] == 60


def test_littles_law_flags_a_broken_clock() -> None:
    """The diagnostic can fail: if the time-average L is wrong, the error shows."""
    model = OrgModel(network_config("org=tandem", "days=20"), 0)
    for _ in range(20):
        model.step()
    model.engine.area[0] *= 1.1  # as if the engine mis-timed the draft queue
    assert littles_law(model)["draft"]["relative_error"] > 0.05


def test_every_day_balances_created_against_queued_in_service_done_and_dropped() -> None:
    timeseries = run(network_config("org=tandem", "days=20"), progress=False).timeseries
    balance = timeseries.queued + timeseries.in_service + timeseries.done + timeseries.dropped
    assert (timeseries.created == balance).all()
    assert timeseries.created.iloc[-1] > 1000


@pytest.mark.parametrize("org", ["tandem", "default"])
def test_a_lost_artifact_raises_conservation_error(org: str) -> None:
    overrides = (
        ["days=10", "metrics.warmup_days=0", "ai.automation_rate=0"]  # ends before the roll-out
        if org == "default"
        else EXPERIMENT + ["org=tandem", "days=10", "metrics.warmup_days=0"]
    )
    model = OrgModel(load_config(overrides), 0)
    for _ in range(3):
        model.step()
    lengths = model.engine.queue_length
    stage = lengths.index(max(lengths))
    assert lengths[stage], "expected a non-empty queue to tamper with"
    lengths[stage] -= 1  # an artifact vanishes without being done or dropped
    with pytest.raises(ConservationError, match="created"):
        model.step()


# --------------------------------------------------------------------------- the task


def test_run_validation_writes_json_and_markdown(tmp_path: Path, capsys) -> None:
    cfg = network_config("org=mmc", "replications=3", "days=40", "metrics.warmup_days=2")
    try:
        report = validation.run_validation(cfg, tmp_path)
        status = 0
    except SystemExit as error:
        status = error.code
        report = json.loads((tmp_path / "validation.json").read_text())
    saved = json.loads((tmp_path / "validation.json").read_text())
    assert status == (0 if saved["passed"] else 1)
    assert saved["network"] == "mmc" and saved["replications"] == 3 and saved["seed"] == 0
    assert len(saved["per_replication"]) == 3 and "numpy" in saved["versions"]
    assert saved["rows"] == json.loads(json.dumps(report["rows"]))
    markdown = (tmp_path / "validation.md").read_text()
    assert markdown == validation.format_report(saved)
    assert "| team | Wq (h) |" in markdown and "| network | W (h) |" in markdown
    assert markdown in capsys.readouterr().out


def test_a_failing_validation_exits_with_status_1(tmp_path: Path, monkeypatch, capsys) -> None:
    true_values = validation.analytic_values

    def off_by_half(network):
        values = true_values(network)
        return {scope: {k: v * 1.5 for k, v in row.items()} for scope, row in values.items()}

    monkeypatch.setattr(validation, "analytic_values", off_by_half)
    cfg = network_config("replications=2", "days=20", "metrics.warmup_days=2")
    with pytest.raises(SystemExit) as exit_info:
        validation.run_validation(cfg, tmp_path)
    assert exit_info.value.code == 1
    saved = json.loads((tmp_path / "validation.json").read_text())
    assert not saved["passed"]
    assert "FAIL" in (tmp_path / "validation.md").read_text()
    assert "FAILED" in capsys.readouterr().out


def test_refused_config_exits_with_status_2_and_writes_nothing(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        validation.run_validation(network_config("people.enabled=true"), tmp_path)
    assert exit_info.value.code == 2
    assert not any(tmp_path.iterdir())


def test_cli_runs_the_validation_in_the_hydra_run_dir(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            str(ABSORB),
            *EXPERIMENT,
            "org=tandem",
            "replications=2",
            "days=30",
            "metrics.warmup_days=2",
            f"hydra.run.dir={tmp_path}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    saved = json.loads((tmp_path / "validation.json").read_text())
    assert result.returncode == (0 if saved["passed"] else 1), result.stderr
    assert saved["network"] == "tandem" and saved["days"] == 30
    assert (tmp_path / "validation.md").read_text() in result.stdout
    assert all(math.isfinite(r["mean"]) for r in saved["rows"])


# --------------------------------------------------------------------------- abandonment


def test_patience_network_becomes_independent_erlang_a_stations() -> None:
    network = validation.network_from_config(network_config("org=mmc_abandon"))
    assert network.abandonment
    assert network.stations == ("overloaded", "steady")
    assert network.station_kinds == ("urgent", "routine")
    assert network.mean_patience_hours == pytest.approx((1.2, 2.4))  # patience_days x 24 h
    values = validation.analytic_values(network)
    assert validation.NETWORK not in values
    assert values["overloaded"]["utilisation"] == pytest.approx(1.25)  # no Erlang C answer


def test_abandonment_simulation_matches_erlang_a() -> None:
    """The shipped two-station Erlang-A network on a short run (6 x 300 days): every row
    passes, and a station whose patience is 10% longer in theory fails."""
    cfg = network_config("org=mmc_abandon", "replications=6", "days=300")
    report = validation.validate_network(cfg)
    failing = [(r["scope"], r["metric"]) for r in report["rows"] if not r["passed"]]
    assert not failing, failing
    metrics = {r["metric"] for r in report["rows"]}
    assert {"P(abandon)", "Wq", "L", "served"} <= metrics
    assert report["diagnostics"]["network_littles_law_max_relative_error"] < 2e-3
    network = validation.network_from_config(cfg)
    wrong = dataclasses.replace(network, mean_patience_hours=(1.32, 2.4))
    rows = validation.compare(validation.analytic_values(wrong), report["per_replication"])
    assert any(not r["passed"] for r in rows if r["scope"] == "overloaded")
    assert "mean patience (h)" in validation.format_report(report)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["org=tandem", "+org.kinds.job.patience_days=0.01"], "routes work between stations"),
        (
            [
                "org=mmc_abandon",
                "org.kinds.routine.patience_days=null",
                "org.stages.steady.arrival_rate_per_hour.routine=4.2",
            ],
            "unstable",
        ),
    ],
)
def test_patience_networks_that_theory_cannot_check_are_refused(
    overrides: list[str], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        validation.network_from_config(network_config(*overrides))
