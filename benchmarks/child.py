"""The measured child process: one fresh interpreter per repetition.

Usage (the harness calls these; the last line printed is a JSON object)::

    python -m benchmarks.child simulate org=gtm_2800      # one replication, Python API
    python -m benchmarks.child baseline org=gtm_2800      # imports + config only
    python -m benchmarks.child seeds 40 days=195          # simulate seeds 0..39, one by one
    python -m benchmarks.child days days=780              # CPU time of each day of one run

`simulate` runs exactly what a user's script runs: `sim.load_config(overrides)` then
`sim.runner.simulate(cfg)`. The process's peak memory is read by the parent from the kernel
(`os.wait4`); the child also reports its own `ru_maxrss` and the time of each phase.
"""

from __future__ import annotations

import time

_START = time.perf_counter()

import json  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


def main(argv: list[str]) -> dict:
    """Run one mode and return its measurements.

    Args:
        argv: the mode (`simulate`, `baseline` or `seeds`) followed by its arguments.

    Returns:
        The measurements, printed by the caller as one JSON line.
    """
    mode, rest = argv[0], argv[1:]
    from sim.config import load_config
    from sim.runner import simulate

    imported = time.perf_counter()
    result: dict = {"mode": mode, "import_seconds": imported - _START}
    if mode == "seeds":
        count, overrides = int(rest[0]), rest[1:]
        times, cpu_times = [], []
        for seed in range(count):
            cfg = load_config([*overrides, f"seed={seed}"])
            start, cpu = time.perf_counter(), time.process_time()
            simulate(cfg)
            times.append(time.perf_counter() - start)
            cpu_times.append(time.process_time() - cpu)
        result.update(simulate_seconds=times, simulate_cpu_seconds=cpu_times, seeds=count)
    else:
        cfg = load_config(rest)
        configured = time.perf_counter()
        result["config_seconds"] = configured - imported
        if mode == "simulate":
            cpu = time.process_time()
            timeseries, _, model = simulate(cfg)
            done = time.perf_counter()
            people = len(model.people)
            result.update(
                simulate_seconds=done - configured,
                simulate_cpu_seconds=time.process_time() - cpu,
                people=people,
                days=int(cfg.days),
                agent_days=people * int(cfg.days),
                artifacts_created=int(model.engine.created),
                rows=len(timeseries),
            )
        elif mode == "days":  # one replication stepped by hand: CPU seconds of every day
            from sim.model import OrgModel

            model, day_cpu = OrgModel(cfg, 0), []
            for _ in range(int(cfg.days)):
                tick = time.process_time()
                model.step()
                day_cpu.append(time.process_time() - tick)
            result.update(day_cpu_seconds=day_cpu, rollout_day=int(cfg.ai.rollout_day))
        elif mode != "baseline":
            raise SystemExit(f"unknown mode {mode!r}")
    result["self_max_rss_mb"] = _rss_mb()
    result["process_seconds"] = time.perf_counter() - _START
    return result


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1:])))
