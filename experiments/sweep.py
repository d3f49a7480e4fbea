"""Running an effect's sweep in-process (tests, notebooks): same presets, same analysis.

The command line runs the full sweep through Hydra (`absorb -m experiment=<name>`); this module
runs a reduced one with the Python API (`sim.load_config` + `sim.run`), composing the same
preset so the experiment's design (e.g. the saturation preset's switched-off mechanisms) is
what gets tested.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from joblib import Parallel, delayed

import sim
from experiments.common import ARMS, CONTROL_ARM, RunRecord, control_overrides
from experiments.registry import get_effect
from sim.runner import RunResult


def records_from_result(result: RunResult) -> list[RunRecord]:
    """One `RunRecord` per replication of a finished `sim.run`."""
    frame = result.timeseries
    return [
        RunRecord(
            result.config,
            replication,
            summary,
            frame[frame.replication == replication].reset_index(drop=True),
        )
        for replication, summary in enumerate(result.replications)
    ]


def level_overrides(
    effect: str, arm: str, automation_rate: float, replications: int, overrides: Sequence[str] = ()
) -> list[str]:
    """The overrides of one job: the preset, the level, the arm's control settings."""
    chosen = [
        f"experiment={effect}",
        f"ai.automation_rate={automation_rate}",
        f"replications={replications}",
        "figures=false",
        "progress=false",
        *overrides,
    ]
    if arm == CONTROL_ARM:
        chosen += control_overrides(get_effect(effect).control)
    return chosen


def _run_job(
    effect: str, arm: str, automation_rate: float, replications: int, overrides: Sequence[str]
) -> list[RunRecord]:
    cfg = sim.load_config(level_overrides(effect, arm, automation_rate, replications, overrides))
    return records_from_result(sim.run(cfg, progress=False))


def run_levels(
    effect: str,
    levels: Iterable[float],
    replications: int,
    overrides: Sequence[str] = (),
    arms: Iterable[str] = ARMS,
    n_jobs: int = 1,
) -> list[RunRecord]:
    """Run every arm × level of an effect, replications inside each job.

    Args:
        effect: the preset's name.
        levels: automation rates (include 0: comparisons are made against it).
        replications: replications per job (common random numbers across levels and arms).
        overrides: further Hydra overrides (e.g. `days=90`).
        arms: `effect`, `control` or both.
        n_jobs: parallel jobs (joblib processes).

    Returns:
        One record per replication of every job.
    """
    jobs = [(arm, float(level)) for arm in arms for level in levels]
    batches = Parallel(n_jobs=n_jobs)(
        delayed(_run_job)(effect, arm, level, replications, tuple(overrides)) for arm, level in jobs
    )
    return [record for batch in batches for record in batch]
