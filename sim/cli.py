"""The command line: one Hydra entry point, `absorb` (or `python -m sim`).

Before Hydra creates any output folder, every value the command would run with (including
each value of a sweep) is composed and validated, so bad input ends with one line and leaves
nothing behind.
"""

from __future__ import annotations

import copy
import logging
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import DictConfig, OmegaConf, open_dict

from sim.config import (
    CONFIG_DIR,
    ConfigError,
    load_config,
    one_line,
    register_configs,
    validate,
)

# Hydra's own flags that take a value as the next argument.
_FLAGS_WITH_VALUE = {
    "--cfg",
    "-c",
    "--config-name",
    "-cn",
    "--config-path",
    "-cp",
    "--config-dir",
    "-cd",
    "--package",
    "-p",
    "--info",
    "-i",
    "--experimental-rerun",
}


def _user_overrides(argv: list[str]) -> list[str]:
    """The key=value overrides among the arguments, without Hydra's flags."""
    overrides, skip = [], False
    for argument in argv:
        if skip:
            skip = False
            continue
        if argument.startswith("-"):
            skip = argument in _FLAGS_WITH_VALUE
            continue
        overrides.append(argument)
    return overrides


def preflight(argv: list[str]) -> None:
    """Compose and validate every configuration the command would run.

    Each value of each swept key (on the command line or in an experiment's
    `hydra.sweeper.params`) is checked with the other keys at their first value.

    Raises:
        ConfigError: naming the key, the value and what is allowed.
    """
    if any(flag in argv for flag in ("--help", "-h", "--hydra-help", "--info", "-i")):
        return
    parser = OverridesParser.create()
    try:
        parsed = parser.parse_overrides(_user_overrides(argv))
    except Exception as error:  # Hydra's grammar errors
        raise ConfigError(str(error).splitlines()[0]) from None
    fixed, swept = [], {}
    for override in parsed:
        if override.key_or_group.startswith("hydra"):
            continue
        if override.is_sweep_override():
            swept[override.get_key_element()] = [str(v) for v in override.sweep_string_iterator()]
        else:
            fixed.append(override.input_line)
    first = [f"{key}={values[0]}" for key, values in swept.items()]
    cfg = load_config(fixed + first, return_hydra=True)
    for key, value in dict(cfg.hydra.sweeper.get("params") or {}).items():
        if key not in swept:
            swept[key] = [
                str(v) for v in parser.parse_override(f"{key}={value}").sweep_string_iterator()
            ]
    groups = {path.name for path in CONFIG_DIR.iterdir() if path.is_dir()}
    base = copy.deepcopy(cfg)
    with open_dict(base):
        del base["hydra"]
    for key, values in swept.items():
        others = [f"{k}={v[0]}" for k, v in swept.items() if k != key]
        for value in values[1:]:
            if key.startswith(("+", "~")) or key.split("/")[0] in groups:
                load_config(fixed + others + [f"{key}={value}"])  # a group choice: compose it
            else:  # a value: set it on the composed config, far cheaper than composing again
                _check_value(base, key, parser.parse_override(f"{key}={value}").value())


def _check_value(base: DictConfig, key: str, value: object) -> None:
    candidate = copy.deepcopy(base)
    try:
        OmegaConf.update(candidate, key, value, merge=True)
    except Exception as error:  # OmegaConf's type and key errors
        raise ConfigError(one_line(error)) from None
    validate(candidate)


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="config")
def _job(cfg: DictConfig) -> None:
    from sim.outputs import write_run
    from sim.runner import run

    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    validate(cfg)
    directory = Path(HydraConfig.get().runtime.output_dir)
    if cfg.task == "validate_queueing":
        from sim.validation import run_validation

        run_validation(cfg, directory)
        return
    result = run(cfg)
    write_run(result, directory, figures=bool(cfg.figures))
    headline = result.summary["headline"]
    print(
        f"absorb: {cfg.org.name}, automation {cfg.ai.automation_rate:g}, {cfg.days} days, "
        f"{cfg.replications} replication(s) -> {directory}"
    )
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
    try:
        preflight(sys.argv[1:])
    except ConfigError as error:
        print(f"absorb: error: {error}", file=sys.stderr)
        sys.exit(2)
    _job()


if __name__ == "__main__":
    main()
