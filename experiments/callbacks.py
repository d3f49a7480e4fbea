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
