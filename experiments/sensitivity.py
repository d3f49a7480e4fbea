"""Global sensitivity analysis: which parameters move the outcomes, over their stated ranges.

`absorb -m experiment=sensitivity` samples the named parameters of the preset within their
ranges (docs/model.md, "Parameter ranges") with SALib, runs one job per sample row on the
configured launcher (the `salib` sweeper, `hydra_plugins/absorb_sweeper`), and then
`SensitivityReport` (`on_multirun_end`) reads each job's `summary.json` and runs SALib's
analysis per outcome: Morris elementary effects (mu*, sigma, bootstrap CI of mu*) or Sobol
first-order and total indices (bootstrap CIs). It writes `report.md`, `sensitivity.json` and
one figure per outcome into the sweep folder.

The pieces are plain functions so that a notebook or a test can call them: `design` (the
sample), `job_overrides` (its jobs), `read_outcomes` (the jobs' figures), `analyse` (SALib's
indices) and `write_report`.
"""

from __future__ import annotations

import copy
import json
import logging
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from sim.config import ConfigError, plain
from sim.outputs import write_json

log = logging.getLogger(__name__)

METHODS = ("morris", "sobol")
DESIGN_FILE = "salib_design.json"
# The job folder of sample row i, as the preset's `hydra.sweep.subdir` names it.
JOB_FOLDER = "sample={index}"
# Outcomes analysed by default: summary.json headline key -> what it is.
OUTCOMES = {
    "dashboard_change": "dashboard output per FTE, last quarter vs before",
    "qualified_pipeline_change": "qualified pipeline, last quarter vs before",
    "time_to_send_after_days": "time to send (days), last quarter",
    "escaped_defects_per_day_after": "escaped defects per day, last quarter",
    "burnout_share_end": "share of staff burnt out at the end",
}


def design(settings: Mapping[str, Any], config: DictConfig | Mapping[str, Any]) -> dict[str, Any]:
    """The SALib sample of a sweep, every row checked against the model's rules.

    Args:
        settings: `method`, `parameters` (key -> [low, high]), `trajectories` and `levels`
            (Morris), `samples` (Sobol), `seed`.
        config: the composed run configuration the rows change (with or without `hydra`).

    Returns:
        The design: method, settings, SALib's `problem`, the sample `X` (a list of rows) and
        which parameters are integers.

    Raises:
        ConfigError: one line naming the setting or key, its value and what is allowed.
    """
    method = str(settings["method"])
    if method not in METHODS:
        raise ConfigError(
            f"hydra.sweeper.method = {method!r} is not allowed: one of {', '.join(METHODS)}"
        )
    parameters = dict(settings["parameters"])
    if not parameters:
        raise ConfigError("hydra.sweeper.parameters is empty: name at least one key: [low, high]")
    base = plain(config)
    integers = []
    for key, bounds in parameters.items():
        value = OmegaConf.select(OmegaConf.create(base), key, default=None)
        where = f"hydra.sweeper.parameters.{key}"
        if value is None or isinstance(value, bool | dict | list | str):
            raise ConfigError(f"{where}: {key} is not a numeric parameter of the configuration")
        if len(bounds) != 2 or not float(bounds[0]) < float(bounds[1]):
            raise ConfigError(
                f"{where} = {list(bounds)} is not allowed: [low, high] with low < high"
            )
        if isinstance(value, int):
            integers.append(key)
    for name, low in (("trajectories", 2), ("levels", 2), ("samples", 2)):
        if int(settings[name]) < low:
            raise ConfigError(
                f"hydra.sweeper.{name} = {settings[name]} is not allowed: at least {low}"
            )
    samples = int(settings["samples"])
    if method == "sobol" and samples & (samples - 1):
        raise ConfigError(
            f"hydra.sweeper.samples = {samples} is not allowed: a power of 2 (Sobol sequence)"
        )
    problem = {
        "num_vars": len(parameters),
        "names": list(parameters),
        "bounds": [[float(b) for b in bounds] for bounds in parameters.values()],
    }
    seed = int(settings["seed"])
    if method == "morris":
        from SALib.sample import morris

        X = morris.sample(
            problem, N=int(settings["trajectories"]), num_levels=int(settings["levels"]), seed=seed
        )
    else:
        from SALib.sample import sobol

        X = sobol.sample(problem, N=samples, calc_second_order=False, seed=seed)
    # SALib scales the unit sample to the bounds in floating point: 0.9000000000000001 for 0.9
    X = np.clip(np.asarray(X, dtype=float), *np.asarray(problem["bounds"], dtype=float).T)
    for column, key in enumerate(problem["names"]):
        if key in integers:
            X[:, column] = np.round(X[:, column])
    plan = {
        "method": method,
        "settings": {k: settings[k] for k in ("trajectories", "levels", "samples", "seed")},
        "problem": problem,
        "integers": integers,
        "X": X.tolist(),
    }
    _check_rows(plan, base)
    return plan


def _check_rows(plan: Mapping[str, Any], base: dict[str, Any]) -> None:
    """Every row of the sample is a configuration the model accepts (else one line).

    The rows differ only in the swept keys, so each is set on one plain copy of the
    configuration and checked with the rules `sim.config.validate` applies.
    """
    from sim.config import RunConfig, _check_node, check_workflow

    data = copy.deepcopy(base)
    for row in plan["X"]:
        for key, value in zip(plan["problem"]["names"], row, strict=True):
            *path, leaf = key.split(".")
            node = data
            for part in path:
                node = node[part]
            node[leaf] = _value(key, value, plan)
        try:
            _check_node(RunConfig, data, "", data)
            check_workflow(data["org"])
        except ConfigError as error:
            raise ConfigError(
                f"{error} (a sample of hydra.sweeper.parameters: narrow its range)",
                error.key,
                error.value,
            ) from None


def _value(key: str, value: float, plan: Mapping[str, Any]) -> int | float:
    return int(round(value)) if key in plan["integers"] else float(value)


def job_overrides(plan: Mapping[str, Any], arguments: Sequence[str] = ()) -> list[list[str]]:
    """One job per sample row: the command line's overrides, then `key=value` per parameter."""
    names = plan["problem"]["names"]
    return [
        [*arguments, *(f"{k}={_value(k, v, plan)!r}" for k, v in zip(names, row, strict=True))]
        for row in plan["X"]
    ]


def write_design(plan: Mapping[str, Any], sweep_dir: Path) -> Path:
    """Write the design into the sweep folder (`salib_design.json`)."""
    path = Path(sweep_dir) / DESIGN_FILE
    write_json(dict(plan), path, sort_keys=False)
    return path


def read_design(sweep_dir: Path) -> dict[str, Any]:
    """The design a sweep ran (`salib_design.json`)."""
    return json.loads((Path(sweep_dir) / DESIGN_FILE).read_text())


def job_summary(sweep_dir: Path, index: int) -> dict[str, Any] | None:
    """The `summary.json` of sample row `index`, or None if its job did not finish.

    The one place that knows where a job's results are.
    """
    path = Path(sweep_dir) / JOB_FOLDER.format(index=index) / "summary.json"
    return json.loads(path.read_text()) if path.exists() else None


def read_outcomes(
    sweep_dir: Path, n: int, outcomes: Sequence[str]
) -> tuple[dict[str, np.ndarray], list[int]]:
    """Each outcome's value per sample row (its mean over the job's replications).

    Returns:
        outcome -> values (NaN where undefined), and the rows whose job did not finish.
    """
    values = {name: np.full(n, np.nan) for name in outcomes}
    missing = []
    for index in range(n):
        summary = job_summary(sweep_dir, index)
        if summary is None:
            missing.append(index)
            continue
        for name in outcomes:
            figure = summary["headline"][name]["mean"]
            values[name][index] = np.nan if figure is None else float(figure)
    return values, missing


def analyse(plan: Mapping[str, Any], Y: np.ndarray, num_resamples: int = 1000) -> dict[str, Any]:
    """SALib's indices of one outcome, with 95% bootstrap confidence intervals.

    Morris: `mu` (mean elementary effect), `mu_star` (mean absolute effect), `sigma` (their
    spread: interaction or non-linearity), `mu_star_conf`. Sobol: `S1`, `ST` (first-order
    and total indices) with `S1_conf`, `ST_conf`. An outcome with undefined values or no
    variation gets `skipped` and the reason instead.
    """
    Y = np.asarray(Y, dtype=float)
    if not np.isfinite(Y).all():
        return {"skipped": f"undefined in {int((~np.isfinite(Y)).sum())} of {len(Y)} jobs"}
    if np.ptp(Y) == 0:
        return {"skipped": f"the same value ({Y[0]:.4g}) in every job: no variation to apportion"}
    problem, seed = plan["problem"], int(plan["settings"]["seed"])
    if plan["method"] == "morris":
        from SALib.analyze import morris

        result = morris.analyze(
            problem,
            np.asarray(plan["X"], dtype=float),
            Y,
            num_resamples=num_resamples,
            conf_level=0.95,
            num_levels=int(plan["settings"]["levels"]),
            seed=seed,
        )
        keys = ("mu", "mu_star", "sigma", "mu_star_conf")
    else:
        from SALib.analyze import sobol

        result = sobol.analyze(
            problem,
            Y,
            calc_second_order=False,
            num_resamples=num_resamples,
            conf_level=0.95,
            seed=seed,
        )
        keys = ("S1", "S1_conf", "ST", "ST_conf")
    indices = {key: [float(v) for v in np.asarray(result[key], dtype=float)] for key in keys}
    return {"names": list(problem["names"]), **indices, "mean": float(Y.mean())}


def _ranked(result: Mapping[str, Any], plan: Mapping[str, Any]) -> list[int]:
    key = "mu_star" if plan["method"] == "morris" else "ST"
    return sorted(range(len(result["names"])), key=lambda i: -np.nan_to_num(result[key][i]))


def _fmt(value: float) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.3g}"


def table(result: Mapping[str, Any], plan: Mapping[str, Any]) -> list[str]:
    """The markdown table of one outcome's indices, most influential parameter first."""
    if "skipped" in result:
        return [f"Not analysed: {result['skipped']}."]
    if plan["method"] == "morris":
        head = "| parameter | μ* [95% CI] | μ | σ |"
        rows = [
            f"| `{result['names'][i]}` | {_fmt(result['mu_star'][i])} "
            f"[{_fmt(result['mu_star'][i] - result['mu_star_conf'][i])}, "
            f"{_fmt(result['mu_star'][i] + result['mu_star_conf'][i])}] | "
            f"{_fmt(result['mu'][i])} | {_fmt(result['sigma'][i])} |"
            for i in _ranked(result, plan)
        ]
    else:
        head = "| parameter | total ST [95% CI] | first-order S1 [95% CI] |"
        rows = [
            f"| `{result['names'][i]}` | {_fmt(result['ST'][i])} "
            f"[{_fmt(result['ST'][i] - result['ST_conf'][i])}, "
            f"{_fmt(result['ST'][i] + result['ST_conf'][i])}] | {_fmt(result['S1'][i])} "
            f"[{_fmt(result['S1'][i] - result['S1_conf'][i])}, "
            f"{_fmt(result['S1'][i] + result['S1_conf'][i])}] |"
            for i in _ranked(result, plan)
        ]
    return [head, "|---|---|---|" + ("---|" if plan["method"] == "morris" else ""), *rows]


def figure(result: Mapping[str, Any], plan: Mapping[str, Any], title: str, path: Path) -> Path:
    """Horizontal bars of one outcome's indices with their 95% bootstrap CIs."""
    from experiments import plotting

    order = _ranked(result, plan)[::-1]
    names = [result["names"][i] for i in order]
    fig, (ax,) = plotting.subplots(1, 1, width=6.5, height=0.45 * len(names) + 1.4)
    y = np.arange(len(names))
    if plan["method"] == "morris":
        ax.barh(
            y,
            [result["mu_star"][i] for i in order],
            xerr=[result["mu_star_conf"][i] for i in order],
            color="tab:blue",
            capsize=3,
        )
        ax.set_xlabel("μ* (mean absolute elementary effect), 95% bootstrap CI")
    else:
        for shift, key, colour in ((-0.2, "S1", "tab:blue"), (0.2, "ST", "tab:orange")):
            ax.barh(
                y + shift,
                [result[key][i] for i in order],
                height=0.4,
                xerr=[result[f"{key}_conf"][i] for i in order],
                color=colour,
                capsize=3,
                label=key,
            )
        ax.set_xlabel("Sobol index, 95% bootstrap CI")
        ax.legend(fontsize=8)
    ax.set_yticks(y, names, fontsize=8)
    ax.set_title(title, fontsize=9)
    return plotting.save(fig, path)


def write_report(
    sweep_dir: Path, outcomes: Mapping[str, str] | None = None, title: str = ""
) -> Path:
    """Analyse a finished sensitivity sweep: `report.md`, `sensitivity.json`, figures.

    Args:
        sweep_dir: the sweep folder (holds `salib_design.json` and the jobs' folders).
        outcomes: summary headline key -> description (default `OUTCOMES`).
        title: the report's title.

    Returns:
        The path of `report.md`.
    """
    sweep_dir = Path(sweep_dir)
    outcomes = dict(outcomes or OUTCOMES)
    plan = read_design(sweep_dir)
    n = len(plan["X"])
    values, missing = read_outcomes(sweep_dir, n, list(outcomes))
    settings, problem = plan["settings"], plan["problem"]
    size = (
        f"{settings['trajectories']} trajectories × {problem['num_vars'] + 1} points, "
        f"{settings['levels']} levels"
        if plan["method"] == "morris"
        else f"base sample {settings['samples']} × {problem['num_vars'] + 2} "
        "(first-order and total indices)"
    )
    lines = [
        f"# {title or 'Global sensitivity analysis'}",
        "",
        f"Method: **{plan['method']}** (SALib), {n} jobs ({size}), sample seed "
        f"{settings['seed']}. Each job's figure is its mean over its replications; the 95% "
        "confidence intervals are bootstrap intervals of the indices over the sample (1,000 "
        "resamples), not over the model's replications.",
        "",
        "| parameter | low | high |",
        "|---|---|---|",
        *(
            f"| `{name}` | {low:g} | {high:g} |"
            for name, (low, high) in zip(problem["names"], problem["bounds"], strict=True)
        ),
        "",
    ]
    results: dict[str, Any] = {}
    if missing:
        rows = ", ".join(map(str, missing[:10])) + (", ..." if len(missing) > 10 else "")
        lines += [f"**{len(missing)} of {n} jobs did not finish** (rows {rows}): the indices "]
        lines += ["need every row; nothing was analysed.", ""]
    for name, description in outcomes.items():
        result = results[name] = (
            {"skipped": "jobs missing"} if missing else analyse(plan, values[name])
        )
        lines += [f"## `{name}`: {description}", ""]
        if "skipped" not in result:
            lines += [f"Mean over the sample: {_fmt(result['mean'])}.", ""]
        lines += [*table(result, plan), ""]
        if "skipped" not in result:
            png = figure(result, plan, f"{name}: {description}", sweep_dir / f"{name}.png")
            lines += [f"![{name}]({png.name})", ""]
    lines += [
        "Morris: μ* ranks parameters by their influence (in the outcome's units per full "
        "range); σ large against μ* marks interactions or non-linearity. Sobol: ST is the "
        "share of the outcome's variance a parameter accounts for with its interactions, S1 "
        "alone; ST near 0 means the parameter can be fixed anywhere in its range.",
        "",
    ]
    write_json(
        {"method": plan["method"], "problem": problem, "outcomes": results},
        sweep_dir / "sensitivity.json",
        sort_keys=False,
    )
    path = sweep_dir / "report.md"
    path.write_text("\n".join(lines))
    return path


class SensitivityReport(Callback):
    """After a `salib` sweep: SALib's analysis of each outcome into the sweep folder."""

    def __init__(self, outcomes: Mapping[str, str] | None = None, title: str = "") -> None:
        self.outcomes = (
            OmegaConf.to_container(OmegaConf.create(dict(outcomes))) if outcomes else OUTCOMES
        )
        self.title = title

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Analyse the sweep under `hydra.sweep.dir`."""
        path = write_report(Path(str(config.hydra.sweep.dir)), self.outcomes, self.title)
        message = f"sensitivity: {path}"
        log.info(message)
        print(message)
