"""The effect experiments by name (the presets in `configs/experiment/`)."""

from __future__ import annotations

from importlib import import_module

from experiments.common import Effect

EFFECT_MODULES = {
    "rebound": "experiments.rebound",
    "saturation": "experiments.saturation",
    "automation_bias": "experiments.automation_bias",
    "dashboard_illusion": "experiments.dashboard_illusion",
}


def get_effect(name: str) -> Effect:
    """The `Effect` of a preset name.

    Raises:
        KeyError: for a name that is not an effect experiment.
    """
    if name not in EFFECT_MODULES:
        raise KeyError(f"unknown effect {name!r}; one of {', '.join(EFFECT_MODULES)}")
    return import_module(EFFECT_MODULES[name]).EFFECT
