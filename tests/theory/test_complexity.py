"""N_f(ε): the exact minimum-link continuous PWL approximation (relu1d.theory.complexity)."""

import numpy as np
import pytest

from relu1d.theory.complexity import (
    min_link_approximation,
    min_link_pieces,
    min_pieces_discontinuous,
    smooth_piece_estimate,
    sup_distance,
)


def _certified(x: np.ndarray, y: np.ndarray, eps: float) -> int:
    """N_f(ε), with its explicit optimal g checked: inside the tube, a function of x, and as many pieces."""
    n = min_link_pieces(x, y, eps)
    g = min_link_approximation(x, y, eps)
    assert g.pieces == n
    assert np.all(np.diff(g.x) >= 0)
    assert sup_distance(x, y, g.x, g.y) <= eps + 1e-9 * max(1.0, np.ptp(y))  # rounding, in y units
    return n


@pytest.mark.parametrize("pieces", [1, 2, 3, 5, 12, 40])
def test_pwl_target_with_p_pieces_needs_exactly_p(pieces):
    rng = np.random.default_rng(pieces)
    knots = np.sort(rng.uniform(-3, 3, pieces - 1))
    vx = np.concatenate([[-3.0], knots, [3.0]])
    vy = rng.normal(size=pieces + 1)
    # generic slopes: consecutive pieces differ (a random draw does this almost surely; make sure)
    slopes = np.diff(vy) / np.diff(vx)
    assert np.all(np.abs(np.diff(slopes)) > 1e-3)
    x = np.union1d(np.linspace(-3, 3, 1001), vx)
    y = np.interp(x, vx, vy)
    assert _certified(x, y, 1e-8) == pieces
    assert min_pieces_discontinuous(x, y, 1e-8) == pieces


@pytest.mark.parametrize("k", [1, 2, 3, 7, 20, 45])
def test_convex_parabola_matches_the_greedy_optimum(k):
    # On x² a line within ε spans at most 2√(2ε) (chord error h²/4 = 2ε) and the optimal lines x-interpolate
    # f + ε at the ends, so consecutive ones meet: continuous optimum = discontinuous greedy = ⌈2 / (2√(2ε))⌉.
    eps = 1.0 / (2.0 * (k - 0.5) ** 2)  # 1/√(2ε) = k − 1/2, away from a jump
    x = np.linspace(-1.0, 1.0, 4001)
    assert _certified(x, x**2, eps) == k
    assert min_pieces_discontinuous(x, x**2, eps) == k


@pytest.mark.parametrize(
    ("f", "f2", "lo", "hi"),
    [
        (np.sin, lambda t: -np.sin(t), -np.pi, np.pi),
        (lambda t: np.exp(-8 * t**2), lambda t: (256 * t**2 - 16) * np.exp(-8 * t**2), -1.0, 1.0),
        (np.square, lambda t: 2.0 + 0 * t, -1.0, 1.0),
    ],
)
def test_smooth_targets_follow_the_inverse_square_root_law(f, f2, lo, hi):
    x = np.linspace(lo, hi, 4001)
    y = f(x)
    for eps in [1e-4, 1e-5]:
        ratio = min_link_pieces(x, y, eps) / smooth_piece_estimate(x, f2(x), eps)
        assert 0.97 < ratio < 1.06, (eps, ratio)


def test_random_tubes_are_optimal_by_symmetry_and_bounded_by_the_discontinuous_count():
    # The window method runs left to right; an optimal count cannot depend on the direction (or on y -> −y),
    # so a non-optimal implementation shows up as a mismatch between the mirrored runs.
    rng = np.random.default_rng(2512)
    for _ in range(150):
        m = int(rng.integers(3, 60))
        x = np.cumsum(rng.uniform(0.01, 1.0, m))
        y = np.cumsum(rng.normal(size=m)) * rng.choice([1e-3, 1.0, 1e3])
        eps = float(rng.choice([0.05, 0.3, 1.0, 3.0]) * np.std(y))
        n = _certified(x, y, eps)
        assert min_link_pieces(-x[::-1], y[::-1], eps) == n
        assert min_link_pieces(x, -y, eps) == n
        assert min_link_pieces(7.0 * x - 3.0, 1e-3 * y + 5.0, 1e-3 * eps) == n
        lower = min_pieces_discontinuous(x, y, eps)
        assert lower <= n <= 2 * lower - 1


def test_count_is_monotone_in_eps():
    x = np.linspace(0.0, 1.0, 2001)
    y = np.sin(12 * x) + 0.3 * np.abs(x - 0.4)
    counts = [min_link_pieces(x, y, eps) for eps in np.geomspace(1e-5, 2.0, 12)]
    assert counts == sorted(counts, reverse=True)
    assert counts[-1] == 1 and counts[0] > 50


def test_two_samples_and_a_flat_target_are_one_piece():
    assert min_link_pieces(np.array([0.0, 1.0]), np.array([3.0, -2.0]), 1e-9) == 1
    assert min_link_pieces(np.linspace(0, 1, 50), np.zeros(50), 1e-12) == 1


@pytest.mark.parametrize(
    ("x", "y", "eps", "message"),
    [
        ([0.0, 1.0], [0.0, 1.0], 0.0, "eps"),
        ([0.0, 1.0], [0.0, 1.0], float("nan"), "eps"),
        ([0.0, 0.0, 1.0], [0.0, 1.0, 2.0], 0.1, "increasing"),
        ([0.0, 1.0], [0.0, float("nan")], 0.1, "finite"),
        ([0.0], [0.0], 0.1, "length"),
    ],
)
def test_bad_input_is_named(x, y, eps, message):
    with pytest.raises(ValueError, match=message):
        min_link_pieces(np.array(x), np.array(y), eps)
