"""Infinite-width theory: the variance and NNGP covariance recursions of He-initialised ReLU networks.

SCIENCE.md §4 (paper K's method; Cho & Saul 2009; Lee et al. 2018). With n₀ = 1 and σ_w² = 2,

    K¹(x, x′) = σ_b² + 2xx′,
    K^{ℓ+1}(x, x′) = σ_b² + (σ_w²/2π)·√(K^ℓ(x,x)K^ℓ(x′,x′))·(sin θ + (π − θ) cos θ),

with cos θ = K^ℓ(x,x′)/√(K^ℓ(x,x)K^ℓ(x′,x′)). θ is computed as atan2(√(qq′ − c²), c), which keeps its
precision near the diagonal where arccos(c/√(qq′)) loses half the digits.
"""

from __future__ import annotations

import numpy as np

SIGMA_W2 = 2.0


def _check(layer: int, sigma_b: float) -> None:
    if int(layer) != layer or layer < 1:
        raise ValueError(f"layer: must be an integer >= 1, got {layer}")
    if not (np.isfinite(sigma_b) and sigma_b >= 0):
        raise ValueError(f"sigma_b: must be a finite number >= 0, got {sigma_b}")


def relu_expectation(q: np.ndarray, q2: np.ndarray, c: np.ndarray) -> np.ndarray:
    """E[ReLU(u)·ReLU(v)] for centred Gaussians with Var u = q, Var v = q2, Cov = c (Cho & Saul 2009):
    √(q q2)·(sin θ + (π − θ) cos θ)/(2π); zero where either variance is zero.
    """
    qq = q * q2
    sin_part = np.sqrt(np.maximum(qq - c * c, 0.0))
    theta = np.arctan2(sin_part, c)
    return np.where(qq > 0, (sin_part + (np.pi - theta) * c) / (2 * np.pi), 0.0)


def nngp_kernel(x: np.ndarray, x2: np.ndarray, layer: int, sigma_b: float) -> np.ndarray:
    """K^ℓ(x, x′): covariance of a layer-``layer`` pre-activation at inputs x and x′ in the infinite-width limit.

    Vectorised: ``x`` and ``x2`` broadcast against each other. Layer 1 is exact at any width.
    """
    _check(layer, sigma_b)
    x, x2 = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(x2, dtype=np.float64))
    s2 = float(sigma_b) ** 2
    q, q2, c = s2 + 2 * x * x, s2 + 2 * x2 * x2, s2 + 2 * x * x2
    for _ in range(int(layer) - 1):
        q, q2, c = q + s2, q2 + s2, s2 + SIGMA_W2 * relu_expectation(q, q2, c)
    return c


def variance(x: np.ndarray, layer: int, sigma_b: float) -> np.ndarray:
    """V^ℓ(x) = K^ℓ(x, x) = 2x² + ℓσ_b² (SCIENCE.md K5: V^{ℓ+1} = V^ℓ + σ_b², V¹ = 2x² + σ_b²)."""
    _check(layer, sigma_b)
    x = np.asarray(x, dtype=np.float64)
    return 2 * x * x + int(layer) * float(sigma_b) ** 2
