"""Peer methods (relu1d.bench.peers): the grid counter, knot recall and the region walk against the exact engine."""

import numpy as np
import pytest

from relu1d import Network, count_regions, sample_network
from relu1d.bench.peers import grid_count, knot_recall, walk_count

RANDOM = [([8, 8, 8], 1.0, (3, 3)), ([8, 8, 8], 1.0, (3, 5)), ([6, 5, 7, 4], 1.0, (5, 1)), ([12, 10], 0.5, (9, 2))]


def _window(knots: np.ndarray) -> tuple[float, float]:
    return float(knots.min()) - 1.0, float(knots.max()) + 1.0


def _one_layer(w1: list[float], b1: list[float]) -> Network:
    w2 = np.linspace(1.0, 2.0, len(w1))[None, :] * np.array([1, -1] * len(w1))[: len(w1)]
    return Network([np.array(w1)[:, None], w2], [np.array(b1), np.array([0.3])])


@pytest.mark.parametrize(("widths", "sigma_b", "seed"), RANDOM)
def test_walk_and_fine_grid_agree_with_exact_on_random_networks(widths, sigma_b, seed):
    net = sample_network(widths, sigma_b, seed=seed)
    exact = count_regions(net)
    knots = exact.knots
    assert knots.shape[0] >= 10
    lo, hi = _window(knots)
    expected = exact.restrict(lo, hi).activation_regions
    assert expected == exact.activation_regions  # the window holds every knot
    assert walk_count(net, lo, hi) == expected
    # Spacing below the smallest knot gap: every grid interval holds at most one knot, so all are seen.
    points = int(np.ceil(2 * (hi - lo) / np.diff(knots).min())) + 2
    assert points <= 200_000, "pick another seed: the grid would be slow"
    grid = grid_count(net, lo, hi, points)
    assert grid.activation_regions == expected
    assert grid.spacing == pytest.approx((hi - lo) / (points - 1))
    np.testing.assert_array_less(np.abs(grid.change_positions - knots), 0.5 * grid.spacing * (1 + 1e-9))
    assert knot_recall(knots, grid.change_positions, grid.spacing) == 1.0
    # Small chunks give the same answer (changes across chunk boundaries are seen).
    assert grid_count(net, lo, hi, points, chunk=997).activation_regions == expected


@pytest.mark.parametrize(("widths", "sigma_b", "seed"), RANDOM)
def test_walk_agrees_with_restrict_on_partial_windows(widths, sigma_b, seed):
    net = sample_network(widths, sigma_b, seed=seed)
    exact = count_regions(net)
    knots = exact.knots
    # (window ends exactly at a knot are ambiguous at float resolution: the two methods round it differently)
    mid = 0.5 * (knots[1:] + knots[:-1])
    for lo, hi in [(-0.5, 0.7), (float(mid[2]), float(mid[-3])), (-3.0, float(mid[mid.shape[0] // 2]))]:
        assert walk_count(net, lo, hi) == exact.restrict(lo, hi).activation_regions, (lo, hi)


def test_coarse_grid_undercounts_and_loses_recall():
    net = sample_network([8, 8, 8], 1.0, seed=(3, 0))
    exact = count_regions(net)
    lo, hi = _window(exact.knots)
    grid = grid_count(net, lo, hi, 30)
    assert grid.activation_regions < exact.activation_regions
    assert knot_recall(exact.knots, grid.change_positions, grid.spacing) < 1.0


def test_one_hidden_layer_known_knots():
    # Knots at -b/w: -1 (twice: two neurons coincide), -0.5, 0.5, 2; the zero-weight neuron never switches.
    net = _one_layer([1.0, 2.0, -2.0, 0.5, 4.0, 0.0], [1.0, 2.0, 1.0, -1.0, 2.0, 3.0])
    assert count_regions(net).activation_regions == 5
    assert walk_count(net, -10.0, 10.0) == 5
    assert walk_count(net, -1.0, 2.0) == 3  # open window: the knots at -1 and 2 are its ends
    assert walk_count(net, -1.0 - 1e-9, 2.0 + 1e-9) == 5
    assert walk_count(net, 0.6, 1.9) == 1
    assert walk_count(net, -0.75, 0.0) == 2
    grid = grid_count(net, -1.95, 2.95, 50)  # spacing 0.1, knots halfway between grid points
    assert grid.activation_regions == 5
    np.testing.assert_allclose(grid.change_positions, [-1.0, -0.5, 0.5, 2.0], atol=1e-12)
    assert grid_count(net, -1.95, 2.95, 50, dtype=np.float32).activation_regions == 5
    for chunk in (1, 3, 10, 49):  # chunk=10: the knot at -1 lies between two chunks
        again = grid_count(net, -1.95, 2.95, 50, chunk=chunk)
        np.testing.assert_array_equal(again.change_positions, grid.change_positions)


def test_walk_handles_exact_ties_zero_biases():
    # σ_b = 0: f is positively homogeneous, every knot sits at 0 (many neurons switch there at once).
    net = sample_network([6, 6, 6], 0.0, seed=(1, 4))
    exact = count_regions(net)
    assert exact.activation_regions == 2
    assert walk_count(net, -1.0, 1.0) == exact.restrict(-1.0, 1.0).activation_regions == 2
    assert walk_count(net, 0.0, 1.0) == 1


def test_knot_recall_hand_made():
    knots = np.array([2.0, 0.0, 0.05, 1.0])
    changes = np.array([0.02, 1.3])
    # one change within 0.1 of both 0 and 0.05 finds only one of them; 1.3 is 0.3 from 1; nothing near 2
    assert knot_recall(knots, changes, 0.1) == 0.25
    assert knot_recall(knots, changes, 0.1, one_to_one=False) == 0.5
    assert knot_recall(knots, changes, 0.3 + 1e-12) == 0.5
    assert knot_recall(knots, changes, 0.1, window=(-1.0, 1.5)) == pytest.approx(1 / 3)
    assert knot_recall(knots, [0.0, 0.05, 1.0, 2.0], 1e-9) == 1.0
    assert knot_recall(knots, [], 0.1) == 0.0
    assert knot_recall([], changes, 0.1) == 1.0
    with pytest.raises(ValueError, match="spacing"):
        knot_recall(knots, changes, 0.0)


def test_bad_arguments():
    net = sample_network([4], 1.0, seed=0)
    with pytest.raises(ValueError, match="lo < hi"):
        walk_count(net, 1.0, 1.0)
    with pytest.raises(ValueError, match="points"):
        grid_count(net, 0.0, 1.0, 1)
    with pytest.raises(ValueError, match="inputs"):
        walk_count(sample_network([4], 1.0, seed=0, n_in=2), 0.0, 1.0)
    with pytest.raises(TypeError):
        grid_count("net", 0.0, 1.0, 10)
