"""The absorption audit: where an organisation saturates, from its config's own arithmetic.

`absorb experiment=audit org=<any org>` is seed 003's "stress-test the workflow and set
absorption thresholds" for a consultant's client: no full simulation, only the arithmetic of
`sim.capacity` with demand-driven work included (proposals per qualified opportunity, call
summaries per meeting). Per stage: utilisation against the automation rate, the absorption
thresholds (the automation rate and the daily inflow at which utilisation reaches 0.85 and 1),
which stage saturates first, and a drawing of the workflow graph coloured by utilisation at the
configured rate. A short simulation beside it (the run's `days`, AI from day 0, capacity as
configured) shows the simulated utilisation per stage next to the arithmetic.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from omegaconf import DictConfig, OmegaConf  # noqa: E402

from sim import capacity  # noqa: E402
from sim.config import ConfigError, validate  # noqa: E402
from sim.outputs import write_json  # noqa: E402
from sim.runner import simulate  # noqa: E402
from sim.workflow import build_graph  # noqa: E402

GRID = np.round(np.linspace(0.0, 1.0, 21), 2)  # automation rates of the utilisation table
THRESHOLDS = (0.85, 1.0)  # utilisation: the planning threshold and saturation
# The short simulation keeps each stage's capacity what the config says (as the saturation
# experiment does): no control steps, overtime, skimming, exhaustion's loss or crowd-out.
FIXED_CAPACITY = {
    "governance.enabled": False,
    "people.exhaustion.max_overtime_hours": 0.0,
    "people.review.skim_effort_cut": 0.0,
    "people.exhaustion.capacity_loss": 0.0,
    "people.connective_crowd_out": False,
}
AGREEMENT = 0.05  # simulated within this of the arithmetic, below saturation


def thresholds(cfg: DictConfig) -> pd.DataFrame:
    """Per judged stage: the automation rate and the daily inflow at each threshold."""
    columns = ["stage"] + [
        f"{what}_at_{level:g}" for level in THRESHOLDS for what in ("automation", "inflow")
    ]
    rows = []
    for stage in capacity.downstream(build_graph(cfg.org)):
        row: dict[str, Any] = {"stage": stage}
        for level in THRESHOLDS:
            rate = capacity.saturation_point(cfg, stage, level=level, demand=True)
            row[f"automation_at_{level:g}"] = math.nan if rate is None else rate
            row[f"inflow_at_{level:g}"] = (
                math.nan if rate is None else capacity.inflow(cfg, rate, demand=True)[stage]
            )
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)


def utilisation_table(cfg: DictConfig) -> pd.DataFrame:
    """Tidy: stage, automation rate, utilisation (with demand-driven work), over `GRID`."""
    graph = build_graph(cfg.org)
    return pd.DataFrame(
        columns=["stage", "automation_rate", "utilisation"],
        data=[
            {"stage": stage, "automation_rate": float(a), "utilisation": rho}
            for a in GRID
            for stage, rho in capacity.utilisation(cfg, float(a), graph, demand=True).items()
        ],
    )


def simulated_utilisation(cfg: DictConfig) -> dict[str, float]:
    """Mean simulated utilisation per stage over the second half of a short run, AI from day 0."""
    short = OmegaConf.merge(
        cfg, OmegaConf.from_dotlist([f"{k}={v}" for k, v in FIXED_CAPACITY.items()])
    )
    short.ai.rollout_day = 0
    short.metrics.warmup_days = 0
    timeseries = simulate(short)[0]
    late = timeseries[timeseries.day >= int(short.days) // 2]
    return {
        c.removeprefix("utilisation_"): float(late[c].mean())
        for c in late.columns
        if c.startswith("utilisation_")
    }


def graph_figure(cfg: DictConfig, at: dict[str, float], path: Path) -> Path:
    """The workflow graph, judged stages coloured by utilisation at the configured rate."""
    graph = build_graph(cfg.org)
    layout = nx.spring_layout(graph, seed=0)
    fig, ax = plt.subplots(figsize=(8, 6))
    colours = [at.get(stage, math.nan) for stage in graph.nodes]
    cmap = plt.get_cmap("RdYlGn_r")
    nodes = nx.draw_networkx_nodes(
        graph,
        layout,
        ax=ax,
        node_color=[0.0 if math.isnan(c) else c for c in colours],
        cmap=cmap,
        vmin=0.0,
        vmax=1.2,
        node_size=[1400 if stage in at else 500 for stage in graph.nodes],
    )
    nx.draw_networkx_edges(graph, layout, ax=ax, arrows=True, alpha=0.4)
    nx.draw_networkx_labels(
        graph,
        layout,
        ax=ax,
        labels={s: f"{s}\n{at[s]:.2f}" if s in at else s for s in graph.nodes},
        font_size=8,
    )
    fig.colorbar(nodes, ax=ax, label="planned utilisation (1: saturated)")
    ax.set_title(
        f"{cfg.org.name} at automation {cfg.ai.automation_rate:g}: planned utilisation per stage"
    )
    ax.axis("off")
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return path


def curves_figure(table: pd.DataFrame, cfg: DictConfig, path: Path) -> Path:
    """Utilisation against the automation rate, one line per stage, the thresholds marked."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for stage, rows in table.groupby("stage", sort=False):
        ax.plot(rows.automation_rate, rows.utilisation, marker="o", markersize=3, label=stage)
    for level in THRESHOLDS:
        ax.axhline(level, color="black", linestyle=":" if level < 1 else "--", linewidth=0.8)
    ax.axvline(float(cfg.ai.automation_rate), color="grey", linewidth=0.8, label="configured")
    ax.set(xlabel="automation rate", ylabel="planned utilisation", title="Absorption per stage")
    ax.legend(fontsize=7)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return path


def audit(cfg: DictConfig) -> dict[str, Any]:
    """The audit's figures: thresholds, utilisation table, configured rate, simulation."""
    rate = float(cfg.ai.automation_rate)
    at = capacity.utilisation(cfg, rate, demand=True)
    limits = thresholds(cfg)
    first = limits.dropna(subset=["automation_at_1"]).sort_values("automation_at_1")
    simulated = simulated_utilisation(cfg)
    comparison = pd.DataFrame(
        columns=["stage", "planned", "simulated", "difference", "agrees"],
        data=[
            {
                "stage": stage,
                "planned": rho,
                "simulated": simulated.get(stage, math.nan),
                "difference": simulated.get(stage, math.nan) - rho,
                "agrees": rho >= 1.0 or abs(simulated.get(stage, math.nan) - rho) <= AGREEMENT,
            }
            for stage, rho in at.items()
        ],
    )
    return {
        "org": str(cfg.org.name),
        "automation_rate": rate,
        "thresholds": limits,
        "first_to_saturate": None if first.empty else str(first.stage.iloc[0]),
        "utilisation": utilisation_table(cfg),
        "at_rate": at,
        "comparison": comparison,
    }


def _fmt(value: float) -> str:
    """A threshold, or "never" where utilisation does not reach it (NaN)."""
    return "never" if math.isnan(value) else f"{value:.3g}"


def write_audit(result: dict[str, Any], cfg: DictConfig, directory: Path) -> Path:
    """Write audit.md, the tables and the figures into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    result["thresholds"].to_csv(directory / "thresholds.csv", index=False)
    result["utilisation"].to_csv(directory / "utilisation.csv", index=False)
    result["comparison"].to_csv(directory / "simulated.csv", index=False)
    graph_figure(cfg, result["at_rate"], directory / "audit_graph.png")
    curves_figure(result["utilisation"], cfg, directory / "audit_curves.png")
    first = result["first_to_saturate"]
    by_stage = result["thresholds"].set_index("stage")
    saturates_at = float(by_stage.automation_at_1[first]) if first else math.nan
    lines = [
        f"# Absorption audit: {result['org']}",
        "",
        f"Reproduce: `absorb experiment=audit org={result['org']}`. Planned utilisation is the "
        "config's arithmetic (`sim.capacity`, demand-driven work included): offered hours a day "
        "over each stage's hours of attention less connective time, AI drafts at their kind's "
        "review effort, and work a reviewer sends back read again (at the starting skill and "
        "trust). It leaves out queueing effects: skimming, overtime and control steps.",
        "",
        f"**First to saturate**: {first or 'no stage, up to automation 1'}"
        + (f" (utilisation 1 at automation {_fmt(saturates_at)})." if first else "."),
        "",
        "## Absorption thresholds",
        "",
        "| stage | automation at 0.85 | inflow/day at 0.85 | automation at 1 | inflow/day at 1 |",
        "|---|---|---|---|---|",
    ]
    for _, row in result["thresholds"].iterrows():
        lines.append(
            f"| {row.stage} | {_fmt(row['automation_at_0.85'])} | {_fmt(row['inflow_at_0.85'])} "
            f"| {_fmt(row['automation_at_1'])} | {_fmt(row['inflow_at_1'])} |"
        )
    lines += [
        "",
        f"## At the configured automation rate ({result['automation_rate']:g}): "
        "arithmetic and simulation",
        "",
        f"A short simulation ({cfg.days} days, AI from day 0, capacity as configured: "
        + ", ".join(f"`{k}={v}`" for k, v in FIXED_CAPACITY.items())
        + f"), mean over its second half. Agreement: within {AGREEMENT} below saturation.",
        "",
        "| stage | planned | simulated | difference | agrees |",
        "|---|---|---|---|---|",
    ]
    for _, row in result["comparison"].iterrows():
        verdict = "saturated (not compared)" if row.planned >= 1 else "yes" if row.agrees else "no"
        lines.append(
            f"| {row.stage} | {row.planned:.3f} | {row.simulated:.3f} | "
            f"{row.difference:+.3f} | {verdict} |"
        )
    lines += ["", "![graph](audit_graph.png)", "", "![curves](audit_curves.png)", ""]
    report = directory / "audit.md"
    report.write_text("\n".join(lines))
    write_json(
        {
            "org": result["org"],
            "automation_rate": result["automation_rate"],
            "first_to_saturate": first,
            "thresholds": result["thresholds"].to_dict(orient="records"),
            "comparison": result["comparison"].to_dict(orient="records"),
        },
        directory / "audit.json",
    )
    return report


def run_audit(cfg: DictConfig, directory: Path) -> dict[str, Any]:
    """The `audit` task: audit the org, print the thresholds, write the report to `directory`.

    Raises:
        SystemExit: status 2, nothing written, if the config cannot run.
    """
    try:
        validate(cfg)
    except ConfigError as error:
        print(f"absorb: error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    started = time.perf_counter()
    result = audit(cfg)
    report = write_audit(result, cfg, directory)
    print(result["thresholds"].to_string(index=False))
    print(
        f"absorb: audit of {result['org']}: first to saturate "
        f"{result['first_to_saturate'] or 'none'}; "
        f"{time.perf_counter() - started:.1f} s -> {report}"
    )
    return result
