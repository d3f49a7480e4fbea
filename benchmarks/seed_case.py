"""The seed case: `org=gtm_2800` (2,800 people), 195 days, as users run it.

Each repetition is a fresh interpreter (`python -m benchmarks.child simulate org=gtm_2800`)
that composes the config with `sim.load_config` and calls `sim.runner.simulate(cfg)`; the
parent reads the child's wall time, CPU time and peak memory from the kernel. The full
command line `absorb org=gtm_2800` (Hydra, outputs and figures included) is timed once.
"""

from __future__ import annotations

import tempfile
from typing import Any

from benchmarks.harness import (
    ABSORB,
    Budget,
    Stat,
    check,
    child_command,
    load_average,
    repeat,
    run_child,
)
from benchmarks.profiling import profile_record

ORG = "org=gtm_2800"
TIMEOUT = 900.0


def bench(
    reps: int,
    budget: Budget,
    days: int | None = None,
    with_profile: bool = True,
    with_cli: bool = True,
) -> dict[str, Any]:
    """Measure the seed case.

    Args:
        reps: repetitions wanted (fewer if `budget` runs out; at least one).
        budget: the deadline.
        days: override the run length (quick runs); None keeps the config's 195 days.
        with_profile: profile one run in this process with pyinstrument.
        with_cli: time the command line once.

    Returns:
        Medians and every repetition: simulate() wall, process wall, CPU, peak memory,
        agent-days per second; the baseline memory of imports and config; the CLI run; the
        profile.
    """
    overrides = [ORG] + ([f"days={days}"] if days else [])
    load_before = load_average()
    baseline = run_child(child_command("baseline", *overrides), timeout=TIMEOUT)
    check(baseline, "seed case baseline")
    payloads: list[dict[str, Any]] = []
    process_wall, cpu, rss = Stat(), Stat(), Stat()

    def measure(rep: int) -> float:
        run = run_child(child_command("simulate", *overrides), timeout=TIMEOUT)
        payloads.append(check(run, f"seed case repetition {rep}"))
        process_wall.values.append(run.wall_seconds)
        cpu.values.append(run.cpu_seconds)
        rss.values.append(run.max_rss_mb)
        return run.wall_seconds

    made = repeat(measure, reps, budget)
    simulate = Stat([p["simulate_seconds"] for p in payloads])
    simulate_cpu = Stat([p["simulate_cpu_seconds"] for p in payloads])
    rate = Stat([p["agent_days"] / p["simulate_seconds"] for p in payloads])
    result: dict[str, Any] = {
        "overrides": overrides,
        "people": payloads[0]["people"],
        "days": payloads[0]["days"],
        "agent_days": payloads[0]["agent_days"],
        "artifacts_created": payloads[0]["artifacts_created"],
        "reps": made,
        "reps_wanted": reps,
        "simulate_seconds": simulate.to_dict(),
        "simulate_cpu_seconds": simulate_cpu.to_dict(),
        "process_seconds": process_wall.to_dict(),
        "cpu_seconds": cpu.to_dict(),
        "max_rss_mb": rss.to_dict(),
        "baseline_rss_mb": baseline.max_rss_mb,
        "import_seconds": Stat([p["import_seconds"] for p in payloads]).to_dict(),
        "config_seconds": Stat([p["config_seconds"] for p in payloads]).to_dict(),
        "agent_days_per_second": rate.to_dict(),
    }
    if with_cli:
        with tempfile.TemporaryDirectory(prefix="absorb-bench-") as tmp:
            cli = run_child([ABSORB, *overrides], cwd=tmp, timeout=TIMEOUT)
        if cli.returncode != 0:
            raise RuntimeError(f"absorb {' '.join(overrides)} failed:\n{cli.stderr[-2000:]}")
        result["cli"] = {
            "command": "absorb " + " ".join(overrides),
            "wall_seconds": cli.wall_seconds,
            "cpu_seconds": cli.cpu_seconds,
            "max_rss_mb": cli.max_rss_mb,
        }
    result["load_average"] = [load_before, load_average()]
    if with_profile:
        from sim.config import load_config
        from sim.runner import simulate as run_simulate

        cfg = load_config(overrides)
        result["profile"] = profile_record(
            lambda: run_simulate(cfg),
            f"sim.runner.simulate(cfg), {' '.join(overrides)}, in-process",
            12,
        )
    return result
