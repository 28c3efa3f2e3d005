"""Arora et al. zig-zag compositions: exact counts (p+1)^k on [0, M] and over ℝ."""

import itertools
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from relu1d import count_regions, sample_network
from relu1d.engine.oracles.exact import count_rational_parameters, count_regions_exact
from relu1d.replication.arora import (
    a1_table,
    a2_table,
    a3_table,
    min_size_by_piece_bound,
    piece_bound,
    random_dyadic_pwl,
    tradeoff_table,
)
from relu1d.replication.claims import arora_verdicts
from relu1d.theory.constructions import (
    min_units_one_hidden_layer,
    pwl_network,
    zigzag,
    zigzag_interval,
    zigzag_pieces_on_interval,
    zigzag_pieces_on_line,
    zigzag_power,
    zigzag_rational,
)


@pytest.mark.parametrize("p", [1, 2, 3])
@pytest.mark.parametrize("k", range(1, 7))
def test_zigzag_power_counts(p, k):
    net = zigzag_power(p, k)
    a, b = zigzag_interval(p)
    result = count_regions(net)
    assert result.restrict(a, b).linear_regions == zigzag_pieces_on_interval(p, k)
    assert result.linear_regions == zigzag_pieces_on_line(p, k)
    # every piece boundary is a knot; a composition has no knots that are not breakpoints inside [0, M]
    assert result.knots.min() == 0.0


@pytest.mark.parametrize(("p", "k"), [(1, 4), (2, 4), (3, 3)])
def test_zigzag_counts_match_rational(p, k):
    net = zigzag_power(p, k)
    exact = count_regions_exact(net)
    a, b = zigzag_interval(p)
    assert exact.linear_regions == zigzag_pieces_on_line(p, k)
    assert exact.restrict(a, b).linear_regions == zigzag_pieces_on_interval(p, k)
    assert count_regions(net, exact_fallback=False, prove=False).linear_regions == exact.linear_regions


def test_zigzag_rejects_bad_parameters():
    with pytest.raises(ValueError, match="p must be"):
        zigzag_power(0, 2)
    with pytest.raises(ValueError, match="k must be"):
        zigzag_power(2, 0)


@pytest.mark.parametrize("flat", ["", "left", "right"])
def test_pwl_network_has_exactly_the_pieces_of_its_function(flat):
    rng = np.random.default_rng(len(flat))
    for pieces in range(2, 13):
        t, s, y = random_dyadic_pwl(rng, pieces, flat)
        net = pwl_network(t, s, y)
        expected_units = pieces - 1 if (s[0] == 0 or s[-1] == 0) else pieces
        assert net.widths == (expected_units,)
        exact = count_regions_exact(net)
        assert exact.linear_regions == pieces
        assert [float(b) for b in exact.breakpoints] == list(t)
        assert float(exact.slopes[0]) == s[0] and float(exact.slopes[-1]) == s[-1]
        assert net(np.array([t[0]]))[0] == y
        assert count_regions(net).linear_regions == pieces


def test_fewer_units_cannot_reach_p_pieces():
    for pieces in range(3, 10):
        assert min_units_one_hidden_layer(pieces) == pieces - 1
        for seed in range(20):
            net = sample_network((pieces - 2,), 1.0, seed=(pieces, seed))
            assert count_regions(net).linear_regions <= pieces - 1 < pieces
    with pytest.raises(ValueError, match="increasing"):
        pwl_network([1.0, 0.0], [1.0, 2.0, 3.0], 0.0)
    with pytest.raises(ValueError, match="slopes"):
        pwl_network([1.0], [1.0], 0.0)


@pytest.mark.parametrize(
    "a", [(0.5, 0.25, 0.25), (0.25, 0.25, 0.25, 0.125, 0.125), (0.125, 0.875), (0.25, 0.5, 0.125, 0.125)]
)
@pytest.mark.parametrize("k", [1, 2, 3])
def test_general_zigzag_counts(a, k):
    p = len(a) - 1
    net = zigzag(a, k, height=4.0)
    result = count_regions(net)
    assert result.restrict(0.0, 4.0).linear_regions == zigzag_pieces_on_interval(p, k)
    assert result.linear_regions == zigzag_pieces_on_line(p, k)
    if k <= 2:
        assert count_regions_exact(net).linear_regions == zigzag_pieces_on_line(p, k)


def test_general_zigzag_any_rational_simplex_point_is_exact():
    rng = np.random.default_rng(3)
    for _ in range(8):
        parts = rng.integers(1, 30, size=rng.integers(2, 5))
        a = [Fraction(int(v), int(parts.sum())) for v in parts]
        p = len(a) - 1
        for k in (1, 2, 3):
            weights, biases = zigzag_rational(a, k, height=Fraction(7, 3))
            exact = count_rational_parameters(weights, biases)
            assert exact.linear_regions == zigzag_pieces_on_line(p, k)
            assert exact.restrict(Fraction(0), Fraction(7, 3)).linear_regions == zigzag_pieces_on_interval(p, k)
    # the same a rounded to floats is a different function: its exact count may exceed (p+1)^k (see module doc)
    with pytest.raises(ValueError, match="summing to 1"):
        zigzag((0.5, 0.6), 2)
    with pytest.raises(ValueError, match="summing to 1"):
        zigzag_rational([Fraction(1, 2), Fraction(1, 3)], 2)


def test_piece_bound_and_the_size_it_implies():
    assert piece_bound((3,)) == 4 and piece_bound((2, 2)) == 2 * 3 * 2 and piece_bound((4, 5, 6)) == 4 * 5 * 5 * 6
    # brute force over all width vectors of a given total size
    for depth in (1, 2, 3):
        for pieces in (5, 17, 60):
            s = min_size_by_piece_bound(pieces, depth)
            best = {
                total: max(
                    piece_bound(w) for w in itertools.product(range(1, total + 1), repeat=depth) if sum(w) == total
                )
                for total in range(depth, s + 1)
            }
            assert best[s] >= pieces and all(best[t] < pieces for t in range(depth, s))


def test_arora_tables_and_verdicts():
    a1 = a1_table([2, 5, 13], 3, seed=1)
    assert (a1["counted"] == a1["pieces"]).all() and a1["counted_rational"].isna().sum() == 3  # p = 13 > 12
    a2 = a2_table({1: 3, 2: 2}, [(1, 2)], 2)
    assert (a2["on_interval"] == a2["on_interval_formula"]).all() and len(a2) == 7
    trade = tradeoff_table([2, 3], count_up_to=2)
    assert trade["deep_pieces_counted"].iloc[0] == 16 and np.isnan(trade["deep_pieces_counted"].iloc[1])
    assert (trade["shallow_size_by_a3_bound"] >= trade["shallow_size_thm32"]).all()
    counts = pd.DataFrame(
        {"cell": ["c", "c"], "experiment": "e", "widths": [[4, 4], [4, 4]], "linear_regions": [9, 12]}
    )
    a3 = a3_table(counts, a2)
    assert a3.loc[0, "bound"] == 2 * 5 * 4 and a3.loc[0, "max_pieces"] == 12 and len(a3) == 1 + len(a2)
    verdicts = arora_verdicts(a1, a2, trade, a3)
    assert {c: v for c, (_, v) in verdicts.items()} == {"A1": "supported", "A2": "supported", "A3": "supported"}
    over = a3.assign(max_pieces=a3["bound"] + 1)
    assert arora_verdicts(a1, a2, trade, over)["A3"][1] == "not supported"
    wrong = a2.assign(on_line=a2["on_line"] + 1)
    assert arora_verdicts(a1, wrong, trade, a3)["A2"][1] == "not supported"
