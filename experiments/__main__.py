"""Re-analyse a finished sweep folder: `python -m experiments <sweep dir> [effect]`.

The effect (by default the sweep's `EffectReport` in `multirun.yaml`) is analysed as its preset
describes it now. A seed-case run folder gets its `seed_case.md` rewritten.
"""

from __future__ import annotations

import sys
from pathlib import Path

from omegaconf import OmegaConf


def main(argv: list[str]) -> int:
    """Command line entry; returns the exit code."""
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    sweep_dir, effect = Path(argv[0]), argv[1] if len(argv) > 1 else None
    if effect is None and (sweep_dir / "multirun.yaml").exists():
        multirun = OmegaConf.load(sweep_dir / "multirun.yaml")
        effect = OmegaConf.select(multirun, "hydra.callbacks.effect_report.effect")
    if effect == "seed_case" or (effect is None and (sweep_dir / "summary.json").exists()):
        from experiments.seed_case import write_seed_case

        print(write_seed_case(sweep_dir))
        return 0
    if effect is None:
        print(f"no EffectReport in {sweep_dir / 'multirun.yaml'}; name the effect", file=sys.stderr)
        return 2
    from experiments.callbacks import report_sweep

    print(report_sweep(sweep_dir, str(effect)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
