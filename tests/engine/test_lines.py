"""Counting along lines and segments of n_in-dimensional networks (Hanin & Rolnick's setting)."""

import numpy as np
import pytest

from relu1d import count_regions, sample_network
from relu1d.engine.graph import graph_from_network
from relu1d.engine.lines import count_on_line, count_on_segment, restrict_to_line
from relu1d.engine.oracles.exact import count_regions_exact
from relu1d.models import count_along_line


@pytest.mark.parametrize("seed", range(25))
def test_line_counts_match_rational_composition(seed):
    rng = np.random.default_rng(seed)
    net = sample_network([int(w) for w in rng.integers(1, 7, size=int(rng.integers(1, 4)))], 1.0, seed, n_in=4)
    # dyadic origin/direction: the float composition W¹v, W¹a + b¹ is then exact up to rounding of sums
    origin, direction = rng.integers(-4, 5, size=4) / 4, rng.integers(-4, 5, size=4) / 8
    result = count_regions(net, origin, origin + direction)  # dyadic: (a + d) − a is d exactly
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
    seg = count_regions(net, start, end, window=(0, 1))
    full = count_regions(restrict_to_line(net, start, end - start))
    inside = (full.breakpoints > 0) & (full.breakpoints < 1)
    assert seg.linear_regions == inside.sum() + 1
    assert seg.window == (0.0, 1.0)


def test_line_dimension_mismatch_is_rejected():
    net = sample_network([4], 1.0, 0, n_in=3)
    with pytest.raises(ValueError, match="3 coordinates"):
        restrict_to_line(net, np.zeros(2), np.ones(3))
    with pytest.raises(ValueError, match="3 inputs: give a line"):
        count_regions(net)


def test_the_old_doors_warn_and_count_as_the_one_door():
    net = sample_network([6, 5], 1.0, 7, n_in=3)
    rng = np.random.default_rng(2)
    a, b = rng.standard_normal(3), rng.standard_normal(3)
    door = count_regions(net, a, b, window=(0, 1))
    for old in (
        lambda: count_on_segment(net, a, b),
        lambda: count_on_line(net, a, b - a, window=(0, 1)),
        lambda: count_along_line(net, a, b, window=(0, 1)),
    ):
        with pytest.warns(DeprecationWarning, match="relu1d.count_regions"):
            result = old()
        np.testing.assert_array_equal(result.knots, door.knots)
        np.testing.assert_array_equal(result.knots_per_layer, door.knots_per_layer)


def test_the_door_validates_its_line_in_one_place():
    net = sample_network([4], 1.0, 0, n_in=3)
    with pytest.raises(ValueError, match="both points"):
        count_regions(net, np.zeros(3))
    with pytest.raises(ValueError, match="different shapes"):
        count_regions(net, np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match="finite"):
        count_regions(net, np.zeros(3), np.full(3, np.nan))
    with pytest.raises(ValueError, match="3 inputs"):
        count_regions(net)
    with pytest.raises(ValueError, match="window"):
        count_regions(net, np.zeros(3), np.ones(3), window=(1, 0))


def test_the_door_proves_a_network_and_its_graph_on_a_line():
    net = sample_network([16, 16], 1.0, 4, n_in=5)
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal(5), rng.standard_normal(5)
    proven = count_regions(net, a, b, prove=True)
    assert proven.proven and proven.method == "proven" and proven.open_decisions == 0
    unproven = count_regions(net, a, b, prove=False)
    assert not unproven.proven and unproven.open_decisions is None
    assert proven.linear_regions == unproven.linear_regions
    as_graph = count_regions(graph_from_network(net), a, b, prove=True)
    assert as_graph.proven and as_graph.method == "proven"
    assert as_graph.knots_per_layer.tolist() == proven.knots_per_layer.tolist()
    assert as_graph.linear_regions == proven.linear_regions
    with pytest.raises(ValueError, match="prove"):
        count_regions(net, a, b, prove="sometimes")
    with pytest.raises(ValueError, match="one output"):
        count_regions(net, a, b, classes=True)


def test_repr_is_a_few_lines():
    text = repr(count_regions(sample_network([64, 64, 64], 1.0, 2)))
    assert text.startswith("RegionCount(") and len(text.splitlines()) == 3 and "layer3" in text
