"""Hydra callbacks: the effect report at the end of a sweep, the seed-case table after a run.

Registered in the presets under `hydra.callbacks`, e.g.::

    hydra:
      callbacks:
        effect_report:
          _target_: experiments.callbacks.EffectReport
          effect: rebound
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from hydra.core.utils import JobReturn, JobStatus
from hydra.experimental.callback import Callback
from omegaconf import DictConfig

log = logging.getLogger(__name__)


class EffectReport(Callback):
    """Gathers a finished sweep into results, summary, figures and `report.md`.

    Args:
        effect: the effect's preset name (`rebound`, `saturation`, `automation_bias`,
            `dashboard_illusion`).
    """

    def __init__(self, effect: str) -> None:
        from experiments.registry import get_effect

        get_effect(effect)  # fail at start-up, not after the sweep, on a wrong name
        self.effect = effect

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        """Analyse every run under `hydra.sweep.dir` and write the report there."""
        from experiments.analysis import analyse
        from experiments.gather import load_sweep

        sweep_dir = Path(str(config.hydra.sweep.dir))
        records = load_sweep(sweep_dir)
        if not records:
            log.warning("%s: no finished runs under %s; nothing to report", self.effect, sweep_dir)
            return
        analysis = analyse(self.effect, records, sweep_dir)
        message = (
            f"{self.effect}: {len(analysis.results)} runs gathered -> {analysis.files['report']}"
        )
        log.info(message)
        print(message)


class SeedCaseReport(Callback):
    """Writes `seed_case.md` (the article against the simulation) into a finished run's folder."""

    def on_job_end(self, config: DictConfig, job_return: JobReturn, **kwargs: Any) -> None:
        """After a successful job, compare its outputs with the seed case's facts."""
        from experiments.seed_case import write_seed_case

        if job_return.status != JobStatus.COMPLETED:
            return
        directory = Path(str(config.hydra.runtime.output_dir))
        if not (directory / "summary.json").exists():
            log.warning("seed case: no summary.json in %s", directory)
            return
        path = write_seed_case(directory)
        log.info("seed case: %s", path)
        print(f"seed case: {path}")
