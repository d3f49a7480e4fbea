"""Random streams: one root seed, one independent stream per replication and per mechanism.

Each mechanism draws from its own named stream, so switching one mechanism off does not shift
another's draws, and the same seed gives the same demand at every automation rate (common
random numbers).
"""

from __future__ import annotations

import zlib

import numpy as np

_BUFFER = 4096


def stream_key(name: str) -> int:
    """A stable integer for a stream name (independent of Python's hash randomisation)."""
    return zlib.crc32(name.encode())


def generator(seed: int, replication: int, name: str) -> np.random.Generator:
    """The generator of stream `name` in replication `replication` of root seed `seed`.

    Args:
        seed: the run's root seed.
        replication: index of the replication (0-based).
        name: the mechanism's stream name, e.g. `"service"` or `"market"`.

    Returns:
        A PCG64 generator seeded from `SeedSequence(seed, spawn_key=(replication, key(name)))`.
    """
    sequence = np.random.SeedSequence(seed, spawn_key=(replication, stream_key(name)))
    return np.random.Generator(np.random.PCG64(sequence))


class Draws:
    """Scalar draws served from pre-drawn numpy blocks: the event loop's random numbers.

    Drawing one float at a time from numpy costs about a microsecond; serving it from a block
    costs a tenth of that, and the sequence is the same whatever the block size.
    """

    __slots__ = ("generator", "_uniform", "_u", "_exponential", "_e")

    def __init__(self, generator: np.random.Generator):
        self.generator = generator
        self._uniform: list[float] = []
        self._u = 0
        self._exponential: list[float] = []
        self._e = 0

    def uniform(self) -> float:
        """One uniform draw on [0, 1)."""
        if self._u == len(self._uniform):
            self._uniform = self.generator.random(_BUFFER).tolist()
            self._u = 0
        value = self._uniform[self._u]
        self._u += 1
        return value

    def exponential(self) -> float:
        """One standard exponential draw (mean 1)."""
        if self._e == len(self._exponential):
            self._exponential = self.generator.standard_exponential(_BUFFER).tolist()
            self._e = 0
        value = self._exponential[self._e]
        self._e += 1
        return value
