"""Figures of one run: queues per stage, the two sets of books, and people's state."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

ROLLING_DAYS = 10


def _daily(timeseries: pd.DataFrame) -> pd.DataFrame:
    """Mean over replications per day."""
    return timeseries.groupby("day").mean(numeric_only=True)


def _mark_rollout(ax, rollout_day: int) -> None:
    ax.axvline(rollout_day, color="grey", linestyle=":", linewidth=1)


def queues_figure(timeseries: pd.DataFrame, rollout_day: int, path: Path) -> None:
    """Queue length per stage over time."""
    daily = _daily(timeseries)
    columns = [c for c in daily.columns if c.startswith("queue_") and not c.startswith("queue_age")]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for column in columns:
        ax.plot(daily.index, daily[column], label=column.removeprefix("queue_"))
    _mark_rollout(ax, rollout_day)
    ax.set(
        xlabel="working day",
        ylabel="artifacts waiting",
        title="Queues per stage (dotted: AI roll-out)",
    )
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def books_figure(
    timeseries: pd.DataFrame, rollout_day: int, path: Path, warmup_days: int = 0
) -> None:
    """Dashboard books against outcome books, each indexed to its pre-roll-out mean (= 100).

    The baseline is the summary's "before": from the end of the warm-up to the roll-out.
    """
    daily = _daily(timeseries)
    before = daily[(daily.index >= warmup_days) & (daily.index < rollout_day)]
    if before.empty:
        before = daily.iloc[:ROLLING_DAYS]
    series = {
        "dashboard: artifacts per FTE": ("dashboard_per_fte", "tab:blue", "-"),
        "dashboard: messages sent": ("messages_sent", "tab:cyan", "-"),
        "outcome: qualified pipeline": ("qualified_pipeline", "tab:red", "-"),
        "outcome: response rate": ("response_rate", "tab:orange", "--"),
        "outcome: wins": ("wins", "tab:purple", "--"),
        "outcome: cycle time to pipeline": ("cycle_time_to_pipeline_days", "tab:brown", ":"),
    }
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for label, (column, color, style) in series.items():
        baseline = before[column].mean()
        if column not in daily or not baseline:
            continue
        index = 100 * daily[column].rolling(ROLLING_DAYS, min_periods=1).mean() / baseline
        ax.plot(daily.index, index, label=label, color=color, linestyle=style)
    _mark_rollout(ax, rollout_day)
    ax.axhline(100, color="black", linewidth=0.5)
    ax.set(
        xlabel="working day",
        ylabel=f"index, pre-roll-out = 100 ({ROLLING_DAYS}-day mean)",
        title="Two sets of books: the dashboard and the outcomes",
    )
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def people_figure(timeseries: pd.DataFrame, rollout_day: int, path: Path) -> None:
    """Reviewers' trust in AI and skill, and everyone's exhaustion and burnout share."""
    daily = _daily(timeseries)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for column, label in (
        ("trust_mean", "trust in AI (reviewers)"),
        ("skill_mean", "skill (reviewers)"),
        ("exhaustion_mean", "exhaustion (everyone)"),
        ("burnout_share", "share burnt out"),
    ):
        if column in daily:
            ax.plot(daily.index, daily[column], label=label)
    _mark_rollout(ax, rollout_day)
    ax.set(
        xlabel="working day", ylabel="0..1", ylim=(0, 1), title="People: trust, skill, exhaustion"
    )
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def run_figures(
    timeseries: pd.DataFrame, rollout_day: int, directory: Path, warmup_days: int = 0
) -> list[Path]:
    """Draw the three figures of a run into `directory`."""
    paths = [directory / "queues.png", directory / "books.png", directory / "people.png"]
    queues_figure(timeseries, rollout_day, paths[0])
    books_figure(timeseries, rollout_day, paths[1], warmup_days)
    people_figure(timeseries, rollout_day, paths[2])
    return paths
