"""The sweeper's composing-once loader gives Hydra's own composition of every job, to the byte."""

from __future__ import annotations

import pytest
from hydra.errors import ConfigCompositionException
from hydra.types import RunMode
from omegaconf import OmegaConf

from hydra_plugins.absorb_sweeper import absorb_sweeper
from hydra_plugins.absorb_sweeper.absorb_sweeper import AbsorbSweeper, ComposeOnceLoader
from sim.config import Composer

HYDRA = ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "hydra.sweep.dir=/tmp/sweep"]
JOBS = [
    [*HYDRA, "seed=3", "days=40"],
    [*HYDRA, "seed=4", "days=40"],  # the same shape: set on the cached composition
    [*HYDRA, "ai.automation_rate=0.3", "org=tandem", "seed=1"],  # a group after a value
    [*HYDRA, "people.production={volume_elasticity:0}", "experiment=rebound"],  # a dict value
    [*HYDRA, "policy=[training,relevance_filter]", "ai.automation_rate=0.85"],
    [*HYDRA, "seed=1", "+extra=2"],  # a value before an added key: composed in full
]


@pytest.fixture(scope="module")
def loaders():
    with Composer() as composer:
        hydra_loader = composer.hydra.config_loader
        yield hydra_loader, ComposeOnceLoader(config_search_path=hydra_loader.get_search_path())


@pytest.mark.parametrize("overrides", JOBS, ids=lambda job: " ".join(job[len(HYDRA) :]))
def test_each_job_is_composed_as_hydra_composes_it(loaders, overrides: list[str]) -> None:
    hydra_loader, once = loaders
    expected = hydra_loader.load_configuration("config", overrides, RunMode.MULTIRUN)
    for _ in range(2):  # the first call fills the cache, the second reads it
        got = once.load_configuration("config", overrides, RunMode.MULTIRUN)
        assert OmegaConf.to_yaml(got) == OmegaConf.to_yaml(expected)
        assert list(got.hydra.overrides.task) == overrides[len(HYDRA) :]


def test_jobs_that_differ_in_values_share_one_composition(loaders) -> None:
    _, once = loaders
    absorb_sweeper._COMPOSED.clear()
    for seed in range(5):
        cfg = once.load_configuration("config", [*HYDRA, f"seed={seed}"], RunMode.MULTIRUN)
        assert cfg.seed == seed
    assert len(absorb_sweeper._COMPOSED) == 1
    once.load_configuration("config", [*HYDRA, "org=tandem", "seed=0"], RunMode.MULTIRUN)
    assert len(absorb_sweeper._COMPOSED) == 2


def test_a_bad_value_fails_as_in_hydra(loaders) -> None:
    hydra_loader, once = loaders
    for loader in (hydra_loader, once):
        with pytest.raises(ConfigCompositionException, match="nosuch"):
            loader.load_configuration("config", [*HYDRA, "nosuch=1"], RunMode.MULTIRUN)


def test_the_command_line_sweeps_with_it_unless_another_sweeper_is_chosen(tmp_path) -> None:
    """`absorb -m` adds `hydra/sweeper=absorb` where the choice would be Hydra's basic one."""
    from sim.cli import preflight

    sweep = [f"hydra.sweep.dir={tmp_path / 'a'}", "days=30"]
    assert preflight(["-m", *sweep, "seed=0,1"])[-1] == "hydra/sweeper=absorb"
    assert preflight(["-m", *sweep, "hydra/sweeper=basic"])[-1] == "hydra/sweeper=basic"
    chosen = preflight(["-m", f"hydra.sweep.dir={tmp_path / 'b'}", "experiment=sensitivity"])
    assert "hydra/sweeper=absorb" not in chosen  # the experiment's own (salib) stays
    assert "hydra/sweeper=absorb" not in preflight(["days=30", f"hydra.run.dir={tmp_path / 'c'}"])


def test_the_batch_is_composed_again_only_without_the_command_lines_check(monkeypatch) -> None:
    """`absorb -m` has composed and checked every job (sim.cli.preflight): no second pass."""
    import sim.cli

    composed = []
    basic = AbsorbSweeper.__mro__[1]  # Hydra's BasicSweeper, as Hydra's plugin scan loaded it
    monkeypatch.setattr(
        basic, "validate_batch_is_legal", lambda self, batch: composed.append(batch)
    )
    sweeper = AbsorbSweeper.__new__(AbsorbSweeper)
    monkeypatch.setattr(sim.cli, "CHECKED", False)
    sweeper.validate_batch_is_legal([["seed=0"]])
    monkeypatch.setattr(sim.cli, "CHECKED", True)
    sweeper.validate_batch_is_legal([["seed=1"]])
    assert composed == [[["seed=0"]]]
