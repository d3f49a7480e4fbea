"""Hydra callbacks (`hydra.callbacks` in the presets): an effect's report, the seed case's table.

An effect's callback node is also its description (`experiments.effect`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from hydra.core.utils import JobReturn, JobStatus
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

log = logging.getLogger(__name__)
LEVEL = "ai.automation_rate="


def report_sweep(sweep_dir: Path, effect: Any) -> str:
    """Analyse the sweep's runs (`experiments.analysis`); a line saying what was found, where to.

    The runs are exactly those of the sweep's planned jobs (`multirun.yaml`); without it,
    every complete run under `sweep_dir`.
    """
    from experiments.analysis import analyse
    from experiments.runs import found_jobs, load_sweep, planned_jobs

    name, planned = getattr(effect, "name", effect), planned_jobs(sweep_dir)
    records = load_sweep(sweep_dir, planned)
    found = (
        f"{len({r.folder for r in records})} runs (no multirun.yaml: every complete run)"
        if planned is None
        else f"found {found_jobs(records, planned)} of {len(planned)} planned runs"
    )
    if not records:
        return f"{name}: {found} under {sweep_dir}: no report"
    report = analyse(effect, records, sweep_dir, planned)["report"]
    return f"{name}: {found} ({len(records)} replications) -> {report}"


class EffectReport(Callback):
    """Gathers a finished sweep into its report; the arguments are the effect's description."""

    def __init__(self, effect: str, **description: Any) -> None:
        from experiments.effect import EFFECTS

        if effect not in EFFECTS:  # fail at start-up, not after the sweep
            raise ValueError(f"effect {effect!r} is not allowed: one of {', '.join(EFFECTS)}")

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Report on every run under `hydra.sweep.dir`, as this sweep's description says."""
        from experiments.effect import from_hydra  # composing the preset again resets Hydra

        message = report_sweep(Path(str(config.hydra.sweep.dir)), from_hydra(config.hydra))
        log.info(message)
        print(message)


class SeedCaseReport(Callback):
    """Writes `seed_case.md` into a finished run's folder, comparing the `facts` and `survey`."""

    def __init__(self, **described: Any) -> None:
        self.described = OmegaConf.to_container(OmegaConf.create(described))

    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs: Any) -> None:
        """After a successful job, compare its outputs with the seed case's facts."""
        from experiments.seed_case import write_seed_case

        directory = Path(str(config.hydra.runtime.output_dir))
        if job_return.status == JobStatus.COMPLETED and (directory / "summary.json").exists():
            message = f"seed case: {write_seed_case(directory, self.described)}"
            log.info(message)
            print(message)


class RemediesReport(Callback):
    """After the remedies sweep: run the most promising pairs, then write the report."""

    def __init__(self, rank_level: float) -> None:
        self.rank_level = float(rank_level)

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Rank the single policies, run their pairs into the sweep folder, report on all."""
        from experiments.remedies import changes, promising, results_table, run_pairs, write_report
        from experiments.runs import found_jobs, load_runs, load_sweep, planned_jobs
        from sim.outputs import is_complete

        sweep_dir = Path(str(config.hydra.sweep.dir))
        swept = config.hydra.sweeper.params
        given = [
            o
            for o in config.hydra.overrides.task
            if o.split("=")[0] not in ("policy", *swept) and not o.startswith("hydra")
        ]
        planned = planned_jobs(sweep_dir)
        levels = sorted(  # the sweep's levels, as launched (the command line may narrow them)
            {float(o.split("=", 1)[1]) for job in planned or [] for o in job if o.startswith(LEVEL)}
        ) or [float(v) for v in str(swept["ai.automation_rate"]).split(",")]
        singles = load_sweep(sweep_dir, planned)
        found = f"found {found_jobs(singles, planned or [])} of {len(planned or [])} planned runs"
        if not singles:
            message = f"remedies: {found} under {sweep_dir}: no report"
            log.info(message)
            print(message)
            return
        table = changes(results_table(singles))
        pairs = run_pairs(sweep_dir, levels, given, promising(table, self.rank_level))
        records = singles + load_runs(p for p in pairs if is_complete(p))
        report = write_report(sweep_dir, singles[0].cfg, self.rank_level, records, found)
        message = f"remedies: {found} -> {report}"
        log.info(message)
        print(message)
