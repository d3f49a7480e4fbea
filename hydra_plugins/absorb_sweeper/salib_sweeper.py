"""A Hydra sweeper that runs a SALib design: one job per row of a Morris or Sobol sample.

`hydra/sweeper: salib` (configs/experiment/sensitivity.yaml). The sweeper samples the named
parameters within their ranges (`experiments.sensitivity.design`), writes the design into the
sweep folder (`salib_design.json`) and hands one job per row, `key=value` for each parameter
plus the command line's own overrides, to whatever launcher is configured, in batches. The
analysis is a callback's (`experiments.sensitivity.SensitivityReport`), after the last job.

This module is imported by Hydra's plugin discovery on every run, so it loads nothing heavy at
import time: SALib and the model's code are imported when a sweep starts. Hydra executes it
without registering it in `sys.modules`, so its dataclass cannot use postponed annotations.
"""

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from hydra.core.config_store import ConfigStore
from hydra.core.utils import JobReturn
from omegaconf import OmegaConf

from hydra_plugins.absorb_sweeper.launching import LaunchingSweeper

log = logging.getLogger(__name__)


@dataclass
class SALibSweeperConf:
    """The design: method, parameters with their ranges, its size and its seed.

    Attributes:
        method: `morris` (elementary effects: a screening) or `sobol` (variance-based indices).
        parameters: config key -> [low, high], sampled uniformly.
        trajectories: Morris trajectories; the design has trajectories x (parameters + 1) jobs.
        levels: Morris grid levels.
        samples: Sobol base sample (a power of 2); the design has samples x (parameters + 2)
            jobs (first-order and total indices, no second order).
        seed: seed of the sample (the model's own seed is the config's `seed`).
        max_batch_size: jobs handed to the launcher at once (None: all).
    """

    _target_: str = "hydra_plugins.absorb_sweeper.salib_sweeper.SALibSweeper"
    method: str = "morris"
    parameters: dict[str, list[float]] = field(default_factory=dict)
    trajectories: int = 10
    levels: int = 4
    samples: int = 32
    seed: int = 0
    max_batch_size: Optional[int] = None  # noqa: UP045 (OmegaConf reads typing's Optional)


ConfigStore.instance().store(
    group="hydra/sweeper", name="salib", node=SALibSweeperConf, provider="absorb"
)


class SALibSweeper(LaunchingSweeper):
    """Runs every row of a SALib sample as one job on the configured launcher."""

    def __init__(
        self,
        method: str,
        parameters: dict[str, Any],
        trajectories: int,
        levels: int,
        samples: int,
        seed: int,
        max_batch_size: int | None = None,
    ) -> None:
        super().__init__()
        self.settings = {
            "method": str(method),
            "parameters": {
                str(k): [float(b) for b in v]
                for k, v in OmegaConf.to_container(OmegaConf.create(dict(parameters))).items()
            },
            "trajectories": int(trajectories),
            "levels": int(levels),
            "samples": int(samples),
            "seed": int(seed),
        }
        self.max_batch_size = max_batch_size

    def sweep(self, arguments: list[str]) -> list[list[JobReturn]]:
        """Sample the design, write it into the sweep folder and launch its jobs.

        Args:
            arguments: the command line's overrides; each job gets them all (none may sweep).

        Returns:
            The launcher's job returns, one list per batch.
        """
        from hydra.core.override_parser.overrides_parser import OverridesParser

        from experiments.sensitivity import design, job_overrides, write_design

        assert self.config is not None and self.launcher is not None
        assert self.hydra_context is not None
        parser = OverridesParser.create(config_loader=self.hydra_context.config_loader)
        for override in parser.parse_overrides(arguments):
            if override.is_sweep_override():
                raise ValueError(
                    f"{override.input_line} is not allowed: the salib sweeper makes the jobs "
                    "from hydra.sweeper.parameters; give one value per key"
                )
        plan = design(self.settings, self.config)
        sweep_dir = Path(str(self.config.hydra.sweep.dir))
        sweep_dir.mkdir(parents=True, exist_ok=True)
        OmegaConf.save(self.config, sweep_dir / "multirun.yaml")
        write_design(plan, sweep_dir)
        jobs = job_overrides(plan, arguments)
        size = self.max_batch_size or len(jobs)
        log.info(f"salib: {plan['method']} design, {len(jobs)} jobs -> {sweep_dir}")
        returns = []
        for start in range(0, len(jobs), size):
            batch = jobs[start : start + size]
            self.validate_batch_is_legal(batch)
            results = self.launcher.launch(batch, initial_job_idx=start)
            for result in results:
                _ = result.return_value  # a failed job raises here
            returns.append(list(results))
        return returns
