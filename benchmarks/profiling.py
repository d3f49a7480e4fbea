"""Hot paths from a pyinstrument profile: where the time of a run goes, per function."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.harness import ROOT


@dataclass
class HotPath:
    """One function's share of a profiled run.

    Attributes:
        function: `Class.method` or function name.
        location: file (relative to the repository or site-packages) and line.
        self_share: share of the run's time spent in the function's own code.
        total_share: share of the run's time spent in it or in what it calls.
    """

    function: str
    location: str
    self_share: float
    total_share: float


def _short(path: str | None, line: int | None) -> str:
    if not path:
        return "<built-in>"
    p = Path(path)
    try:
        text = str(p.resolve().relative_to(ROOT))
    except ValueError:
        parts = p.parts
        text = (
            "/".join(parts[parts.index("site-packages") + 1 :])
            if "site-packages" in parts
            else p.name
        )
    return f"{text}:{line}" if line else text


def profile(run: Callable[[], Any], interval: float = 0.001) -> tuple[float, list[HotPath]]:
    """Profile `run()` with pyinstrument and aggregate the time per function.

    Time is summed over every call site of a function; a function that calls itself is
    counted once in its total.

    Args:
        run: the code to profile.
        interval: sampling interval in seconds.

    Returns:
        The profiled duration in seconds and every function's hot path, by self time.
    """
    from pyinstrument import Profiler

    profiler = Profiler(interval=interval)
    profiler.start()
    run()
    session = profiler.stop()
    root = session.root_frame(trim_stem=True)
    if root is None:
        return session.duration, []
    total = root.time or 1.0
    self_time: dict[tuple[str, str], float] = {}
    inclusive: dict[tuple[str, str], float] = {}

    def visit(frame: Any, active: set[tuple[str, str]]) -> None:
        if frame.is_synthetic:
            return
        name = f"{frame.class_name}.{frame.function}" if frame.class_name else frame.function
        key = (name, _short(frame.file_path, frame.line_no))
        self_time[key] = self_time.get(key, 0.0) + frame.total_self_time
        if key not in active:
            inclusive[key] = inclusive.get(key, 0.0) + frame.time
        for child in frame.children:
            visit(child, active | {key})

    visit(root, set())
    paths = [
        HotPath(name, where, self_time[(name, where)] / total, inclusive[(name, where)] / total)
        for name, where in self_time
    ]
    paths.sort(key=lambda p: p.self_share, reverse=True)
    return session.duration, paths


def top(
    paths: list[HotPath], n: int = 10, by: str = "self_share", under: str = ""
) -> list[HotPath]:
    """The `n` hottest functions by `self_share` or `total_share`.

    Args:
        paths: from :func:`profile`.
        n: how many.
        by: `self_share` or `total_share`.
        under: keep only functions whose location starts with this (e.g. `sim/`).
    """
    kept = [p for p in paths if p.location.startswith(under)]
    return sorted(kept, key=lambda p: getattr(p, by), reverse=True)[:n]


def profile_record(run: Callable[[], Any], what: str, n: int) -> dict[str, Any]:
    """Profile `run` once and keep its `n` hottest functions, by own time and under `sim/`."""
    duration, paths = profile(run)
    return {
        "duration_seconds": duration,
        "what": what,
        "self": [vars(p) for p in top(paths, n)],
        "total": [vars(p) for p in top(paths, n, by="total_share", under="sim/")],
    }
