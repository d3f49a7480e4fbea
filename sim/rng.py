"""Random streams: one root seed, one independent stream per replication and per mechanism.

Each mechanism draws from its own named stream, so switching one mechanism off does not shift
another's draws, and the same seed gives the same demand at every automation rate (common
random numbers).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from functools import partial

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
    through a generator costs a tenth of that, and the sequence is the same whatever the
    block size.

    Attributes:
        uniform: call for one uniform draw on [0, 1).
        exponential: call for one standard exponential draw (mean 1).
    """

    def __init__(self, generator: np.random.Generator):
        self.generator = generator
        self.uniform: Callable[[], float] = partial(next, self._blocks(generator.random))
        self.exponential: Callable[[], float] = partial(
            next, self._blocks(generator.standard_exponential)
        )

    def gamma(self, shape: float) -> Callable[[], float]:
        """A source of gamma draws of `shape` and mean 1 (shape 1: the exponential draws).

        Each call makes a new source of blocks from the same generator; make one per shape.
        """
        if shape == 1.0:
            return self.exponential
        return partial(
            next, self._blocks(lambda n: self.generator.standard_gamma(shape, n) / shape)
        )

    @staticmethod
    def _blocks(draw: Callable[[int], np.ndarray]) -> Iterator[float]:
        while True:
            yield from draw(_BUFFER).tolist()
