"""From runs to results, the one path of every effect, as its description says.

`analyse(effect, records, directory)` writes `results.parquet` (one row per run),
`summary.parquet` (per arm and level: mean, sd, n and 95% CI of each metric),
`daily.parquet` (per run and day, the columns the figures use), `figures/` and `report.md`.

Given the sweep's plan (`Coverage`), the report states how many of the planned runs it found,
and every check that speaks about a level that was not found says *not known* instead of a
verdict.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from experiments import common, plotting
from experiments.effect import Effect, describe
from experiments.runs import RunRecord, found_jobs
from sim.outputs import scalars as _scalars
from sim.stats import summarise


@dataclass(frozen=True)
class Coverage:
    """How much of the planned sweep the records hold.

    Attributes:
        planned: planned runs (jobs: one configuration each, its replications inside).
        found: planned runs found complete.
        missing: per arm, the planned automation levels without a run.
    """

    planned: int
    found: int
    missing: dict[str, list[float]] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """Whether every planned run was found."""
        return self.found == self.planned and not any(self.missing.values())

    def line(self) -> str:
        """`found 8 of 11 planned runs` (and what is missing)."""
        text = f"found {self.found} of {self.planned} planned runs"
        missing = "; ".join(
            f"{arm} arm at {common.level_list(levels)}"
            for arm, levels in self.missing.items()
            if levels
        )
        return f"{text} (missing: {missing})" if missing else text


def coverage(
    effect: Effect, records: list[RunRecord], planned: Sequence[Sequence[str]]
) -> Coverage:
    """What of the `planned` jobs (each its overrides) `records` hold, arm by arm and level."""
    cells = set()
    for job in planned:
        arm = next((a for a, override in effect.arms.items() if override in job), None)
        level = next((o.split("=", 1)[1] for o in job if o.startswith("ai.automation_rate=")), None)
        if arm is not None and level is not None:
            cells.add((arm, float(level)))
    found = {(effect.arm_of(r.cfg), float(r.cfg.ai.automation_rate)) for r in records}
    missing: dict[str, list[float]] = {}
    for arm, level in sorted(cells):
        if not any(arm == a and math.isclose(level, b) for a, b in found):
            missing.setdefault(arm, []).append(level)
    return Coverage(len(planned), found_jobs(records, planned), missing)


def _missing(coverage: Coverage | None, arms: Sequence[str], levels: list[float] | None) -> list:
    """The planned levels of `arms` (among `levels`, if given) that have no run."""
    if coverage is None:
        return []
    gone = {a for arm in arms for a in coverage.missing.get(arm, [])}
    return sorted(a for a in gone if levels is None or any(math.isclose(a, b) for b in levels))


def _keys(effect: Effect, record: RunRecord) -> dict[str, Any]:
    arm, level = effect.arm_of(record.cfg), float(record.cfg.ai.automation_rate)
    return {"arm": arm, "automation_rate": level, "replication": int(record.replication)}


def results_frame(effect: Effect, records: list[RunRecord]) -> pd.DataFrame:
    """One row per run: keys, parameters, its summary's scalars, `measures`, `derived` figures."""
    rows = []
    for record in records:
        cfg = record.cfg
        row = _keys(effect, record) | {"seed": int(cfg.seed), "org": str(cfg.org.name)}
        row |= {"days": int(cfg.days), "rollout_day": int(cfg.ai.rollout_day)}
        for key in effect.control:
            value = OmegaConf.select(cfg, key)
            row[key] = value if isinstance(value, bool | int | float | str) else str(value)
        row |= _scalars(record.summary)
        for name, spec in effect.report["measures"].items():
            row[name] = common.measure(spec, record.timeseries, record.summary, cfg)
        row |= effect.hook("run_metrics", lambda record: {})(record)
        rows.append(row | {"path": "" if record.path is None else str(record.path)})
    frame = pd.DataFrame(rows).sort_values(common.KEYS, ignore_index=True)
    frame = effect.hook("paired_metrics", lambda results: results)(frame)
    derived = "\n".join(f"{name} = {rule}" for name, rule in effect.report["derived"].items())
    return frame.eval(derived, local_dict={"zero": common.at_zero(frame)}) if derived else frame


def daily_frame(effect: Effect, records: list[RunRecord], results: pd.DataFrame) -> pd.DataFrame:
    """Per run and day, the timeseries columns the effect's figures use."""
    wanted = effect.report["daily"] + effect.hook("daily_columns", lambda results: [])(results)
    frames = [
        r.timeseries[["day"] + [c for c in wanted if c in r.timeseries]].assign(**_keys(effect, r))
        for r in records
    ]
    frame = pd.concat(frames, ignore_index=True)
    return frame[common.KEYS + [c for c in frame.columns if c not in common.KEYS]]


def summarise_levels(effect: Effect, results: pd.DataFrame) -> pd.DataFrame:
    """Mean, sd, n and 95% CI of the effect's metrics per arm and automation level."""
    metrics = effect.report["metrics"] + effect.hook("metrics", lambda results: [])(results)
    summary = summarise(results, ["arm", "automation_rate"], [c for c in metrics if c in results])
    # the effect arm first ("effect" > "control"), levels rising
    return summary.sort_values(
        ["arm", "automation_rate"], ascending=[False, True], ignore_index=True
    )


def same_in_both_arms(results: pd.DataFrame, columns: list[str]) -> bool:
    """Whether both arms have the same `columns`, run by run (up to rounding)."""
    if set(results.arm) != set(common.ARMS):
        return False
    effect, control = (
        results[results.arm == arm].set_index(["automation_rate", "replication"])[columns]
        for arm in common.ARMS
    )
    both = effect.index.intersection(control.index)
    effect, control = effect.loc[both].sort_index(), control.loc[both].sort_index()
    return bool(np.allclose(effect.to_numpy(float), control.to_numpy(float), equal_nan=True))


def body(
    effect: Effect,
    results: pd.DataFrame,
    summary: pd.DataFrame,
    cfg: DictConfig,
    coverage: Coverage | None = None,
) -> str:
    """The report's results: the described tables, checks and lines, then the effect's own.

    A check that needs a planned level without a run says *not known* (and which levels).
    """
    lines = [effect.report["intro"]]
    for table in effect.report["tables"]:
        lines += ["", table["text"]] if "text" in table else []
        arms, percent = table.get("arms", common.ARMS), table.get("percent", ())
        lines += ["", common.level_table(summary, table["columns"], arms, percent)]
    if effect.report["checks"]:
        lines += ["", "Computed from the tables (automation levels above 0):", ""]
    levels = sorted(summary.automation_rate.unique())
    for check in effect.report["checks"]:
        if "same_in_both_arms" in check:
            gone = _missing(coverage, common.ARMS, None)
            verdict = "yes" if same_in_both_arms(results, check["same_in_both_arms"]) else "no"
            if gone:
                verdict = f"not known (no runs at {common.level_list(gone)})"
            lines.append(f"- {check['says']}: {verdict}")
            continue
        holding = common.levels_where(summary, check["arm"], check["where"])
        if "from" in check:
            gone = [a for a in _missing(coverage, [check["arm"]], None) if a >= check["from"]]
            upper = [a for a in levels if a >= check["from"]]
            verdict = "yes" if upper and set(upper) <= set(holding) else "no"
            if gone:
                verdict = f"not known (no runs at {common.level_list(gone)})"
            lines.append(f"- {check['says']}: **{verdict}**")
        else:
            gone = [a for a in _missing(coverage, [check["arm"]], None) if a > 0]
            text = f"- {check['says']} at levels: {common.level_list(holding)}"
            lines.append(
                text + (f" (not known at {common.level_list(gone)}: no runs)" if gone else "")
            )
    shown: dict[str, Any] = {"top": max(levels)}
    metrics = [c.removesuffix("_mean") for c in summary.columns if c.endswith("_mean")]
    for arm, (unit, suffix) in itertools.product(common.ARMS, (("", ""), ("%", "_percent"))):
        row = common.summary_at(summary, arm, max(levels))
        shown[arm + suffix] = {
            m: common.fmt_ci(row, m, unit) if row is not None else "n/a" for m in metrics
        }
    lines += [line.format_map(shown) for line in effect.report["lines"]]
    lines += effect.hook("report", lambda *args: [])(results, summary, cfg)
    return "\n".join(lines).strip("\n")


def header(
    effect: Effect,
    results: pd.DataFrame,
    cfg: DictConfig,
    directory: Path,
    coverage: Coverage | None = None,
) -> str:
    """The report's title and the design of the sweep (and how much of it was found)."""
    counts = ", ".join(f"{arm} {n}" for arm, n in results.groupby("arm").size().items())
    per_level = results.groupby(["arm", "automation_rate"]).size()
    control = " ".join(
        f"{k}={str(v).lower() if isinstance(v, bool) else v}" for k, v in effect.control.items()
    )
    design = ", ".join(
        f"`{key}={OmegaConf.select(cfg, key)}` ({why})"
        for key, why in effect.report["design"].items()
    )
    return "\n".join(
        [
            f"# {effect.report['title']}",
            "",
            f"Generated {datetime.now():%Y-%m-%d %H:%M} from `{directory}` by `experiments` "
            f"(reproduce: `absorb -m experiment={effect.name}`).",
            "",
            f"- organisation `{cfg.org.name}`, {int(cfg.days)} working days, AI rolled out on day "
            f"{int(cfg.ai.rollout_day)}, root seed {int(cfg.seed)}",
            f"- automation levels: {common.level_list(sorted(results.automation_rate.unique()))}",
            f"- runs: {counts}; replications per level: {per_level.min()}–{per_level.max()}",
            *(
                []
                if coverage is None
                else [
                    f"- {coverage.line()}"
                    + (
                        ""
                        if coverage.complete
                        else "; **incomplete**: figures and checks cover the runs found, and a "
                        "check that needs a missing level says *not known*"
                    )
                ]
            ),
            "- common random numbers: replication *i* draws the same named streams at every level "
            "and in both arms; comparisons with automation 0 are paired by replication",
            f"- control arm: `{control}` — {effect.report['control_note']}",
            *([f"- the same in both arms, by design: {design}"] if design else []),
            "- intervals are 95% t-intervals over replications (`sim.stats.confidence_interval`)",
            "",
        ]
    )


def analyse(
    effect: Effect | str,
    records: list[RunRecord],
    directory: Path,
    planned: Sequence[Sequence[str]] | None = None,
) -> dict[str, Path]:
    """Write one effect's results, summary, figures and report into `directory`; the files.

    `planned` are the sweep's jobs (`experiments.runs.planned_jobs`): the report then says how
    many of them it found and marks the checks that lack levels.

    Raises:
        ValueError: when there are no runs.
    """
    effect = describe(effect) if isinstance(effect, str) else effect
    found = None if planned is None else coverage(effect, records, planned)
    if not records:
        raise ValueError(f"no runs to analyse for {effect.name}")
    directory = Path(directory)
    (directory / "figures").mkdir(parents=True, exist_ok=True)
    results = results_frame(effect, records)
    summary = summarise_levels(effect, results)
    daily = daily_frame(effect, records, results)
    files = {}
    for name, frame in {"results": results, "summary": summary, "daily": daily}.items():
        files[name] = directory / f"{name}.parquet"
        frame.to_parquet(files[name], index=False)
    # the effect arm's config at its lowest level, for the config's own arithmetic
    lowest = min(
        records, key=lambda r: (effect.arm_of(r.cfg) != common.EFFECT_ARM, r.cfg.ai.automation_rate)
    )
    paths = [
        plotting.level_figure(summary, figure, directory / "figures" / f"{name}.png")
        for name, figure in effect.report["figures"].items()
    ]
    draw = effect.hook("figures", lambda *args: [])
    paths += draw(results, summary, daily, directory / "figures", lowest.cfg)
    figures = "\n\n".join(f"![{p.stem}](figures/{p.name})" for p in paths)
    report = body(effect, results, summary, lowest.cfg, found)
    files["report"] = directory / "report.md"
    files["report"].write_text(
        f"{header(effect, results, lowest.cfg, directory, found)}\n## Results\n\n{report}\n\n"
        f"## Figures\n\n{figures}\n\nPer-run figures: `results.parquet`; per level: "
        "`summary.parquet`; per day: `daily.parquet`.\n"
    )
    return files | {path.stem: path for path in paths}
