"""Shared measurement tools: child processes, repetitions under a time budget, machine facts.

Every figure the benchmarks report is the median of repeated measurements. Wall time is
measured with :func:`time.perf_counter`; the peak resident memory and CPU time of a child
process come from :func:`os.wait4`, i.e. from the kernel's own accounting of that one child
(and the children it reaped), like ``/usr/bin/time`` (see :mod:`benchmarks.timed`).
"""

from __future__ import annotations

import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
ABSORB = str(Path(sys.executable).with_name("absorb"))
TIMED = Path(__file__).resolve().parent / "timed.py"
PACKAGES = (
    "absorb",
    "mesa",
    "numpy",
    "networkx",
    "hydra-core",
    "hydra-joblib-launcher",
    "joblib",
    "omegaconf",
    "simpy",
    "ciw",
    "pyinstrument",
)


@dataclass
class ChildRun:
    """One child process, measured from the outside.

    Attributes:
        args: the command line.
        wall_seconds: from just before the fork to the child's exit.
        cpu_seconds: user + system CPU time of the child and the children it reaped.
        max_rss_mb: peak resident set size in MB (10^6 bytes), the largest of the child and
            the children it reaped.
        returncode: exit status (negative: killed by that signal).
        timed_out: the child was killed because it overran its time limit.
        stdout: what it printed.
        stderr: what it printed on stderr.
        payload: the JSON object on its last line of output, if any.
    """

    args: list[str]
    wall_seconds: float
    cpu_seconds: float
    max_rss_mb: float
    returncode: int
    timed_out: bool
    stdout: str
    stderr: str
    payload: dict[str, Any] | None = None


def run_child(
    args: Sequence[str], cwd: str | Path | None = None, timeout: float | None = None
) -> ChildRun:
    """Run a command (no shell) and measure its wall time, CPU time and peak memory.

    The command is started by the small `benchmarks/timed.py` process, which measures it
    with `os.wait4` (see there why not directly from here). Both run in their own process
    group so that a timeout ends them together with any workers the command started.

    Args:
        args: the command and its arguments.
        cwd: working directory (default: the repository root).
        timeout: seconds after which the child's process group is killed.

    Returns:
        The measured :class:`ChildRun`.
    """
    args = [str(a) for a in args]
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryDirectory(prefix="absorb-bench-") as scratch,
    ):
        measured = Path(scratch) / "measured.json"
        start = time.perf_counter()
        process = subprocess.Popen(
            [PYTHON, str(TIMED), str(measured), *args],
            cwd=cwd or ROOT,
            stdout=out,
            stderr=err,
            env=env,
            start_new_session=True,
        )
        expired = threading.Event()

        def kill() -> None:
            expired.set()
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill) if timeout else None
        if timer:
            timer.start()
        try:
            process.wait()
        finally:
            if timer:
                timer.cancel()
        wall = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
        usage = json.loads(measured.read_text()) if measured.exists() else {}
    payload = None
    for line in reversed(stdout.strip().splitlines()):
        if line.startswith("{"):
            try:
                payload = json.loads(line)
            except json.JSONDecodeError:
                payload = None
            break
    return ChildRun(
        args=args,
        wall_seconds=usage.get("wall_seconds", wall),
        cpu_seconds=usage.get("cpu_seconds", float("nan")),
        max_rss_mb=usage.get("max_rss_kb", float("nan")) * 1024 / 1e6,
        returncode=usage.get("returncode", process.returncode),
        timed_out=expired.is_set(),
        stdout=stdout,
        stderr=stderr,
        payload=payload,
    )


def child_command(*args: object) -> list[str]:
    """The command line of a :mod:`benchmarks.child` run."""
    return [PYTHON, "-m", "benchmarks.child", *map(str, args)]


def check(run: ChildRun, what: str) -> dict[str, Any]:
    """The payload of a child run, or an error naming what failed and its last words.

    Raises:
        RuntimeError: the child failed, timed out or printed no result.
    """
    if run.timed_out:
        raise RuntimeError(f"{what}: killed after {run.wall_seconds:.0f} s (time limit)")
    if run.returncode != 0 or run.payload is None:
        tail = "\n".join((run.stderr or run.stdout).strip().splitlines()[-8:])
        raise RuntimeError(f"{what}: exit status {run.returncode}\n{tail}")
    return run.payload


@dataclass
class Stat:
    """Repeated measurements of one quantity, summarised by their median.

    Attributes:
        values: every measurement, in order.
    """

    values: list[float] = field(default_factory=list)

    @property
    def n(self) -> int:
        """Number of measurements."""
        return len(self.values)

    @property
    def median(self) -> float:
        """Median of the measurements (NaN if there are none)."""
        return statistics.median(self.values) if self.values else float("nan")

    @property
    def low(self) -> float:
        """Smallest measurement."""
        return min(self.values) if self.values else float("nan")

    @property
    def high(self) -> float:
        """Largest measurement."""
        return max(self.values) if self.values else float("nan")

    def to_dict(self) -> dict[str, Any]:
        """Plain data for results.json."""
        return {"median": self.median, "n": self.n, "values": self.values}


class Budget:
    """A wall-clock deadline for a group of measurements.

    Args:
        seconds: how long the group may take from now (None: no limit).
    """

    def __init__(self, seconds: float | None):
        self.start = time.perf_counter()
        self.deadline = None if seconds is None else self.start + seconds

    def remaining(self) -> float:
        """Seconds left (infinite without a limit)."""
        if self.deadline is None:
            return float("inf")
        return self.deadline - time.perf_counter()

    def fits(self, seconds: float) -> bool:
        """Whether something predicted to take `seconds` ends before the deadline."""
        return seconds <= self.remaining()

    def at_least(self, seconds: float) -> Budget:
        """This budget, or one of `seconds` from now if that ends later (a section's floor)."""
        if self.deadline is None or self.remaining() >= seconds:
            return self
        return Budget(seconds)


def repeat(measure: Callable[[int], float], reps: int, budget: Budget, min_reps: int = 1) -> int:
    """Call `measure(rep)` `reps` times, or fewer if the next call would overrun `budget`.

    Args:
        measure: runs one repetition and returns its wall time in seconds.
        reps: the number of repetitions wanted.
        budget: the deadline; a repetition starts only if the slowest one so far still fits.
        min_reps: repetitions made whatever the budget.

    Returns:
        The number of repetitions made.
    """
    slowest = 0.0
    for rep in range(reps):
        if rep >= min_reps and not budget.fits(slowest):
            return rep
        slowest = max(slowest, measure(rep))
    return reps


def load_average() -> tuple[float, float, float]:
    """The 1, 5 and 15 minute load averages (other work on the machine skews timings)."""
    try:
        return tuple(round(x, 2) for x in os.getloadavg())  # type: ignore[return-value]
    except OSError:
        return (float("nan"),) * 3  # type: ignore[return-value]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return int(line.split()[1]) * 1024 / 1e9
    except OSError:
        pass
    return float("nan")


def _git(*args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=False
        )
        return done.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine() -> dict[str, Any]:
    """The machine, software versions, code revision and date of a benchmark run."""
    versions = {}
    for package in PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    dirty = _git("status", "--porcelain", "--", "sim", "configs")
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gb": round(_memory_gb(), 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
        "commit": _git("rev-parse", "--short", "HEAD"),
        "sim_or_configs_modified": bool(dirty),
        "load_average_start": load_average(),
    }
