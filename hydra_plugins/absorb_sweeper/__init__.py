"""absorb's Hydra sweepers, found by Hydra's plugin discovery.

- `hydra/sweeper=absorb` (the default): Hydra's basic sweeper, composing each job's config once
  per shape (absorb_sweeper.py);
- `hydra/sweeper=salib`: one job per row of a SALib design (salib_sweeper.py);
- `hydra/sweeper=calibration`: an Optuna study, one job per trial (calibration_sweeper.py).
"""
