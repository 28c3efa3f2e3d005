"""Generators of random and adversarial test networks (shared by the test modules)."""

from __future__ import annotations

import itertools

import numpy as np

from relu1d import Network, sample_network


def random_architecture(rng: np.random.Generator, max_width: int = 8, max_depth: int = 4) -> list[int]:
    depth = int(rng.integers(1, max_depth + 1))
    return [int(n) for n in rng.integers(1, max_width + 1, size=depth)]


def random_small(seed: int) -> Network:
    """He network, widths 1–8, depth 1–4, σ_b cycling through {0, 1e-3, 1}."""
    rng = np.random.default_rng([7, seed])
    return sample_network(random_architecture(rng), (0.0, 1e-3, 1.0)[seed % 3], seed=[7, seed])


def integer_weights(seed: int, span: int = 2) -> Network:
    """Small integer weights and biases: knots coincide within and across layers, z ≡ 0 on intervals."""
    rng = np.random.default_rng([11, seed])
    sizes = [1, *random_architecture(rng, max_width=5), 1]
    ws = [rng.integers(-span, span + 1, size=(n, m)).astype(float) for m, n in itertools.pairwise(sizes)]
    bs = [rng.integers(-span, span + 1, size=n).astype(float) for n in sizes[1:]]
    return Network(ws, bs)


def zero_bias(seed: int) -> Network:
    """σ_b = 0: positively homogeneous, every knot at 0."""
    rng = np.random.default_rng([13, seed])
    return sample_network(random_architecture(rng), 0.0, seed=[13, seed])


def duplicated_neurons(seed: int) -> Network:
    """Copies of neurons (same row), with outgoing weights split so that some copies cancel exactly."""
    rng = np.random.default_rng([17, seed])
    net = sample_network(random_architecture(rng, max_width=5), 1.0, seed=[17, seed])
    ws, bs = [w.copy() for w in net.weights], [b.copy() for b in net.biases]
    ell = int(rng.integers(0, len(ws) - 1))
    dup = rng.integers(0, ws[ell].shape[0], size=int(rng.integers(1, 4)))
    ws[ell] = np.vstack([ws[ell], ws[ell][dup]])
    bs[ell] = np.concatenate([bs[ell], bs[ell][dup]])
    nxt = ws[ell + 1][:, dup]
    mode = seed % 3
    if mode == 0:  # exact cancellation: the copy undoes the original's contribution
        ws[ell + 1] = np.hstack([ws[ell + 1], -ws[ell + 1][:, dup]])
    elif mode == 1:  # split the weight in two halves (exact in binary)
        ws[ell + 1][:, dup] = nxt / 2
        ws[ell + 1] = np.hstack([ws[ell + 1], nxt / 2])
    else:  # independent outgoing weights
        ws[ell + 1] = np.hstack([ws[ell + 1], rng.standard_normal(nxt.shape)])
    return Network(ws, bs)


def dead_layer(seed: int) -> Network:
    """A layer whose neurons are all off everywhere (or partly so), and zero rows."""
    rng = np.random.default_rng([19, seed])
    net = sample_network(random_architecture(rng, max_width=6, max_depth=4), 1.0, seed=[19, seed])
    ws, bs = [w.copy() for w in net.weights], [b.copy() for b in net.biases]
    ell = int(rng.integers(0, len(ws) - 1))
    if seed % 2 == 0:
        ws[ell][:] = 0.0
        bs[ell][:] = -1.0  # constant negative: layer dead everywhere
    else:
        rows = rng.random(ws[ell].shape[0]) < 0.5
        ws[ell][rows] = 0.0  # zero rows: constant neurons (on or off by the sign of b)
    return Network(ws, bs)


def wide_dynamic_range(seed: int) -> Network:
    """Weights and biases spanning 1e-8 … 1e8 inside one network."""
    rng = np.random.default_rng([23, seed])
    sizes = [1, *random_architecture(rng, max_width=6), 1]
    ws = [rng.standard_normal((n, m)) * 10.0 ** rng.uniform(-8, 8, size=(n, m)) for m, n in itertools.pairwise(sizes)]
    bs = [rng.standard_normal(n) * 10.0 ** rng.uniform(-8, 8, size=n) for n in sizes[1:]]
    return Network(ws, bs)


def scaled(seed: int) -> Network:
    """A He network with every layer scaled by 1e±8 (huge or tiny weights, well-conditioned structure)."""
    rng = np.random.default_rng([29, seed])
    net = sample_network(random_architecture(rng), 1.0, seed=[29, seed])
    c = 10.0 ** rng.choice([-8.0, 8.0], size=len(net.weights))
    return Network(
        [w * ci for w, ci in zip(net.weights, c, strict=False)], [b * ci for b, ci in zip(net.biases, c, strict=False)]
    )


ADVERSARIAL = {
    "integer_weights": integer_weights,
    "zero_bias": zero_bias,
    "duplicated_neurons": duplicated_neurons,
    "dead_layer": dead_layer,
    "wide_dynamic_range": wide_dynamic_range,
    "scaled": scaled,
}
