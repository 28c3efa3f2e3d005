"""Trained ReLU networks: scikit-learn MLPs with He initialisation, snapshots during training, and conversion to
``relu1d.Network`` for exact counting (claims K7 and H3).

Training is scikit-learn's (``MLPRegressor`` / ``MLPClassifier``, ReLU, Adam, no L2 penalty); only the initial
weights are ours: He-normal W ~ N(0, 2/fan_in) and biases N(0, σ_b²) (docs/mathematics.md §1; Hanin & Rolnick 2019 §4
use He-normal weights and bias variance 1e-6). Snapshots are taken after whole epochs of ``partial_fit`` (one pass over
the shuffled training set in mini-batches, Adam state kept between calls).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from sklearn.neural_network import MLPClassifier, MLPRegressor

from relu1d.engine.network import Network, seed_sequence


class _HeInitialised:
    """Mixin: replaces scikit-learn's Glorot-uniform initial weights by He-normal ones (bias s.d. ``sigma_b``).

    ``initial_`` keeps the drawn parameters so that epoch 0 can be counted too.
    """

    sigma_b: float = 1.0

    def _initialize(self, y: np.ndarray, layer_units: list[int], dtype: np.dtype) -> None:
        self.initial_: tuple[list[np.ndarray], list[np.ndarray]] = ([], [])
        super()._initialize(y, layer_units, dtype)

    def _init_coef(self, fan_in: int, fan_out: int, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
        rng = self._random_state
        coef = rng.normal(0.0, np.sqrt(2.0 / fan_in), (fan_in, fan_out)).astype(dtype, copy=False)
        intercept = rng.normal(0.0, self.sigma_b, fan_out).astype(dtype, copy=False)
        self.initial_[0].append(coef.copy())
        self.initial_[1].append(intercept.copy())
        return coef, intercept


class HeMLPRegressor(_HeInitialised, MLPRegressor):
    """``MLPRegressor`` with He-normal initial weights."""


class HeMLPClassifier(_HeInitialised, MLPClassifier):
    """``MLPClassifier`` with He-normal initial weights."""


def he_mlp(
    kind: type[HeMLPRegressor] | type[HeMLPClassifier],
    hidden: Sequence[int],
    learning_rate: float,
    batch_size: int,
    sigma_b: float,
    seed_key: Sequence[int],
) -> HeMLPRegressor | HeMLPClassifier:
    """A He-initialised ReLU MLP trained by Adam with step ``learning_rate``, no L2 penalty."""
    model = kind(
        hidden_layer_sizes=tuple(int(n) for n in hidden),
        solver="adam",
        learning_rate_init=learning_rate,
        alpha=0.0,
        batch_size=batch_size,
        random_state=sklearn_seed(seed_key),
    )
    model.sigma_b = sigma_b
    return model


def sklearn_seed(key: Sequence[int]) -> int:
    """A 31-bit ``random_state`` for scikit-learn from a ``SeedSequence`` key (docs/mathematics.md §6)."""
    return int(seed_sequence(tuple(int(k) for k in key)).generate_state(1)[0] & 0x7FFFFFFF)


def network_from_mlp(coefs: Sequence[np.ndarray], intercepts: Sequence[np.ndarray]) -> Network:
    """The relu1d ``Network`` of a scikit-learn MLP (coefs_[ℓ] has shape (fan_in, fan_out): W = coefᵀ).

    A multi-output last layer is replaced by the sum of its outputs: ``Network`` has one output, and activation
    regions depend on the hidden layers only (linear regions of the sum are not those of the logits).
    """
    weights = [np.asarray(c, dtype=np.float64).T for c in coefs]
    biases = [np.asarray(b, dtype=np.float64) for b in intercepts]
    if weights[-1].shape[0] > 1:
        weights[-1] = weights[-1].sum(axis=0, keepdims=True)
        biases[-1] = biases[-1].sum(keepdims=True)
    return Network(weights, biases)


def mlp_logits(coefs: Sequence[np.ndarray], intercepts: Sequence[np.ndarray], x: np.ndarray) -> np.ndarray:
    """Forward pass of a ReLU MLP given by scikit-learn-layout parameters (identity output)."""
    h = np.asarray(x, dtype=np.float64)
    for layer, (c, b) in enumerate(zip(coefs, intercepts, strict=True)):
        h = h @ c + b
        if layer < len(coefs) - 1:
            h = np.maximum(h, 0.0)
    return h


def training_snapshots(
    model: HeMLPRegressor | HeMLPClassifier,
    x: np.ndarray,
    y: np.ndarray,
    epochs: Sequence[int],
    classes: np.ndarray | None = None,
) -> list[tuple[int, list[np.ndarray], list[np.ndarray]]]:
    """Train ``model`` by ``partial_fit`` epochs up to max(epochs); return (epoch, coefs, intercepts) at each.

    Epoch 0 is the He initialisation itself.
    """
    wanted = sorted({int(e) for e in epochs})
    if not wanted or wanted[0] < 0:
        raise ValueError(f"epochs: need non-negative epoch numbers, got {list(epochs)}")
    snapshots = []
    kwargs = {"classes": classes} if classes is not None else {}
    for epoch in range(1, wanted[-1] + 1):
        model.partial_fit(x, y, **kwargs)
        if epoch == 1 and wanted[0] == 0:
            snapshots.append((0, [c.copy() for c in model.initial_[0]], [b.copy() for b in model.initial_[1]]))
        if epoch in wanted:
            snapshots.append((epoch, [c.copy() for c in model.coefs_], [b.copy() for b in model.intercepts_]))
    return snapshots


# --- targets for K7 (docs/mathematics.md §5) ----------------------------------------------------------------


def _zigzag3(x: np.ndarray) -> np.ndarray:
    """Three teeth of height 1 on [0, 1]: breakpoints at k/6."""
    return 1.0 - np.abs(((6.0 * x) % 2.0) - 1.0)


#: name → (f, domain, breakpoints of f inside the domain (None: smooth), f″ for the smooth ones)
TARGETS: dict[
    str, tuple[Callable[[np.ndarray], np.ndarray], tuple[float, float], np.ndarray | None, Callable | None]
] = {
    "sin": (np.sin, (-np.pi, np.pi), None, lambda t: -np.sin(t)),
    "square": (np.square, (-1.0, 1.0), None, lambda t: 2.0 + 0.0 * t),
    "bump": (
        lambda t: np.exp(-8.0 * t**2),
        (-1.0, 1.0),
        None,
        lambda t: (256.0 * t**2 - 16.0) * np.exp(-8.0 * t**2),
    ),
    "abs": (np.abs, (-1.0, 1.0), np.array([0.0]), None),
    "zigzag": (_zigzag3, (0.0, 1.0), np.arange(1, 6) / 6.0, None),
}


def target_samples(name: str, points: int) -> tuple[np.ndarray, np.ndarray]:
    """The target's samples on its domain: a uniform grid plus its breakpoints (so f̂ = f for PWL targets)."""
    if name not in TARGETS:
        raise ValueError(f"target: unknown {name!r}; known: {', '.join(TARGETS)}")
    f, (lo, hi), knots, _ = TARGETS[name]
    x = np.linspace(lo, hi, int(points))
    if knots is not None:
        x = np.union1d(x, knots)
    return x, f(x)
