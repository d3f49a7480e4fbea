"""`python -m sim` runs the same entry point as the `absorb` command."""

from sim.cli import main

main()
