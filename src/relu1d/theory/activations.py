"""Infinite-width theory of knots for any continuous piecewise-linear activation (docs/mathematics.md §8).

For a network z¹ = W¹x + b¹, z^{ℓ+1} = W^{ℓ+1}φ(z^ℓ) + b^{ℓ+1} (or, residual, z^{ℓ+1} = z^ℓ + α(W^{ℓ+1}φ(z^ℓ) +
b^{ℓ+1})) with one input, weights of variance σ_w²/n and biases of variance σ_b², each pre-activation tends to a
centred Gaussian process. Kac–Rice needs only its one-point moments q = Var Z, c = Cov(Z, Z′), p = Var Z′ and the Gram
determinant D = qp − c², which obey a closed recursion in the one-dimensional Gaussian moments of φ (``moments``):

    q ← σ_b² + σ_w²M₀,    c ← σ_w²(c/q)M₁,    p ← σ_w²((c/q)²M₂ + (D/q)M₃),
    M₀ = E φ(Z)²,  M₁ = E φ(Z)φ′(Z)Z,  M₂ = E φ′(Z)²Z²,  M₃ = E φ′(Z)²,  Z ~ N(0, q).

Knots of a neuron are the crossings of its pre-activation through the kinks κ of φ; their density is
ρ(x) = Σ_κ N(κ; 0, q)·E[|Z′| | Z = κ] (``knot_density``), and ``knots_per_neuron`` integrates it over ℝ.
For a positively homogeneous φ (ReLU, LeakyReLU, Abs) with σ_w² = any value, the moments are those of a random
affine function αx + β, so ρ is a Cauchy density and every neuron has exactly one knot in the limit.

The weight law enters only through σ_w² (the limit is Gaussian by the central limit theorem whatever the law).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

_erfc = np.vectorize(math.erfc, otypes=[np.float64])
_SQRT2 = math.sqrt(2.0)
_SQRT2PI = math.sqrt(2.0 * math.pi)


@dataclass(frozen=True)
class PiecewiseLinear:
    """A continuous piecewise-linear activation: φ(z) = slopes[k]·z + intercepts[k] between kinks[k−1] and kinks[k]."""

    name: str
    kinks: tuple[float, ...]
    slopes: tuple[float, ...]
    intercepts: tuple[float, ...]

    def __post_init__(self) -> None:
        r = len(self.kinks)
        if r < 1 or len(self.slopes) != r + 1 or len(self.intercepts) != r + 1:
            raise ValueError(f"{self.name}: need r >= 1 kinks and r + 1 pieces")
        if any(b <= a for a, b in zip(self.kinks, self.kinks[1:], strict=False)):
            raise ValueError(f"{self.name}: kinks must increase")
        for k, c in enumerate(self.kinks):
            left = self.slopes[k] * c + self.intercepts[k]
            right = self.slopes[k + 1] * c + self.intercepts[k + 1]
            if not math.isclose(left, right, rel_tol=1e-12, abs_tol=1e-12):
                raise ValueError(f"{self.name}: the pieces do not meet at kink {c}")

    @property
    def homogeneous(self) -> bool:
        """φ(λz) = λφ(z) for λ > 0: one kink at 0 and no intercepts (ReLU, LeakyReLU, Abs)."""
        return self.kinks == (0.0,) and all(b == 0 for b in self.intercepts)

    @property
    def he_gain(self) -> float:
        """σ_w² = 2/(a₋² + a₊²), a∓ the slopes just below and above 0: the He gain of φ's linearisation at the origin
        (He et al. 2015; 2/(1 + a²) for LeakyReLU(a), as torch's ``calculate_gain``; 1 for Abs and Hardtanh)."""
        k = int(np.searchsorted(self.kinks, 0.0, side="right"))
        below = self.slopes[k - 1] if k > 0 and self.kinks[k - 1] == 0.0 else self.slopes[k]
        return 2.0 / (below**2 + self.slopes[k] ** 2)

    def pieces(self) -> list[tuple[float, float, float, float]]:
        """(lower end, upper end, slope, intercept) of every piece, the outer ends infinite."""
        ends = (-math.inf, *self.kinks, math.inf)
        return [(ends[k], ends[k + 1], self.slopes[k], self.intercepts[k]) for k in range(len(self.slopes))]

    def __call__(self, z: np.ndarray) -> np.ndarray:
        z = np.asarray(z, dtype=np.float64)
        k = np.searchsorted(np.asarray(self.kinks), z, side="left")
        return np.asarray(self.slopes)[k] * z + np.asarray(self.intercepts)[k]


def relu() -> PiecewiseLinear:
    return PiecewiseLinear("ReLU", (0.0,), (0.0, 1.0), (0.0, 0.0))


def leaky_relu(negative_slope: float) -> PiecewiseLinear:
    return PiecewiseLinear(f"LeakyReLU({negative_slope:g})", (0.0,), (float(negative_slope), 1.0), (0.0, 0.0))


def absolute() -> PiecewiseLinear:
    return PiecewiseLinear("Abs", (0.0,), (-1.0, 1.0), (0.0, 0.0))


def relu6() -> PiecewiseLinear:
    return PiecewiseLinear("ReLU6", (0.0, 6.0), (0.0, 1.0, 0.0), (0.0, 0.0, 6.0))


def hardtanh() -> PiecewiseLinear:
    return PiecewiseLinear("Hardtanh", (-1.0, 1.0), (0.0, 1.0, 0.0), (-1.0, 0.0, 1.0))


_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(32)


def _partial_moments(lo: float, hi: float, q: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(P, E[Z; A], E[Z²; A]) on A = (lo, hi) for Z ~ N(0, q), q > 0, with α = lo/s, β = hi/s, s = √q.

    Closed forms P = Φ(β) − Φ(α), E[Z; A] = s(ϕ(α) − ϕ(β)), E[Z²; A] = q(P + αϕ(α) − βϕ(β)), P taken as a difference
    of erfc on the side away from 0 so tails keep their digits. On a short interval (β − α ≤ 2) the closed forms
    cancel (E[Z²; A] ≈ q(β − α)t²ϕ(t) is a difference of terms ~(β − α)ϕ), so there the three integrals of
    t^k ϕ(t) are taken by 32-point Gauss–Legendre instead, exact to rounding for an entire integrand on so short
    a range.
    """
    s = np.sqrt(q)
    a, b = lo / s, hi / s

    def pdf(t: np.ndarray) -> np.ndarray:
        return np.where(np.isinf(t), 0.0, np.exp(-0.5 * np.square(np.where(np.isinf(t), 0.0, t))) / _SQRT2PI)

    def tpdf(t: np.ndarray) -> np.ndarray:
        return np.where(np.isinf(t), 0.0, np.where(np.isinf(t), 0.0, t) * pdf(t))

    upper = 0.5 * (_erfc(a / _SQRT2) - _erfc(b / _SQRT2))  # 1 − Φ(α) − (1 − Φ(β))
    lower = 0.5 * (_erfc(-b / _SQRT2) - _erfc(-a / _SQRT2))  # Φ(β) − Φ(α)
    prob = np.where(a >= 0, upper, lower)
    moments = [prob, pdf(a) - pdf(b), prob + tpdf(a) - tpdf(b)]
    if math.isfinite(lo) and math.isfinite(hi):
        short = (b - a) <= 2.0
        if np.any(short):
            mid, half = 0.5 * (a + b)[..., None], 0.5 * (b - a)[..., None]
            t = mid + half * _GL_NODES
            g = np.exp(-0.5 * t * t) / _SQRT2PI * _GL_WEIGHTS * half
            moments = [np.where(short, np.sum(g * t**k, axis=-1), m) for k, m in enumerate(moments)]
    return moments[0], s * moments[1], q * moments[2]


def moments(act: PiecewiseLinear, q: np.ndarray) -> tuple[np.ndarray, ...]:
    """(M₀, M₁, M₂, M₃, G, V) for Z ~ N(0, q) with q > 0: M₀ = Eφ², M₁ = Eφφ′Z, M₂ = Eφ′²Z², M₃ = Eφ′²,
    G = M₀M₂ − M₁² and V = E(φ − φ′Z)², written with u = φ′Z, v = φ − u (the intercept of Z's piece) as
    G = Ev²·Eu² − (Euv)² and V = Ev², so both are exactly 0 for a homogeneous φ instead of a rounding residue."""
    q = np.asarray(q, dtype=np.float64)
    m0 = m1 = m2 = m3 = ev2 = euv = np.zeros_like(q)
    for lo, hi, a, b in act.pieces():
        prob, ez, ez2 = _partial_moments(lo, hi, q)
        m0 = m0 + a * a * ez2 + 2 * a * b * ez + b * b * prob
        m1 = m1 + a * (a * ez2 + b * ez)
        m2 = m2 + a * a * ez2
        m3 = m3 + a * a * prob
        ev2 = ev2 + b * b * prob
        euv = euv + a * b * ez
    gap = np.maximum(ev2 * m2 - euv * euv, 0.0)
    return m0, m1, m2, m3, gap, ev2


def zero_slope_probability(act: PiecewiseLinear, q: np.ndarray) -> np.ndarray:
    """P(φ′(Z) = 0), Z ~ N(0, q): the chance that a unit blocks every kink below it (the survival model)."""
    total = np.zeros_like(np.asarray(q, dtype=np.float64))
    for lo, hi, a, _ in act.pieces():
        if a == 0:
            total = total + _partial_moments(lo, hi, q)[0]
    return total


@dataclass(frozen=True)
class Family:
    """A random network family: activation, weight variance σ_w² (times 1/fan-in), bias SD σ_b and, for residual
    networks, the branch scale α of z^{ℓ+1} = z^ℓ + α(W φ(z^ℓ) + b) (None: plain layers)."""

    activation: PiecewiseLinear
    sigma_w2: float
    sigma_b: float
    residual_scale: float | None = None

    def __post_init__(self) -> None:
        if not (math.isfinite(self.sigma_w2) and self.sigma_w2 > 0):
            raise ValueError(f"sigma_w2: must be a finite number > 0, got {self.sigma_w2}")
        if not (math.isfinite(self.sigma_b) and self.sigma_b > 0):
            raise ValueError(f"sigma_b: the knot theory needs a finite sigma_b > 0, got {self.sigma_b}")
        if self.residual_scale is not None and not (math.isfinite(self.residual_scale) and self.residual_scale > 0):
            raise ValueError(f"residual_scale: must be a finite number > 0, got {self.residual_scale}")


def one_point_moments(x: np.ndarray, depth: int, family: Family) -> list[tuple[np.ndarray, ...]]:
    """[(q, c, p, D)] of a layer-ℓ pre-activation at inputs x, for ℓ = 1 … depth (docs/mathematics.md §8).

    Layer 1: q = σ_b² + σ_w²x², c = σ_w²x, p = σ_w², D = σ_w²σ_b². A plain layer maps (q, c, p, D) by the recursion
    of the module docstring with D ← σ_w²σ_b²P + σ_w⁴((c/q)²G + M₀M₃D/q), P = (c/q)²M₂ + (D/q)M₃ (D is carried
    itself: qp − c² cancels at large |x|). A residual block adds α² times the branch's moments to the skip's
    (weights are independent of the layer below): q ← q + α²A, c ← c + α²C, p ← p + α²P′ and
    D ← D + α²(σ_b²p + σ_w²((c²/q)V + D(M₀/q + M₃))) + α⁴D_branch, every term non-negative.
    """
    if int(depth) != depth or depth < 1:
        raise ValueError(f"depth: must be an integer >= 1, got {depth}")
    x = np.asarray(x, dtype=np.float64)
    sw2, sb2, res = family.sigma_w2, family.sigma_b**2, family.residual_scale
    q, c, p = sb2 + sw2 * x * x, sw2 * x, np.full_like(x, sw2)
    det = np.full_like(x, sw2 * sb2)
    out = [(q, c, p, det)]
    for _ in range(int(depth) - 1):
        m0, m1, m2, m3, gap, ev2 = moments(family.activation, q)
        r, d_q = c / q, det / q
        slope_var = r * r * m2 + d_q * m3
        bq, bc, bp = sb2 + sw2 * m0, sw2 * r * m1, sw2 * slope_var
        bdet = sw2 * sb2 * slope_var + sw2 * sw2 * (r * r * gap + m0 * m3 * d_q)
        if res is None:
            q, c, p, det = bq, bc, bp, bdet
        else:
            a2 = res * res
            cross = sb2 * p + sw2 * (c * r * ev2 + det * (m0 / q + m3))
            q, c, p, det = q + a2 * bq, c + a2 * bc, p + a2 * bp, det + a2 * cross + a2 * a2 * bdet
        out.append((q, c, p, det))
    return out


def _mean_abs(mu: np.ndarray, s: np.ndarray) -> np.ndarray:
    """E|N(μ, s²)| = s√(2/π)exp(−μ²/2s²) + μ·erf(μ/(s√2)), |μ| where s = 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(s > 0, mu / (s * _SQRT2), 0.0)
        erf = np.sign(t) * (1.0 - _erfc(np.abs(t)))
        val = s * math.sqrt(2 / math.pi) * np.exp(-t * t) + mu * erf
    return np.where(s > 0, val, np.abs(mu))


def knot_density(x: np.ndarray, layer: int, family: Family) -> np.ndarray:
    """Kac–Rice density of the knots of one layer-ℓ neuron: ρ(x) = Σ_κ N(κ; 0, q)·E|N(cκ/q, D/q)| over the kinks κ
    of φ (docs/mathematics.md §8). For ReLU and He scaling, the Cauchy density of ``gaussian_process.knot_scale``."""
    q, c, _, det = one_point_moments(x, layer, family)[-1]
    dens = np.zeros_like(q)
    for kappa in family.activation.kinks:
        gauss = np.exp(-0.5 * kappa * kappa / q) / np.sqrt(2 * np.pi * q)
        dens = dens + gauss * _mean_abs(c * kappa / q, np.sqrt(det / q))
    return dens


def _sinh_rule(scale: float, step: float = 1 / 8, reach: float = 80.0) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights for ∫_ℝ g(x)dx by the trapezoid rule in u, x = scale·sinh u, |u| ≤ ``reach``.

    Bounded activations have knot densities with x^{−3/2} tails (far out, the few first-layer units still between
    two kinks have slopes ~1/|x|), so the integrand in u decays like e^{−|u|/2}: u ≤ 80 leaves 10⁻¹⁷ of the mass, and
    for an integrand analytic in the strip |Im u| < π/2 (q(x) > 0 for real x) the rule's error is ~e^{−π²/step}.
    """
    u = np.arange(-reach, reach + step / 2, step)
    return scale * np.sinh(u), step * scale * np.cosh(u)


def knots_per_neuron(layer: int, family: Family) -> float:
    """E[X_ℓ,i] in the limit: ∫_ℝ ρ(x)dx (one for every positively homogeneous φ)."""
    x, w = _sinh_rule(family.sigma_b / math.sqrt(family.sigma_w2))
    return float(np.sum(w * knot_density(x, layer, family)))


def surviving_knots_per_neuron(widths: tuple[int, ...], layer: int, family: Family) -> float:
    """Expected breakpoints of f per layer-ℓ neuron: ∫ρ_ℓ(x)·π_ℓ(x)dx, the survival model of docs/mathematics.md §8.

    π_ℓ(x) = Π_k (1 − P(φ′(Z_k(x)) = 0)^{n_k}) with Z_k ~ N(0, q_k(x)), over the later unit layers k that can close
    every path: all k > ℓ for plain networks, only the last (k = L, which the output reads without a skip) for
    residual ones. A kink is lost where such a layer has every unit on a flat piece. For ReLU P = ½ and
    π_ℓ = Π(1 − 2^{−n_k}) (paper K); LeakyReLU and Abs have no flat piece, so π_ℓ = 1.
    """
    depth = len(widths)
    if not 1 <= layer <= depth:
        raise ValueError(f"layer: must be in 1..{depth}, got {layer}")
    x, w = _sinh_rule(family.sigma_b / math.sqrt(family.sigma_w2))
    survive = np.ones_like(x)
    closing = range(layer, depth) if family.residual_scale is None else range(max(layer, depth - 1), depth)
    if len(closing):
        moments_by_layer = one_point_moments(x, depth, family)
        for k in closing:
            survive = survive * (1.0 - zero_slope_probability(family.activation, moments_by_layer[k][0]) ** widths[k])
    return float(np.sum(w * knot_density(x, layer, family) * survive))


def expected_regions(widths: tuple[int, ...], family: Family) -> float:
    """Model of E[R]: 1 + Σ_ℓ n_ℓ·``surviving_knots_per_neuron`` (coinciding knots neglected)."""
    return 1.0 + sum(n * surviving_knots_per_neuron(widths, ell, family) for ell, n in enumerate(widths, start=1))
