"""The command line: one Hydra entry point, `absorb` (or `python -m sim`).

Before Hydra creates any output folder, `preflight` reads the arguments as Hydra will, composes
every configuration the command would run (each job of a sweep: every combination, not each
value alone) from the same search path (`--config-path`, `--config-dir`, `hydra.searchpath`)
and validates it. Bad input ends with one line naming the key, the value and what is allowed,
exit status 2, and nothing written.
"""

from __future__ import annotations

import argparse
import copy
import logging
import os
import re
import sys
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
        if args.multirun:
            _check_sweep(composer, args.overrides)
        else:
            cfg = composer.compose(args.overrides)
            if cfg.hydra.mode is not None and str(cfg.hydra.mode).endswith("MULTIRUN"):
                _check_sweep(composer, args.overrides)
            else:
                _check_job(cfg, "run")
    return argv


def _check_sweep(composer: Composer, overrides: list[str]) -> None:
    """Every job of the sweep, as Hydra's basic sweeper will launch them, composed and checked.

    Jobs that differ only in values (not in group choices or added keys) share one
    composition: the values are set on a copy as Hydra sets them, far cheaper than composing.
    """
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    master = composer.compose(overrides, multirun=True)
    parser = OverridesParser.create(config_loader=composer.hydra.config_loader)
    params = master.hydra.sweeper.get("params") or {}
    task = [f"{key}={value}" for key, value in params.items()]
    task += list(master.hydra.overrides.task)
    hydra_overrides = list(master.hydra.overrides.hydra)
    try:
        jobs = BasicSweeper.split_arguments(parser.parse_overrides(task), None)[0]
    except Exception as error:  # Hydra's grammar and sweep errors
        raise ConfigError(one_line(error, composer.search)) from None
    bases: dict[tuple[str, ...], tuple[DictConfig, DictConfig]] = {}
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
        _check_job(composer.apply(light, values), "sweep", composed)


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
    from sim.outputs import write_run
    from sim.runner import run

    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    validate(cfg)
    directory = Path(HydraConfig.get().runtime.output_dir)
    people = sum(stage.headcount for stage in cfg.org.stages.values())
    stages = f"{len(cfg.org.stages)} stage{'s' if len(cfg.org.stages) != 1 else ''}"
    print(
        f"absorb: {cfg.org.name}, {people:,} people on {stages}, "
        f"{cfg.days:,} days x {cfg.replications} replication(s), "
        f"automation {cfg.ai.automation_rate:g} -> {directory}",
        flush=True,
    )
    if cfg.task == "audit":
        from sim.audit import run_audit

        run_audit(cfg, directory)
        return
    if cfg.task == "validate_queueing":
        from sim.validation import run_validation

        run_validation(cfg, directory)
        return
    result = run(cfg)
    write_run(result, directory, figures=bool(cfg.figures))
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


def main() -> None:
    """Console entry point: validate first, then hand over to Hydra."""
    register_configs()
    global CHECKED
    try:
        sys.argv[1:] = preflight(sys.argv[1:])
    except ConfigError as error:
        print(f"absorb: error: {error}", file=sys.stderr)
        sys.exit(2)
    CHECKED = True
    _job()


if __name__ == "__main__":
    main()
