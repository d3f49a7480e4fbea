"""Scaling: the default organisation at 100 to 100,000 people, same ratios of roles.

Every staffed stage's headcount is multiplied by N/100 with the overrides
`org.stages.<stage>.headcount=<n>`; each repetition is a fresh interpreter calling
`sim.runner.simulate(cfg)` (see :mod:`benchmarks.child`).
"""

from __future__ import annotations

from typing import Any

from benchmarks.harness import Budget, Stat, check, child_command, load_average, run_child

SIZES = (100, 1_000, 10_000, 100_000)
# Start-up of a child (interpreter, imports, config) added to a predicted run time.
STARTUP_SECONDS = 3.0


def headcount_overrides(people: int) -> list[str]:
    """Overrides scaling every staffed stage of the default organisation to `people` in all.

    Raises:
        ValueError: if `people` is not a whole multiple of the default's total headcount.
    """
    from sim.config import load_config

    stages = {
        name: int(stage.headcount)
        for name, stage in load_config([]).org.stages.items()
        if int(stage.headcount) > 0
    }
    total = sum(stages.values())
    if people % total:
        raise ValueError(f"{people} people is not a multiple of the default's {total}")
    factor = people // total
    return [f"org.stages.{name}.headcount={n * factor}" for name, n in stages.items()]


def bench(
    sizes: tuple[int, ...], reps: dict[int, int], days: int, budget: Budget
) -> dict[str, Any]:
    """Measure each size `reps[size]` times (fewer if the budget runs out).

    A size is skipped when even its first run, predicted from the cost per agent-day of the
    size below it (which, if anything, underestimates it), would not end before the
    deadline. A run still going at the deadline is stopped; its size is then reported with
    a lower bound on its cost.

    Args:
        sizes: total headcounts, ascending.
        reps: repetitions wanted per size.
        days: run length.
        budget: the deadline.

    Returns:
        Per size: wall and CPU of simulate(), microseconds per agent-day, peak memory, every
        repetition; skipped or stopped sizes with the reason.
    """
    rows: list[dict[str, Any]] = []
    cost = None  # seconds per agent-day of the last size measured
    for size in sizes:
        overrides = [*headcount_overrides(size), f"days={days}"]
        agent_days = size * days
        predicted = None if cost is None else STARTUP_SECONDS + cost * agent_days
        row: dict[str, Any] = {
            "people": size,
            "days": days,
            "agent_days": agent_days,
            "reps_wanted": reps[size],
        }
        if predicted is not None and not budget.fits(predicted):
            left = max(budget.remaining(), 0.0)
            row.update(reps=0, skipped=f"predicted at least {predicted:.0f} s, {left:.0f} s left")
            rows.append(row)
            continue
        load_before = load_average()
        simulate, simulate_cpu, process, rss = Stat(), Stat(), Stat(), Stat()
        slowest = 0.0
        for rep in range(reps[size]):
            if rep > 0 and not budget.fits(slowest):
                break
            limit = max(budget.remaining(), 5.0) if budget.deadline is not None else None
            run = run_child(child_command("simulate", *overrides), timeout=limit)
            if run.timed_out:
                floor = (run.wall_seconds - STARTUP_SECONDS) / agent_days * 1e6
                row["floor_us_per_agent_day"] = floor
                row["stopped"] = (
                    f"stopped at the deadline after {run.wall_seconds:.0f} s: more than "
                    f"{floor:.1f} µs per agent-day"
                )
                break
            payload = check(run, f"scaling {size} people, repetition {rep}")
            if payload["people"] != size:
                raise RuntimeError(f"asked for {size} people, the model has {payload['people']}")
            simulate.values.append(payload["simulate_seconds"])
            simulate_cpu.values.append(payload["simulate_cpu_seconds"])
            process.values.append(run.wall_seconds)
            rss.values.append(run.max_rss_mb)
            slowest = max(slowest, run.wall_seconds)
        row.update(reps=simulate.n, load_average=[load_before, load_average()])
        if simulate.n:
            cost = simulate.median / agent_days
            row.update(
                simulate_seconds=simulate.to_dict(),
                simulate_cpu_seconds=simulate_cpu.to_dict(),
                process_seconds=process.to_dict(),
                max_rss_mb=rss.to_dict(),
                us_per_agent_day=Stat([s / agent_days * 1e6 for s in simulate.values]).to_dict(),
                cpu_us_per_agent_day=Stat(
                    [s / agent_days * 1e6 for s in simulate_cpu.values]
                ).to_dict(),
            )
        else:
            row["skipped"] = row.get("stopped", "no run finished")
        rows.append(row)
    return {"days": days, "rows": rows}
