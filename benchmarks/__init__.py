"""Benchmarks comparing absorb's engine with peer simulation tools."""
