"""The remedies: each policy alone and the most promising pairs, against the baseline.

`absorb -m experiment=remedies` sweeps the baseline and every policy of `configs/policy/` at
three automation rates (`configs/experiment/remedies.yaml`); when the sweep ends, the three pairs
of the three policies that raise qualified pipeline most at the middle rate are run in-process
into the same folder, and `report.md` gives each policy's change against the baseline (paired by
replication: common random numbers) in both books, a trade-off figure and a verdict.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from omegaconf import DictConfig

import sim
from experiments import plotting
from experiments.common import fmt_ci
from experiments.runs import RunRecord, load_runs, load_sweep, planned_jobs, run_folders
from sim.outputs import config_differences, write_json, write_run
from sim.policies import overrides
from sim.stats import confidence_interval, relative_change
from sim.windows import last_quarter

BASELINE = "baseline"
# Per run, over the last quarter: (label, better when it rises?; None: the dashboard, neither).
MEASURES = {
    "dashboard_per_fte": ("dashboard per FTE", None),
    "qualified_pipeline": ("qualified pipeline", True),
    "revenue": ("revenue", True),
    "win_rate": ("win rate", True),
    "time_to_send_days": ("time to send", False),
    "escaped_defects": ("escaped defects", False),
    "total_human_hours": ("total human hours", False),
    "burnout_share": ("burnout share", False),
}
POINTS = ("win_rate", "burnout_share")  # shares: changes in points; the rest in %
PAIRS_FROM = 3  # the pairs are those of the policies ranked first to third
RANK_BY = "qualified_pipeline"


def remedy(cfg: DictConfig) -> str:
    """The name of a run's remedy: its policies joined by `+`, or the baseline."""
    chosen = [name for name, policy in cfg.policy.items() if policy.enabled]
    return "+".join(sorted(chosen)) or BASELINE


def run_measures(record: RunRecord) -> dict[str, float]:
    """The measures of one replication, over the last quarter of its run."""
    late = last_quarter(record.timeseries, record.cfg)
    values = {m: float(late[m].mean()) for m in MEASURES if m not in ("win_rate",)}
    decisions = float(late.decisions.sum())
    values["win_rate"] = float(late.wins.sum()) / decisions if decisions else np.nan
    return values


def results_table(records: list[RunRecord]) -> pd.DataFrame:
    """One row per run: remedy, automation rate, replication and the measures."""
    return pd.DataFrame(
        [
            {
                "remedy": remedy(r.cfg),
                "automation_rate": float(r.cfg.ai.automation_rate),
                "replication": r.replication,
                **run_measures(r),
            }
            for r in records
        ]
    )


def changes(results: pd.DataFrame) -> pd.DataFrame:
    """Per remedy and level: each measure's change against the baseline of the same replication.

    Changes in % for the books' levels, in points for the shares (`POINTS`).
    """
    keys = ["automation_rate", "replication"]
    base = results[results.remedy == BASELINE].set_index(keys)
    rows = []
    for (name, level), group in results[results.remedy != BASELINE].groupby(
        ["remedy", "automation_rate"]
    ):
        paired = group.merge(base, left_on=keys, right_index=True, suffixes=("", "_base"))
        row = {"remedy": name, "automation_rate": level, "n": len(paired)}
        for m in MEASURES:
            if m in POINTS:  # a share: the change in points
                diff = 100.0 * (paired[m] - paired[f"{m}_base"])
            else:  # a level: the change in %
                diff = [
                    100.0 * relative_change(a, b)
                    for a, b in zip(paired[m], paired[f"{m}_base"], strict=True)
                ]
            stats = confidence_interval(np.asarray(diff, dtype=float))
            row |= {f"{m}_{k}": stats[k] for k in ("mean", "ci_low", "ci_high")}
        rows.append(row)
    return pd.DataFrame(rows)


def promising(table: pd.DataFrame, level: float) -> list[str]:
    """The single policies that raise `RANK_BY` most at `level`, best first."""
    singles = table[(~table.remedy.str.contains(r"\+")) & np.isclose(table.automation_rate, level)]
    return singles.sort_values(f"{RANK_BY}_mean", ascending=False).remedy.head(PAIRS_FROM).tolist()


def _run(job: list[str], out: Path) -> None:
    result = sim.run(sim.load_config(job), progress=False)
    write_run(result, out, figures=False)


def run_pairs(
    sweep_dir: Path, levels: list[float], given: list[str], best: list[str]
) -> list[Path]:
    """Run the pairs of `best` at `levels` into `sweep_dir/pairs/` (two processes).

    `given` are the sweep's own overrides (the preset, `org=...`), so the pairs run as the
    singles did; a pair already in the folder with the same config is not run again (one with
    another config is run again and replaced).

    Returns:
        The pairs' run folders.
    """
    jobs = [
        (
            [*given, f"ai.automation_rate={level}", *overrides(list(pair))],
            sweep_dir / "pairs" / "+".join(pair) / f"automation_rate={level}",
        )
        for pair in itertools.combinations(sorted(best), 2)
        for level in levels
    ]
    folders = [out for _, out in jobs]
    jobs = [(job, out) for job, out in jobs if config_differences(out, sim.load_config(job)) != []]
    Parallel(n_jobs=2)(delayed(_run)(job, out) for job, out in jobs)
    return folders


def verdict(table: pd.DataFrame, name: str) -> str:
    """What a remedy improves, what it costs, where it backfires (whole 95% CIs)."""
    rows = table[table.remedy == name].sort_values("automation_rate")
    better, worse = {}, {}
    for _, row in rows.iterrows():
        for m, (label, up) in MEASURES.items():
            if up is None:
                continue
            good = row[f"{m}_ci_low"] > 0 if up else row[f"{m}_ci_high"] < 0
            bad = row[f"{m}_ci_high"] < 0 if up else row[f"{m}_ci_low"] > 0
            if good:
                better.setdefault(label, []).append(f"{row.automation_rate:g}")
            if bad:
                worse.setdefault(label, []).append(f"{row.automation_rate:g}")

    def listed(found: dict[str, list[str]]) -> str:
        return "; ".join(f"{k} (at {', '.join(v)})" for k, v in found.items()) or "nothing"

    outcome = [w for w in ("qualified pipeline", "revenue") if w in worse]
    backfire = f" Backfires on {', '.join(outcome)}." if outcome else ""
    return f"improves {listed(better)}; costs {listed(worse)}.{backfire}"


def figure(table: pd.DataFrame, level: float, path: Path) -> Path:
    """Trade-off at `level`: change in qualified pipeline against change in human hours."""
    fig, (ax,) = plotting.subplots(1, 1, width=7.0)
    rows = table[np.isclose(table.automation_rate, level)]
    for _, row in rows.iterrows():
        x, y = row.total_human_hours_mean, row.qualified_pipeline_mean
        xerr = [[x - row.total_human_hours_ci_low], [row.total_human_hours_ci_high - x]]
        yerr = [[y - row.qualified_pipeline_ci_low], [row.qualified_pipeline_ci_high - y]]
        ax.errorbar(x, y, xerr=xerr, yerr=yerr, fmt="o", capsize=3)
        ax.annotate(
            row.remedy.replace("+", " +\n"),
            (x, y),
            fontsize=7,
            xytext=(4, 4),
            textcoords="offset points",
        )
    ax.axhline(0, color="black", linewidth=0.8)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set(
        xlabel="total human hours, change vs baseline (%)",
        ylabel="qualified pipeline, change vs baseline (%)",
        title=f"Remedies at automation {level:g}: outcome gained for hours spent (95% CI)",
    )
    return plotting.save(fig, path)


def write_report(
    sweep_dir: Path,
    cfg: DictConfig,
    rank_level: float,
    records: list[RunRecord] | None = None,
    found: str = "",
) -> Path:
    """Gather the sweep's runs (singles, baseline and pairs) into `report.md`.

    `records` by default: the planned runs of the sweep (`multirun.yaml`) and every run under
    `pairs/`; `found` a line saying how many of the planned runs were found.
    """
    if records is None:
        records = load_sweep(sweep_dir, planned_jobs(sweep_dir))
        records += load_runs(run_folders(sweep_dir / "pairs"))
    results = results_table(records)
    table = changes(results)
    results.to_parquet(sweep_dir / "results.parquet")
    table.to_parquet(sweep_dir / "changes.parquet")
    middle = rank_level
    lines = [
        "# Remedies: each policy against the baseline, in both books",
        "",
        f"Reproduce: `absorb -m experiment=remedies` (folder `{sweep_dir}`). Organisation "
        f"`{cfg.org.name}`, {cfg.days} working days, AI from day {cfg.ai.rollout_day}; "
        f"{int(results.replication.nunique())} replications per remedy and level with common "
        "random numbers: each change is paired with the baseline run of the same replication "
        "(mean and 95% t-interval of the paired differences). Measures over the last quarter; "
        "relative changes in %, win rate and burnout share in points (absolute).",
        *(["", f"Runs: {found}."] if found else []),
        "",
        f"Pairs: those of the {PAIRS_FROM} policies that raise qualified pipeline most at "
        f"automation {middle:g}: {', '.join(promising(table, middle))}.",
    ]
    for level in sorted(table.automation_rate.unique()):
        rows = table[np.isclose(table.automation_rate, level)]
        lines += ["", f"## Automation {level:g}", ""]
        lines += ["| remedy | " + " | ".join(label for label, _ in MEASURES.values()) + " |"]
        lines += ["|---" * (len(MEASURES) + 1) + "|"]
        for _, row in rows.sort_values("remedy").iterrows():
            cells = [fmt_ci(row, m) for m in MEASURES]
            lines.append(f"| {row.remedy} | " + " | ".join(cells) + " |")
    lines += ["", "## Verdicts (whole 95% CI on the good or the bad side)", ""]
    for name in sorted(table.remedy.unique()):
        lines.append(f"- **{name}**: {verdict(table, name)}")
    figures = sweep_dir / "figures"
    figures.mkdir(exist_ok=True)
    for level in sorted(table.automation_rate.unique()):
        path = figure(table, level, figures / f"tradeoff_{level:g}.png")
        lines += ["", f"![Trade-off at {level:g}](figures/{path.name})"]
    report = sweep_dir / "report.md"
    report.write_text("\n".join(lines) + "\n")
    write_json({n: verdict(table, n) for n in table.remedy.unique()}, sweep_dir / "verdicts.json")
    return report
