"""Re-analyse a finished sweep folder: `python -m experiments <sweep dir> [effect]`.

The effect is read from the sweep's `multirun.yaml` (its `EffectReport` callback) unless given.
Useful after changing the analysis, or when a sweep was interrupted and finished by hand; a
folder holding `seed_case` runs gets its `seed_case.md` rewritten instead.
"""

from __future__ import annotations

import sys
from pathlib import Path

from omegaconf import OmegaConf


def effect_of(sweep_dir: Path) -> str | None:
    """The effect named by the sweep's `EffectReport` callback in `multirun.yaml`, if any."""
    path = sweep_dir / "multirun.yaml"
    if not path.exists():
        return None
    callbacks = OmegaConf.select(OmegaConf.load(path), "hydra.callbacks") or {}
    for callback in callbacks.values():
        if str(callback.get("_target_", "")).endswith("EffectReport"):
            return str(callback.effect)
    return None


def main(argv: list[str]) -> int:
    """Command line entry; returns the exit code."""
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    sweep_dir = Path(argv[0])
    effect = argv[1] if len(argv) > 1 else effect_of(sweep_dir)
    if effect == "seed_case" or (effect is None and (sweep_dir / "summary.json").exists()):
        from experiments.seed_case import write_seed_case

        print(write_seed_case(sweep_dir))
        return 0
    if effect is None:
        print(
            f"no EffectReport callback in {sweep_dir / 'multirun.yaml'}; name the effect",
            file=sys.stderr,
        )
        return 2
    from experiments.analysis import analyse
    from experiments.gather import load_sweep

    analysis = analyse(effect, load_sweep(sweep_dir), sweep_dir)
    print(f"{effect}: {len(analysis.results)} runs -> {analysis.files['report']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
