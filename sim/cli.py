"""The command line: one Hydra entry point, `absorb` (or `python -m sim`).

Before Hydra creates any output folder, `preflight` reads the arguments as Hydra will, composes
every configuration the command would run (each job of a sweep: every combination, not each
value alone) from the same search path (`--config-path`, `--config-dir`, `hydra.searchpath`)
and validates it. Bad input ends with one line naming the key, the value and what is allowed,
exit status 2, and nothing written.

Each run is committed whole into its folder (`sim.outputs`); rerun into the same folder (a
sweep's `hydra.sweep.dir`), a complete run with the same config is skipped and one with another
config is refused, never mixed in. A sweep on a terminal shows its progress and ends with one
line counting what ran, what was skipped and what failed. `absorb results "SELECT ..."` queries
the results store with DuckDB.
"""

from __future__ import annotations

import argparse
import copy
import logging
import os
import re
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf, open_dict

from sim.config import (
    CONFIG_DIR,
    Composer,
    ConfigError,
    SearchPath,
    check,
    new_stamp,
    one_line,
    register_configs,
    validate,
)

# Set by `main` once `preflight` has composed and checked every job of the command: the sweeper
# (hydra/sweeper=absorb) then skips composing the batch again before launching it.
CHECKED = False

# Flags after which Hydra only prints (help, version, ...): nothing runs, nothing to check.
_PRINT_ONLY = ("--help", "-h", "--hydra-help", "--version", "--info", "-i", "--shell-completion")
_KEY = re.compile(r"^[+~]{0,2}[\w/.@-]+$")
MAIN_PID = "ABSORB_MAIN_PID"  # the command's own process; its workers watch it
LEDGER = ".absorb"  # in a sweep folder: one small file per job and command, what became of it


@dataclass
class Plan:
    """What a sweep command will run: how many jobs, into which folder (when known)."""

    jobs: int
    sweep_dir: Path | None


_PLAN: Plan | None = None  # set by `preflight` for a sweep


def _arguments(argv: list[str]) -> argparse.Namespace:
    """Hydra's own reading of the arguments; an unknown flag is one line with the fix."""
    from hydra._internal.utils import get_args_parser

    parser = get_args_parser()
    known = set(parser._option_string_actions)
    for i, argument in enumerate(argv):
        if not argument.startswith("-") or argument.partition("=")[0] in known:
            continue
        name, equals, value = argument.partition("=")
        key = name.lstrip("-")
        following = argv[i + 1] if i + 1 < len(argv) else ""
        if not equals and following and not following.startswith("-") and "=" not in following:
            value, equals = following, "="
        if equals and _KEY.match(key):
            raise ConfigError(
                f"{argument if argument != name else f'{name} {value}'} is not an option: "
                f"use {key}={value} (overrides are key=value, without dashes)"
            )
        raise ConfigError(
            f"{argument} is not an option: absorb takes key=value overrides and Hydra's options "
            "(absorb --hydra-help lists them)"
        )

    def refuse(message: str) -> NoReturn:
        raise ConfigError(message)

    parser.error = refuse  # type: ignore[method-assign]  # one line, not usage + message
    return parser.parse_args(argv)


def _absolute_config_path(argv: list[str]) -> list[str]:
    """`--config-path` relative to the current folder, as `--config-dir` is (not to sim/)."""
    result, follows = [], False
    for argument in argv:
        if follows:
            argument, follows = _absolute(argument), False
        elif argument in ("--config-path", "-cp"):
            follows = True
        elif argument.startswith(("--config-path=", "-cp=")):
            flag, _, path = argument.partition("=")
            argument = f"{flag}={_absolute(path)}"
        result.append(argument)
    return result


def _absolute(path: str) -> str:
    if path.startswith("pkg://") or os.path.isabs(path):
        return path
    return str(Path(path).expanduser().resolve())


def preflight(argv: list[str]) -> list[str]:
    """Compose and validate every configuration the command would run.

    Args:
        argv: the command line's arguments (without the program name).

    Returns:
        The arguments to hand to Hydra (a relative `--config-path` made absolute).

    Raises:
        ConfigError: naming the key, the value and what is allowed.
    """
    if any(argument.partition("=")[0] in _PRINT_ONLY for argument in argv):
        return argv
    argv = _absolute_config_path(argv)
    args = _arguments(argv)
    commands = [
        flag
        for flag, given in (
            ("--run", args.run),
            ("--multirun", args.multirun),
            ("--cfg", args.cfg is not None),
            ("--info", args.info is not None),
            ("--shell-completion", args.shell_completion),
        )
        if given
    ]
    if len(commands) > 1:
        raise ConfigError(f"{' and '.join(commands)} together are not allowed: give one of them")
    if args.resolve and args.cfg is None:
        raise ConfigError("--resolve alone is not allowed: use it with --cfg (--cfg job --resolve)")
    if args.experimental_rerun is not None:
        if not Path(args.experimental_rerun).is_file():
            raise ConfigError(
                f"--experimental-rerun {args.experimental_rerun} is not allowed: no such file "
                "(a run's .hydra/config.pickle)"
            )
        return argv
    search = SearchPath(
        primary=args.config_path or str(CONFIG_DIR),
        extra=args.config_dir,
        config_name=args.config_name or "config",
    )
    with Composer(search) as composer:
        sweeper = None
        if args.multirun:
            sweeper = _check_sweep(composer, args.overrides)
        else:
            cfg = composer.compose(args.overrides)
            if cfg.hydra.mode is not None and str(cfg.hydra.mode).endswith("MULTIRUN"):
                sweeper = _check_sweep(composer, args.overrides)
            else:
                _check_job(cfg, "run")
                _check_folder_holds_the_same(_resolved(cfg, "hydra.run.dir"), cfg)
    chosen = any(o.lstrip("+~").partition("=")[0] == "hydra/sweeper" for o in args.overrides)
    if sweeper == "basic" and not chosen:
        # Hydra's basic sweeper, unless the command or its experiment chose another: absorb's
        # own composes each job once per shape (hydra_plugins/absorb_sweeper). Chosen here,
        # not in config.yaml, where it would outrank an experiment's `override /hydra/sweeper`.
        argv = [*argv, "hydra/sweeper=absorb"]
    return argv


def _check_sweep(composer: Composer, overrides: list[str]) -> str:
    """Every job of the sweep, as Hydra's basic sweeper will launch them, composed and checked.

    Jobs that differ only in values (not in group choices or added keys) share one
    composition: the values are set on a copy as Hydra sets them, far cheaper than composing.
    A sweeper that designs its own jobs (`salib`, `calibration`) has its sweep's config checked
    here and each job's by the sweeper; it reports its own progress.

    Returns:
        The sweeper chosen (`hydra/sweeper`).
    """
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    global _PLAN
    master = composer.compose(overrides, multirun=True)
    sweeper = str(master.hydra.runtime.choices.get("hydra/sweeper", "basic"))
    if sweeper not in ("basic", "absorb"):
        _check_job(master, "sweep")
        return sweeper
    parser = OverridesParser.create(config_loader=composer.hydra.config_loader)
    params = master.hydra.sweeper.get("params") or {}
    task = [f"{key}={value}" for key, value in params.items()]
    task += list(master.hydra.overrides.task)
    # as typed: a quoted interpolation (`'seed=${seed}'`) must not be resolved on reading
    hydra_overrides = list(OmegaConf.to_container(master.hydra.overrides.hydra, resolve=False))
    try:
        jobs = BasicSweeper.split_arguments(parser.parse_overrides(task), None)[0]
    except Exception as error:  # Hydra's grammar and sweep errors
        raise ConfigError(one_line(error, composer.search)) from None
    bases: dict[tuple[str, ...], tuple[DictConfig, DictConfig]] = {}
    folders: dict[Path, list[str]] = {}
    for job in jobs:
        parsed = parser.parse_overrides(job)
        structural = tuple(
            line
            for line, override in zip(job, parsed, strict=True)
            if _changes_composition(override, composer)
        )
        values = [o for o in parsed if not _changes_composition(o, composer)]
        if structural not in bases:
            bases[structural] = _light(composer.compose(hydra_overrides + list(structural)))
        composed, light = bases[structural]
        job_cfg = composer.apply(light, values)
        _check_job(job_cfg, "sweep", composed)
        folder = _job_folder(job_cfg, parsed, master)
        if folder is not None and folders.setdefault(folder, job) is not job:
            raise ConfigError(
                f"hydra.sweep.subdir = {str(OmegaConf.select(job_cfg, 'hydra.sweep.subdir'))!r} "
                f"is not allowed: two jobs would share the folder {folder} "
                f"({' '.join(folders[folder])} | {' '.join(job)}); name every swept key in it "
                "(by default it names every override)"
            )
        _check_folder_holds_the_same(folder, job_cfg)
    try:
        sweep_dir: Path | None = Path(str(master.hydra.sweep.dir))
    except Exception:  # an interpolation only Hydra's job can resolve
        sweep_dir = None
    _PLAN = Plan(len(jobs), sweep_dir)
    return sweeper


def _resolved(cfg: DictConfig, key: str) -> Path | None:
    try:
        return Path(str(OmegaConf.select(cfg, key, throw_on_missing=True)))
    except Exception:  # an interpolation only Hydra's job can resolve
        return None


def _job_folder(cfg: DictConfig, parsed: list[Any], master: DictConfig) -> Path | None:
    """The folder a sweep job will be written to, as Hydra will name it (None: not known)."""
    from hydra._internal.config_loader_impl import get_overrides_dirname

    sweep = OmegaConf.to_container(cfg.hydra.sweep, resolve=False)
    naming = master.hydra.job.config.override_dirname
    dirname = get_overrides_dirname(
        overrides=parsed,
        exclude_keys=list(naming.exclude_keys),
        item_sep=naming.item_sep,
        kv_sep=naming.kv_sep,
    )
    subdir = str(sweep.get("subdir") or "")
    for form in ("${hydra:job.override_dirname}", "${hydra.job.override_dirname}"):
        subdir = subdir.replace(form, dirname.replace("$", "\\$"))
    key = "_absorb_job_folder"  # resolved in the job's own config, then removed
    with open_dict(cfg):
        cfg[key] = f"{sweep.get('dir')}/{subdir}"
        try:
            return _resolved(cfg, key)
        finally:
            del cfg[key]


def _check_folder_holds_the_same(folder: Path | None, cfg: DictConfig) -> None:
    """A complete run already in `folder` must have the same config (it is then skipped)."""
    from sim.outputs import config_differences

    differences = config_differences(folder, cfg) if folder is not None else None
    if differences:
        raise ConfigError(_differs(folder, differences))


def _differs(folder: Path, differences: list[str]) -> str:
    shown = ", ".join(differences[:8]) + (", ..." if len(differences) > 8 else "")
    return (
        f"{folder} holds a run with another config (differs in {shown}): not mixed in; "
        "give another folder (hydra.sweep.dir=... or hydra.run.dir=...) or remove that one"
    )


def _light(cfg: DictConfig) -> tuple[DictConfig, DictConfig]:
    """The composed config, and a copy whose `hydra` node keeps only the sweep's folders.

    Each job's values are set on a copy of the light one: Hydra's own node is most of the
    config, and nothing in a job's check reads the rest of it.
    """
    light = copy.deepcopy(cfg)
    with open_dict(light):
        light["hydra"] = {"sweep": OmegaConf.to_container(cfg.hydra.sweep, resolve=False)}
    return cfg, light


def _changes_composition(override: Any, composer: Composer) -> bool:
    key = override.key_or_group
    return (
        composer.is_group(key)
        or override.package is not None
        or override.is_add()
        or override.is_force_add()
        or override.is_delete()
        or key.startswith("hydra")
    )


def _check_job(cfg: DictConfig, mode: str, composed: DictConfig | None = None) -> None:
    """One job's configuration: the schema, the graph, the task's needs, the output folder.

    `composed` is the full composition the job's values were set on, for file locations.
    """
    check(cfg, composed)
    if cfg.task == "validate_queueing":
        from sim.validation import network_from_config

        network_from_config(cfg)
    _check_output_folder(cfg, mode)


def _check_output_folder(cfg: DictConfig, mode: str) -> None:
    """Values interpolated into the output folder cannot move it (no `..`, no absolute part)."""
    keys = ("hydra.run.dir",) if mode == "run" else ("hydra.sweep.dir", "hydra.sweep.subdir")
    for key in keys:
        node, leaf = key.rsplit(".", 1)  # the template as written, not resolved
        parent = OmegaConf.select(cfg, node)
        template = str(OmegaConf.to_container(parent).get(leaf) or "") if parent else ""
        if "${" not in template:
            continue
        try:
            resolved = str(OmegaConf.select(cfg, key))
        except Exception:  # an interpolation only Hydra's job can resolve (hydra.job.num)
            continue
        leaves = ".." in Path(resolved).parts and ".." not in Path(template).parts
        if leaves or (key.endswith("subdir") and os.path.isabs(resolved)):
            raise ConfigError(
                f"{key} = {resolved!r} is not allowed: the values put into {template!r} "
                "must keep the output folder under its root (no '..', no absolute path)",
                key,
                resolved,
            )


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="config")
def _job(cfg: DictConfig) -> None:
    from hydra.types import RunMode

    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    validate(cfg)
    hydra_cfg = HydraConfig.get()
    directory = Path(hydra_cfg.runtime.output_dir)
    sweep = hydra_cfg.mode == RunMode.MULTIRUN
    _exit_with_parent()
    try:
        outcome = _run_job(cfg, hydra_cfg, directory)
    except _Refused as refused:
        print(f"absorb: error: {refused}", file=sys.stderr, flush=True)
        if not sweep:
            sys.exit(2)
        outcome = "refused"
    except OSError as error:  # a full disk, a folder one may not write: one line per run
        written = "" if str(error).startswith("the run is written") else "the run was not written: "
        print(f"absorb: error: {directory}: {written}{error}", file=sys.stderr)
        if not sweep:
            sys.exit(1)
        outcome = "failed"
    if sweep:
        _record(hydra_cfg, directory, outcome)


class _Refused(Exception):
    """The run's folder holds a complete run with another config."""


def _run_job(cfg: DictConfig, hydra_cfg: DictConfig, directory: Path) -> str:
    """Run one job into `directory` unless it is there already: `ran` or `skipped`."""
    from sim.outputs import RunExists, append_to_store, config_differences, write_hydra, write_run
    from sim.runner import run

    differences = config_differences(directory, cfg)
    if differences:
        raise _Refused(_differs(directory, differences))
    if differences == []:
        print(f"absorb: {directory}: complete with the same config, skipped", flush=True)
        return "skipped"
    people = sum(stage.headcount for stage in cfg.org.stages.values())
    stages = f"{len(cfg.org.stages)} stage{'s' if len(cfg.org.stages) != 1 else ''}"
    print(
        f"absorb: {cfg.org.name}, {people:,} people on {stages}, "
        f"{cfg.days:,} days x {cfg.replications} replication(s), "
        f"automation {cfg.ai.automation_rate:g} -> {directory}",
        flush=True,
    )
    if cfg.task in ("audit", "validate_queueing"):  # reports of their own, written in place
        try:
            if cfg.task == "audit":
                from sim.audit import run_audit

                run_audit(cfg, directory)
            else:
                from sim.validation import run_validation

                run_validation(cfg, directory)
        finally:  # beside what the task wrote (a failed validation still writes its tables)
            if directory.is_dir() and any(directory.iterdir()):
                write_hydra(cfg, hydra_cfg, directory)
        return "ran"
    result = run(cfg)
    try:
        write_run(result, directory, figures=bool(cfg.figures), hydra=hydra_cfg, replace=False)
    except RunExists:  # another job committed it meanwhile
        return _run_job(cfg, hydra_cfg, directory)
    if cfg.store:
        try:
            append_to_store(result, Path(str(cfg.store)), directory, list(hydra_cfg.overrides.task))
        except OSError as error:
            message = f"the run is written, its record not appended to {cfg.store}: {error}"
            raise OSError(message) from error
    headline = result.summary["headline"]
    for key in (
        "dashboard_change",
        "qualified_pipeline_change",
        "win_rate_before",
        "win_rate_after",
        "cycle_time_before_days",
        "cycle_time_after_days",
        "escaped_defects_per_day_after",
    ):
        value = headline[key]
        ci = "" if value["n"] < 2 else f"  (95% CI {value['ci_low']:.3g} .. {value['ci_high']:.3g})"
        print(f"  {key:<32} {value['mean']:.3g}{ci}")
    return "ran"


# --------------------------------------------------------------------------- sweeps


def _exit_with_parent() -> None:
    """In a worker process of a sweep, exit as soon as the process that started it is gone.

    A launcher's workers (joblib's loky processes) would otherwise go on running a sweep
    nobody waits for when the command is killed. Started once per process; the command's own
    process (basic launcher) is not watched.
    """
    if getattr(_exit_with_parent, "started", False):
        return
    if str(os.getpid()) == os.environ.get(MAIN_PID, str(os.getpid())):
        return
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="absorb-exit-with-parent", daemon=True).start()
    _exit_with_parent.started = True  # type: ignore[attr-defined]


def _ledger(sweep_dir: Path, stamp: str) -> Path:
    return Path(sweep_dir) / LEDGER / stamp


def _record(hydra_cfg: DictConfig, directory: Path, outcome: str) -> None:
    """What became of this job, for the command's progress and closing line."""
    from sim.config import stamp

    folder = _ledger(Path(str(hydra_cfg.sweep.dir)), stamp())
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{hydra_cfg.job.num}.{outcome}").write_text(f"{directory}\n")
    except OSError:
        pass  # only the progress line and the count miss it; the run's own state is on disk


def _outcomes(plan: Plan) -> dict[str, int]:
    from sim.config import stamp

    counts = {"ran": 0, "skipped": 0, "failed": 0, "refused": 0}
    folder = _ledger(plan.sweep_dir, stamp()) if plan.sweep_dir else None
    if folder and folder.is_dir():
        for item in folder.iterdir():
            outcome = item.suffix.lstrip(".")
            counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def _quiet() -> bool:
    return not sys.stderr.isatty() or bool(os.environ.get("CI"))


class _Progress:
    """Runs done / planned and an ETA on the terminal while a sweep runs (quiet otherwise)."""

    def __init__(self, plan: Plan) -> None:
        self.plan, self.done = plan, threading.Event()
        self.start = time.monotonic()
        self.thread = threading.Thread(target=self._show, name="absorb-progress", daemon=True)
        if not _quiet() and plan.sweep_dir is not None:
            self.thread.start()

    def _show(self) -> None:
        shown = ""
        while not self.done.wait(1.0):
            counts = _outcomes(self.plan)
            finished = sum(counts.values())
            computed = finished - counts["skipped"]
            elapsed = time.monotonic() - self.start
            eta = ""
            if computed and finished < self.plan.jobs:
                left = elapsed / computed * (self.plan.jobs - finished)
                eta = f", ETA {int(left // 60)}m{int(left % 60):02d}s"
            line = f"absorb: {finished}/{self.plan.jobs} runs ({counts['skipped']} skipped){eta}"
            if line != shown:
                sys.stderr.write(f"\r{line}\x1b[K")
                sys.stderr.flush()
                shown = line
        if shown:
            sys.stderr.write("\n")

    def stop(self) -> None:
        self.done.set()
        if self.thread.is_alive():
            self.thread.join()


def _closing_line(plan: Plan) -> int:
    """One line: what the sweep ran, skipped, refused and failed; the exit status."""
    counts = _outcomes(plan)
    parts = [f"{counts['ran']} run", f"{counts['skipped']} skipped (complete, same config)"]
    parts += [f"{counts[k]} {k}" for k in ("refused", "failed") if counts[k]]
    print(f"absorb: {plan.sweep_dir}: {plan.jobs} planned runs: {', '.join(parts)}", flush=True)
    return 1 if counts["failed"] or counts["refused"] else 0


# --------------------------------------------------------------------------- results


DEFAULT_QUERY = (
    "SELECT sweep, count(DISTINCT folder) AS runs, count(*) AS replications, "
    "count(DISTINCT config_hash) AS configs, min(code_version) AS code_version "
    "FROM runs GROUP BY sweep ORDER BY sweep"
)


def results(argv: list[str]) -> int:
    """`absorb results [--store PATH] [--csv] ["SELECT ... FROM runs ..."]`: query the store.

    The store's files are the view `runs` (one row per run and replication); a query's
    result is printed as a table (or CSV). Returns the exit status.
    """
    parser = argparse.ArgumentParser(
        prog="absorb results",
        description="Query every run's tidy record (the results store) with DuckDB; the "
        "records are the view `runs`.",
    )
    parser.add_argument("sql", nargs="?", default=DEFAULT_QUERY, help="a query on `runs`")
    parser.add_argument("--store", default="results", help="the store folder (default results)")
    parser.add_argument("--csv", action="store_true", help="print CSV instead of a table")

    def refuse(message: str) -> NoReturn:
        raise ConfigError(message)

    parser.error = refuse  # type: ignore[method-assign]
    try:
        args = parser.parse_args(argv)
        frame = query(args.sql, Path(args.store))
    except ConfigError as error:
        print(f"absorb results: error: {error}", file=sys.stderr)
        return 2
    if args.csv:
        frame.to_csv(sys.stdout, index=False)
    else:
        print(frame.to_string(index=False) if len(frame) else "(no rows)")
    return 0


def query(sql: str, store: Path = Path("results")) -> Any:
    """The result of `sql` on the view `runs` over the store's files, as a pandas frame.

    Raises:
        ConfigError: no records in `store`, or the query fails (DuckDB's message, one line).
    """
    import duckdb

    if not any(Path(store).glob("*.parquet")):
        raise ConfigError(
            f"--store {store} holds no results: every run appends its record there "
            "(store=<folder> sets where)"
        )
    connection = duckdb.connect()
    try:
        pattern = str(Path(store) / "*.parquet").replace("'", "''")
        connection.execute(
            f"CREATE VIEW runs AS SELECT * FROM read_parquet('{pattern}', union_by_name=true)"
        )
        return connection.sql(sql).df()
    except duckdb.Error as error:
        raise ConfigError(" ".join(str(error).split())) from None
    finally:
        connection.close()


def main() -> None:
    """Console entry point: validate first, then hand over to Hydra."""
    global _PLAN, CHECKED
    if sys.argv[1:2] == ["results"]:
        sys.exit(results(sys.argv[2:]))
    register_configs()
    new_stamp()  # this command's folders: no other command shares them
    os.environ[MAIN_PID] = str(os.getpid())
    _PLAN = None
    try:
        sys.argv[1:] = preflight(sys.argv[1:])
    except ConfigError as error:
        print(f"absorb: error: {error}", file=sys.stderr)
        sys.exit(2)
    CHECKED = True
    plan = _PLAN
    progress = _Progress(plan) if plan else None
    try:
        _job()
    finally:
        if progress:
            progress.stop()
    if plan and plan.sweep_dir is not None:
        status = _closing_line(plan)
        if status:
            sys.exit(status)


if __name__ == "__main__":
    main()
