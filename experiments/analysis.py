"""From runs to results: the tidy per-run table, the per-level summary, figures and report.

`analyse(effect, records, directory)` writes into `directory`:

* `results.parquet`: one row per run (arm, automation rate, replication, the parameters the
  arms differ in, every scalar of the run's `summary.json`, and the effect's own figures);
* `summary.parquet`: per arm and level, mean, sd, n and 95% CI of each metric
  (`sim.stats.summarise`);
* `daily.parquet`: per run and day, the timeseries columns the effect's figures use;
* `figures/*.png` and `report.md`, which embeds them with the numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from experiments.common import ARMS, EFFECT_ARM, KEYS, Effect, RunRecord, arm_of, control_overrides
from experiments.registry import get_effect
from sim.stats import summarise


@dataclass
class Analysis:
    """What `analyse` produced.

    Attributes:
        results: one row per run.
        summary: mean, sd, n and 95% CI per arm and level.
        daily: per run and day, the columns the figures use.
        files: every file written, by name.
    """

    results: pd.DataFrame
    summary: pd.DataFrame
    daily: pd.DataFrame
    files: dict[str, Path]


def _scalars(summary: dict[str, Any]) -> dict[str, Any]:
    """The run-level summary's scalar figures (nested survey figures flattened)."""
    row: dict[str, Any] = {}
    for key, value in summary.items():
        if key in ("replication", "littles_law"):
            continue
        if isinstance(value, dict):
            for name, item in value.items():
                if isinstance(item, int | float | bool) or item is None:
                    row[f"{key}.{name}"] = math.nan if item is None else float(item)
        elif isinstance(value, list):
            row[f"{key}_count"] = float(len(value))
        elif isinstance(value, bool):
            row[key] = float(value)
        elif isinstance(value, int | float) or value is None:
            row[key] = math.nan if value is None else float(value)
    return row


def results_frame(effect: Effect, records: list[RunRecord]) -> pd.DataFrame:
    """One row per run, with the effect's per-run and paired (vs automation 0) figures."""
    rows = []
    for record in records:
        cfg = record.cfg
        row: dict[str, Any] = {
            "arm": arm_of(cfg, effect.control),
            "automation_rate": float(cfg.ai.automation_rate),
            "replication": int(record.replication),
            "seed": int(cfg.seed),
            "org": str(cfg.org.name),
            "days": int(cfg.days),
            "rollout_day": int(cfg.ai.rollout_day),
        }
        for key in effect.control:
            value = OmegaConf.select(cfg, key)
            row[key] = value if isinstance(value, bool | int | float | str) else str(value)
        row.update(_scalars(record.summary))
        row.update(effect.run_metrics(record))
        row["path"] = str(record.path) if record.path is not None else ""
        rows.append(row)
    frame = pd.DataFrame(rows).sort_values(KEYS, ignore_index=True)
    return effect.paired_metrics(frame)


def daily_frame(effect: Effect, records: list[RunRecord], results: pd.DataFrame) -> pd.DataFrame:
    """Per run and day, the timeseries columns the effect's figures use."""
    columns = effect.daily_columns(results)
    frames = []
    for record in records:
        keep = ["day"] + [c for c in columns if c in record.timeseries.columns]
        frames.append(
            record.timeseries[keep].assign(
                arm=arm_of(record.cfg, effect.control),
                automation_rate=float(record.cfg.ai.automation_rate),
                replication=int(record.replication),
            )
        )
    if not frames:
        return pd.DataFrame(columns=["arm", "automation_rate", "replication", "day"])
    frame = pd.concat(frames, ignore_index=True)
    return frame[
        ["arm", "automation_rate", "replication"] + [c for c in frame.columns if c not in KEYS]
    ]


def summarise_levels(effect: Effect, results: pd.DataFrame) -> pd.DataFrame:
    """Mean, sd, n and 95% CI of the effect's metrics per arm and automation level."""
    columns = [c for c in effect.metrics(results) if c in results.columns]
    summary = summarise(results, ["arm", "automation_rate"], columns)
    order = {arm: i for i, arm in enumerate(ARMS)}
    return summary.sort_values(
        ["arm", "automation_rate"],
        key=lambda s: s.map(order) if s.name == "arm" else s,
        ignore_index=True,
    )


def reference_config(records: list[RunRecord], effect: Effect) -> DictConfig:
    """The effect arm's config at its lowest level (for the config's own arithmetic)."""
    ranked = sorted(
        records,
        key=lambda r: (
            arm_of(r.cfg, effect.control) != EFFECT_ARM,
            float(r.cfg.ai.automation_rate),
        ),
    )
    return ranked[0].cfg


def _header(effect: Effect, results: pd.DataFrame, cfg: DictConfig, directory: Path) -> str:
    counts = results.groupby("arm").size().to_dict()
    per_level = results.groupby(["arm", "automation_rate"]).size()
    levels = sorted(results.automation_rate.unique())
    return "\n".join(
        [
            f"# {effect.title}",
            "",
            f"Generated {datetime.now():%Y-%m-%d %H:%M} from `{directory}` by `experiments` "
            f"(reproduce: `absorb -m experiment={effect.name}`).",
            "",
            f"- organisation `{cfg.org.name}`, {int(cfg.days)} working days, AI rolled out on day "
            f"{int(cfg.ai.rollout_day)}, root seed {int(cfg.seed)}",
            f"- automation levels: {', '.join(f'{a:g}' for a in levels)}",
            f"- runs: {', '.join(f'{arm} {n}' for arm, n in counts.items())}; replications per "
            f"level: {int(per_level.min())}–{int(per_level.max())}",
            "- common random numbers: replication *i* draws the same named streams at every level "
            "and in both arms; comparisons with automation 0 are paired by replication",
            f"- control arm: `{' '.join(control_overrides(effect.control))}` — "
            f"{effect.control_note}",
            "- intervals are 95% t-intervals over replications (`sim.stats.confidence_interval`)",
            "",
        ]
        + [f"- {note}" for note in effect.notes]
    )


def analyse(effect_name: str, records: list[RunRecord], directory: Path) -> Analysis:
    """Gather, summarise, draw and report one effect's sweep into `directory`.

    Args:
        effect_name: the preset's name.
        records: the sweep's runs (`experiments.gather.load_sweep` or `experiments.sweep`).
        directory: where the outputs go (the sweep folder).

    Returns:
        The frames and the files written.

    Raises:
        ValueError: when there are no runs.
    """
    if not records:
        raise ValueError(f"no runs to analyse for {effect_name}")
    effect = get_effect(effect_name)
    directory = Path(directory)
    figures_dir = directory / "figures"
    figures_dir.mkdir(parents=True, exist_ok=True)
    results = results_frame(effect, records)
    summary = summarise_levels(effect, results)
    daily = daily_frame(effect, records, results)
    cfg = reference_config(records, effect)
    files = {
        "results": directory / "results.parquet",
        "summary": directory / "summary.parquet",
        "daily": directory / "daily.parquet",
    }
    results.to_parquet(files["results"], index=False)
    summary.to_parquet(files["summary"], index=False)
    daily.to_parquet(files["daily"], index=False)
    figure_paths = effect.figures(results, summary, daily, figures_dir, cfg)
    body = effect.report(results, summary, figure_paths, cfg)
    embedded = "\n\n".join(f"![{p.stem}](figures/{p.name})" for p in figure_paths)
    text = "\n".join(
        [
            _header(effect, results, cfg, directory),
            "## Results",
            "",
            body,
            "",
            "## Figures",
            "",
            embedded,
            "",
            "Per-run figures: `results.parquet`; per level: `summary.parquet`; per day: "
            "`daily.parquet`.",
            "",
        ]
    )
    files["report"] = directory / "report.md"
    files["report"].write_text(text)
    for path in figure_paths:
        files[path.stem] = path
    return Analysis(results, summary, daily, files)


__all__ = ["Analysis", "analyse", "daily_frame", "results_frame", "summarise_levels"]
