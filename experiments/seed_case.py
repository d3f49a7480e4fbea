"""The seed case (seed 003): what the article reports against what the simulation shows.

`write_seed_case(run_dir)` reads a finished run and writes `seed_case.md`, `seed_case.json`
and `seed_case.png` beside it: per fact, the article's claim, the simulated figures (mean and
95% CI over replications), the rule and the verdict. The facts and their rules are data, in
the preset `configs/experiment/seed_case.yaml` (its `SeedCaseReport` callback).
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

import sim
from experiments import plotting
from experiments.common import fmt, fmt_ci, holds, measure
from sim.outputs import write_json
from sim.stats import confidence_interval, mean
from sim.windows import before_rollout


def measure_runs(spec: dict, cfg: DictConfig, runs: list[pd.DataFrame], summaries: list[dict]):
    """Mean, sd, n and 95% CI over replications of a measure (`experiments.common.measure`)."""
    values = [measure(spec, ts, summary, cfg) for ts, summary in zip(runs, summaries, strict=True)]
    return confidence_interval(np.asarray(values, dtype=float))


def fact(described: dict, cfg: DictConfig, runs: list[pd.DataFrame], summaries: list[dict]) -> dict:
    """One row of the table: its measures, and the verdict their rules give."""
    if described.get("special") == "deal_desk":
        return deal_desk(described, cfg, runs, summaries)
    values, texts, missed = {}, [], []
    judged = [spec for spec in described["measures"].values() if "matches" in spec]
    for name, spec in described["measures"].items():
        stats = values[name] = measure_runs(spec, cfg, runs, summaries)
        texts.append(f"{name} {fmt_ci(stats, unit=spec.get('unit', ''))}")
        rule = spec.get("matches")
        if rule and not (stats["n"] == len(runs) if rule == "every" else holds(stats, "", rule)):
            missed.append(texts[-1])
    verdict = "matches" if not missed else "partly" if len(missed) < len(judged) else "misses"
    verdict += f": {'; '.join(missed)}" if missed else ""
    return described | {"simulation": ", ".join(texts), "verdict": verdict, "values": values}


def deal_desk(described: dict, cfg: DictConfig, runs: list[pd.DataFrame], summaries: list[dict]):
    """The deal desk's queue: last quarter against before, and against the desk's throughput.

    `completed_<stage>` is cumulative and restarts at 0 where the "before" window starts (the
    engine's statistics are reset at the end of the warm-up).
    """
    queue = {"mean": "queue_deal_desk"}
    q_before = measure_runs(queue | {"in": "before"}, cfg, runs, summaries)
    q_late = measure_runs(queue | {"in": "late"}, cfg, runs, summaries)
    before = [before_rollout(ts, cfg) for ts in runs]
    daily = confidence_interval(
        [float(b.completed_deal_desk.iloc[-1]) / len(b) if len(b) else math.nan for b in before]
    )
    grew = q_late["mean"] >= 5 * q_before["mean"] and q_late["mean"] > 0
    backlog_days = q_late["mean"] / daily["mean"] if daily["mean"] else math.nan
    growth = q_late["mean"] / q_before["mean"] if q_before["mean"] else math.inf
    detail = (
        f"{fmt(q_late['mean'])} waiting in the last quarter vs {fmt(q_before['mean'])} "
        f"before (×{fmt(growth, 2)}), about {fmt(backlog_days, 2)} days of the desk's "
        "pre-roll-out throughput"
    )
    return described | {
        "simulation": f"before {fmt_ci(q_before)} → last quarter {fmt_ci(q_late)} artifacts "
        f"waiting (pre-roll-out throughput {fmt_ci(daily)} per day)",
        "verdict": "matches"
        if grew and backlog_days >= 1
        else f"{'partly' if grew else 'misses'}: {detail}",
        "values": {"before": q_before, "late": q_late, "throughput_before": daily},
    }


@cache
def described_facts() -> dict[str, list[dict]]:
    """The facts and survey figures (and robustness spec) of the seed-case preset, as it is now."""
    node = sim.load_config(["experiment=seed_case"], return_hydra=True).hydra.callbacks.seed_case
    keys = [key for key in ("facts", "survey", "robustness") if key in node]
    return {key: OmegaConf.to_container(node[key]) for key in keys}


def figure(cfg: DictConfig, runs: list[pd.DataFrame], path: Path) -> Path:
    """Six panels of the story over the run (mean over replications, 95% CI band)."""
    frame = pd.concat(
        [ts.assign(replication=i, arm="run", automation_rate=0.0) for i, ts in enumerate(runs)],
        ignore_index=True,
    )
    base = {i: mean(before_rollout(ts, cfg)["dashboard_per_fte"]) for i, ts in enumerate(runs)}
    frame["dashboard_index"] = frame.dashboard_per_fte / frame.replication.map(base)
    panels = {
        "Messages sent per day": ["messages_sent"],
        "Response rate": ["response_rate"],
        "Time to send (days)": ["time_to_send_days"],
        "Queues": ["queue_deal_desk", "queue_brand_review", "queue_legal_review"],
        "Managers: coaching vs triage hours": ["coaching_hours", "triage_hours"],
        "Dashboard per FTE (index, before = 1)": ["dashboard_index"],
    }
    fig, axes = plotting.subplots(2, 3, width=5.0, height=3.5)
    for ax, (title, columns) in zip(axes, panels.items(), strict=True):
        for column in [c for c in columns if c in frame]:
            plotting.daily_band(ax, frame, column, "run", 0.0, column, rolling=5)
        ax.axvline(int(cfg.ai.rollout_day), color="grey", linestyle=":", linewidth=1)
        ax.set(xlabel="working day", title=title)
        ax.legend(fontsize=7)
    return plotting.save(fig, path)


SURVEY_METHOD = {
    "hours": "Shares of all simulated staff (`summary.json` → `survey`): workload in the last "
    "quarter above the pre-roll-out level by more than 5%; more time reviewing AI output than "
    "before; exhaustion above the burnout threshold at the end.",
    "self_report": "Self-report (`metrics.survey=self_report`, `sim/survey.py`), asked as Upwork "
    "asked it of AI users: people there before the roll-out who had started using AI by the end, "
    "each answering from their own days before the roll-out against the last quarter: AI added "
    "to their workload (4 or 5 on a five-point scale), they spend noticeably more time checking "
    "AI output, they feel burnt out (exhaustion above the threshold) at the end, and before the "
    "roll-out for comparison.",
}


def render(cfg: DictConfig, rows: list[dict], survey: list[dict], n: int, robust: str = "") -> str:
    """`seed_case.md`; `robust` is the robustness section (`experiments.robustness`), if any."""
    misses = [r for r in rows + survey if not r["verdict"].startswith("matches")]

    def table(first: str, second: str, facts: list[dict]) -> list[str]:
        head = [f"| {first} | {second} | simulation | rule | verdict |", "|---|---|---|---|---|"]
        cells = ("fact", "article", "simulation", "rule")
        return head + [f"| {' | '.join(r[c] for c in cells)} | **{r['verdict']}** |" for r in facts]

    lines = [
        "# The seed case: the article against the simulation",
        "",
        f"`absorb experiment=seed_case`: organisation `{cfg.org.name}`, automation rate "
        f"{float(cfg.ai.automation_rate):g}, AI rolled out on day {int(cfg.ai.rollout_day)}, "
        f"{int(cfg.days)} working days, {n} replication(s), root seed {int(cfg.seed)}. Numbers are "
        "means over replications with 95% CIs; every verdict follows the rule in its row; a "
        "partial match or a miss names the figures that break the rule.",
        "",
        *table("fact", "article", rows),
        "",
        "## Survey readout of the simulated staff vs Upwork Research Institute, July 2024",
        "",
        SURVEY_METHOD[OmegaConf.select(cfg, "metrics.survey", default="hours")],
        "",
        *table("figure", "Upwork 2024", survey),
        "",
        f"## Misses and partial matches ({len(misses)} of {len(rows) + len(survey)})",
        "",
        *([f"- {r['fact']}: {r['verdict']}" for r in misses] or ["- none"]),
        "",
        "![seed case](seed_case.png)",
        "",
    ]
    return "\n".join(lines + ([robust, ""] if robust else []))


def robustness_section(
    cfg: DictConfig, rows: list[dict], described: dict, n_base: int
) -> tuple[str, pd.DataFrame | None]:
    """The robustness table (`experiments.robustness`) as a section of `seed_case.md`."""
    spec = described.get("robustness") or {}
    if not spec.get("parameters"):
        return "", None
    from experiments import robustness

    factors = [float(f) for f in spec.get("factors", (0.5, 1.5))]
    table = robustness.screen(
        cfg,
        rows,
        described,
        spec["parameters"],
        factors,
        int(spec.get("replications", 2)),
        int(spec.get("n_jobs", 1)),
    )
    top = spec.get("top")
    shown = "every candidate, most influential first" if not top else f"the {top} most influential"
    text = "\n".join(
        [
            "## Robustness: each row's verdict with one parameter changed",
            "",
            f"Each parameter multiplied by {' and by '.join(f'{f:g}' for f in factors)} "
            f"(clipped to its allowed range), {int(spec.get('replications', 2))} replication(s) "
            f"each against the {n_base} of the table above, same root seed; {shown}. "
            "✓ matches, ~ partly, ✗ misses; ← the verdict differs from the base. Influence: "
            "verdicts changed, then how far the rows' figures moved (experiments/robustness.py).",
            "",
            robustness.render(table, rows, int(top) if top else None),
        ]
    )
    return text, table


def write_seed_case(run_dir: Path, described: dict[str, list[dict]] | None = None) -> Path:
    """Write `seed_case.md`, `.json` and `.png` into a finished run's folder; the `.md`'s path.

    `described` holds the facts and survey figures; by default the preset's, as it is now.
    """
    run_dir, described = Path(run_dir), described or described_facts()
    cfg = OmegaConf.load(run_dir / "config.yaml")
    summaries = json.loads((run_dir / "summary.json").read_text()).get("per_replication", [])
    books = pd.read_parquet(run_dir / "timeseries.parquet")
    runs = [frame.reset_index(drop=True) for _, frame in books.groupby("replication")]
    rows = [fact(f, cfg, runs, summaries) for f in described["facts"]]
    survey = [fact(f, cfg, runs, summaries) for f in described["survey"]]
    figure(cfg, runs, run_dir / "seed_case.png")
    robust, table = robustness_section(cfg, rows + survey, described, len(runs))
    if table is not None:
        table.to_csv(run_dir / "robustness.csv", index=False)
    keep = ("fact", "article", "simulation", "rule", "verdict", "values")
    data = {
        name: [{k: r[k] for k in keep} for r in part]
        for name, part in (("facts", rows), ("survey", survey))
    }
    write_json(data, run_dir / "seed_case.json", sort_keys=False)
    (run_dir / "seed_case.md").write_text(render(cfg, rows, survey, len(runs), robust))
    return run_dir / "seed_case.md"
