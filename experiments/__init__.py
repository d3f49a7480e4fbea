"""Experiments on absorb: the four effects as Hydra sweeps with their controls, and the seed case.

Each effect is described once, by its preset `configs/experiment/<name>.yaml`
(`experiments.effect`): `absorb -m experiment=<name>` runs the sweep and writes its report
(`experiments.analysis`); `absorb experiment=seed_case` writes `seed_case.md`. From Python::

    records = experiments.runs.run_levels("rebound", [0.0, 1.0], replications=3)
    experiments.analysis.analyse("rebound", records, Path("out"))
"""

from experiments.effect import EFFECTS, describe

__all__ = ["EFFECTS", "describe"]
