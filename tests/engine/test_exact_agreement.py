"""Certification of the float64 engine against the rational ground truth.

Every network here is counted three ways: the float engine alone, the default ``count_regions`` (float with
the automatic rational fallback for uncertified results) and ``count_regions_exact``. The default must equal
the rational answer on every network; the float engine alone must equal it whenever it reports itself
certified (it may be uncertain, never silently wrong).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from relu1d import count_regions, sample_network
from relu1d.engine.oracles.exact import count_regions_exact
from tests.networks import ADVERSARIAL, random_small

N_RANDOM = 540
N_ADVERSARIAL = 80


def _fingerprint(result) -> tuple:
    return (
        result.linear_regions,
        result.activation_regions,
        tuple(tuple(int(v) for v in k) for k in result.knots_per_neuron),
        tuple(int(v) for v in result.breakpoints_per_layer),
    )


def _check(net) -> tuple[bool, bool]:
    """Assert agreement; return (float engine was certified, float engine alone was right)."""
    exact = count_regions_exact(net)
    alone = count_regions(net, exact_fallback=False, prove=False)
    default = count_regions(net)
    assert _fingerprint(default) == _fingerprint(exact)
    right = _fingerprint(alone) == _fingerprint(exact)
    if alone.certified:
        assert right, "float engine certified a wrong answer"
        # positions: float knots are the exact ones rounded (up to the engine's tolerance)
        ex = np.array([float(t) for t in exact.knots])
        assert np.allclose(alone.knots, ex, rtol=1e-9, atol=1e-300)
        assert np.array_equal(alone.is_breakpoint, np.array([t in set(exact.breakpoints) for t in exact.knots]))
    return alone.certified, right


@pytest.mark.parametrize("block", range(6))
def test_random_small_networks_match_rational(block):
    """≥ 500 He networks, widths 1–8, depth 1–4, σ_b ∈ {0, 1e-3, 1}."""
    seeds = range(block * N_RANDOM // 6, (block + 1) * N_RANDOM // 6)
    certified = [_check(random_small(s))[0] for s in seeds]
    # random networks are generic: the float engine needs no fallback for (almost) all of them
    assert np.mean(certified) > 0.98


@pytest.mark.parametrize("family", sorted(ADVERSARIAL))
def test_adversarial_networks_match_rational(family):
    stats = [_check(ADVERSARIAL[family](s)) for s in range(N_ADVERSARIAL)]
    if family in ("zero_bias", "dead_layer"):
        # exact zeros stay exact in float: these need no fallback at all
        assert all(c for c, _ in stats)


def test_zero_bias_has_at_most_two_regions():
    """K4: with σ_b = 0 the network is positively homogeneous: ≤ 2 linear regions, every knot at 0."""
    for seed in range(60):
        result = count_regions(ADVERSARIAL["zero_bias"](seed))
        assert result.linear_regions <= 2
        assert np.all(result.knots == 0.0)


def test_exact_values_and_slopes_are_consistent():
    net = random_small(5)
    exact = count_regions_exact(net)
    for k, t in enumerate(exact.knots):
        # f is continuous: value at a knot from the left segment equals the one from the right segment
        left = exact.values[k - 1] + exact.slopes[k] * (t - exact.knots[k - 1]) if k else None
        if left is not None:
            assert left == exact.values[k]
    assert all(isinstance(v, Fraction) for v in exact.values)


def test_the_fallback_proves_a_float_count_before_recounting():
    """A generic network whose float count has a decision near its tolerance (≈ 30% of 64 × 3 He networks) is
    settled by the a-posteriori proof (method "proven"), equal to the rational count; an exact coincidence (two
    neurons with one knot) cannot be proven one knot at a time and is recounted in rational arithmetic."""
    methods = []
    for seed in range(12):
        net = sample_network([64, 64, 64], 1.0, seed)
        default = count_regions(net)
        if not count_regions(net, exact_fallback=False, prove=False).certified:
            methods.append(default.method)
            assert _fingerprint(default) == _fingerprint(count_regions_exact(net))
    assert methods and set(methods) == {"proven"}, methods
    duplicated = [count_regions(ADVERSARIAL["duplicated_neurons"](s)) for s in range(20)]
    assert "rational" in {r.method for r in duplicated}
