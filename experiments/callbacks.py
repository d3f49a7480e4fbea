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


def report_sweep(sweep_dir: Path, effect: Any) -> str:
    """Analyse every run under `sweep_dir` (`experiments.analysis`); a line saying where to."""
    from experiments.analysis import analyse
    from experiments.runs import load_sweep

    name, records = getattr(effect, "name", effect), load_sweep(sweep_dir)
    if not records:
        return f"{name}: no finished runs under {sweep_dir}"
    return f"{name}: {len(records)} runs -> {analyse(effect, records, sweep_dir)['report']}"


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
        from experiments.runs import load_sweep

        sweep_dir = Path(str(config.hydra.sweep.dir))
        swept = config.hydra.sweeper.params
        levels = [float(v) for v in str(swept["ai.automation_rate"]).split(",")]
        given = [
            o
            for o in config.hydra.overrides.task
            if o.split("=")[0] not in ("policy", *swept) and not o.startswith("hydra")
        ]
        table = changes(results_table(load_sweep(sweep_dir)))
        run_pairs(sweep_dir, levels, given, promising(table, self.rank_level))
        message = (
            f"remedies: {write_report(sweep_dir, load_sweep(sweep_dir)[0].cfg, self.rank_level)}"
        )
        log.info(message)
        print(message)
