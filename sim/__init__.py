"""absorb: an agent-based simulation of how organisations absorb AI-generated work.

The Python API for notebooks::

    import sim
    cfg = sim.load_config(["org=default", "ai.automation_rate=0.8"])
    result = sim.run(cfg)
    result.timeseries  # one row per day, dashboard and outcome books side by side
    result.summary     # run-level figures with 95% CIs over replications
"""

from sim.config import ConfigError, load_config
from sim.runner import RunResult, run

__all__ = ["ConfigError", "RunResult", "load_config", "run"]
__version__ = "0.1.0"
