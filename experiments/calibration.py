"""Calibration: named parameters fitted to named targets of the seed case, with Optuna.

`absorb -m experiment=calibration` runs an Optuna study (Optuna 4, used directly; the study is
stored on disk, so a rerun continues it) through the `calibration` sweeper
(`hydra_plugins/absorb_sweeper`): each trial is one job on the configured launcher with the
trial's values as overrides; its figure for each target is measured from the job's books
exactly as the seed case scores that fact (the fact's measure in
`configs/experiment/seed_case.yaml`, `experiments.common.measure`). After the study, one
held-out job runs the full seed case at the fitted values, and `CalibrationReport`
(`on_multirun_end`) writes `report.md` and `calibration.json`: the fitted values, the fit on the
targets, and the seed case's other facts (not used in the fit) at the fitted values.

One fitted parameter per target: the honest-calibration table of docs/model.md lists each
fitted parameter with its target; a target that is fitted is a calibration check in the seed
case's table, never an independent test.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from experiments.common import fmt
from sim.config import ConfigError
from sim.outputs import write_json

log = logging.getLogger(__name__)

TRIAL_FOLDER = "trial={number}"  # the preset's hydra.sweep.subdir names a trial's job folder
HOLDOUT_FOLDER = "holdout"


def holdout_folder(trial: int) -> str:
    """The held-out run of the best trial `trial`, inside the sweep folder.

    Named by the trial, so a study extended later (more trials, another best) writes its
    held-out run beside the earlier one instead of over it.
    """
    return f"{HOLDOUT_FOLDER}/trial={trial}"


def described_fact(name: str) -> dict[str, Any]:
    """A fact of the seed-case preset by its name (`fact:`), as the seed case describes it."""
    from experiments.seed_case import described_facts

    facts = described_facts()
    for row in facts["facts"] + facts["survey"]:
        if row["fact"] == name:
            return row
    names = "; ".join(row["fact"] for row in facts["facts"] + facts["survey"])
    raise ConfigError(f"target fact {name!r} is not a fact of the seed case: one of {names}")


def target_specs(targets: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each target with the seed case's measure it is scored on.

    Args:
        targets: rows of `fact` (a seed-case fact's name), `measure` (the name of one of its
            measures) and `target` (the value to reach, non-zero).

    Raises:
        ConfigError: a fact or measure that does not exist, or a zero target.
    """
    specs = []
    for target in targets:
        fact = described_fact(str(target["fact"]))
        measures = fact.get("measures") or {}
        if target["measure"] not in measures:
            raise ConfigError(
                f"target measure {target['measure']!r} is not a measure of {fact['fact']!r}: "
                f"one of {', '.join(measures) or 'none'}"
            )
        if float(target["target"]) == 0:
            raise ConfigError(f"target of {target['measure']!r} = 0 is not allowed: non-zero")
        specs.append(
            {
                "fact": fact["fact"],
                "measure": str(target["measure"]),
                "target": float(target["target"]),
                "spec": measures[target["measure"]],
            }
        )
    return specs


def read_job(job_dir: Path) -> tuple[DictConfig, list[pd.DataFrame], list[dict]] | None:
    """A finished job's config, books per replication and summaries; None if it did not finish.

    The one place that knows how a job's results are laid out.
    """
    job_dir = Path(job_dir)
    if not (job_dir / "summary.json").exists():
        return None
    cfg = OmegaConf.load(job_dir / "config.yaml")
    summaries = json.loads((job_dir / "summary.json").read_text())["per_replication"]
    books = pd.read_parquet(job_dir / "timeseries.parquet")
    runs = [frame.reset_index(drop=True) for _, frame in books.groupby("replication")]
    return cfg, runs, summaries


def measured(job_dir: Path, specs: Sequence[Mapping[str, Any]]) -> list[float] | None:
    """Each target's figure in a job: the mean over its replications of the fact's measure."""
    from experiments.common import measure

    job = read_job(job_dir)
    if job is None:
        return None
    cfg, runs, summaries = job
    return [
        float(
            np.mean([measure(t["spec"], ts, s, cfg) for ts, s in zip(runs, summaries, strict=True)])
        )
        for t in specs
    ]


def loss(values: Sequence[float], specs: Sequence[Mapping[str, Any]]) -> float:
    """Sum over targets of the squared relative miss, ((value - target) / target)²."""
    return float(
        sum(((v - t["target"]) / t["target"]) ** 2 for v, t in zip(values, specs, strict=True))
    )


def open_study(storage: Path, name: str, seed: int, create: bool = True, startup_trials: int = 10):
    """The study stored in `storage` (SQLite), created if asked, its TPE sampler seeded.

    `startup_trials` are sampled at random before TPE models the loss (Optuna's default: 10).
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    url = f"sqlite:///{Path(storage).resolve()}"
    sampler = optuna.samplers.TPESampler(seed=seed, n_startup_trials=startup_trials)
    if create:
        return optuna.create_study(
            study_name=name, storage=url, sampler=sampler, load_if_exists=True
        )
    return optuna.load_study(study_name=name, storage=url, sampler=sampler)


def trial_values(trial: Any, parameters: Mapping[str, Sequence[float]]) -> dict[str, float]:
    """The trial's suggestion for each parameter, uniform on [low, high]."""
    return {
        key: trial.suggest_float(key, float(lo), float(hi)) for key, (lo, hi) in parameters.items()
    }


def overrides(values: Mapping[str, float]) -> list[str]:
    """`key=value` overrides of a trial's values."""
    return [f"{key}={float(value)!r}" for key, value in values.items()]


def fitted(study: Any) -> dict[str, Any] | None:
    """The best finished trial: number, values, loss and the targets' figures."""
    import optuna

    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if not done:
        return None
    best = min(done, key=lambda t: (t.value, t.number))
    return {
        "trial": best.number,
        "values": dict(best.params),
        "loss": float(best.value),
        "measured": list(best.user_attrs.get("measured", [])),
    }


def write_report(sweep_dir: Path, settings: Mapping[str, Any], title: str = "") -> Path:
    """`report.md` and `calibration.json` of a finished calibration, in its sweep folder."""
    import optuna

    from experiments.seed_case import described_facts, fact

    sweep_dir = Path(sweep_dir)
    specs = target_specs(settings["targets"])
    study = open_study(sweep_dir / settings["storage"], settings["study_name"], 0, create=False)
    best = fitted(study)
    if best is None:
        raise RuntimeError(f"calibration: no finished trial in {sweep_dir / settings['storage']}")
    trials = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    lines = [
        f"# {title or 'Calibration to the seed case'}",
        "",
        f"Optuna {optuna.__version__} study `{settings['study_name']}` "
        f"(`{settings['storage']}` in this folder; a rerun of the same command continues it): "
        f"{len(trials)} finished trials, TPE sampler seeded {settings['seed']}. Loss: the sum "
        "over targets of ((figure − target) / target)².",
        "",
        "## Fitted values",
        "",
        "| parameter | range | fitted |",
        "|---|---|---|",
        *(
            f"| `{k}` | {lo:g} – {hi:g} | **{best['values'][k]:.4g}** |"
            for k, (lo, hi) in settings["parameters"].items()
        ),
        "",
        f"Best trial {best['trial']} (loss {best['loss']:.3g}).",
        "",
        "## Fit on the targets (in the trials' runs)",
        "",
        "| fact | measure | target | fitted |",
        "|---|---|---|---|",
        *(
            f"| {t['fact']} | {t['measure']} | {t['target']:g} | {fmt(v, 4)} |"
            for t, v in zip(specs, best["measured"], strict=True)
        ),
        "",
    ]
    holdout = read_job(sweep_dir / holdout_folder(best["trial"]))
    held: list[dict] = []
    if holdout is None:
        lines += ["The held-out run did not finish: no held-out check.", ""]
    else:
        cfg, runs, summaries = holdout
        used = {t["fact"] for t in specs}
        described = described_facts()
        rows = [fact(f, cfg, runs, summaries) for f in described["facts"] + described["survey"]]
        held = [r for r in rows if r["fact"] not in used]
        fit_rows = [r for r in rows if r["fact"] in used]
        head = ["| fact | article | simulation | verdict |", "|---|---|---|---|"]

        def line(r: dict) -> str:
            return f"| {r['fact']} | {r['article']} | {r['simulation']} | **{r['verdict']}** |"

        matched = sum(r["verdict"].startswith("matches") for r in held)
        lines += [
            f"## The seed case at the fitted values ({int(cfg.days)} days, "
            f"{len(runs)} replication(s))",
            "",
            "The fitted facts, now in the full run (a calibration check, not a test):",
            "",
            *head,
            *map(line, fit_rows),
            "",
            f"Held out (not used in the fit): **{matched} of {len(held)} match**.",
            "",
            *head,
            *map(line, held),
            "",
        ]
    lines += [
        "## Trials",
        "",
        "| trial | " + " | ".join(f"`{k}`" for k in settings["parameters"]) + " | loss |",
        "|---|" + "---|" * len(settings["parameters"]) + "---|",
        *(
            f"| {t.number} | "
            + " | ".join(f"{t.params[k]:.4g}" for k in settings["parameters"])
            + f" | {t.value:.3g} |"
            for t in sorted(trials, key=lambda t: t.number)
        ),
        "",
    ]
    keep = ("fact", "article", "simulation", "rule", "verdict")
    write_json(
        {
            "study": settings["study_name"],
            "fitted": best,
            "targets": [{k: t[k] for k in ("fact", "measure", "target")} for t in specs],
            "held_out": [{k: r[k] for k in keep} for r in held],
        },
        sweep_dir / "calibration.json",
        sort_keys=False,
    )
    path = sweep_dir / "report.md"
    path.write_text("\n".join(lines))
    return path


def settings_of(sweeper: Mapping[str, Any]) -> dict[str, Any]:
    """The calibration's settings from the sweeper's config node, as plain data."""
    node = OmegaConf.to_container(OmegaConf.create(dict(sweeper)), resolve=True)
    node.pop("_target_", None)
    return node


class CalibrationReport(Callback):
    """After a `calibration` sweep: the fitted values, the fit and the held-out check."""

    def __init__(self, title: str = "") -> None:
        self.title = title

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Write the report of the study under `hydra.sweep.dir`."""
        settings = settings_of(config.hydra.sweeper)
        path = write_report(Path(str(config.hydra.sweep.dir)), settings, self.title)
        message = f"calibration: {path}"
        log.info(message)
        print(message)


def is_finite(value: float) -> bool:
    """A figure a trial can be scored on."""
    return value is not None and math.isfinite(value)


def check_settings(settings: Mapping[str, Any], config: DictConfig) -> None:
    """Parameters are numeric keys of the config with low < high; there are targets.

    Raises:
        ConfigError: one line naming the setting, its value and what is allowed.
    """
    from sim.config import plain

    base = OmegaConf.create(plain(config))
    if not settings["parameters"]:
        raise ConfigError("hydra.sweeper.parameters is empty: name at least one key: [low, high]")
    if not settings["targets"]:
        raise ConfigError("hydra.sweeper.targets is empty: name at least one fact and measure")
    for key, bounds in settings["parameters"].items():
        value = OmegaConf.select(base, key, default=None)
        where = f"hydra.sweeper.parameters.{key}"
        if not isinstance(value, float):
            raise ConfigError(f"{where}: {key} is not a real-valued parameter of the config")
        if len(bounds) != 2 or not float(bounds[0]) < float(bounds[1]):
            raise ConfigError(
                f"{where} = {list(bounds)} is not allowed: [low, high] with low < high"
            )
    for name in ("trials", "startup_trials", "n_jobs", "holdout_days", "holdout_replications"):
        if int(settings[name]) < 1:
            raise ConfigError(f"hydra.sweeper.{name} = {settings[name]} is not allowed: ≥ 1")


def finished(study: Any) -> int:
    """Trials of the study that finished (with a loss)."""
    import optuna

    return sum(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)


def close_unfinished(study: Any) -> None:
    """Trials left running by an interrupted sweep are marked failed (they are asked anew)."""
    import optuna

    for trial in study.trials:
        if trial.state == optuna.trial.TrialState.RUNNING:
            study.tell(trial.number, state=optuna.trial.TrialState.FAIL)


def tell(study: Any, trial: Any, sweep_dir: Path, specs: Sequence[Mapping[str, Any]]) -> None:
    """Score a trial from its job's books; a job that failed or gave no figure fails it."""
    import optuna

    values = measured(Path(sweep_dir) / TRIAL_FOLDER.format(number=trial.number), specs)
    if values is None or not all(is_finite(v) for v in values):
        study.tell(trial, state=optuna.trial.TrialState.FAIL)
        return
    trial.set_user_attr("measured", values)
    study.tell(trial, loss(values, specs))


def without(arguments: Sequence[str], keys: Sequence[str]) -> list[str]:
    """The overrides less those that set one of `keys`."""
    return [a for a in arguments if a.split("=", 1)[0].lstrip("+~") not in keys]
