"""absorb: an agent-based simulation of how organisations absorb AI-generated work.

The Python API for notebooks::

    import sim
    cfg = sim.load_config(["org=default", "ai.automation_rate=0.8"])
    result = sim.run(cfg)
    result.timeseries  # one row per day, dashboard and outcome books side by side
    result.summary     # run-level figures with 95% CIs over replications
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from sim.config import ConfigError, load_config

if TYPE_CHECKING:
    from sim.runner import RunResult, run

__all__ = ["ConfigError", "RunResult", "load_config", "run"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """`sim.run` and `sim.RunResult`, imported on first use.

    The command line's main process of a sweep only composes configs: it never imports the
    model (Mesa, pandas), which each worker imports for itself.
    """
    if name in ("run", "RunResult"):
        from sim import runner

        return getattr(runner, name)
    try:  # a submodule, as after an eager import (`sim.capacity`, `sim.workflow`)
        return importlib.import_module(f"sim.{name}")
    except ModuleNotFoundError as error:
        if error.name != f"sim.{name}":
            raise
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
