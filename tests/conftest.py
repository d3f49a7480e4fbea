"""Shared fixtures: small, fast configurations of the default organisation."""

import pytest

import sim


@pytest.fixture(scope="session")
def small_cfg():
    """The default organisation for 40 days, AI rolled out on day 10."""
    return sim.load_config(["days=40", "ai.rollout_day=10", "progress=false", "figures=false"])
