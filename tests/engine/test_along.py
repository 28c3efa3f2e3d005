"""The graph engine along a line against the rational region walk, the chain engine and the graphs' own forward pass.

As for the chain engine: the default count (float64 with the automatic rational recount) must equal the rational
walk on every graph; the float engine alone must equal it whenever it reports itself certified.
"""

from __future__ import annotations

import numpy as np
import pytest

from relu1d import count_regions
from relu1d.engine.count import count_graph
from relu1d.engine.graph import Activation, Dense, Graph, Input, MaxPool, Node, Window, graph_from_network
from relu1d.engine.oracles.walk import walk_regions
from tests.graphs import (
    FAMILIES,
    assert_matches_forward,
    assert_same_regions,
    conv_graph,
    dense_graph,
    random_line,
    zero_biases,
)
from tests.networks import ADVERSARIAL, random_small


def _check(graph: Graph, a: np.ndarray, d: np.ndarray) -> bool:
    exact = walk_regions(graph, a, d)
    alone = count_graph(graph, a, d, exact_fallback=False)
    default = count_graph(graph, a, d)
    assert_same_regions(default, exact)
    if alone.certified:
        assert_same_regions(alone, exact)
    assert_matches_forward(alone, graph.evaluate, a, d)
    window = (-0.5, 1.5)  # counted on the window alone: its ends are the first points, nothing beyond is looked at
    on_window = count_graph(graph, a, d, window=window)
    assert_same_regions(on_window, exact.restrict(*window))
    assert_matches_forward(on_window, graph.evaluate, a, d, window=window)
    return alone.certified


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_float_engine_equals_the_rational_walk(family: str) -> None:
    certified = 0
    for seed in range(12):
        graph = FAMILIES[family](seed)
        a, d = random_line(np.random.default_rng([5, seed]), graph.input_shape)
        certified += _check(graph, a, d)
    if family != "residual-duplicates":  # exact cancellations are decided by the tolerance (near decisions)
        assert certified >= 6  # generic graphs are decided with clear margins


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_lines_through_the_origin_with_zero_biases(family: str) -> None:
    """Positively homogeneous graphs on a line through 0: every knot of a ReLU-family unit coincides at t = 0."""
    for seed in range(4):
        graph = zero_biases(FAMILIES[family](seed))
        a, d = random_line(np.random.default_rng([6, seed]), graph.input_shape, through_origin=True)
        _check(graph, a, d)


@pytest.mark.parametrize("make", [random_small, *ADVERSARIAL.values()])
def test_a_network_as_a_graph_counts_as_the_chain_engine(make) -> None:
    for seed in range(15):
        net = make(seed)
        chain = count_regions(net)
        graph = count_graph(graph_from_network(net), np.zeros(1), np.ones(1))
        assert_same_regions(graph, chain)


def test_ties_in_max_pooling_and_dead_units() -> None:
    """Duplicated units under one max (ties everywhere), a unit that is never on, and one that is always on."""
    rng = np.random.default_rng(3)
    w, b = rng.normal(size=(6, 2)), rng.normal(size=6)
    w[1], b[1] = w[0], b[0]  # a duplicate: the max ties on a whole interval
    w[2], b[2] = 0.0, -1.0  # dead
    w[3], b[3] = 0.0, 2.0  # constant, always on
    pools = np.array([[0, 1, 2, 3], [1, 4, 5, -1]])
    graph = Graph((
        Node("x", Input((2,)), ()),
        Node("fc", Dense(w, b), (0,)),
        Node("relu", Activation.relu(), (1,)),
        Node("max", MaxPool(Window(pools, (2,))), (2,)),
        Node("out", Dense(rng.normal(size=(1, 2)), rng.normal(size=1)), (3,)),
    ))  # fmt: skip
    for seed in range(10):
        a, d = random_line(np.random.default_rng([8, seed]), (2,))
        _check(graph, a, d)


@pytest.mark.parametrize("exponent", [-300, -40, 40, 300])
def test_huge_and_tiny_weights(exponent: int) -> None:
    """Scaling the convolution and the batch norm's shift by 2^e scales the ReLU's input: no knot moves."""
    from dataclasses import replace

    graph = conv_graph(2)
    a, d = random_line(np.random.default_rng(9), graph.input_shape)
    reference = count_graph(graph, a, d)
    conv, bn = graph.nodes[1].op, graph.nodes[2].op
    factor = 2.0**exponent
    conv = replace(conv, weight=conv.weight * factor, bias_=conv.bias_ * factor)
    nodes = (graph.nodes[0], Node("conv", conv, (0,)), Node("bn", replace(bn, shift=bn.shift * factor), (1,)),
             *graph.nodes[3:])  # fmt: skip
    result = count_graph(Graph(nodes), a, d)
    assert_same_regions(result, reference)


def test_window_and_classes() -> None:
    graph = dense_graph(4)
    a, d = random_line(np.random.default_rng(4), graph.input_shape)
    full = count_graph(graph, a, d, classes=True)
    part = count_graph(graph, a, d, window=(-0.5, 1.5), classes=True)
    assert_same_regions(part, full.restrict(-0.5, 1.5))  # the window's own count: its ends are its anchors
    exact = walk_regions(graph, a, d, classes=True)
    np.testing.assert_allclose(full.class_changes, exact.class_changes, rtol=1e-9, atol=1e-12)
    # between class changes the arg-max of the graph's own output is constant, and it changes across each one
    edges = np.concatenate([[full.class_changes[0] - 1], full.class_changes, [full.class_changes[-1] + 1]])
    mids = (edges[:-1] + edges[1:]) / 2
    labels = np.argmax(graph.evaluate(a[None] + mids[:, None] * d[None]), axis=1)
    assert np.all(labels[1:] != labels[:-1])


def test_float_walk_is_the_textbook_region_walk() -> None:
    graph = conv_graph(5)
    a, d = random_line(np.random.default_rng(5), graph.input_shape)
    assert_same_regions(walk_regions(graph, a, d, exact=False), walk_regions(graph, a, d))


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (lambda: Dense(np.array([[np.nan, 1.0]])), "finite"),
        (lambda: Activation.clip(1.0, 0.0), "min < max"),
        (lambda: Activation("bent", np.zeros(1), np.array([0.0, 1.0]), np.array([0.0, 1.0])), "not continuous"),
        (lambda: Graph((Node("x", Input((3,)), ()), Node("fc", Dense(np.ones((2, 4))), (0,)))), "does not end in 4"),
    ],
)
def test_bad_graphs_are_refused(bad, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        bad()


def test_bad_lines_are_refused() -> None:
    graph = dense_graph(0)
    with pytest.raises(ValueError, match="shape"):
        count_graph(graph, np.zeros(2), np.ones(2))
    with pytest.raises(ValueError, match="finite"):
        count_graph(graph, np.zeros(3), np.array([1.0, np.inf, 0.0]))
