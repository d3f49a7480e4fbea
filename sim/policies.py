"""The seed's remedies, switched on by the files of `configs/policy/` (docs/policies.md).

Each policy's parameters are in `sim.config` (`PolicyConfig`); each acts through one named
mechanism on the agents or in governance, and is off unless its file is chosen
(`absorb policy=[training,relevance_filter]`). This module names them for the dashboard and the
remedies experiment.
"""

from __future__ import annotations

from pathlib import Path

from sim.config import CONFIG_DIR

# Where each policy acts (the method docs/policies.md explains), in the order of the seed.
MECHANISMS = {
    "human_in_the_loop": "Reviewer.vigilance, Reviewer.review_hours",
    "relevance_filter": "Producer.triage",
    "absorption_threshold": "Producer.held_back",
    "training": "Reviewer.practise, Reviewer.learn_trust",
    "augmentation_only": "kind_table (sim/tables.py), Person.start_day",
    "outcome_kpis": "Producer.plan_day, Books.collect",
    "process_redesign": "OrgModel._control_steps",
    "capacity_alignment": "OrgModel.align_capacity",
}


def available(config_dir: Path = CONFIG_DIR) -> list[str]:
    """The policies of `configs/policy/` (none while that folder does not exist)."""
    return sorted(path.stem for path in (config_dir / "policy").glob("*.yaml"))


def overrides(chosen: list[str]) -> list[str]:
    """The command-line override that switches on `chosen` (none: the baseline)."""
    return [f"policy=[{','.join(chosen)}]"] if chosen else []
