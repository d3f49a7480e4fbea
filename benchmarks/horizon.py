"""A long run costs in proportion to its length: no per-day work over everything ever queued.

The default organisation at automation 1.0, where the most work waits downstream, run for
780 working days (three years) in a fresh interpreter that times every day's CPU
(`python -m benchmarks.child days ai.automation_rate=1.0 days=780`). The cost of a day in
the last quarter is compared with the first quarter after the roll-out (medians of the
per-day CPU seconds, so a stray slow day does not decide it), and the peak memory of the
780-day run with a 195-day run of the same config.
"""

from __future__ import annotations

import statistics
from typing import Any

from benchmarks.harness import Budget, Stat, check, child_command, repeat, run_child

OVERRIDES = ("ai.automation_rate=1.0",)
LONG, SHORT = 780, 195
TIMEOUT = 900.0


def quarter_costs(day_cpu: list[float], rollout_day: int) -> tuple[float, float]:
    """Median CPU seconds of a day in the first quarter after the roll-out and in the last.

    A quarter is a quarter of the days after the roll-out.
    """
    after = day_cpu[rollout_day:]
    quarter = max(1, len(after) // 4)
    return statistics.median(after[:quarter]), statistics.median(after[-quarter:])


def bench(reps: int, budget: Budget) -> dict[str, Any]:
    """Measure the per-day cost over a long run and the memory against a short one.

    Args:
        reps: repetitions of each run (fewer if `budget` runs out; at least one).
        budget: the deadline.

    Returns:
        Per repetition: the first- and last-quarter cost per day and their ratio, the peak
        memory of the long and the short run; medians of each.
    """
    first, last, ratio = Stat(), Stat(), Stat()
    long_rss, short_rss = Stat(), Stat()

    def measure(rep: int) -> float:
        run = run_child(child_command("days", *OVERRIDES, f"days={LONG}"), timeout=TIMEOUT)
        payload = check(run, f"horizon {LONG} days, repetition {rep}")
        early, late = quarter_costs(payload["day_cpu_seconds"], payload["rollout_day"])
        first.values.append(early)
        last.values.append(late)
        ratio.values.append(late / early)
        long_rss.values.append(run.max_rss_mb)
        short = run_child(child_command("days", *OVERRIDES, f"days={SHORT}"), timeout=TIMEOUT)
        check(short, f"horizon {SHORT} days, repetition {rep}")
        short_rss.values.append(short.max_rss_mb)
        return run.wall_seconds + short.wall_seconds

    made = repeat(measure, reps, budget)
    return {
        "overrides": list(OVERRIDES),
        "days": [SHORT, LONG],
        "reps": made,
        "reps_wanted": reps,
        "first_quarter_day_cpu_seconds": first.to_dict(),
        "last_quarter_day_cpu_seconds": last.to_dict(),
        "cost_ratio": ratio.to_dict(),
        "long_max_rss_mb": long_rss.to_dict(),
        "short_max_rss_mb": short_rss.to_dict(),
        "memory_ratio": long_rss.median / short_rss.median,
    }
