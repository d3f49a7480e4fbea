"""`python -m benchmarks` (`make bench`): absorb's speed and memory beside SimPy and Ciw.

    python -m benchmarks                       # full run, writes RESULTS.md and results.json
    python -m benchmarks --quick               # few repetitions, small sizes, printed only
    python -m benchmarks --only seed_case      # one section (comma-separated for several)
    python -m benchmarks --only scaling --quick --output /tmp/scaling.md

The full run keeps to a wall-clock budget (default 590 s): a repetition starts only if the
slowest one so far still fits; a scaling size is skipped if its predicted time does not fit,
and stopped at the deadline if it overruns. The scaling section has a floor of its own
(`benchmarks.scaling.SECONDS_AT_LEAST`, 480 s) so that one run of every size, 100,000 people
included, is measured even when the sections before it used the budget: a full run takes
longer than the budget by up to that floor. Every such shortfall is listed under "Stated
gaps" in the results.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks import horizon, queueing, report, scaling, seed_case, sweep
from benchmarks.harness import Budget, load_average, machine

HERE = Path(__file__).resolve().parent
SECTIONS = ("queueing", "seed_case", "horizon", "sweep", "scaling")
# Per-section wall-clock allowance in the full run, seconds; scaling gets what remains.
ALLOWANCE = {"queueing": 100.0, "seed_case": 120.0, "horizon": 60.0, "sweep": 100.0}


def _plan(quick: bool) -> dict[str, dict[str, Any]]:
    """Repetitions and sizes of each section, full or quick."""
    if quick:
        return {
            "queueing": {"reps": 2, "horizon_hours": 7_200.0},
            "seed_case": {"reps": 2, "with_cli": False},
            "horizon": {"reps": 1},
            "sweep": {"runs": 8, "days": 195, "workers": 2, "reps": 1},
            "scaling": {
                "sizes": (100, 1_000, 10_000),
                "reps": {100: 2, 1_000: 2, 10_000: 1},
                "days": 60,
            },
        }
    return {
        "queueing": {"reps": 5, "horizon_hours": None},
        "seed_case": {"reps": 5, "with_cli": True},
        "horizon": {"reps": 3},
        "sweep": {"runs": 40, "days": 195, "workers": 2, "reps": 5},
        "scaling": {
            "sizes": scaling.SIZES,
            "reps": {100: 5, 1_000: 5, 10_000: 5, 100_000: 1},
            "days": 60,
        },
    }


def run(only: tuple[str, ...], quick: bool, profile: bool, limit: float) -> dict[str, Any]:
    """Run the chosen sections in order and collect their results.

    Args:
        only: sections to run.
        quick: few repetitions, small sizes.
        profile: profile the queueing benchmark and the seed case.
        limit: wall-clock budget of the whole run, seconds.

    Returns:
        The results, keyed by section, with the machine description.
    """
    plan = _plan(quick)
    start = time.perf_counter()
    overall = Budget(limit)
    results: dict[str, Any] = {"machine": machine(), "quick": quick}

    def allowance(section: str) -> Budget:
        left = overall.remaining()
        return Budget(min(left, ALLOWANCE.get(section, left)))

    for section in SECTIONS:
        if section not in only:
            continue
        began = time.perf_counter()
        print(f"[benchmarks] {section} ...", file=sys.stderr, flush=True)
        p = plan[section]
        budget = allowance(section)
        if section == "queueing":
            out = queueing.bench(p["reps"], budget, p["horizon_hours"], with_profile=profile)
        elif section == "seed_case":
            out = seed_case.bench(p["reps"], budget, with_profile=profile, with_cli=p["with_cli"])
        elif section == "horizon":
            out = horizon.bench(p["reps"], budget)
        elif section == "sweep":
            out = sweep.bench(p["runs"], p["days"], p["workers"], p["reps"], budget)
        else:
            out = scaling.bench(p["sizes"], p["reps"], p["days"], budget)
        out["section_seconds"] = time.perf_counter() - began
        results[section] = out
        print(
            f"[benchmarks] {section}: {out['section_seconds']:.0f} s", file=sys.stderr, flush=True
        )
    results["total_seconds"] = time.perf_counter() - start
    results["load_average_end"] = load_average()
    return results


def main(argv: list[str] | None = None) -> int:
    """Parse the arguments, run, and write or print the results."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--only",
        default=",".join(SECTIONS),
        help=f"comma-separated sections: {', '.join(SECTIONS)}",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="few repetitions and small sizes (results printed, not saved)",
    )
    parser.add_argument("--no-profile", action="store_true", help="skip the profiles")
    parser.add_argument(
        "--budget",
        type=float,
        default=590.0,
        help="wall-clock budget of the run, seconds (default 590)",
    )
    parser.add_argument("--output", type=Path, help="also write the Markdown here")
    args = parser.parse_args(argv)
    only = tuple(s.strip() for s in args.only.split(",") if s.strip())
    unknown = [s for s in only if s not in SECTIONS]
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    logging.getLogger("MESA").setLevel(logging.WARNING)
    full = set(only) == set(SECTIONS) and not args.quick
    results = run(
        only, args.quick, profile=not args.no_profile and not args.quick, limit=args.budget
    )
    markdown = report.render(results, results["total_seconds"])
    if full:
        (HERE / "RESULTS.md").write_text(markdown)
        (HERE / "results.json").write_text(json.dumps(results, indent=1, default=str) + "\n")
        print(
            f"[benchmarks] wrote {HERE / 'RESULTS.md'} and results.json "
            f"({results['total_seconds']:.0f} s)",
            file=sys.stderr,
        )
    else:
        print(markdown)
    if args.output:
        args.output.write_text(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
