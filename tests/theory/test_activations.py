"""Knot theory for any piecewise-linear activation (relu1d.theory.activations) against independent references.

Gaussian moments: mpmath quadrature of their definitions at 30 digits (not the closed forms). Knots per neuron:
the recursion for (q, c, p) at 70 digits (no determinant trick), on mpmath's truncated-normal moments, integrated
over ℝ by mpmath. The moment recursion itself: Monte
Carlo on a wide network (given the layer below, a neuron's (z, z′) is exactly Gaussian with the recursion's moments
taken over the layer's empirical law). ReLU: the closed forms of ``gaussian_process``.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest

from relu1d.theory import activations as act
from relu1d.theory import gaussian_process as gp

ACTIVATIONS = [act.relu(), act.leaky_relu(0.01), act.leaky_relu(0.3), act.absolute(), act.relu6(), act.hardtanh()]
ids = [a.name for a in ACTIVATIONS]


def mp_moments(phi: act.PiecewiseLinear, q):
    """(M₀, M₁, M₂, M₃) by mpmath quadrature of E φ², E φφ′Z, E φ′²Z², E φ′² over each piece, Z ~ N(0, q)."""
    q = mp.mpf(q)
    density = lambda z: mp.exp(-z * z / (2 * q)) / mp.sqrt(2 * mp.pi * q)  # noqa: E731
    total = [mp.mpf(0)] * 4
    for lo, hi, a, b in phi.pieces():
        a, b = mp.mpf(a), mp.mpf(b)
        ends = [mp.mpf(lo) if np.isfinite(lo) else -mp.inf, mp.mpf(hi) if np.isfinite(hi) else mp.inf]
        if ends[0] < 0 < ends[1]:
            ends.insert(1, mp.mpf(0))
        terms = [
            lambda z, a=a, b=b: (a * z + b) ** 2,
            lambda z, a=a, b=b: (a * z + b) * a * z,
            lambda z, a=a: a * a * z * z,
            lambda z, a=a: a * a,
        ]
        for i, g in enumerate(terms):
            total[i] += mp.quad(lambda z, g=g: g(z) * density(z), ends)
    return total


@pytest.mark.parametrize("phi", ACTIVATIONS, ids=ids)
@pytest.mark.parametrize("q", [1e-6, 0.3, 1.0, 4.0, 37.0, 1e4])
def test_gaussian_moments_match_quadrature(phi: act.PiecewiseLinear, q: float) -> None:
    mp.mp.dps = 30
    ref = mp_moments(phi, q)
    ours = act.moments(phi, np.array([q]))
    for i in range(4):
        assert float(ours[i][0]) == pytest.approx(float(ref[i]), rel=1e-12, abs=1e-300)
    gap = ref[0] * ref[2] - ref[1] ** 2
    assert float(ours[4][0]) == pytest.approx(float(gap), rel=1e-8, abs=1e-14 * float(ref[0] * ref[2]))


def mp_truncated_moments(phi: act.PiecewiseLinear, q):
    """(M₀, M₁, M₂, M₃) from the textbook truncated-normal moments in mpmath, P = (erf(β/√2) − erf(α/√2))/2 so that
    a piece short against √q keeps its relative digits (the closed forms then cancel by ~2·log₁₀(√q) digits, which
    the working precision covers)."""
    s = mp.sqrt(q)
    pdf = lambda t: 0 if mp.isinf(t) else mp.npdf(t)  # noqa: E731
    tpdf = lambda t: 0 if mp.isinf(t) else t * mp.npdf(t)  # noqa: E731
    total = [mp.mpf(0)] * 4
    for lo, hi, a, b in phi.pieces():
        a, b = mp.mpf(a), mp.mpf(b)  # a float a*a would carry float64 rounding into the cancellations below
        al, be = (mp.mpf(v) / s if np.isfinite(v) else mp.mpf(v) for v in (lo, hi))
        prob = (mp.erf(be / mp.sqrt(2)) - mp.erf(al / mp.sqrt(2))) / 2
        ez, ez2 = s * (pdf(al) - pdf(be)), q * (prob + tpdf(al) - tpdf(be))
        for i, v in enumerate([a * a * ez2 + 2 * a * b * ez + b * b * prob, a * (a * ez2 + b * ez), a * a * ez2]):
            total[i] += v
        total[3] += a * a * prob
    return total


def mp_knots(phi: act.PiecewiseLinear, sigma_w2: float, sigma_b: float, layer: int) -> float:
    """∫_ℝ Σ_κ N(κ; q)E[|Z′| | Z = κ] dx, with (q, c, p) propagated at 70 digits and no determinant trick
    (p − c²/q and the moments cancel by ~40 of them at |x| = 10²⁰)."""
    sw2, sb2 = mp.mpf(sigma_w2), mp.mpf(sigma_b) ** 2

    def density(x):
        q, c, p = sb2 + sw2 * x * x, sw2 * x, sw2
        for _ in range(layer - 1):
            m0, m1, m2, m3 = mp_truncated_moments(phi, q)
            r = c / q
            q, c, p = sb2 + sw2 * m0, sw2 * r * m1, sw2 * (r * r * m2 + (p - r * c) * m3)
        s = mp.sqrt((q * p - c * c) / q)
        total = mp.mpf(0)
        for kappa in phi.kinks:
            mu = c * kappa / q
            mean_abs = s * mp.sqrt(2 / mp.pi) * mp.exp(-mu * mu / (2 * s * s)) + mu * mp.erf(mu / (s * mp.sqrt(2)))
            total += mp.npdf(kappa, 0, mp.sqrt(q)) * mean_abs
        return total

    # |x| ≤ 10²⁰ (x = sinh u): densities decay at least like |x|^{−3/2}, so ≲10⁻⁹ of the mass lies beyond.
    far = mp.asinh(mp.mpf(10) ** 20)
    ends = [-far, *(mp.asinh(v) for v in (-30, -3, -1, 0, 1, 3, 30)), far]
    return float(mp.quad(lambda u: density(mp.sinh(u)) * mp.cosh(u), ends))


@pytest.mark.parametrize(
    ("phi", "sigma_w2", "layer"),
    [(act.relu6(), 2.0, 2), (act.hardtanh(), 1.0, 2), (act.hardtanh(), 3.0, 3), (act.leaky_relu(0.3), 1.2, 3)],
    ids=["relu6-he-2", "hardtanh-1-2", "hardtanh-chaotic-3", "leaky-3"],
)
def test_knots_per_neuron_match_mpmath(phi: act.PiecewiseLinear, sigma_w2: float, layer: int) -> None:
    mp.mp.dps = 70
    family = act.Family(phi, sigma_w2, 1.0)
    assert act.knots_per_neuron(layer, family) == pytest.approx(mp_knots(phi, sigma_w2, 1.0, layer), rel=1e-8)


@pytest.mark.parametrize("phi", ACTIVATIONS[:4], ids=ids[:4])
@pytest.mark.parametrize("sigma_w2", [0.5, 2.0, 4.0])
@pytest.mark.parametrize("residual", [None, 1.0, 0.25])
def test_homogeneous_activations_have_one_knot_per_neuron(phi, sigma_w2: float, residual) -> None:
    family = act.Family(phi, sigma_w2, 0.7, residual)
    for layer in (1, 2, 5):
        assert act.knots_per_neuron(layer, family) == pytest.approx(1.0, abs=1e-12)


def test_relu_reduces_to_the_closed_forms() -> None:
    family = act.Family(act.relu(), 2.0, 1.3)
    x = np.array([-1e3, -2.0, -0.1, 0.0, 0.5, 40.0])
    for layer in (1, 3, 6):
        np.testing.assert_allclose(act.knot_density(x, layer, family), gp.breakpoint_density(x, layer, 1.3), rtol=1e-13)
        q, c, p, _ = act.one_point_moments(x, layer, family)[-1]
        np.testing.assert_allclose(np.stack([q, c, p]), np.stack(gp.derivative_moments(x, layer, 1.3)), rtol=1e-14)
    widths = (3, 5, 2, 4)
    for layer in range(1, 5):
        got = act.surviving_knots_per_neuron(widths, layer, family)
        assert got == pytest.approx(gp.survival_model(list(widths), layer), rel=1e-12)


def test_survival_is_one_without_flat_pieces_and_only_the_last_layer_closes_a_residual_network() -> None:
    widths = (2, 2, 2)
    for family in (act.Family(act.leaky_relu(0.1), 1.98, 1.0), act.Family(act.absolute(), 1.0, 1.0)):
        assert act.expected_regions(widths, family) == pytest.approx(7.0, abs=1e-12)
    residual = act.Family(act.relu(), 2.0, 1.0, residual_scale=1.0)
    for layer, kept in ((1, 0.75), (2, 0.75), (3, 1.0)):  # 1 − 2^{−n_L} once, not once per later layer
        assert act.surviving_knots_per_neuron(widths, layer, residual) == pytest.approx(kept, abs=1e-12)
    # ReLU6 and Hardtanh lose kinks wherever a whole later layer sits on flat pieces.
    hard = act.Family(act.hardtanh(), 1.0, 1.0)
    assert act.expected_regions(widths, hard) < 1 + sum(2 * act.knots_per_neuron(ell, hard) for ell in (1, 2, 3))


def test_he_gains() -> None:
    assert act.relu().he_gain == 2.0
    assert act.leaky_relu(0.2).he_gain == pytest.approx(2 / 1.04)
    assert act.absolute().he_gain == 1.0
    assert act.relu6().he_gain == 2.0
    assert act.hardtanh().he_gain == 1.0


@pytest.mark.parametrize(
    "family",
    [
        act.Family(act.hardtanh(), 3.0, 1.0),
        act.Family(act.relu6(), 2.0, 0.5),
        act.Family(act.leaky_relu(0.2), 2 / 1.04, 1.0, residual_scale=0.5),
        act.Family(act.hardtanh(), 1.0, 1.0, residual_scale=1.0),
    ],
    ids=["hardtanh-chaotic", "relu6", "leaky-residual", "hardtanh-residual"],
)
def test_moment_recursion_matches_a_wide_network(family: act.Family) -> None:
    """Layer-3 (z, z′) at x = 0.8 over the 8,000 neurons of one seeded network vs (q, c, p) of the recursion. The
    empirical moments of a layer are those of the limit up to O(1/√n) per layer (√(2/n) = 1.6 % for q and p per
    layer, √(qp/n) for c): 8 % of q, p and of √(qp) is ~3 standard errors after two layers."""
    rng = np.random.default_rng(7)
    n, x, depth = 8_000, 0.8, 3
    w = rng.normal(0, np.sqrt(family.sigma_w2), n)
    z, dz = w * x + rng.normal(0, family.sigma_b, n), w
    phi = family.activation
    for _ in range(depth - 1):
        h, dh = phi(z), np.asarray(phi.slopes)[np.searchsorted(phi.kinks, z)] * dz
        hs = np.stack([h, dh])
        rows = [rng.normal(0, np.sqrt(family.sigma_w2 / n), (2000, n)) @ hs.T for _ in range(n // 2000)]
        bz, bdz = np.concatenate(rows).T
        bz = bz + rng.normal(0, family.sigma_b, n)
        a = family.residual_scale
        z, dz = (bz, bdz) if a is None else (z + a * bz, dz + a * bdz)
    q, c, p, det = act.one_point_moments(np.array([x]), depth, family)[-1]
    np.testing.assert_allclose([np.mean(z * z), np.mean(dz * dz)], [q[0], p[0]], rtol=0.08)
    assert abs(np.mean(z * dz) - c[0]) <= 0.08 * np.sqrt(q[0] * p[0])
    assert det[0] == pytest.approx(q[0] * p[0] - c[0] ** 2, rel=1e-9)


def test_bad_families_are_refused() -> None:
    with pytest.raises(ValueError, match="sigma_w2"):
        act.Family(act.relu(), 0.0, 1.0)
    with pytest.raises(ValueError, match="sigma_b"):
        act.Family(act.relu(), 2.0, 0.0)
    with pytest.raises(ValueError, match="residual_scale"):
        act.Family(act.relu(), 2.0, 1.0, residual_scale=float("nan"))
    with pytest.raises(ValueError, match="do not meet"):
        act.PiecewiseLinear("broken", (0.0,), (0.0, 1.0), (0.0, 1.0))
