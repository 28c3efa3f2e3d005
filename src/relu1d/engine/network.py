"""Fully connected ReLU networks: the parameter container, He sampling and ``.npz`` I/O.

The model (docs/mathematics.md §1): z¹ = W¹x + b¹, zˡ = Wˡ·ReLU(zˡ⁻¹) + bˡ, f = W^{L+1}·ReLU(z^L) + b^{L+1},
with Wˡ of shape (n_ℓ, n_{ℓ−1}) and a single output. File format (docs/mathematics.md §1): arrays ``W1, b1, …, W{L+1},
b{L+1}``, float64.
"""

from __future__ import annotations

import itertools
import os
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from relu1d.engine.io import atomic_output

SeedLike = int | Sequence[int] | np.random.SeedSequence

_KEY = re.compile(r"^([Wb])([1-9][0-9]*)$")


@dataclass(frozen=True, eq=False)
class Network:
    """A ReLU MLP with ``L = len(weights) - 1`` hidden layers and one linear output.

    ``weights[l]`` has shape (n_{l+1}, n_l) and ``biases[l]`` shape (n_{l+1},); the last pair is the output
    layer (one row). Arrays are stored as read-only float64 copies; construction validates them and raises
    ``ValueError`` naming the offending layer (1-based, as in the file format).
    """

    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...]

    def __init__(self, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray]) -> None:
        ws, bs = _validated(weights, biases)
        object.__setattr__(self, "weights", ws)
        object.__setattr__(self, "biases", bs)

    @property
    def n_in(self) -> int:
        """Input dimension n₀."""
        return int(self.weights[0].shape[1])

    @property
    def widths(self) -> tuple[int, ...]:
        """Hidden widths (n₁, …, n_L)."""
        return tuple(int(w.shape[0]) for w in self.weights[:-1])

    @property
    def depth(self) -> int:
        """Number of hidden layers L."""
        return len(self.weights) - 1

    @property
    def n_neurons(self) -> int:
        """Σᵢ nᵢ over hidden layers."""
        return sum(self.widths)

    def __call__(self, x: np.ndarray | float) -> np.ndarray:
        """Forward pass in float64. ``x`` of shape (N,) for n_in = 1, or (N, n_in); returns shape (N,)."""
        h = np.asarray(x, dtype=np.float64)
        h = h.reshape(-1, 1) if self.n_in == 1 else h.reshape(-1, self.n_in)
        for w, b in zip(self.weights[:-1], self.biases[:-1], strict=True):
            h = np.maximum(h @ w.T + b, 0.0)
        return (h @ self.weights[-1].T + self.biases[-1])[:, 0]

    def pre_activations(self, x: np.ndarray | float) -> list[np.ndarray]:
        """Pre-activations z¹ … z^L at inputs ``x``: a list of arrays of shape (N, n_ℓ)."""
        h = np.asarray(x, dtype=np.float64)
        h = h.reshape(-1, 1) if self.n_in == 1 else h.reshape(-1, self.n_in)
        out = []
        for w, b in zip(self.weights[:-1], self.biases[:-1], strict=True):
            z = h @ w.T + b
            out.append(z)
            h = np.maximum(z, 0.0)
        return out

    def arrays(self) -> dict[str, np.ndarray]:
        """The parameters keyed as in the file format (``W1``, ``b1``, …)."""
        out: dict[str, np.ndarray] = {}
        for i, (w, b) in enumerate(zip(self.weights, self.biases, strict=True), start=1):
            out[f"W{i}"] = w
            out[f"b{i}"] = b
        return out

    def save(self, path: str | os.PathLike) -> None:
        """Write the ``.npz`` file atomically (a partial file is never left behind)."""
        with atomic_output(path) as tmp, open(tmp, "wb") as fh:
            np.savez(fh, **self.arrays())

    def __repr__(self) -> str:
        return f"Network(n_in={self.n_in}, widths={self.widths})"


def _as_float_array(a: object, what: str) -> np.ndarray:
    arr = np.asarray(a)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{what}: expected real numbers, got dtype {arr.dtype}")
    arr = np.array(arr, dtype=np.float64)  # copy: the network must not alias caller memory
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what}: contains NaN or infinite values")
    arr += 0.0  # turns -0.0 into +0.0 so that equal networks have equal bytes
    arr.setflags(write=False)
    return arr


def _validated(
    weights: Sequence[object], biases: Sequence[object]
) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...]]:
    if len(weights) != len(biases):
        raise ValueError(f"network: {len(weights)} weight matrices but {len(biases)} bias vectors")
    if len(weights) < 2:
        raise ValueError("network: needs at least one hidden layer and an output layer (W1, b1, W2, b2)")
    ws, bs = [], []
    n_prev = None
    for i, (w, b) in enumerate(zip(weights, biases, strict=True), start=1):
        w = _as_float_array(w, f"layer {i} (W{i})")
        b = _as_float_array(b, f"layer {i} (b{i})")
        if w.ndim != 2:
            raise ValueError(f"layer {i} (W{i}): expected a 2-D matrix, got shape {w.shape}")
        if b.ndim != 1:
            raise ValueError(f"layer {i} (b{i}): expected a vector, got shape {b.shape}")
        if w.shape[0] == 0 or w.shape[1] == 0:
            raise ValueError(f"layer {i} (W{i}): empty shape {w.shape}")
        if b.shape[0] != w.shape[0]:
            raise ValueError(f"layer {i}: W{i} has {w.shape[0]} rows but b{i} has {b.shape[0]} entries")
        if n_prev is not None and w.shape[1] != n_prev:
            raise ValueError(f"layer {i} (W{i}): has {w.shape[1]} columns but layer {i - 1} has {n_prev} neurons")
        n_prev = w.shape[0]
        ws.append(w)
        bs.append(b)
    if ws[-1].shape[0] != 1:
        raise ValueError(f"layer {len(ws)} (W{len(ws)}): the output layer must have 1 row, has {ws[-1].shape[0]}")
    return tuple(ws), tuple(bs)


def seed_sequence(seed: SeedLike) -> np.random.SeedSequence:
    """A ``SeedSequence`` from an int, a tuple of ints (e.g. (experiment key, network index)) or itself."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, (int, np.integer)):
        return np.random.SeedSequence(int(seed))
    return np.random.SeedSequence([int(s) for s in seed])


def he_parameters(
    widths: Sequence[int], sigma_b: float, rng: np.random.Generator, n_in: int = 1
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """He-initialised parameters: Wˡ_ij ~ N(0, 2/n_{ℓ−1}), bˡ_i ~ N(0, σ_b²), output layer alike (docs/mathematics.md
    §1).

    Draw order is fixed (W1, b1, W2, b2, …, output), so a seed defines the network bit for bit.
    """
    sizes = [n_in, *[int(n) for n in widths], 1]
    weights, biases = [], []
    for n_prev, n in itertools.pairwise(sizes):
        weights.append(rng.standard_normal((n, n_prev)) * np.sqrt(2.0 / n_prev))
        biases.append(rng.standard_normal(n) * float(sigma_b))
    return weights, biases


def sample_network(widths: Sequence[int], sigma_b: float, seed: SeedLike, n_in: int = 1) -> Network:
    """Sample a He-initialised network with hidden ``widths`` and bias standard deviation ``sigma_b``.

    ``seed`` goes through ``numpy.random.SeedSequence`` (docs/mathematics.md §6): pass e.g. ``(experiment_key, index)``.
    """
    widths = [int(n) for n in widths]
    if not widths:
        raise ValueError("widths: need at least one hidden layer")
    if any(n < 1 for n in widths):
        raise ValueError(f"widths: every width must be >= 1, got {widths}")
    if not np.isfinite(sigma_b) or sigma_b < 0:
        raise ValueError(f"sigma_b: must be a finite number >= 0, got {sigma_b}")
    if n_in < 1:
        raise ValueError(f"n_in: must be >= 1, got {n_in}")
    rng = np.random.Generator(np.random.PCG64(seed_sequence(seed)))
    weights, biases = he_parameters(widths, sigma_b, rng, n_in=n_in)
    return Network(weights, biases)


def architecture_name(widths: Sequence[int]) -> str:
    """Hidden widths written as in file names and tables: (64, 64) → ``64x64``."""
    return "x".join(str(int(n)) for n in widths)


def parse_architecture(name: str) -> list[int]:
    """Inverse of ``architecture_name``: ``16x16`` → [16, 16]; every width must be >= 1."""
    parts = str(name).split("x")
    if not all(p.isdigit() and int(p) >= 1 for p in parts):
        raise ValueError(f"architecture: need widths like 16 or 8x8 (each >= 1), got {name!r}")
    return [int(p) for p in parts]


def load_network(path: str | os.PathLike) -> Network:
    """Read and validate a network ``.npz`` file; any problem raises ``ValueError`` naming it."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{path}: no such file")
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{path}: not an .npz archive")
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as err:
        raise ValueError(f"{path}: not a readable .npz file ({err})") from None
    return network_from_arrays(arrays, source=str(path))


def network_from_arrays(arrays: dict[str, np.ndarray], source: str = "network") -> Network:
    """Build a ``Network`` from a mapping ``{"W1": …, "b1": …, …}`` (the file format)."""
    layers: dict[int, dict[str, np.ndarray]] = {}
    for key, value in arrays.items():
        m = _KEY.match(key)
        if m is None:
            raise ValueError(f"{source}: unexpected array {key!r} (expected W1, b1, W2, b2, ...)")
        layers.setdefault(int(m.group(2)), {})[m.group(1)] = value
    if not layers:
        raise ValueError(f"{source}: contains no arrays")
    n_layers = max(layers)
    for i in range(1, n_layers + 1):
        for kind in "Wb":
            if kind not in layers.get(i, {}):
                raise ValueError(f"{source}: missing array {kind}{i}")
    try:
        return Network(
            [layers[i]["W"] for i in range(1, n_layers + 1)], [layers[i]["b"] for i in range(1, n_layers + 1)]
        )
    except ValueError as err:
        raise ValueError(f"{source}: {err}") from None
