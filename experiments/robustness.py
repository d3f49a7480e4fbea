"""How robust the seed case's verdicts are: each row again at −50% and +50% of a parameter.

One parameter at a time (a key, or a pattern such as `ai.kinds.*.relevance_mean` that scales
every kind together) is multiplied by each factor and the seed case is run again with the
same root seed (common random numbers: what changes is the parameter, not the luck). Every
row's verdict follows the same rule as in the main table. A parameter's influence is the
number of (row, factor) verdicts it changes; ties are broken by how far it moves the rows'
judged figures (each |change| over the larger of |base| and the base's sd, capped at 1).

The screen (`absorb experiment=seed_screen`) runs this over the candidate parameters and ranks
them; the seed case (`absorb experiment=seed_case`) runs it over the five the screen found most
influential and adds the table to `seed_case.md`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

import pandas as pd
from joblib import Parallel, delayed
from omegaconf import DictConfig, OmegaConf

import sim
from experiments.common import fmt
from sim.config import RunConfig

Row = dict[str, Any]


@dataclass(frozen=True)
class Variant:
    """One parameter at one factor: its name, the factor and the values it sets, by key."""

    name: str
    factor: float
    values: tuple[tuple[str, float | int], ...]


def _leaves(node: Any, prefix: str = "") -> dict[str, Any]:
    """Every scalar of a plain config, by dotted key."""
    if isinstance(node, Mapping):
        out: dict[str, Any] = {}
        for key, value in node.items():
            out |= _leaves(value, f"{prefix}{key}.")
        return out
    return {prefix[:-1]: node}


def scaled(
    cfg: DictConfig,
    key: str,
    factor: float,
    high: float | None = None,
    low: float | None = None,
) -> dict[str, float | int]:
    """Every number matching `key` (an fnmatch pattern), by key, at value × `factor`.

    Args:
        cfg: the composed configuration the values are read from.
        key: a dotted key, or a pattern (`*` matches one level or more).
        factor: the multiplier.
        high: an upper bound the scaled value is clipped to (a probability's 1, ...).
        low: a lower bound it is clipped to (a factor that must stay ≥ 1, ...).

    Raises:
        ValueError: when no numeric value matches `key`.
    """
    plain = OmegaConf.to_container(cfg, resolve=True)
    plain.pop("hydra", None)
    matched = {
        name: value
        for name, value in _leaves(plain).items()
        if fnmatchcase(name, key) and isinstance(value, int | float) and not isinstance(value, bool)
    }
    if not matched:
        raise ValueError(f"robustness: parameter {key!r} matches no number in the config")
    out: dict[str, float | int] = {}
    for name, value in sorted(matched.items()):
        new = float(value) * factor
        new = min(new, high) if high is not None else new
        new = max(new, low) if low is not None else new
        out[name] = int(round(new)) if isinstance(value, int) else new
    return out


def variants(cfg: DictConfig, parameters: Sequence[Mapping], factors: Sequence[float]):
    """Every parameter × factor as a `Variant`."""
    return [
        Variant(
            p["name"],
            float(f),
            tuple(scaled(cfg, p["key"], float(f), p.get("high"), p.get("low")).items()),
        )
        for p in parameters
        for f in factors
    ]


def _run(
    cfg: DictConfig, values: Sequence[tuple[str, Any]]
) -> tuple[DictConfig, list[pd.DataFrame], list[dict]]:
    cfg = OmegaConf.merge(OmegaConf.structured(RunConfig), cfg)  # a stored config.yaml, typed
    for key, value in values:
        OmegaConf.update(cfg, key, value, merge=False)
    result = sim.run(cfg, progress=False)
    books = result.timeseries
    runs = [frame.reset_index(drop=True) for _, frame in books.groupby("replication")]
    return result.config, runs, result.replications


def _word(verdict: str) -> str:
    return verdict.split(":")[0]


def _judged(row: Row) -> dict[str, dict]:
    return {k: v for k, v in row.get("values", {}).items() if isinstance(v, dict)}


def movement(base: Row, other: Row) -> float:
    """How far a row's figures moved, each |change| over max(|base|, sd), capped at 1."""
    total = 0.0
    for name, stats in _judged(base).items():
        new = _judged(other).get(name, {}).get("mean", math.nan)
        sd = stats.get("sd", math.nan)
        scale = max(abs(stats.get("mean", 0.0)), 0.0 if math.isnan(sd) else sd, 1e-12)
        change = abs(new - stats.get("mean", math.nan)) / scale
        total += 0.0 if math.isnan(change) else min(change, 1.0)
    return total


def screen(
    cfg: DictConfig,
    base_rows: list[Row],
    described: Mapping[str, list[dict]],
    parameters: Sequence[Mapping],
    factors: Sequence[float] = (0.5, 1.5),
    replications: int = 2,
    n_jobs: int = 1,
) -> pd.DataFrame:
    """Each row's verdict at each parameter × factor; one record per (parameter, factor, row).

    Args:
        cfg: the base run's configuration (its `config.yaml`): each variant is it with one
            parameter scaled, and `replications` replications.
        base_rows: the base run's rows (`experiments.seed_case.fact`), in table order.
        described: the facts and survey figures (`experiments.seed_case.described_facts`).
        parameters: `{name, key, high?}` per parameter.
        factors: the multipliers.
        replications: replications of each variant run.
        n_jobs: joblib processes.
    """
    from experiments.seed_case import fact

    todo = variants(cfg, parameters, factors)
    fixed = (("replications", int(replications)), ("figures", False), ("progress", False))
    done = Parallel(n_jobs=n_jobs)(delayed(_run)(cfg, (*fixed, *v.values)) for v in todo)
    records = []
    facts = list(described["facts"]) + list(described["survey"])
    for variant, (run_cfg, runs, summaries) in zip(todo, done, strict=True):
        for base, described_row in zip(base_rows, facts, strict=True):
            row = fact(described_row, run_cfg, runs, summaries)
            records.append(
                {
                    "parameter": variant.name,
                    "factor": variant.factor,
                    "fact": base["fact"],
                    "base": _word(base["verdict"]),
                    "verdict": _word(row["verdict"]),
                    "changed": _word(row["verdict"]) != _word(base["verdict"]),
                    "movement": movement(base, row),
                }
            )
    return pd.DataFrame(records)


def influence(table: pd.DataFrame) -> pd.DataFrame:
    """Per parameter: verdicts changed and movement, most influential first."""
    out = table.groupby("parameter", sort=False).agg(
        changed=("changed", "sum"), movement=("movement", "sum")
    )
    return out.sort_values(["changed", "movement"], ascending=False, kind="stable")


SHORT = {"matches": "✓", "partly": "~", "misses": "✗"}


def render(table: pd.DataFrame, base_rows: list[Row], top: int | None = None) -> str:
    """A markdown table: rows × (base, each parameter at each factor), most influential first."""
    ranked = influence(table)
    names = list(ranked.index[:top] if top else ranked.index)
    factors = sorted(table.factor.unique())
    head = ["fact", "base"] + [f"{n} ×{f:g}" for n in names for f in factors]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for base in base_rows:
        cells = [base["fact"], SHORT.get(_word(base["verdict"]), "?")]
        for name in names:
            for factor in factors:
                hit = table[
                    (table.parameter == name)
                    & (table.factor == factor)
                    & (table.fact == base["fact"])
                ]
                word = hit.verdict.iloc[0] if len(hit) else "?"
                cells.append(
                    SHORT.get(word, "?") + (" ←" if len(hit) and hit.changed.iloc[0] else "")
                )
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        "| parameter | verdicts changed | movement |",
        "|---|---|---|",
        *[
            f"| {name} | {int(r.changed)} | {fmt(float(r.movement))} |"
            for name, r in ranked.iterrows()
        ],
    ]
    return "\n".join(lines)
