"""Experiments on absorb: the four effects as Hydra sweeps with their controls, and the seed case.

Run an effect's full sweep with `absorb -m experiment=<name>` (`rebound`, `saturation`,
`automation_bias`, `dashboard_illusion`); at the end, `experiments.callbacks.EffectReport`
gathers the runs into `results.parquet`, `summary.parquet`, figures and `report.md` in the
sweep folder. `absorb experiment=seed_case` runs the seed case and writes `seed_case.md`.

From Python (tests, notebooks)::

    from experiments.sweep import run_levels
    from experiments.analysis import analyse
    records = run_levels("rebound", [0.0, 0.5, 1.0], replications=3, overrides=["days=90"])
    analysis = analyse("rebound", records, Path("out"))
"""

from experiments.registry import EFFECT_MODULES, get_effect

EFFECTS = tuple(EFFECT_MODULES)

__all__ = ["EFFECTS", "get_effect"]
