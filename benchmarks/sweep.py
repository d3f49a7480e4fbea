"""Sweeps: 40 runs of the default organisation through Hydra's joblib launcher on 2 workers.

Measured as users run it: the command

    absorb -m hydra/launcher=joblib hydra.launcher.n_jobs=2 seed=range(40) days=<d>
        hydra.sweep.dir=<tmp> hydra.sweep.subdir='seed=${seed}' figures=false

as a subprocess (arguments as a list, no shell; the sub-directory pattern is quoted because
Hydra's override grammar does not accept a bare `=` inside a value). The alternative is the
same 40 replications inside one job, `absorb replications=40 days=<d> figures=false`.

Simulation time is measured separately: one fresh interpreter runs `sim.runner.simulate`
for seeds 0..39 of the same config one after the other and sums their wall and CPU times. The
share of the sweep's wall time that is not simulation is `1 - (simulation / workers) / wall`
(perfect use of both workers by the simulation would leave only the overhead); its CPU share
is `1 - simulation CPU / sweep CPU` (the sweep's CPU counts its workers), which other work on
the machine does not distort.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.harness import (
    ABSORB,
    Budget,
    Stat,
    check,
    child_command,
    load_average,
    run_child,
)

TIMEOUT = 900.0


def sweep_command(runs: int, days: int, workers: int, directory: Path) -> list[str]:
    """The sweep's command line, as a list of arguments."""
    return [
        ABSORB,
        "-m",
        "hydra/launcher=joblib",
        f"hydra.launcher.n_jobs={workers}",
        f"seed=range({runs})",
        f"days={days}",
        f"hydra.sweep.dir={directory}",
        "hydra.sweep.subdir='seed=${seed}'",
        "figures=false",
    ]


def batched_command(runs: int, days: int, workers: int, directory: Path) -> list[str]:
    """The same runs as one job per worker, replications inside each job (the presets' way)."""
    return [
        ABSORB,
        "-m",
        "hydra/launcher=joblib",
        f"hydra.launcher.n_jobs={workers}",
        f"seed=range({workers})",
        f"replications={runs // workers}",
        f"days={days}",
        f"hydra.sweep.dir={directory}",
        "hydra.sweep.subdir='seed=${seed}'",
        "figures=false",
    ]


def one_job_command(runs: int, days: int, directory: Path) -> list[str]:
    """The one-job alternative: the same number of replications inside one run."""
    return [
        ABSORB,
        f"replications={runs}",
        f"days={days}",
        "figures=false",
        f"hydra.run.dir={directory}",
    ]


def _run_sweep(label: str, command: list[str], pattern: str, runs: int):
    """Run a sweep command and check that every run wrote its summary."""
    directory = Path(next(a for a in command if a.startswith("hydra.sweep.dir=")).split("=", 1)[1])
    done = run_child(command, cwd=directory.parent, timeout=TIMEOUT)
    finished = len(list(directory.glob(f"{pattern}/summary.json")))
    if done.returncode != 0 or finished != runs:
        raise RuntimeError(
            f"{label}: exit {done.returncode}, {finished}/{runs} runs written\n"
            f"{done.stderr[-2000:]}"
        )
    return done


def _preflight_seconds(argv: list[str]) -> float:
    """Wall time of the CLI's validation of every swept value (`sim.cli.preflight`)."""
    from sim.cli import preflight

    start = time.perf_counter()
    preflight(argv)
    return time.perf_counter() - start


def bench(runs: int, days: int, workers: int, reps: int, budget: Budget) -> dict[str, Any]:
    """Time the sweep and the one-job alternative, and the simulation inside them.

    Args:
        runs: runs in the sweep (seeds 0..runs-1).
        days: run length.
        workers: joblib workers.
        reps: repetitions wanted of the (sweep, one job) pair (fewer if `budget` runs out).
        budget: the deadline.

    Returns:
        Walls, CPU times, runs per minute, simulation time and the non-simulation shares.
    """
    load_before = load_average()
    sweep_wall, sweep_cpu, one_wall, one_cpu = Stat(), Stat(), Stat(), Stat()
    batched_wall, batched_cpu = Stat(), Stat()
    slowest = 0.0
    with tempfile.TemporaryDirectory(prefix="absorb-bench-") as tmp:
        root = Path(tmp)
        for rep in range(reps):
            if rep > 0 and not budget.fits(slowest):
                break
            began = time.perf_counter()
            sweep = _run_sweep(
                "sweep", sweep_command(runs, days, workers, root / f"sweep{rep}"), "seed=*", runs
            )
            sweep_wall.values.append(sweep.wall_seconds)
            sweep_cpu.values.append(sweep.cpu_seconds)
            one = run_child(
                one_job_command(runs, days, root / f"one{rep}"), cwd=root, timeout=TIMEOUT
            )
            if one.returncode != 0:
                raise RuntimeError(f"one job: exit {one.returncode}\n{one.stderr[-2000:]}")
            one_wall.values.append(one.wall_seconds)
            one_cpu.values.append(one.cpu_seconds)
            command = batched_command(runs, days, workers, root / f"batched{rep}")
            batched = _run_sweep("batched sweep", command, "seed=*/seed=*", runs)
            batched_wall.values.append(batched.wall_seconds)
            batched_cpu.values.append(batched.cpu_seconds)
            slowest = max(slowest, time.perf_counter() - began)
        argv = sweep_command(runs, days, workers, root / "preflight")[1:]
    simulation = check(
        run_child(child_command("seeds", runs, f"days={days}"), timeout=TIMEOUT),
        "simulation time of the sweep's runs",
    )
    per_run = Stat(simulation["simulate_seconds"])
    total = sum(per_run.values)
    total_cpu = sum(simulation["simulate_cpu_seconds"])
    preflight = _preflight_seconds(argv)
    return {
        "runs": runs,
        "days": days,
        "workers": workers,
        "reps": sweep_wall.n,
        "reps_wanted": reps,
        "command": " ".join(sweep_command(runs, days, workers, Path("<tmp>"))[1:]),
        "sweep_wall_seconds": sweep_wall.to_dict(),
        "sweep_cpu_seconds": sweep_cpu.to_dict(),
        "batched_command": " ".join(batched_command(runs, days, workers, Path("<tmp>"))[1:]),
        "batched_wall_seconds": batched_wall.to_dict(),
        "batched_cpu_seconds": batched_cpu.to_dict(),
        "batched_runs_per_minute": runs / batched_wall.median * 60,
        "batched_overhead_share": 1 - (total / workers) / batched_wall.median,
        "one_job_wall_seconds": one_wall.to_dict(),
        "one_job_cpu_seconds": one_cpu.to_dict(),
        "simulate_seconds_per_run": per_run.to_dict(),
        "simulate_seconds_total": total,
        "preflight_seconds": preflight,
        "sweep_runs_per_minute": runs / sweep_wall.median * 60,
        "one_job_runs_per_minute": runs / one_wall.median * 60,
        "sweep_overhead_share": 1 - (total / workers) / sweep_wall.median,
        "simulate_cpu_seconds_total": total_cpu,
        # CPU against CPU: other work on the machine lengthens wall times, not CPU times
        "sweep_overhead_cpu_share": 1 - total_cpu / sweep_cpu.median,
        "batched_overhead_cpu_share": 1 - total_cpu / batched_cpu.median,
        "one_job_overhead_share": 1 - total / one_wall.median,
        "load_average": [load_before, load_average()],
    }
