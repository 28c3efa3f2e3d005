"""Infinite-width theory: the variance and NNGP covariance recursions of He-initialised ReLU networks.

docs/mathematics.md §3 (paper K's method; Cho & Saul 2009; Lee et al. 2018). With n₀ = 1 and σ_w² = 2,

    K¹(x, x′) = σ_b² + 2xx′,
    K^{ℓ+1}(x, x′) = σ_b² + (σ_w²/2π)·√(K^ℓ(x,x)K^ℓ(x′,x′))·(sin θ + (π − θ) cos θ),

with cos θ = K^ℓ(x,x′)/√(K^ℓ(x,x)K^ℓ(x′,x′)). θ is computed as atan2(√(qq′ − c²), c), which keeps its
precision near the diagonal where arccos(c/√(qq′)) loses half the digits.

Breakpoints (docs/mathematics.md §4, claim K6): the zeros of the layer-ℓ pre-activation process have the Kac–Rice
density ρ(x) = √(qp − c²)/(πq), with q = Var Z, c = Cov(Z, Z′), p = Var Z′ propagated through the layers. For He
scaling this is a Cauchy density of scale σ_b·√(ℓ/2) (``knot_scale``), so ∫ρ = 1 knot per neuron.
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
    """V^ℓ(x) = K^ℓ(x, x) = 2x² + ℓσ_b² (docs/mathematics.md §3: V^{ℓ+1} = V^ℓ + σ_b², V¹ = 2x² + σ_b²)."""
    _check(layer, sigma_b)
    x = np.asarray(x, dtype=np.float64)
    return 2 * x * x + int(layer) * float(sigma_b) ** 2


def _one_point_moments(x: np.ndarray, layer: int, sigma_b: float) -> tuple[np.ndarray, ...]:
    """(q, c, p, D) of Z = z^ℓ(x): Var Z, Cov(Z, Z′), Var Z′ and the Gram determinant D = qp − c².

    Layer 1 (one input, w ~ N(0, σ_w²), b ~ N(0, σ_b²)): q = σ_b² + σ_w²x², c = σ_w²x, p = σ_w², D = σ_w²σ_b².
    Layer ℓ → ℓ+1 differentiates z^{ℓ+1} = Σⱼ Wⱼ relu(zⱼ) + b, z′^{ℓ+1} = Σⱼ Wⱼ 1{zⱼ > 0} z′ⱼ and uses the
    Gaussian identities (regress Z′ on Z) E[relu(Z)²] = q/2, E[relu(Z)Z′] = c/2, E[1{Z>0}Z′²] = p/2:
    q ← σ_b² + σ_w²q/2, c ← σ_w²c/2, p ← σ_w²p/2, hence D ← σ_b²p_new + (σ_w²/2)²D. D is propagated
    itself because qp − c² cancels catastrophically at large |x| (qp and c² agree to ~x²/σ_b² relative).
    These moments hold at every finite width too: conditionally on layer ℓ, (zᵢ, z′ᵢ) is exactly Gaussian.
    """
    _check(layer, sigma_b)
    x = np.asarray(x, dtype=np.float64)
    s2 = float(sigma_b) ** 2
    half = SIGMA_W2 / 2
    q, c, p = s2 + SIGMA_W2 * x * x, SIGMA_W2 * x, np.full_like(x, SIGMA_W2)
    det = np.full_like(x, SIGMA_W2 * s2)
    for _ in range(int(layer) - 1):
        q, c, p = s2 + half * q, half * c, half * p
        det = s2 * p + half * half * det
    return q, c, p, det


def derivative_moments(x: np.ndarray, layer: int, sigma_b: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(Var z^ℓ(x), Cov(z^ℓ(x), ∂ₓz^ℓ(x)), Var ∂ₓz^ℓ(x)): for He scaling 2x² + ℓσ_b², 2x and 2 at every layer.

    Propagated through the recursion (``_one_point_moments``), not differenced: docs/mathematics.md §4.
    """
    q, c, p, _ = _one_point_moments(x, layer, sigma_b)
    return q, c, p


def breakpoint_density(x: np.ndarray, layer: int, sigma_b: float) -> np.ndarray:
    """Kac–Rice density of zeros of one layer-ℓ neuron's pre-activation, ρ(x) = √(qp − c²)/(πq)
    (docs/mathematics.md §4).

    Equals the Cauchy density σ/(π(x² + σ²)) with σ = ``knot_scale(layer, sigma_b)``. Zero for σ_b = 0 (the
    process then vanishes only at x = 0, a point mass the density does not carry).
    """
    q, _, _, det = _one_point_moments(x, layer, sigma_b)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(q > 0, np.sqrt(det) / (np.pi * q), 0.0)


def knot_scale(layer: int, sigma_b: float) -> float:
    """Scale of the Cauchy law of layer-ℓ knots: σ_b·√(ℓ/2), from ρ = √(2ℓ)σ_b/(π(2x² + ℓσ_b²)) (He scaling)."""
    _check(layer, sigma_b)
    return float(sigma_b) * np.sqrt(int(layer) / 2)


def knot_cdf(x: np.ndarray, layer: int, sigma_b: float) -> np.ndarray:
    """∫_{−∞}^x ρ = ½ + arctan(x/σ)/π, σ = ``knot_scale``: the limiting law of a layer-ℓ knot's position.

    Also the probability-integral transform that maps layer-ℓ knots to Uniform(0, 1) in the limit, which is
    how the figures show the tails (K6). Requires σ_b > 0.
    """
    scale = knot_scale(layer, sigma_b)
    if scale == 0:
        raise ValueError("sigma_b: the knot law needs sigma_b > 0 (with sigma_b = 0 every knot is at x = 0)")
    return 0.5 + np.arctan(np.asarray(x, dtype=np.float64) / scale) / np.pi


def line_knot_scale(distance: float, layer: int, sigma_b: float, n_in: int) -> float:
    """Scale of the Cauchy law of layer-ℓ knots along a unit-speed line at ``distance`` from the origin.

    Along x(τ) = x₀ + τu (|u| = 1, x₀ ⊥ u, |x₀| = d) with He scaling Var W¹ = 2/n_in, the one-point moments of a
    layer-ℓ pre-activation are q = (2/n_in)(d² + τ²) + ℓσ_b², c = (2/n_in)τ and p = 2/n_in at every layer (the
    recursion keeps c and p, as in docs/mathematics.md §3), so qp − c² = (4/n_in²)d² + (2/n_in)ℓσ_b² does not
    depend on τ and ρ(τ) = √(qp − c²)/(πq) is a Cauchy density of scale √(d² + ℓσ_b²·n_in/2). With n_in = 1 and
    d = 0 this is ``knot_scale``.
    """
    _check(layer, sigma_b)
    return float(np.sqrt(float(distance) ** 2 + int(layer) * float(sigma_b) ** 2 * int(n_in) / 2))


def line_knot_fraction(tau_lo: np.ndarray, tau_hi: np.ndarray, scale: float) -> np.ndarray:
    """Expected knots per neuron on the part τ ∈ (tau_lo, tau_hi) of a line: the Cauchy law's mass there (τ measured
    from the point of the line nearest the origin; ``scale`` from ``line_knot_scale``)."""
    if not scale > 0:
        raise ValueError("line_knot_fraction: the law needs a positive scale (σ_b > 0 or a line off the origin)")
    lo, hi = np.minimum(tau_lo, tau_hi), np.maximum(tau_lo, tau_hi)
    return (np.arctan(hi / scale) - np.arctan(lo / scale)) / np.pi


def survival_model(widths: list[int], layer: int) -> float:
    """π_ℓ = Π_{k=ℓ+1}^{L} (1 − 2^{−n_k}): probability that a layer-ℓ knot reaches f (paper K, proof;
    docs/mathematics.md §4)."""
    return float(np.prod([1.0 - 2.0 ** (-n) for n in widths[layer:]]))
