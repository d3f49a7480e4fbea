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
# The section's own floor, seconds: one run of every size, 100,000 people included (a few
# minutes on two shared cores), whatever the sections before it left of the run's budget.
SECONDS_AT_LEAST = 480.0


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

    The section has a floor of its own, `SECONDS_AT_LEAST`: the sections before it may have
    used up the run's budget, and the target needs 1,000 and 100,000 people measured. Every
    size is first run once, smallest first; further repetitions then go round the sizes while
    the slowest run of a size still fits. A size is skipped when even its first run,
    predicted from the cost per agent-day of the size below it (which, if anything,
    underestimates it), would not end before the deadline. A run still going at the deadline
    is stopped; its size is then reported with a lower bound on its cost.

    Args:
        sizes: total headcounts, ascending.
        reps: repetitions wanted per size.
        days: run length.
        budget: the deadline (extended to `SECONDS_AT_LEAST` from now if it is sooner).

    Returns:
        Per size: wall and CPU of simulate(), microseconds per agent-day, peak memory, every
        repetition; skipped or stopped sizes with the reason.
    """
    budget = budget.at_least(SECONDS_AT_LEAST)
    rows: list[dict[str, Any]] = []
    runs: dict[int, dict[str, Any]] = {}
    cost = None  # seconds per agent-day of the last size measured
    stopped = False
    for size in sizes:  # one run of every size, smallest first
        agent_days = size * days
        predicted = None if cost is None else STARTUP_SECONDS + cost * agent_days
        row: dict[str, Any] = {
            "people": size,
            "days": days,
            "agent_days": agent_days,
            "reps_wanted": reps[size],
        }
        rows.append(row)
        if stopped:
            row.update(reps=0, skipped="the deadline passed during a smaller size")
            continue
        if predicted is not None and not budget.fits(predicted):
            left = max(budget.remaining(), 0.0)
            row.update(reps=0, skipped=f"predicted at least {predicted:.0f} s, {left:.0f} s left")
            continue
        state = {
            "overrides": [*headcount_overrides(size), f"days={days}"],
            "stats": (Stat(), Stat(), Stat(), Stat()),  # simulate, its CPU, process, memory
            "slowest": 0.0,
            "load_before": load_average(),
        }
        if _measure(size, row, state, budget) and reps[size] > 1:
            runs[size] = state
        stats = state["stats"]
        if stats[0].n:
            cost = stats[0].median / agent_days
        stopped = "stopped" in row  # the deadline has passed: no larger size can be measured
    while runs:  # further repetitions, round the sizes
        for size in list(runs):
            state, row = runs[size], next(r for r in rows if r["people"] == size)
            done = state["stats"][0].n >= reps[size]
            if done or not budget.fits(state["slowest"]) or not _measure(size, row, state, budget):
                del runs[size]
    for row in rows:
        if "skipped" in row:
            continue
        _summarise(row)
    return {"days": days, "rows": rows}


def _measure(size: int, row: dict[str, Any], state: dict[str, Any], budget: Budget) -> bool:
    """One repetition of `size` into `state`; False if it was stopped at the deadline."""
    simulate, simulate_cpu, process, rss = state["stats"]
    limit = max(budget.remaining(), 5.0) if budget.deadline is not None else None
    run = run_child(child_command("simulate", *state["overrides"]), timeout=limit)
    if run.timed_out:
        floor = (run.wall_seconds - STARTUP_SECONDS) / row["agent_days"] * 1e6
        if not simulate.n:
            row["floor_us_per_agent_day"] = floor
            row["stopped"] = (
                f"stopped at the deadline after {run.wall_seconds:.0f} s: more than "
                f"{floor:.1f} µs per agent-day"
            )
        return False
    payload = check(run, f"scaling {size} people, repetition {simulate.n}")
    if payload["people"] != size:
        raise RuntimeError(f"asked for {size} people, the model has {payload['people']}")
    simulate.values.append(payload["simulate_seconds"])
    simulate_cpu.values.append(payload["simulate_cpu_seconds"])
    process.values.append(run.wall_seconds)
    rss.values.append(run.max_rss_mb)
    state["slowest"] = max(state["slowest"], run.wall_seconds)
    row["_state"] = state
    return True


def _summarise(row: dict[str, Any]) -> None:
    """Fill a measured size's row from its repetitions (or mark it not measured)."""
    state = row.pop("_state", None)
    if state is None:
        row.update(reps=0, skipped=row.get("stopped", "no run finished"))
        return
    simulate, simulate_cpu, process, rss = state["stats"]
    agent_days = row["agent_days"]
    row.update(
        reps=simulate.n,
        load_average=[state["load_before"], load_average()],
        simulate_seconds=simulate.to_dict(),
        simulate_cpu_seconds=simulate_cpu.to_dict(),
        process_seconds=process.to_dict(),
        max_rss_mb=rss.to_dict(),
        us_per_agent_day=Stat([s / agent_days * 1e6 for s in simulate.values]).to_dict(),
        cpu_us_per_agent_day=Stat([s / agent_days * 1e6 for s in simulate_cpu.values]).to_dict(),
    )
