"""The part absorb's own sweepers share: keep Hydra's context and launch on its launcher.

Abstract (no `sweep`), so Hydra's plugin scan does not list it as a sweeper.
"""

from typing import Optional

from hydra.plugins.launcher import Launcher
from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig


class LaunchingSweeper(Sweeper):
    """A sweeper that makes its own jobs and runs them on the configured launcher."""

    def __init__(self) -> None:
        super().__init__()
        self.hydra_context: Optional[HydraContext] = None  # noqa: UP045
        self.config: Optional[DictConfig] = None  # noqa: UP045
        self.launcher: Optional[Launcher] = None  # noqa: UP045

    def setup(
        self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig
    ) -> None:
        """Keep the context and instantiate the configured launcher."""
        from hydra.core.plugins import Plugins

        self.hydra_context, self.config = hydra_context, config
        self.launcher = Plugins.instance().instantiate_launcher(
            hydra_context=hydra_context, task_function=task_function, config=config
        )
