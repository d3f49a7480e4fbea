"""A Hydra sweeper that fits parameters to targets with an Optuna study stored on disk.

`hydra/sweeper: calibration` (configs/experiment/calibration.yaml). Each Optuna trial is one
job on the configured launcher (`key=value` for the trial's values, plus the command line's
overrides), `n_jobs` trials at a time (asked together, told in order). The study lives in
`storage` (SQLite) inside the sweep folder, which the preset names without a time stamp: a
rerun of the same command opens the same study and runs only the trials still missing (none
once `trials` have finished). Then one held-out job runs the seed case's full length at the
fitted values (folder `holdout/trial=<best trial>`); the report is a callback's
(`experiments.calibration.CalibrationReport`).

Imported by Hydra's plugin discovery on every run: nothing heavy at import time, and no
postponed annotations (Hydra executes it without registering it in `sys.modules`).
"""

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf

from hydra_plugins.absorb_sweeper.launching import LaunchingSweeper

log = logging.getLogger(__name__)


@dataclass
class CalibrationSweeperConf:
    """The study: parameters with ranges, targets, size, seed and storage.

    Attributes:
        study_name: the study's name in `storage`.
        storage: SQLite file of the study, relative to the sweep folder.
        parameters: config key -> [low, high] (uniform).
        targets: rows of `fact` (a seed-case fact), `measure` (one of its measures), `target`.
        trials: finished trials the study should have; a rerun adds only the missing ones.
        startup_trials: trials sampled at random before TPE models the loss.
        n_jobs: trials asked and launched at once.
        seed: seed of the TPE sampler.
        holdout_days: days of the held-out run at the fitted values.
        holdout_replications: replications of the held-out run.
    """

    _target_: str = "hydra_plugins.absorb_sweeper.calibration_sweeper.CalibrationSweeper"
    study_name: str = "calibration"
    storage: str = "study.db"
    parameters: dict[str, list[float]] = field(default_factory=dict)
    targets: list[dict[str, Any]] = field(default_factory=list)
    trials: int = 12
    startup_trials: int = 4
    n_jobs: int = 2
    seed: int = 0
    holdout_days: int = 195
    holdout_replications: int = 3


ConfigStore.instance().store(
    group="hydra/sweeper", name="calibration", node=CalibrationSweeperConf, provider="absorb"
)


class CalibrationSweeper(LaunchingSweeper):
    """Runs an Optuna study's trials as jobs on the configured launcher."""

    def __init__(self, **settings: Any) -> None:
        super().__init__()
        self.settings = OmegaConf.to_container(OmegaConf.create(settings), resolve=True)

    def sweep(self, arguments: list[str]) -> Any:
        """Run the missing trials, then the held-out job at the fitted values."""
        from hydra.core.override_parser.overrides_parser import OverridesParser

        from experiments import calibration

        assert self.config is not None and self.launcher is not None
        assert self.hydra_context is not None
        settings = self.settings
        parser = OverridesParser.create(config_loader=self.hydra_context.config_loader)
        for override in parser.parse_overrides(arguments):
            if override.is_sweep_override():
                raise ValueError(
                    f"{override.input_line} is not allowed: the calibration sweeper makes the "
                    "jobs from hydra.sweeper.parameters; give one value per key"
                )
        calibration.check_settings(settings, self.config)
        specs = calibration.target_specs(settings["targets"])
        sweep_dir = Path(str(self.config.hydra.sweep.dir))
        sweep_dir.mkdir(parents=True, exist_ok=True)
        OmegaConf.save(self.config, sweep_dir / "multirun.yaml")
        study = calibration.open_study(
            sweep_dir / settings["storage"],
            settings["study_name"],
            int(settings["seed"]),
            startup_trials=int(settings["startup_trials"]),
        )
        calibration.close_unfinished(study)
        while (missing := int(settings["trials"]) - calibration.finished(study)) > 0:
            asked = [study.ask() for _ in range(min(int(settings["n_jobs"]), missing))]
            values = [calibration.trial_values(t, settings["parameters"]) for t in asked]
            jobs = [[*arguments, *calibration.overrides(v)] for v in values]
            numbers = [t.number for t in asked]
            if numbers != list(range(numbers[0], numbers[0] + len(numbers))):
                raise RuntimeError(f"calibration: trials {numbers} are not consecutive")
            self.validate_batch_is_legal(jobs)
            self.launcher.launch(jobs, initial_job_idx=numbers[0])
            for trial in asked:
                calibration.tell(study, trial, sweep_dir, specs)
            log.info(f"calibration: {calibration.finished(study)} trials finished")
        best = calibration.fitted(study)
        if best is None:
            raise RuntimeError(f"calibration: every trial failed (see {sweep_dir}/trial=*)")
        holdout = [
            *calibration.without(arguments, ("days", "replications", "hydra.sweep.subdir")),
            *calibration.overrides(best["values"]),
            f"days={int(settings['holdout_days'])}",
            f"replications={int(settings['holdout_replications'])}",
            f"hydra.sweep.subdir='{calibration.holdout_folder(best['trial'])}'",
        ]
        log.info(f"calibration: fitted {best['values']}; held-out run {holdout}")
        returns = self.launcher.launch([holdout], initial_job_idx=len(study.trials))
        _ = returns[0].return_value  # a failed held-out run raises here
        return returns
