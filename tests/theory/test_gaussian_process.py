"""The theory functions (NNGP kernel, derivative moments, Kac–Rice density) against high-precision references.

The references use only the kernel recursion of docs/mathematics.md §3, evaluated in mpmath at 60–90 digits with
arccos, and differentiate it by difference quotients whose step (1e-25) is far below float64 resolution; the
ReLU kernel has a |x − x′|³ term, so those quotients are accurate to O(h), i.e. to ~25 digits.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest
from scipy import integrate

from relu1d.theory.gaussian_process import (
    breakpoint_density,
    derivative_moments,
    knot_cdf,
    knot_scale,
    nngp_kernel,
)

POINTS = [-1e6, -37.5, -1.0, -0.01, 0.0, 0.3, 2.0, 1e3, 1e6]
SIGMAS = [1e-3, 1.0, 7.0]


def mp_kernel(s, t, layer: int, sigma_b):
    """K^ℓ(s, t) in mpmath: the textbook recursion with arccos (docs/mathematics.md §3)."""
    s2 = mp.mpf(sigma_b) ** 2
    q, q2, c = s2 + 2 * s * s, s2 + 2 * t * t, s2 + 2 * s * t
    for _ in range(layer - 1):
        root = mp.sqrt(q * q2)
        cos = max(min(c / root, mp.mpf(1)), mp.mpf(-1))
        theta = mp.acos(cos)
        c = s2 + 2 * root * (mp.sin(theta) + (mp.pi - theta) * cos) / (2 * mp.pi)
        q, q2 = q + s2, q2 + s2
    return c


def mp_one_point(x: float, layer: int, sigma_b: float):
    """(q, c, p, ρ) from the mpmath kernel by difference quotients: c = ∂_t K, p = ∂_s∂_t K at s = t = x, and the
    Kac–Rice density in its kernel-only form ρ = (1/π)√(∂_s∂_t log K(s, t)|_{s=t})."""
    with mp.workdps(90):
        x, h = mp.mpf(x), mp.mpf("1e-25")

        def k(s, t):
            return mp_kernel(s, t, layer, sigma_b)

        q = k(x, x)
        c = (k(x, x + h) - k(x, x - h)) / (2 * h)
        mixed = (k(x + h, x + h) - k(x + h, x - h) - k(x - h, x + h) + k(x - h, x - h)) / (4 * h * h)
        logk = [mp.log(k(x + a, x + b)) for a, b in ((h, h), (h, -h), (-h, h), (-h, -h))]
        log_mixed = (logk[0] - logk[1] - logk[2] + logk[3]) / (4 * h * h)
        return q, c, mixed, mp.sqrt(log_mixed) / mp.pi


@pytest.mark.parametrize("sigma_b", SIGMAS)
@pytest.mark.parametrize("layer", [1, 2, 5, 8])
def test_nngp_kernel_matches_mpmath_including_near_diagonal(layer: int, sigma_b: float):
    x = np.array([-1e6, -2.0, -2.0, 0.5, 0.5, 3.0, 1e6, 1e6, 0.0])
    x2 = np.array([1e6, 5.0, -2.0 * (1 + 1e-13), 0.5 * (1 - 1e-9), -0.25, 3.0, 1e6 * (1 + 1e-12), -7.0, 40.0])
    got = nngp_kernel(x, x2, layer, sigma_b)
    with mp.workdps(60):
        ref = [float(mp_kernel(mp.mpf(a), mp.mpf(b), layer, sigma_b)) for a, b in zip(x, x2, strict=True)]
    scale = np.sqrt(nngp_kernel(x, x, layer, sigma_b) * nngp_kernel(x2, x2, layer, sigma_b))
    # errors measured on the correlation scale: K itself may pass through 0 off the diagonal
    assert np.max(np.abs(got - ref) / scale) < 1e-13


@pytest.mark.parametrize("sigma_b", SIGMAS)
@pytest.mark.parametrize("layer", [1, 2, 3, 8])
def test_derivative_moments_and_density_match_differentiated_mpmath_kernel(layer: int, sigma_b: float):
    x = np.array(POINTS)
    q, c, p = derivative_moments(x, layer, sigma_b)
    rho = breakpoint_density(x, layer, sigma_b)
    for i, xi in enumerate(POINTS):
        q_ref, c_ref, p_ref, rho_ref = mp_one_point(xi, layer, sigma_b)
        assert q[i] == pytest.approx(float(q_ref), rel=1e-14)
        assert c[i] == pytest.approx(float(c_ref), rel=1e-13, abs=1e-13)
        assert p[i] == pytest.approx(float(p_ref), rel=1e-13)
        # stable at |x| = 1e6 with σ_b = 1e-3, where qp − c² loses all digits in float64
        assert rho[i] == pytest.approx(float(rho_ref), rel=1e-12)


def test_density_is_the_cauchy_law_and_integrates_to_one_knot_per_neuron():
    for sigma_b in SIGMAS:
        for layer in range(1, 9):
            scale = knot_scale(layer, sigma_b)
            x = np.array([-1e6, -3 * scale, 0.0, scale, 1e4])
            cauchy = scale / (np.pi * (x * x + scale * scale))
            assert np.allclose(breakpoint_density(x, layer, sigma_b), cauchy, rtol=1e-13, atol=0)

            def density(v, layer=layer, sigma_b=sigma_b):
                return float(breakpoint_density(np.array(v), layer, sigma_b))

            # over ℝ, tails included: once with quad's own map of the infinite ranges (split at the peak),
            # once on the compact axis u = arctan(x) where the Cauchy tails become bounded
            total = sum(
                integrate.quad(density, a, b, epsabs=1e-13, epsrel=1e-12)[0] for a, b in ((-np.inf, 0), (0, np.inf))
            )
            assert total == pytest.approx(1.0, abs=1e-9)
            compact, _ = integrate.quad(
                lambda u, f=density: f(np.tan(u)) / np.cos(u) ** 2,
                -np.pi / 2,
                np.pi / 2,
                points=[0.0],
                epsabs=1e-13,
                limit=200,
            )
            assert compact == pytest.approx(1.0, abs=1e-9)
            # the CDF is the integral of the density
            a, b = -2.5 * scale, 0.7 * scale
            window, _ = integrate.quad(density, a, b, epsabs=1e-14)
            assert knot_cdf(b, layer, sigma_b) - knot_cdf(a, layer, sigma_b) == pytest.approx(window, rel=1e-10)


def test_zero_bias_and_bad_arguments():
    x = np.array([-1.0, 0.0, 2.0])
    assert np.all(breakpoint_density(x, 3, 0.0) == 0.0)
    q, c, p = derivative_moments(x, 3, 0.0)
    assert np.array_equal(q, 2 * x * x) and np.array_equal(c, 2 * x) and np.array_equal(p, np.full(3, 2.0))
    with pytest.raises(ValueError, match="sigma_b"):
        knot_cdf(x, 2, 0.0)
    with pytest.raises(ValueError, match="layer"):
        breakpoint_density(x, 0, 1.0)
    with pytest.raises(ValueError, match="sigma_b"):
        derivative_moments(x, 2, float("nan"))


def test_line_knot_law_reduces_to_the_one_input_law_and_integrates_to_one():
    from relu1d.theory.gaussian_process import knot_scale, line_knot_fraction, line_knot_scale

    for layer in (1, 3, 8):
        assert line_knot_scale(0.0, layer, 0.7, 1) == pytest.approx(knot_scale(layer, 0.7))
    assert line_knot_scale(2.0, 2, 1.0, 8) == pytest.approx(np.sqrt(4.0 + 2 * 8 / 2))
    assert line_knot_scale(2.0, 2, 0.0, 8) == pytest.approx(2.0)  # no bias: the line's distance sets the scale
    assert float(line_knot_fraction(np.array(-np.inf), np.array(np.inf), 1.3)) == pytest.approx(1.0)
    assert float(line_knot_fraction(np.array(2.0), np.array(-1.0), 1.0)) == pytest.approx(
        (np.arctan(2.0) + np.arctan(1.0)) / np.pi
    )
    with pytest.raises(ValueError, match="positive scale"):
        line_knot_fraction(np.array(0.0), np.array(1.0), 0.0)
