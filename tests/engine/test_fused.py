"""The fused numba kernels (relu1d.engine.kernels) against the array-API passes they replace.

The two paths do the same float operations in the same order on the same matrix products, so every field
of the result must be bit-identical, on random and on adversarial networks (coincident knots, zero biases,
duplicated and cancelling neurons, dead layers, huge and tiny weights), whatever the workspace held before.
"""

from __future__ import annotations

import numpy as np
import pytest

from relu1d import count_regions, sample_network
from relu1d.engine.decisions import DEFAULT_RTOL
from relu1d.engine.graph import graph_from_network
from relu1d.engine.propagation import dense
from relu1d.engine.propagation.line import propagate
from relu1d.engine.result import RegionCount
from relu1d.theory.constructions import zigzag_pieces_on_line, zigzag_power
from tests.networks import (
    dead_layer,
    duplicated_neurons,
    integer_weights,
    random_small,
    scaled,
    wide_dynamic_range,
    zero_bias,
)

pytest.importorskip("numba")


def _count(net, fused: bool, monkeypatch) -> RegionCount:
    with monkeypatch.context() as m:
        m.setenv("RELU1D_FUSED", "1" if fused else "0")
        assert (dense._fused_kernels(np) is not None) == fused
        return propagate(graph_from_network(net), np.zeros(1), np.ones(1), DEFAULT_RTOL)


def assert_identical(a: RegionCount, b: RegionCount) -> None:
    for field in ("knots", "is_breakpoint", "values", "slopes"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), strict=True, err_msg=field)
    for x, y in zip(a.knot_index, b.knot_index, strict=True):
        np.testing.assert_array_equal(x, y)
    for x, y in zip(a.knot_neurons, b.knot_neurons, strict=True):
        np.testing.assert_array_equal(x, y)
    assert (a.near_decisions, a.weak_decisions) == (b.near_decisions, b.weak_decisions)


GENERATORS = [random_small, integer_weights, zero_bias, duplicated_neurons, dead_layer, wide_dynamic_range, scaled]


@pytest.mark.parametrize("make", GENERATORS, ids=lambda f: f.__name__)
def test_fused_bit_identical_on_small_and_adversarial_networks(make, monkeypatch):
    near = 0
    for seed in range(40):
        net = make(seed)
        fused = _count(net, True, monkeypatch)
        assert_identical(fused, _count(net, False, monkeypatch))
        near += fused.near_decisions
    if make in (integer_weights, duplicated_neurons):
        assert near > 0  # the tolerance paths were exercised, not only clear margins


@pytest.mark.parametrize(("width", "depth", "sigma_b"), [(64, 5, 1.0), (257, 3, 1.0), (128, 4, 0.0), (300, 2, 1e-3)])
def test_fused_bit_identical_on_wider_networks(width, depth, sigma_b, monkeypatch):
    net = sample_network([width] * depth, sigma_b, seed=(31, width, depth))
    assert_identical(_count(net, True, monkeypatch), _count(net, False, monkeypatch))


def test_layer_adding_more_knots_than_the_reserved_room(monkeypatch):
    # A zig-zag composition doubles its knots every layer: far more new knots than _new_knot_room(width)
    # reserves, so the merge falls back to fresh arrays; counts stay the known ones.
    p, k = 3, 6
    net = zigzag_power(p, k)
    assert max(net.widths) + dense._new_knot_room(max(net.widths)) < zigzag_pieces_on_line(p, k)
    fused = _count(net, True, monkeypatch)
    assert_identical(fused, _count(net, False, monkeypatch))
    assert count_regions(net).linear_regions == zigzag_pieces_on_line(p, k)


def test_results_do_not_depend_on_what_the_workspace_held(monkeypatch):
    big = sample_network([200, 200, 200], 1.0, seed=1)
    small = sample_network([30, 30], 1.0, seed=2)
    dense.free_workspace()
    first = _count(small, True, monkeypatch)
    _count(big, True, monkeypatch)  # grows every slot, leaves stale values behind
    assert_identical(first, _count(small, True, monkeypatch))
    again = _count(big, True, monkeypatch)
    dense.free_workspace()
    assert_identical(again, _count(big, True, monkeypatch))


def test_results_are_independent_of_each_other(monkeypatch):
    # The workspace is reused by the next count: a result must own its arrays.
    net = sample_network([50, 50, 50], 1.0, seed=3)
    first = _count(net, True, monkeypatch)
    saved = first.values.copy(), first.slopes.copy(), first.knots.copy()
    _count(sample_network([60, 60, 60], 1.0, seed=4), True, monkeypatch)
    np.testing.assert_array_equal(first.values, saved[0])
    np.testing.assert_array_equal(first.slopes, saved[1])
    np.testing.assert_array_equal(first.knots, saved[2])


@pytest.mark.parametrize("fused", [True, False])
def test_single_nonzero_jump_rows_give_the_matrix_product(fused, monkeypatch):
    # Rows of ΔS with one nonzero skip the matrix product (v·W[:, c]); the count must equal the one that
    # multiplies every row, field by field.
    net = sample_network([96, 96, 96, 96], 1.0, seed=5)
    split_calls = []
    original = dense._jump_products

    def spy(prev, wt, xp, fused=None, out=None):
        split_calls.append(prev.single is not None and prev.single[0].shape[0] > 0)
        return original(prev, wt, xp, fused, out)

    monkeypatch.setattr(dense, "_jump_products", spy)
    split = _count(net, fused, monkeypatch)
    assert sum(split_calls) >= 3  # layers 2-4 used single rows
    monkeypatch.setattr(dense, "SINGLE_ROWS_MIN_FRACTION", 2.0)  # never split: one product for all rows
    assert_identical(split, _count(net, fused, monkeypatch))


@pytest.mark.parametrize(
    ("band", "drift", "every"),
    [(0.0, np.inf, 8), (1e100, np.inf, 8), (0.0, 0.0, 8), (0.0, np.inf, 1)],
    ids=["prefix values only", "every row recomputed", "every block recomputed", "every row an anchor"],
)
@pytest.mark.parametrize("make", [random_small, integer_weights, zero_bias, duplicated_neurons, wide_dynamic_range])
def test_prefix_sums_and_their_product_recomputes_agree_between_paths_and_with_the_rational_count(
    make, band, drift, every, monkeypatch
):
    # The values at the knots come from prefix sums of the slopes, except rows near a decision and drifting blocks,
    # which the product recomputes (docs/mathematics.md §2.2). Forced to each extreme, with short blocks so that
    # small networks have many: both paths agree bit for bit, and every certified count is the rational one.
    from relu1d.engine.oracles.exact import count_regions_exact

    monkeypatch.setattr(dense, "PRODUCT_BAND", band)
    monkeypatch.setattr(dense, "DRIFT_LIMIT", drift)
    monkeypatch.setattr(dense, "ANCHOR_EVERY", every)
    for seed in range(6):
        net = make(seed)
        fused = _count(net, True, monkeypatch)
        assert_identical(fused, _count(net, False, monkeypatch))
        exact = count_regions_exact(net)
        counted = fused if fused.certified else count_regions(net)  # uncertified: the automatic rational recount
        assert counted.linear_regions == len(exact.breakpoints) + 1
        assert counted.activation_regions == len(exact.knots) + 1
