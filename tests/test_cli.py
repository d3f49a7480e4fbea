"""The command line as a new user meets it: bad input is one line, exit 2, nothing written.

Most cases call `sim.cli.main` in this process with patched arguments, in an empty folder; a
few run `python -m sim` for end-to-end confidence.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import main, preflight

USER = Path(__file__).parent / "user_configs"
ABSORB = [sys.executable, "-m", "sim"]


def absorb_in_process(arguments, cwd, monkeypatch, capsys):
    """Run `absorb ARGUMENTS` in `cwd` in this process: (exit status, stdout, stderr)."""
    monkeypatch.chdir(cwd)
    monkeypatch.setattr(sys, "argv", ["absorb", *arguments])
    monkeypatch.delenv("ABSORB_UNSET_VARIABLE", raising=False)
    status = 0
    try:
        main()
    except SystemExit as exit:
        status = exit.code
    out, err = capsys.readouterr()
    return status, out, err


def written(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


@pytest.fixture(scope="module")
def user_files():
    return written(USER)


COMMAND_LINE = [
    # (arguments, what stderr must name)
    (["ai.automation_rate=nan"], "ai.automation_rate = nan"),
    (["ai.automation_rate=inf"], "ai.automation_rate = inf"),
    (["market.prospects_per_rep=inf"], "market.prospects_per_rep = inf"),
    (["ai.automation_rate=1.5"], "ai.automation_rate = 1.5"),
    (["ai.rollout_day=500", "days=30"], "ai.rollout_day = 500"),
    (["metrics.warmup_days=40", "days=30"], "metrics.warmup_days = 40"),
    (["days=0"], "days = 0"),
    (["days=10000000"], "<= 100,000"),
    (["replications=0"], "replications = 0"),
    (["seed=-1"], "seed = -1"),
    (["org.stages.sales.headcount=-5"], "org.stages.sales.headcount = -5"),
    (["market.asset_useful_reads=-1"], "market.asset_useful_reads = -1"),
    (["org.kinds.outreach_sequence.messages_per_prospect=-3"], "messages_per_prospect = -3"),
    (["+ai.automaton_rate=0.5"], "ai.automaton_rate"),
    (["++ai.automaton_rate=0.5"], "ai.automaton_rate"),
    (["ai.automaton_rate=0.5"], "ai.automaton_rate"),
    (["~days"], "days"),
    (["~org.name"], "org.name"),
    (["org.name=${oc.env:ABSORB_UNSET_VARIABLE}"], "ABSORB_UNSET_VARIABLE"),
    (["days=${oc.env:ABSORB_UNSET_VARIABLE}"], "ABSORB_UNSET_VARIABLE"),
    (["org=../../../elsewhere/x"], "org=../../../elsewhere/x"),
    (["org=/etc/passwd"], "org=/etc/passwd"),
    (["org.name=../../escape"], "org.name = '../../escape'"),
    (["days=many"], "days = 'many'"),
    (["task=dance"], "task = 'dance'"),
    (["org.stages.sales.role=wizard"], "'wizard'"),
    (["org.handoffs.0.target=nowhere"], "'nowhere'"),
    (["org.stages.deal_desk.headcount=0"], "org.stages.deal_desk.headcount = 0"),
    (["~org.stages.brand_review.effort_hours.explainer"], "explainer"),
    (["people.skill.floor=0.9"], "people.skill.floor = 0.9"),
    (["org.handoffs.2.routing.campaign_asset=1.0"], "routing sum = 1.3"),
    (["org.control_steps.0.kind=proposal"], "'proposal'"),
    (["org.stages.sales.effort_hours.bogus=1"], "bogus"),
    (["experiment=validate_queueing", "org=default"], "arrival_rate_per_hour"),
    # Hydra's own errors, in one line with the fix
    (["--days=30"], "use days=30"),
    (["--days", "30"], "use days=30"),
    (["-x"], "-x"),
    (["seed=1,2"], "add -m"),
    (["hydra/launcher=nosuch"], "hydra/launcher=nosuch"),
    (["--config-name", "nosuch"], "nosuch"),
    (["experiment=nosuch"], "experiment=nosuch"),
    (["org=nosuch"], "org=nosuch"),
    (["days"], "days"),
    (["a=b=c"], "a=b=c"),
    (["--cfg", "nosuch"], "nosuch"),
    (["--config-dir", "/nonexistent/absorb", "org=acme"], "/nonexistent/absorb"),
    (["--config-path", "/nonexistent/absorb"], "/nonexistent/absorb"),
    (["-m", "--cfg", "job"], "--cfg"),
    (["--resolve"], "--resolve"),
    (["--experimental-rerun", "nosuch.pickle"], "nosuch.pickle"),
]

SWEEPS = [
    (["-m", "days=40,30", "metrics.warmup_days=5,35"], "metrics.warmup_days = 35"),
    (["-m", "ai.automation_rate=0.5,7"], "ai.automation_rate = 7.0"),
    (["-m", "ai.rollout_day=10,50", "days=30,60"], "ai.rollout_day = 50"),
    (["-m", "experiment=rebound", "ai.automation_rate=0.5,2"], "ai.automation_rate = 2.0"),
    (["-m", "+ai.automaton_rate=1,2"], "ai.automaton_rate"),
    (["-m", "org=default,tandem"], "ai.kinds.outreach_sequence"),
    (["-m", "seed=0,-1"], "seed = -1"),
    (["-m", "ai.automation_rate=0,nan"], "ai.automation_rate = nan"),
    (["-m", "org.name=ok,../../x"], "'../../x'"),
    (["-m", "hydra.run.dir=a,b"], "hydra.run.dir"),
    (["-m", "org=default,../../x"], "org=../../x"),
    (
        ["-m", "experiment=dashboard_illusion", "ai.automation_rate=0.0", "seed=0,1"],
        "two jobs would share the folder",
    ),
]

ORG_FILES = [
    (["org=self_loop"], "can never leave"),
    (["org=closed_cycle"], "draft -> check -> draft"),
    (["org=unstaffed_control"], "org.stages.audit.headcount = 0"),
    (["org=no_effort"], "effort_hours has no memo"),
    (["org=no_role"], "org.stages.desk.role"),
    (["org=no_name"], "org.name"),
    (["org=malformed"], "malformed.yaml, line 5"),
    (["org=duplicate_stage"], "duplicate key desk"),
    (["org=unknown_key"], "headcont"),
    (["org=wrong_type"], "'many'"),
    (["org=path_name"], "'../../../elsewhere'"),
    (["org=spaced_stage"], "'front desk'"),
    (["org=nan_effort"], "= nan"),
    (["org=not_a_mapping"], "org/not_a_mapping"),
    (["org=escape"], "'org/../outside'"),
]

BAD = (
    [("command line", *case) for case in COMMAND_LINE]
    + [("sweep", *case) for case in SWEEPS]
    + [
        ("org file", ["--config-dir", str(USER), *arguments, "ai=none"], named)
        for arguments, named in ORG_FILES
    ]
    + [
        ("org file", [f"hydra.searchpath=[file://{USER}]", "org=self_loop", "ai=none"], "leave"),
        ("org file", ["--config-dir", str(USER), "org=acme"], "ai.kinds.outreach_sequence"),
        ("org file", ["--config-path", str(USER / "primary"), "days=0"], "days = 0"),
        ("org file", ["--config-path", str(USER / "primary"), "org=acme"], "org=acme"),
    ]
)


@pytest.mark.parametrize(
    ("category", "arguments", "named"),
    BAD,
    ids=[f"{category}: {' '.join(arguments)}" for category, arguments, _ in BAD],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(
    category, arguments, named, tmp_path, monkeypatch, capsys, user_files
):
    status, out, err = absorb_in_process(arguments, tmp_path, monkeypatch, capsys)
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("absorb: error: ")
    assert "Traceback" not in err
    assert named in lines[0]
    assert out == ""
    assert written(tmp_path) == []
    assert written(USER) == user_files


def test_the_bound_on_days_is_stated_and_the_run_refused_at_once(tmp_path, monkeypatch, capsys):
    status, _, err = absorb_in_process(["days=10000000"], tmp_path, monkeypatch, capsys)
    assert status == 2 and "days = 10000000 is not allowed: must be >= 1 and <= 100,000" in err


# --------------------------------------------------------------------------- accepted

ACCEPTED = {
    "a user's one-stage org and AI table": ["--config-dir", str(USER), "org=acme", "ai=acme"],
    "a user's org through hydra.searchpath": [
        f"hydra.searchpath=[file://{USER}]",
        "org=uebung",
        "ai=none",
    ],
    "a primary config of one's own": ["--config-path", str(USER / "primary")],
    "a loop that work can leave": ["--config-dir", str(USER), "org=loop_leaves", "ai=none"],
    "a sweep whose every combination is valid": [
        "-m",
        "days=40,60",
        "metrics.warmup_days=5,35",
    ],
    "an experiment's sweep": ["-m", "experiment=saturation"],
    "no AI, roll-out day beyond the run": [
        "ai.automation_rate=0",
        "ai.rollout_day=500",
        "days=30",
    ],
    "the longest run allowed": ["days=100000"],
    "the largest seed": [f"seed={2**63 - 1}"],
    "a new entry added with +": ["+org.stages.sales.effort_hours.explainer=1.0"],
    "print the config": ["--cfg", "job", "org=tandem", "ai=none"],
}


@pytest.mark.parametrize("arguments", ACCEPTED.values(), ids=ACCEPTED.keys())
def test_unusual_valid_input_passes_the_checks(arguments, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert preflight(list(arguments))
    assert written(tmp_path) == []


def test_a_relative_config_dir_and_config_path_are_read_from_the_current_folder(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(USER.parent)
    preflight(["--config-dir", USER.name, "org=acme", "ai=acme"])
    arguments = preflight(["--config-path", f"{USER.name}/primary"])
    assert arguments[1] == str(USER / "primary")


def test_a_users_org_runs_from_their_own_folder(tmp_path, monkeypatch, capsys):
    arguments = ["--config-dir", str(USER), "org=uebung", "ai=none", "days=15"]
    status, out, err = absorb_in_process(
        [*arguments, "metrics.warmup_days=2", "figures=false"], tmp_path, monkeypatch, capsys
    )
    assert status == 0, err
    assert out.startswith("absorb: übung, 5 people on 3 stages, 15 days x 1 replication(s)")
    (run,) = (tmp_path / "outputs" / "übung").iterdir()
    assert (run / "summary.json").exists() and (run / ".hydra").is_dir()


def test_a_primary_config_of_ones_own_runs(tmp_path, monkeypatch, capsys):
    arguments = ["--config-path", str(USER / "primary"), f"hydra.run.dir={tmp_path / 'run'}"]
    status, out, err = absorb_in_process(arguments, tmp_path, monkeypatch, capsys)
    assert status == 0, err
    assert "solo, 2 people on 1 stage, 20 days" in out
    assert (tmp_path / "run" / "timeseries.parquet").exists()


# --------------------------------------------------------------------------- end to end


def absorb(*args, cwd):
    return subprocess.run([*ABSORB, *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_bad_input_is_one_line_nonzero_and_leaves_no_output(tmp_path):
    target = tmp_path / "run"
    done = absorb("ai.automation_rate=1.5", f"hydra.run.dir={target}", cwd=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "ai.automation_rate = 1.5" in lines[0]
    assert written(tmp_path) == []


def test_a_bad_combination_in_a_sweep_is_caught_before_anything_runs(tmp_path):
    done = absorb("-m", "days=40,30", "metrics.warmup_days=5,35", cwd=tmp_path)
    assert done.returncode == 2 and "metrics.warmup_days = 35" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert written(tmp_path) == []


def test_a_broken_org_file_names_its_file_and_line(tmp_path):
    done = absorb("--config-dir", str(USER), "org=closed_cycle", "ai=none", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"{USER / 'org' / 'closed_cycle.yaml'}, line 9" in done.stderr
    assert written(tmp_path) == []


def test_a_short_run_writes_its_outputs(tmp_path):
    target = tmp_path / "run"
    done = absorb(
        "days=8",
        "ai.rollout_day=3",
        "metrics.warmup_days=1",
        f"hydra.run.dir={target}",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("absorb: default, 100 people on 8 stages, 8 days")
    assert "dashboard_change" in done.stdout
    for name in (
        "config.yaml",
        "timeseries.parquet",
        "summary.json",
        "queues.png",
        "books.png",
        "people.png",
    ):
        assert (target / name).exists(), name
    assert not (Path(target) / ".partial").exists()


# --------------------------------------------------------------------------- folders, resume, store

TINY = ["days=8", "ai.rollout_day=3", "metrics.warmup_days=1", "figures=false"]


def complete_runs(folder: Path) -> list[Path]:
    from sim.outputs import is_complete

    return sorted(p.parent for p in folder.rglob("summary.json") if is_complete(p.parent))


def test_each_command_gets_its_own_folder_even_in_the_same_second():
    from sim.config import new_stamp

    stamps = {new_stamp() for _ in range(20)}
    assert len(stamps) == 20  # all within a second or two: the random part tells them apart


def test_two_sweeps_started_together_do_not_touch_each_other(tmp_path):
    arguments = ["-m", "seed=0,1", *TINY, f"store={tmp_path / 'store'}"]
    started = [
        subprocess.Popen(
            [*ABSORB, *arguments, f"ai.automation_rate={rate}"],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for rate in (0.25, 0.75)
    ]
    for process in started:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err[-2000:]
        assert "2 planned runs: 2 run, 0 skipped" in out
    sweeps = sorted((tmp_path / "multirun").iterdir())
    assert len(sweeps) == 2
    rates = set()
    for sweep in sweeps:
        runs = complete_runs(sweep)  # named by their overrides
        assert [run.name.rsplit(",", 1)[1] for run in runs] == ["seed=0", "seed=1"]
        assert len({run.name.split(",")[0] for run in runs}) == 1
        for run in runs:  # each folder holds the run its name says, and only it
            config = (run / "config.yaml").read_text()
            rate = run.name.split(",")[0]
            assert f"seed: {run.name[-1]}" in config
            assert f"automation_rate: {rate.split('=')[1]}" in config
            rates.add(rate)
        assert not [p for p in sweep.rglob(".*staging*")]
    assert rates == {"ai.automation_rate=0.25", "ai.automation_rate=0.75"}


def test_a_complete_run_is_skipped_and_another_config_refused_in_one_line(
    tmp_path, monkeypatch, capsys
):
    target = tmp_path / "run"
    first = [*TINY, f"hydra.run.dir={target}", "store="]
    status, out, err = absorb_in_process(first, tmp_path, monkeypatch, capsys)
    assert status == 0, err
    before = {p.name: p.stat().st_mtime_ns for p in target.iterdir()}
    status, out, err = absorb_in_process([*first, "progress=false"], tmp_path, monkeypatch, capsys)
    assert status == 0 and "complete with the same config, skipped" in out
    assert {p.name: p.stat().st_mtime_ns for p in target.iterdir()} == before
    other = [*first[:-2], "days=9", f"hydra.run.dir={target}", "store="]
    status, out, err = absorb_in_process(other, tmp_path, monkeypatch, capsys)
    assert status == 2 and out == ""
    (line,) = err.strip().splitlines()
    assert line.startswith(f"absorb: error: {target} holds a run with another config")
    assert "(differs in days)" in line
    assert {p.name: p.stat().st_mtime_ns for p in target.iterdir()} == before


def test_a_full_disk_is_one_line_per_run_and_the_sweep_goes_on(tmp_path, monkeypatch, capsys):
    import errno

    import sim.outputs

    def full(frame, path):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(sim.outputs, "_write_frame", full)
    sweep = ["-m", "seed=0,1", *TINY, f"hydra.sweep.dir={tmp_path / 'sweep'}", "store="]
    status, out, err = absorb_in_process(sweep, tmp_path, monkeypatch, capsys)
    assert status == 1 and "Traceback" not in err
    lines = [line for line in err.strip().splitlines() if line.startswith("absorb: error:")]
    assert len(lines) == 2 and all("No space left on device" in line for line in lines)
    assert "2 planned runs: 0 run, 0 skipped (complete, same config), 2 failed" in out
    assert complete_runs(tmp_path / "sweep") == []
    assert not [p for p in (tmp_path / "sweep").rglob("*staging*")]
    single = [*TINY, f"hydra.run.dir={tmp_path / 'run'}", "store="]
    status, out, err = absorb_in_process(single, tmp_path, monkeypatch, capsys)
    assert status == 1 and "Traceback" not in err
    (line,) = err.strip().splitlines()
    assert "No space left on device" in line and "timeseries.parquet" in line


def test_duckdb_answers_a_query_across_two_sweeps(tmp_path, monkeypatch, capsys):
    store = tmp_path / "store"
    for name, seeds in (("first", "0,1"), ("second", "2")):
        sweep = ["-m", f"seed={seeds}", *TINY, f"hydra.sweep.dir={tmp_path / name}"]
        status, out, err = absorb_in_process(
            [*sweep, f"store={store}"], tmp_path, monkeypatch, capsys
        )
        assert status == 0, err
    query = (
        "SELECT regexp_extract(sweep, '[a-z]+$') AS sweep, count(*) AS n, "
        "sum(seed)::INTEGER AS seeds, count(DISTINCT config_hash) AS configs, "
        "count(code_version) AS versioned "
        "FROM runs GROUP BY ALL ORDER BY sweep"
    )
    status, out, err = absorb_in_process(
        ["results", "--store", str(store), "--csv", query], tmp_path, monkeypatch, capsys
    )
    assert status == 0, err
    assert out.splitlines() == [
        "sweep,n,seeds,configs,versioned",
        "first,2,1,2,2",
        "second,1,2,1,1",
    ]
    status, out, err = absorb_in_process(
        ["results", "--store", str(store), "SELECT nosuch FROM runs"], tmp_path, monkeypatch, capsys
    )
    assert status == 2 and len(err.strip().splitlines()) == 1 and "nosuch" in err


def test_sweep_progress_shows_runs_done_and_an_eta_on_a_terminal_only(
    tmp_path, monkeypatch, capsys
):
    import time

    from sim import cli
    from sim.config import new_stamp

    ledger = tmp_path / cli.LEDGER / new_stamp()
    ledger.mkdir(parents=True)
    for name in ("0.skipped", "1.ran"):
        (ledger / name).write_text("")
    plan = cli.Plan(4, tmp_path)
    cli._Progress(plan).stop()  # pytest's stderr is no terminal: nothing shown
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(cli, "_quiet", lambda: False)
    progress = cli._Progress(plan)
    time.sleep(1.5)
    progress.stop()
    err = capsys.readouterr().err
    assert err.startswith("\rabsorb: 2/4 runs (1 skipped), ETA ") and err.endswith("\n")
    assert cli._closing_line(plan) == 0
    assert "4 planned runs: 1 run, 1 skipped" in capsys.readouterr().out
