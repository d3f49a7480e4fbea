"""An effect experiment as data: its preset, `configs/experiment/<name>.yaml`, describes it once.

`hydra.sweeper.params` is what Hydra sweeps: `ai.automation_rate` (the levels) and one
parameter whose two choices are the arms, the effect arm first and the control last. The
control is written there and nowhere else; `Effect.control` reads it back as dotted keys.

`hydra.callbacks.effect_report` is what the sweep's report holds (`experiments.analysis`):
the figures of each run, the metrics summarised per arm and level, tables, checks (the
expected direction), lines of numbers and figures; docs/experiments.md lists the fields.

What only code can say lives in `experiments/<name>.py`: `run_metrics(record)`, the effect's
figures of one run; optionally `paired_metrics(results)` (against automation 0),
`metrics(results)` and `daily_columns(results)` (columns only the runs can name), and
`figures(...)`, `report(...)` for what no description lays out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from importlib.util import find_spec
from types import ModuleType
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import DictConfig, OmegaConf

import sim
from experiments.common import ARMS, CONTROL_ARM, EFFECT_ARM

EFFECTS = ("rebound", "saturation", "automation_bias", "dashboard_illusion")
LEVELS = "ai.automation_rate"
OPTIONAL = {"design": {}, "metrics": [], "daily": [], "intro": "", "tables": [], "checks": []}
OPTIONAL |= {"lines": [], "figures": {}, "measures": {}, "derived": {}}  # may be left out


@dataclass(frozen=True)
class Effect:
    """One effect: arms (Hydra overrides), control (dotted keys), description, own module."""

    name: str
    levels: tuple[float, ...]
    arms: dict[str, str]
    control: dict[str, Any]
    report: dict[str, Any]
    module: ModuleType | None

    def arm_of(self, cfg: DictConfig) -> str:
        """`control` when the config holds every control setting, else `effect`."""
        for key, wanted in self.control.items():
            value = OmegaConf.select(cfg, key)
            if isinstance(wanted, bool) or isinstance(value, bool):
                same = bool(value) is bool(wanted)
            elif isinstance(wanted, int | float):
                same = value is not None and math.isclose(value, wanted, abs_tol=1e-12)
            else:
                same = value == wanted
            if not same:
                return EFFECT_ARM
        return CONTROL_ARM

    def hook(self, name: str, default: Any = None) -> Any:
        """A function of the effect's module, or `default` when it has none."""
        return getattr(self.module, name, default) if self.module else default


def _settings(key: str, value: Any) -> dict[str, Any]:
    """A sweep choice as dotted keys: `people`, `{trust: {fixed: true}}` → `people.trust.fixed`."""
    if not isinstance(value, dict):
        return {key: value}
    return {
        k: v for item in value.items() for k, v in _settings(f"{key}.{item[0]}", item[1]).items()
    }


def from_hydra(hydra: DictConfig) -> Effect:
    """The `Effect` a preset's (or a finished sweep's) `hydra` node describes.

    Raises:
        ValueError: when the sweep is not the levels × two arms.
    """
    report = OPTIONAL | OmegaConf.to_container(hydra.callbacks.effect_report, resolve=True)
    params, parse = dict(hydra.sweeper.params), OverridesParser.create().parse_override
    arms = [parse(f"{key}={value}") for key, value in params.items() if key != LEVELS]
    if LEVELS not in params or len(arms) != 1 or len(list(arms[0].sweep_iterator())) != 2:
        raise ValueError(
            f"{report['effect']}: hydra.sweeper.params = {params} is not allowed: {LEVELS} and "
            "one parameter with two choices, the effect arm and then the control"
        )
    key, choices = arms[0].get_key_element(), arms[0].sweep_string_iterator()
    particular = f"experiments.{report['effect']}"  # what only code can say, if anything
    return Effect(
        name=str(report["effect"]),
        levels=tuple(float(a) for a in parse(f"{LEVELS}={params[LEVELS]}").sweep_iterator()),
        arms={arm: f"{key}={choice}" for arm, choice in zip(ARMS, choices, strict=True)},
        control=_settings(key, list(arms[0].sweep_iterator())[1]),
        report=report,
        module=import_module(particular) if find_spec(particular) else None,
    )


@cache
def describe(name: str) -> Effect:
    """The `Effect` of a preset name, as its preset describes it now.

    Raises:
        KeyError: for a name that is not an effect experiment.
    """
    if name not in EFFECTS:
        raise KeyError(f"unknown effect {name!r}; one of {', '.join(EFFECTS)}")
    return from_hydra(sim.load_config([f"experiment={name}"], return_hydra=True).hydra)
