from __future__ import annotations

import os
import subprocess
import sys
import zlib
from pathlib import Path

import numpy as np
import pytest

import sim.rng
from sim.rng import Draws, generator, stream_key

BLOCK = 4096
RNG_FILE = Path(sim.rng.__file__)

# --------------------------------------------------------------------------- stream_key


@pytest.mark.parametrize(
    ("name", "key"),
    [("market", 1806468555), ("service", 3785202386), ("", 0)],
)
def test_stream_key_literal_crc32(name, key):
    assert stream_key(name) == key
    assert stream_key(name) == zlib.crc32(name.encode())


def test_stream_key_stable_across_calls_and_distinct():
    names = [
        "production",
        "origin",
        "relevance",
        "defects",
        "review",
        "routing",
        "service",
        "arrivals",
        "market",
    ]
    keys = [stream_key(n) for n in names]
    assert keys == [stream_key(n) for n in names]
    assert len(set(keys)) == len(names)
    assert all(0 <= k < 2**32 for k in keys)


def test_stream_key_independent_of_pythonhashseed():
    # load sim/rng.py on its own (no package import) under two different hash seeds
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('rng', {str(RNG_FILE)!r})\n"
        "rng = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(rng)\n"
        "print(rng.stream_key('market'), rng.stream_key('service'), hash('market'))\n"
    )
    outputs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        )
        outputs.append(done.stdout.split())
    assert outputs[0][:2] == outputs[1][:2] == ["1806468555", "3785202386"]
    assert outputs[0][2] != outputs[1][2]  # the builtin hash did change


# --------------------------------------------------------------------------- generator


def test_generator_matches_documented_seed_sequence():
    expected = np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(7, spawn_key=(2, zlib.crc32(b"market"))))
    )
    assert np.array_equal(generator(7, 2, "market").random(100), expected.random(100))
    assert isinstance(generator(7, 2, "market").bit_generator, np.random.PCG64)


def test_generator_reproducible():
    a = generator(3, 1, "service").random(1000)
    b = generator(3, 1, "service").random(1000)
    assert np.array_equal(a, b)


@pytest.mark.parametrize(
    "other",
    [(3, 1, "routing"), (3, 0, "service"), (3, 2, "service"), (4, 1, "service"), (0, 0, "service")],
)
def test_generator_streams_differ(other):
    base = generator(3, 1, "service").random(64)
    assert not np.array_equal(base, generator(*other).random(64))


# --------------------------------------------------------------------------- Draws


def test_draws_uniform_equal_numpy_blocks_across_boundary():
    draws = Draws(generator(0, 0, "routing"))
    got = [draws.uniform() for _ in range(BLOCK + 1000)]
    reference = generator(0, 0, "routing")
    expected = np.concatenate([reference.random(BLOCK), reference.random(BLOCK)])[: BLOCK + 1000]
    assert got == expected.tolist()
    assert all(type(x) is float for x in got[BLOCK - 2 : BLOCK + 2])


def test_draws_exponential_equal_numpy_blocks_across_boundary():
    draws = Draws(generator(1, 0, "service"))
    got = [draws.exponential() for _ in range(2 * BLOCK + 10)]
    reference = generator(1, 0, "service")
    blocks = [reference.standard_exponential(BLOCK) for _ in range(3)]
    assert got == np.concatenate(blocks)[: 2 * BLOCK + 10].tolist()
    assert min(got) >= 0.0


def test_draws_interleaved_take_one_block_of_each_in_first_use_order():
    draws = Draws(generator(2, 0, "arrivals"))
    uniforms, exponentials = [], []
    for _ in range(BLOCK + 5):
        uniforms.append(draws.uniform())
        exponentials.append(draws.exponential())
    reference = generator(2, 0, "arrivals")
    u1 = reference.random(BLOCK)
    e1 = reference.standard_exponential(BLOCK)
    u2 = reference.random(BLOCK)  # the uniform block runs out first
    e2 = reference.standard_exponential(BLOCK)
    assert uniforms == np.concatenate([u1, u2])[: BLOCK + 5].tolist()
    assert exponentials == np.concatenate([e1, e2])[: BLOCK + 5].tolist()


@pytest.mark.parametrize("buffer", [1, 7, 1000])
def test_draws_single_kind_sequence_independent_of_block_size(monkeypatch, buffer):
    n = 5000
    default = Draws(generator(5, 3, "defects"))
    expected_u = [default.uniform() for _ in range(n)]
    default_e = Draws(generator(5, 3, "service"))
    expected_e = [default_e.exponential() for _ in range(n)]
    monkeypatch.setattr(sim.rng, "_BUFFER", buffer)
    small = Draws(generator(5, 3, "defects"))
    assert [small.uniform() for _ in range(n)] == expected_u
    small_e = Draws(generator(5, 3, "service"))
    assert [small_e.exponential() for _ in range(n)] == expected_e


def test_gamma_draws_have_mean_one_and_the_shape_asked_for():
    draws = Draws(np.random.default_rng(3))
    four = draws.gamma(4.0)
    values = np.array([four() for _ in range(40_000)])
    assert values.mean() == pytest.approx(1.0, abs=0.02)
    assert values.var() == pytest.approx(1 / 4, rel=0.05)  # Gamma(k, 1/k): variance 1/k
    assert draws.gamma(1.0) is draws.exponential  # shape 1: the exponential draws themselves
