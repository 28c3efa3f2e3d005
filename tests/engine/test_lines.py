"""Counting along lines and segments of n_in-dimensional networks (Hanin & Rolnick's setting)."""

import numpy as np
import pytest

from relu1d import count_regions, sample_network
from relu1d.engine.exact import count_regions_exact
from relu1d.engine.lines import count_on_line, count_on_segment, restrict_to_line


@pytest.mark.parametrize("seed", range(25))
def test_line_counts_match_rational_composition(seed):
    rng = np.random.default_rng(seed)
    net = sample_network([int(w) for w in rng.integers(1, 7, size=int(rng.integers(1, 4)))], 1.0, seed, n_in=4)
    # dyadic origin/direction: the float composition W¹v, W¹a + b¹ is then exact up to rounding of sums
    origin, direction = rng.integers(-4, 5, size=4) / 4, rng.integers(-4, 5, size=4) / 8
    result = count_on_line(net, origin, direction)
    exact = count_regions_exact(net, origin, direction)
    assert result.linear_regions == exact.linear_regions
    assert result.activation_regions == exact.activation_regions


def test_restricted_network_agrees_with_forward_pass():
    net = sample_network([16, 16], 1.0, 3, n_in=64)
    rng = np.random.default_rng(0)
    a, v = rng.standard_normal(64), rng.standard_normal(64)
    line = restrict_to_line(net, a, v)
    t = np.linspace(-3, 3, 101)
    np.testing.assert_allclose(line(t), net(a[None, :] + t[:, None] * v[None, :]), rtol=1e-10, atol=1e-10)


def test_segment_is_the_unit_window_of_the_line():
    net = sample_network([32, 32], 1.0, 5, n_in=8)
    rng = np.random.default_rng(1)
    start, end = rng.standard_normal(8), rng.standard_normal(8)
    seg = count_on_segment(net, start, end)
    full = count_regions(restrict_to_line(net, start, end - start))
    inside = (full.breakpoints > 0) & (full.breakpoints < 1)
    assert seg.linear_regions == inside.sum() + 1
    assert seg.window == (0.0, 1.0)


def test_line_dimension_mismatch_is_rejected():
    net = sample_network([4], 1.0, 0, n_in=3)
    with pytest.raises(ValueError, match="3 coordinates"):
        restrict_to_line(net, np.zeros(2), np.ones(3))
    with pytest.raises(ValueError, match="restrict it to a line"):
        count_regions(net)
