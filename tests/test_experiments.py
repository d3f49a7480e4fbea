"""The four effects on reduced sweeps, each with its control; the descriptions; the callbacks.

Each effect test runs a small sweep of the default organisation in-process with the same
preset and the same analysis code as the full Hydra sweep (`experiments.runs.run_levels`,
`experiments.analysis`), then asserts the effect's direction with its 95% CI and that the
control removes it. Seeds are fixed (common random numbers), so the tests are deterministic.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf

import sim
from experiments import automation_bias, saturation
from experiments.__main__ import main as reanalyse
from experiments.analysis import results_frame, summarise_levels
from experiments.common import CONTROL_ARM, EFFECT_ARM, at_zero, holds, measure, summary_at
from experiments.effect import EFFECTS, describe, from_hydra
from experiments.runs import run_levels
from experiments.seed_case import described_facts, fact, write_seed_case
from sim.capacity import saturation_point, utilisation

ROOT = Path(__file__).resolve().parent.parent
N_JOBS = 2


def analysed(
    effect: str, levels: list[float], replications: int, days: int, arms=(EFFECT_ARM, CONTROL_ARM)
) -> tuple[pd.DataFrame, pd.DataFrame]:
    records = run_levels(effect, levels, replications, [f"days={days}"], arms=arms, n_jobs=N_JOBS)
    results = results_frame(describe(effect), records)
    return results, summarise_levels(describe(effect), results)


def low(row: pd.Series, metric: str) -> float:
    return float(row[f"{metric}_ci_low"])


def high(row: pd.Series, metric: str) -> float:
    return float(row[f"{metric}_ci_high"])


# ---------------------------------------------------------------------------- descriptions
@pytest.mark.parametrize("name", EFFECTS)
def test_preset_sweeps_the_levels_and_its_arms_are_told_apart_by_the_control(name):
    effect = describe(name)
    cfg = sim.load_config([f"experiment={name}"], return_hydra=True)
    assert np.allclose(effect.levels, np.round(np.arange(0, 1.01, 0.1), 1))
    assert cfg.replications >= 10 and cfg.figures is False
    assert cfg.hydra.launcher.n_jobs == 2 and "joblib" in cfg.hydra.launcher._target_
    assert f"multirun/{name}/" in cfg.hydra.sweep.dir
    # the arm overrides the sweep applies put a run in the arm they name, and nowhere else
    for arm, override in effect.arms.items():
        assert effect.arm_of(sim.load_config([f"experiment={name}", override])) == arm
    assert effect.control and all(OmegaConf.select(cfg, key) is not None for key in effect.control)


@pytest.mark.parametrize("name", EFFECTS)
def test_description_names_only_metrics_it_summarises(name):
    report = describe(name).report
    summarised = set(report["metrics"])
    named = {m for table in report["tables"] for m in table["columns"]}
    named |= {m for check in report["checks"] for m in check.get("where", {})}
    named |= {m for line in report["lines"] for m in re.findall(r"\[(\w+)\]", line)}
    for figure in report["figures"].values():
        named |= {line[0] for panel in figure["panels"] for line in panel["lines"]}
    assert named <= summarised, sorted(named - summarised)
    assert set(report["derived"]) <= summarised | set(report["measures"])


@pytest.mark.parametrize(
    "params",
    [
        {
            "ai.automation_rate": "0,1",
            "people.production": "{},{volume_elasticity:0}",
            "seed": "0,1",
        },
        {"ai.automation_rate": "0,1", "metrics.dashboard_counts": "all,outcome_linked,all"},
        {"metrics.dashboard_counts": "all,outcome_linked"},
    ],
)
def test_a_sweep_that_is_not_levels_by_two_arms_is_refused(params):
    hydra = {"sweeper": {"params": params}, "callbacks": {"effect_report": {"effect": "rebound"}}}
    with pytest.raises(ValueError, match="two choices"):
        from_hydra(OmegaConf.create(hydra))


def test_seed_case_preset_is_the_2800_person_case():
    cfg = sim.load_config(["experiment=seed_case"], return_hydra=True)
    assert cfg.org.name == "gtm_2800"
    assert sum(s.headcount for s in cfg.org.stages.values()) == 2800
    assert cfg.days == 195 and cfg.ai.rollout_day == 20
    assert cfg.ai.automation_rate >= 0.5
    assert cfg.hydra.callbacks.seed_case._target_ == "experiments.callbacks.SeedCaseReport"


# ---------------------------------------------------------------------------- checks, measures
@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("> 0", True),
        ("> 0.6", False),
        ("< 1.6", True),
        ("< 1.2", False),
        ("~ 1.4", True),
        ("~ 2", False),
        ("not > 0", False),
        ("mean > 0.9", True),
        ("mean < 0.9", False),
        ("mean in 0.5 2", True),
        ("not mean in 2 3", True),
    ],
)
def test_conditions_on_a_summary_row(condition, expected):
    row = {"x_mean": 1.0, "x_ci_low": 0.5, "x_ci_high": 1.5}
    assert holds(row, "x", condition) is expected


def test_no_condition_holds_on_a_missing_or_undefined_figure():
    undefined = {"x_mean": np.nan, "x_ci_low": np.nan, "x_ci_high": np.nan}
    assert not holds(undefined, "x", "> 0") and not holds(undefined, "x", "mean in 0 1")
    assert not holds(None, "x", "~ 0") and holds(None, "x", "not > 0")


def test_measures_read_windows_ratios_changes_and_summary_figures():
    cfg = OmegaConf.create({"days": 40, "ai": {"rollout_day": 20}, "metrics": {"warmup_days": 10}})
    books = pd.DataFrame({"day": range(40)})
    books["x"] = np.where(books.day < 20, 2.0, 3.0)
    books["part"], books["whole"] = 1.0, np.where(books.day < 20, 4.0, 2.0)
    summary = {"survey": {"share": 0.25}}
    assert measure({"mean": "x", "in": "before"}, books, summary, cfg) == 2.0
    assert measure({"ratio": ["part", "whole"], "in": "late"}, books, summary, cfg) == 0.5
    assert measure(
        {"mean": "x", "from": "before", "to": "late", "as": "relative"}, books, summary, cfg
    ) == pytest.approx(0.5)
    change = {"ratio": ["part", "whole"], "from": "before", "to": "after", "as": "difference"}
    assert measure(change, books, summary, cfg) == pytest.approx(0.25)
    assert measure({"summary": "survey.share"}, books, summary, cfg) == 0.25
    assert np.isnan(measure({"summary": "survey.missing"}, books, summary, cfg))


def test_figures_against_automation_zero_pair_arm_and_replication():
    results = pd.DataFrame(
        {
            "arm": ["effect", "effect", "control", "control"],
            "automation_rate": [0.0, 1.0, 0.0, 1.0],
            "replication": [0, 0, 0, 0],
            "x": [1.0, 3.0, 10.0, 30.0],
        }
    )
    assert at_zero(results).x.tolist() == [1.0, 1.0, 10.0, 10.0]


# ---------------------------------------------------------------------------- rebound
def test_rebound_appears_with_volume_response_and_vanishes_without():
    results, summary = analysed("rebound", [0.0, 0.5, 1.0], replications=3, days=80)
    for level in (0.5, 1.0):
        effect = summary_at(summary, EFFECT_ARM, level)
        control = summary_at(summary, CONTROL_ARM, level)
        assert low(effect, "rebound") > 0.0, f"no rebound at {level}"
        # the control removes the volume response: production hours fall by the whole
        # expected saving, so what rebound remains is reviewing and reworking AI drafts (with
        # the market's sales-cycle lag, proposals stay at their pre-AI volume for the 80 days,
        # and AI proposals carry the most checking)
        saving = control["expected_saving_per_day_mean"]
        assert control["production_hours_change_per_day_mean"] == pytest.approx(-saving, rel=0.05)
        assert abs(control["rebound_mean"]) < 0.2 * effect["rebound_mean"]
        assert high(control, "volume_change") < 0.01 < low(effect, "volume_change")
    assert low(summary_at(summary, EFFECT_ARM, 1.0), "rebound") > 1.0, "backfire not reached"


# ---------------------------------------------------------------------------- saturation
def test_saturation_knee_sits_where_the_config_puts_utilisation_at_one():
    cfg = sim.load_config(["experiment=saturation"])
    point = saturation_point(cfg, "brand_review")
    assert point is not None and 0.15 < point < 0.85
    below, above = round(point - 0.12, 2), round(point + 0.12, 2)
    assert utilisation(cfg, below)["brand_review"] < 1.0 < utilisation(cfg, above)["brand_review"]
    results, summary = analysed("saturation", [below, above], replications=3, days=140)
    growth = "excess_brand_review"  # unserved a day, whichever way it shows
    under = summary_at(summary, EFFECT_ARM, below)
    over = summary_at(summary, EFFECT_ARM, above)
    control = summary_at(summary, CONTROL_ARM, above)
    # below the point a little work is abandoned (short patience draws, Erlang-A); above it
    # the excess takes off: CIs apart, and ten times as large
    assert low(over, growth) > high(under, growth), "no more excess above the saturation point"
    assert over[f"{growth}_mean"] > 10 * under[f"{growth}_mean"], "excess below it"
    # throughput flattens: it rises less than the offered load does, unlike the control's
    load_ratio = utilisation(cfg, above)["brand_review"] / utilisation(cfg, below)["brand_review"]
    served_ratio = over["throughput_brand_review_mean"] / under["throughput_brand_review_mean"]
    control_ratio = control["throughput_brand_review_mean"] / under["throughput_brand_review_mean"]
    assert served_ratio < 0.95 * load_ratio < control_ratio
    # the control staffs to the load: no knee
    assert high(control, growth) < 0.05 * over[f"{growth}_mean"]
    assert high(control, "utilisation_sim_brand_review") < 1.0


def test_hinge_fit_finds_a_known_knee():
    x = np.linspace(0.5, 1.8, 14)
    y = 20.0 * np.maximum(0.0, x - 1.0) + np.random.default_rng(1).normal(0, 0.2, len(x))
    knee, level, slope = saturation.hinge_fit(x, y)
    assert abs(knee - 1.0) < 0.05 and abs(slope - 20.0) < 2.0 and abs(level) < 0.5


# ---------------------------------------------------------------------------- automation bias
def _bias() -> pd.DataFrame:
    # the preset's run (195 days, 10 replications): windows of 40 days once AI use has spread
    # (days 40-79) and at the end (155-194), far enough apart for trust and skill to move; 0.7
    # still has enough human-made defects to compare with, if only with 10 replications
    if not hasattr(_bias, "cache"):
        _bias.cache = analysed("automation_bias", [0.7, 1.0], replications=10, days=195)[1]
    return _bias.cache


@pytest.mark.parametrize("level", [0.7, 1.0])
def test_automation_bias_lowers_ai_defect_detection_over_the_run_and_control_removes_it(level):
    summary = _bias()
    effect, control = (
        summary_at(summary, EFFECT_ARM, level),
        summary_at(summary, CONTROL_ARM, level),
    )
    # skill decays and trust grows with delegation; neither moves in the control
    assert high(effect, "skill_change") < 0.0 < low(effect, "trust_change")
    assert control["skill_change_mean"] == pytest.approx(0.0, abs=1e-9)
    assert control["trust_change_mean"] == pytest.approx(0.0, abs=1e-9)
    # AI-defect detection falls from the first to the last 40 days; not in the control
    assert high(effect, "detection_ai_change") < 0.0, "AI-defect detection does not fall"
    assert low(control, "detection_ai_change") < 0.0 < high(control, "detection_ai_change")
    # more defects escape than with trust and skill held
    assert low(effect, "escaped_per_day_last") > high(control, "escaped_per_day_last")


def test_automation_bias_hits_ai_made_work_harder_than_human_made():
    row = summary_at(_bias(), EFFECT_ARM, 0.7)
    # same reviewers, same days: AI-made defects are caught less often...
    assert high(row, "detection_ai_last") < low(row, "detection_human_last")
    # ...and, relative to where each started, their detection falls further over the run
    # (skill erodes for both; trust only discounts AI-made work). The gap is below 0 at every
    # level of the full preset (ε 1.13: -5% to -22%), its whole CI only at 0.2-0.6 and 0.8;
    # at 0.7, 10 replications leave the CI across 0 (-5.4% [-13, 2.3]), so the direction only
    assert row["detection_relative_gap_mean"] < 0.0


def test_automation_bias_windows_and_metrics_follow_the_definition():
    records = run_levels("automation_bias", [1.0], 1, ["days=60"], arms=(EFFECT_ARM,))
    record = records[0]
    metrics = automation_bias.run_metrics(record)
    first, last = automation_bias.windows(record.timeseries, record.cfg)
    # the first window once use has spread (roll-out 20 + adoption 20), both halved to fit
    assert len(first) == len(last) == 10 and first.day.min() == 40 and last.day.max() == 59
    assert first.day.max() < last.day.min()
    caught, reviewed = first.defects_caught_ai.sum(), first.defects_reviewed_ai.sum()
    assert metrics["detection_ai_first"] == pytest.approx(caught / reviewed)


# ---------------------------------------------------------------------------- dashboard illusion
def _dashboard() -> tuple[pd.DataFrame, pd.DataFrame]:
    if not hasattr(_dashboard, "cache"):
        _dashboard.cache = analysed("dashboard_illusion", [0.0, 1.0], replications=3, days=90)
    return _dashboard.cache


def test_dashboard_rises_while_outcomes_do_not():
    results, summary = _dashboard()
    effect = summary_at(summary, EFFECT_ARM, 1.0)
    assert low(effect, "dashboard_vs0") > 0.1, "the dashboard does not rise"
    assert not low(effect, "pipeline_vs0") > 0.0
    assert not low(effect, "win_rate_vs0") > 0.0
    assert low(effect, "cycle_time_vs0") > 0.0
    assert low(effect, "hidden_hours_vs0") > 0.0
    assert low(effect, "gap") > 0.1
    # the control changes only what is counted: the same draws give the same outcomes
    control = results[results.arm == CONTROL_ARM].set_index(["automation_rate", "replication"])
    same = results[results.arm == EFFECT_ARM].set_index(["automation_rate", "replication"])
    for column in ("pipeline_change", "win_rate_after", "escaped_per_day_after"):
        assert np.allclose(control[column], same.loc[control.index, column], equal_nan=True)


def test_outcome_linked_dashboard_closes_the_gap():
    results, summary = _dashboard()
    effect, control = summary_at(summary, EFFECT_ARM, 1.0), summary_at(summary, CONTROL_ARM, 1.0)
    # counting only artifacts that reached an outcome removes at least 90% of the gap...
    assert abs(control["gap_mean"]) < 0.1 * effect["gap_mean"]
    # ...and the dashboard no longer shows a gain the outcomes do not have
    assert high(control, "dashboard_vs0") < low(effect, "dashboard_vs0")
    assert not low(control, "dashboard_vs0") > high(control, "pipeline_vs0")


# ---------------------------------------------------------------------------- seed case
def test_seed_case_verdict_follows_the_rules_of_its_measures():
    cfg = OmegaConf.create({"days": 40, "ai": {"rollout_day": 20}, "metrics": {"warmup_days": 10}})
    runs = []
    for offset in (0.0, 0.1, 0.2):
        books = pd.DataFrame({"day": range(40)})
        books["up"] = np.where(books.day < 20, 1.0, 2.0) + offset
        books["down"] = np.where(books.day < 20, 2.0, 1.0) + offset
        runs.append(books)
    summaries = [{"control_step_day": 21}, {"control_step_day": None}, {"control_step_day": 22}]

    def rule(column: str, matches: str) -> dict:
        return {
            "mean": column,
            "from": "before",
            "to": "late",
            "as": "relative",
            "matches": matches,
        }

    def verdict(**measures) -> str:
        described = {"fact": "f", "article": "a", "rule": "r", "measures": measures}
        return fact(described, cfg, runs, summaries)["verdict"]

    assert verdict(up=rule("up", "mean > 0"), down=rule("down", "mean < 0")) == "matches"
    assert verdict(up=rule("up", "mean > 0"), down=rule("down", "mean > 0")).startswith(
        "partly: down -"
    )
    assert verdict(up=rule("up", "not > 0")).startswith("misses: up ")
    assert verdict(steps={"summary": "control_step_day", "matches": "every"}).startswith("misses")


def test_seed_case_writes_its_table_figure_and_numbers(tmp_path):
    from sim.outputs import write_run

    cfg = sim.load_config(
        ["experiment=seed_case", "org=default", "days=60", "replications=2", "figures=false"]
    )
    write_run(sim.run(cfg, progress=False), tmp_path, figures=False)
    # the table without the robustness runs (tests/test_robustness.py has those)
    described = {k: v for k, v in described_facts().items() if k != "robustness"}
    text = write_seed_case(tmp_path, described).read_text()
    numbers = json.loads((tmp_path / "seed_case.json").read_text())
    described = OmegaConf.load(ROOT / "configs/experiment/seed_case.yaml").hydra.callbacks
    facts = list(described.seed_case.facts) + list(described.seed_case.survey)
    assert len(numbers["facts"]) + len(numbers["survey"]) == len(facts) >= 14
    for described_fact in facts:
        assert f"| {described_fact.fact} | {described_fact.article} |" in text
    assert (tmp_path / "seed_case.png").exists()


# ---------------------------------------------------------------------------- callback smoke test
def test_effect_sweep_callback_writes_results_summary_figures_and_report(tmp_path):
    command = [
        str(Path(sys.executable).parent / "absorb"),
        "-m",
        "experiment=dashboard_illusion",
        "ai.automation_rate=0.0,1.0",
        "replications=2",
        "days=30",
        f"hydra.sweep.dir={tmp_path}",
        "store=",
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    for arm in ("dashboard_counts=all", "dashboard_counts=outcome_linked"):
        for level in ("0.0", "1.0"):
            for seed in (0, 1):
                assert (
                    tmp_path / arm / f"automation_rate={level}" / f"seed={seed}" / "summary.json"
                ).exists()
    results = pd.read_parquet(tmp_path / "results.parquet")
    summary = pd.read_parquet(tmp_path / "summary.parquet")
    assert len(results) == 8 and set(results.arm) == {EFFECT_ARM, CONTROL_ARM}
    assert {
        "automation_rate",
        "replication",
        "metrics.dashboard_counts",
        "dashboard_change",
    } <= set(results)
    assert len(summary) == 4 and {
        "gap_mean",
        "gap_sd",
        "gap_n",
        "gap_ci_low",
        "gap_ci_high",
    } <= set(summary)
    report = (tmp_path / "report.md").read_text()
    for figure in (tmp_path / "figures").glob("*.png"):
        assert f"figures/{figure.name}" in report
    assert len(list((tmp_path / "figures").glob("*.png"))) >= 2
    assert "- outcomes identical in both arms" in report and ": yes" in report
    assert "- found 4 of 4 planned runs\n" in report
    assert "found 4 of 4 planned runs (8 replications)" in done.stdout
    # re-analysing the folder (effect read from multirun.yaml) gives the same numbers
    (tmp_path / "summary.parquet").unlink()
    assert reanalyse([str(tmp_path)]) == 0
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "summary.parquet"), summary)


# ---------------------------------------------------------------------------- remedies
def test_remedies_are_paired_with_the_baseline_of_their_replication():
    from experiments.remedies import MEASURES, changes, promising, verdict

    rows = []
    for replication, noise in enumerate((0.0, 10.0, -10.0)):  # shared by both: paired away
        for name, pipeline, hours in (("baseline", 100.0, 200.0), ("filter", 110.0, 210.0)):
            rows.append(
                {"remedy": name, "automation_rate": 0.85, "replication": replication}
                | {m: 1.0 for m in MEASURES}
                | {"qualified_pipeline": pipeline + noise, "total_human_hours": hours + noise}
            )
    table = changes(pd.DataFrame(rows))
    (row,) = table.itertuples()
    assert row.remedy == "filter" and row.n == 3
    assert row.qualified_pipeline_ci_low > 0 and row.total_human_hours_ci_low > 0  # in %
    assert row.escaped_defects_mean == 0 and row.win_rate_mean == 0
    assert promising(table, 0.85) == ["filter"]
    assert verdict(table, "filter") == (
        "improves qualified pipeline (at 0.85); costs total human hours (at 0.85)."
    )


# ---------------------------------------------------------------------------- resume, kill
SWEEP = [
    "-m",
    "experiment=dashboard_illusion",
    "ai.automation_rate=0.0,0.5,1.0",
    "replications=1",
    "days=30",
    "hydra.launcher.n_jobs=2",
    "store=",
]


def _absorb(*arguments: str, cwd: Path) -> subprocess.Popen:
    command = [str(Path(sys.executable).parent / "absorb"), *arguments]
    return subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _children(pid: int) -> set[int]:
    """Every living descendant of `pid` (from /proc)."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pids: set[int]) -> set[int]:
    return {
        pid
        for pid in pids
        if Path(f"/proc/{pid}").exists()
        and "Z"
        not in (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[:1] or ["Z"])
    }


def _wait_for(condition, timeout: float = 240.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.2)


def test_a_killed_sweep_leaves_no_workers_and_its_rerun_runs_only_the_rest(tmp_path):
    import signal

    from experiments.runs import run_folders

    whole, killed = tmp_path / "whole", tmp_path / "killed"
    uninterrupted = _absorb(*SWEEP, f"hydra.sweep.dir={whole}", cwd=tmp_path)
    first = _absorb(*SWEEP, f"hydra.sweep.dir={killed}", cwd=tmp_path)
    _wait_for(lambda: len(run_folders(killed)) >= 1)
    workers = _children(first.pid)
    first.send_signal(signal.SIGKILL)
    first.communicate()
    _wait_for(lambda: not _alive(workers), timeout=60)  # the workers went with their parent
    done_before = {f: f.stat().st_ino for f in run_folders(killed)}
    assert 1 <= len(done_before) < 6
    out, err = uninterrupted.communicate(timeout=600)
    assert uninterrupted.returncode == 0, err[-2000:]
    rerun = _absorb(*SWEEP, f"hydra.sweep.dir={killed}", cwd=tmp_path)
    out, err = rerun.communicate(timeout=600)
    assert rerun.returncode == 0, err[-2000:]
    skipped = len(done_before)
    assert f"6 planned runs: {6 - skipped} run, {skipped} skipped" in out
    assert "\r" not in err  # no progress line without a terminal
    assert {f: f.stat().st_ino for f in done_before} == done_before  # not recomputed
    assert not list(killed.rglob("*staging*"))
    # the report equals the uninterrupted sweep's
    for name in ("summary", "results", "daily"):
        a, b = (pd.read_parquet(d / f"{name}.parquet") for d in (whole, killed))
        pd.testing.assert_frame_equal(
            a.drop(columns="path", errors="ignore"), b.drop(columns="path", errors="ignore")
        )

    def body(folder: Path) -> list[str]:
        return [
            line
            for line in (folder / "report.md").read_text().splitlines()
            if not line.startswith("Generated ")
        ]

    assert body(whole) == body(killed)
    assert "- found 6 of 6 planned runs" in body(whole)
    # a folder that holds only part of the sweep says so, and its checks lack the levels
    import shutil

    shutil.rmtree(killed / "dashboard_counts=outcome_linked" / "automation_rate=1.0")
    assert reanalyse([str(killed)]) == 0
    report = (killed / "report.md").read_text()
    assert "- found 5 of 6 planned runs (missing: control arm at 1)" in report
    assert "not known (no runs at 1)" in report


def test_the_gatherer_reads_exactly_the_planned_complete_runs(tmp_path):
    from experiments.runs import load_sweep, planned_jobs, run_folders
    from sim.outputs import write_run

    def job(folder: Path, *overrides: str) -> None:
        result = sim.run(sim.load_config([*overrides, "ai.rollout_day=4"]), progress=False)
        write_run(result, folder, figures=False)
        (folder / ".hydra").mkdir()
        OmegaConf.save(OmegaConf.create(list(overrides)), folder / ".hydra" / "overrides.yaml")

    sweep = tmp_path / "sweep"
    job(sweep / "planned", "seed=0", "days=12", "replications=2")
    job(sweep / "stale", "seed=0", "days=14", "replications=1")  # an earlier command's run
    job(sweep / ".killed.staging-host-1-ab", "seed=1", "days=12", "replications=2")
    (sweep / "partial").mkdir()  # a run of an older layout killed between its files
    (sweep / "partial" / "summary.json").write_text("{}")
    (sweep / "partial" / "config.yaml").write_text("seed: 2\n")
    hydra = {
        "sweeper": {"params": {"seed": "0,1"}},
        "overrides": {"task": ["days=12", "replications=2"]},
    }
    OmegaConf.save(OmegaConf.create({"hydra": hydra}), sweep / "multirun.yaml")
    planned = planned_jobs(sweep)
    assert sorted(map(sorted, planned)) == [
        ["days=12", "replications=2", "seed=0"],
        ["days=12", "replications=2", "seed=1"],
    ]
    assert [f.name for f in run_folders(sweep)] == ["planned", "stale"]  # complete, not hidden
    records = load_sweep(sweep, planned)
    assert [(r.folder.name, r.replication, int(r.cfg.days)) for r in records] == [
        ("planned", 0, 12),
        ("planned", 1, 12),
    ]
    assert [r.path.name for r in records] == ["seed=0", "seed=1"]
