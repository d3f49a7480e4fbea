"""Hydra's basic sweeper with a composition cache, for any launcher (`hydra/sweeper=absorb`).

Hydra composes every job of a sweep twice from the config files: once in the main process
to check the batch, and again wherever the launcher runs the job (a joblib worker, a SLURM
node). A composition of absorb's config takes about as long as a tenth of a 195-day run, so a
sweep of 40 short runs spent a quarter of its time composing. Jobs that differ only in values
(`seed=0,1,2`, `ai.automation_rate=0,0.5`) share their composition: this sweeper hands the
launcher a config loader that composes each distinct set of group choices and structural
overrides once per process and sets each job's values on a copy, exactly as Hydra sets
command-line values after composing. When `absorb -m` has already composed and validated every
job (`sim.cli.preflight`), the sweeper does not compose the batch a second time before
launching it. Everything else (the product of the swept values, batches,
`hydra.sweeper.params`, the launcher, the job's folders and `.hydra/` files) is Hydra's own.
"""

# No `from __future__ import annotations`: Hydra's plugin scan runs this module without
# registering it, and the dataclass below then cannot resolve string annotations.
import copy
import os
import sys
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hydra._internal.config_loader_impl import ConfigLoaderImpl
from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.config_store import ConfigStore
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from hydra.types import HydraContext, RunMode, TaskFunction
from omegaconf import DictConfig

# Compositions kept per process, by config name, run mode, folder and structural overrides.
_CACHE_SIZE = 32
# Copied with `copy.deepcopy`, not pickled: the launchers' config classes that Hydra's plugin
# scan loads are not the ones importable by name, which pickle refuses.
_COMPOSED: OrderedDict[tuple[Any, ...], DictConfig] = OrderedDict()


@dataclass
class AbsorbSweeperConf:
    """The same settings as Hydra's basic sweeper (`max_batch_size`, `params`)."""

    _target_: str = "hydra_plugins.absorb_sweeper.absorb_sweeper.AbsorbSweeper"
    max_batch_size: int | None = None
    params: dict[str, str] | None = field(default=None)


ConfigStore.instance().store(
    group="hydra/sweeper", name="absorb", node=AbsorbSweeperConf, provider="absorb"
)


class ComposeOnceLoader(ConfigLoaderImpl):
    """Hydra's config loader, composing once per distinct structure in each process.

    An override is structural when it can change what is composed, not only a value in it: a
    config group choice, a `+`, `++` or `~` override, a package, or a `hydra.*` key (the search
    path among them). Only overrides that set a value of an existing key are applied to a copy
    of the cached composition, in the order given and after it, as Hydra applies them. When a
    value override comes before a structural one that is not a group choice (their order could
    matter), the job is composed in full.
    """

    def _load_configuration_impl(
        self,
        config_name: str | None,
        overrides: list[str],
        run_mode: RunMode,
        from_shell: bool = True,
        validate_sweep_overrides: bool = True,
    ) -> DictConfig:
        parsed = OverridesParser.create().parse_overrides(overrides=overrides)
        structural = [self._structural(override) for override in parsed]
        values = [o for o, s in zip(parsed, structural, strict=True) if not s]
        first_value = structural.index(False) if values else len(parsed)
        if not values or any(
            s and not self._is_group(o)
            for o, s in zip(parsed[first_value:], structural[first_value:], strict=True)
        ):
            return super()._load_configuration_impl(
                config_name, overrides, run_mode, from_shell, validate_sweep_overrides
            )
        if validate_sweep_overrides:
            self.validate_sweep_overrides_legal(
                overrides=parsed, run_mode=run_mode, from_shell=from_shell
            )
        shape = [o.input_line for o, s in zip(parsed, structural, strict=True) if s]
        key = (config_name, run_mode, from_shell, os.getcwd(), tuple(shape))
        if key in _COMPOSED:
            _COMPOSED.move_to_end(key)
        else:
            base = super()._load_configuration_impl(
                config_name, shape, run_mode, from_shell, validate_sweep_overrides
            )
            _COMPOSED[key] = base
            while len(_COMPOSED) > _CACHE_SIZE:
                _COMPOSED.popitem(last=False)
        cfg = copy.deepcopy(_COMPOSED[key])
        ConfigLoaderImpl._apply_overrides_to_config(values, cfg)
        self._record(cfg, parsed)
        return cfg

    def _structural(self, override: Override) -> bool:
        return (
            override.package is not None
            or override.is_add()
            or override.is_force_add()
            or override.is_delete()
            or override.is_hydra_override()
            or override.is_sweep_override()
            or self._is_group(override)
        )

    def _is_group(self, override: Override) -> bool:
        return self.repository.group_exists(override.key_or_group)

    @staticmethod
    def _record(cfg: DictConfig, parsed: list[Override]) -> None:
        """The job's overrides and `override_dirname`, in the order given, as Hydra sets them."""
        from hydra._internal.config_loader_impl import get_overrides_dirname

        task = [o.input_line for o in parsed if not o.is_hydra_override()]
        cfg.hydra.overrides.hydra = [o.input_line for o in parsed if o.is_hydra_override()]
        cfg.hydra.overrides.task = task
        cfg.hydra.job.override_dirname = get_overrides_dirname(
            overrides=[o for o in parsed if not o.is_hydra_override()],
            kv_sep=cfg.hydra.job.config.override_dirname.kv_sep,
            item_sep=cfg.hydra.job.config.override_dirname.item_sep,
            exclude_keys=cfg.hydra.job.config.override_dirname.exclude_keys,
        )


class AbsorbSweeper(BasicSweeper):
    """Hydra's basic sweeper whose launcher composes each job through `ComposeOnceLoader`."""

    def setup(
        self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig
    ) -> None:
        """Hand Hydra's launcher a composing-once copy of the config loader."""
        loader = ComposeOnceLoader(config_search_path=hydra_context.config_loader.get_search_path())
        context = HydraContext(config_loader=loader, callbacks=hydra_context.callbacks)
        super().setup(hydra_context=context, task_function=task_function, config=config)

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        """Compose every job of the batch, unless absorb's command line has checked them all.

        `absorb -m ...` composes and validates every job of the sweep before Hydra starts
        (`sim.cli.preflight`, a stricter check than composing); composing them again here, in the
        main process and before any job starts, would only delay the sweep.
        """
        cli = sys.modules.get("sim.cli")
        if cli is not None and getattr(cli, "CHECKED", False):
            return
        super().validate_batch_is_legal(batch)
