"""absorb's Hydra sweepers, found by Hydra's plugin discovery (`hydra/sweeper=salib`)."""
