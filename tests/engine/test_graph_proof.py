"""The a-posteriori proof of a graph's count (relu1d.engine.graph_proof): it proves the float counts of every test
family, what it proves is the rational region walk's answer, and a candidate with one thing wrong fails it."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from relu1d import count_regions
from relu1d.engine.count import count_graph
from relu1d.engine.graph import Activation, Dense, MaxPool, graph_from_layers
from relu1d.engine.graph_proof import certify_graph_count
from relu1d.engine.oracles.walk import walk_regions
from relu1d.engine.scaling import normalised_graph
from tests.graphs import FAMILIES, assert_same_regions, random_line

#: families whose float counts have no exact coincidence (duplicated units change at one knot: not provable one
#: change at a time, recounted by the walk)
GENERIC = sorted(name for name in FAMILIES if name != "residual-duplicates")


def _counted(name: str, seed: int, window: tuple[float, float] | None = None) -> tuple:
    graph = FAMILIES[name](seed)
    a, d = random_line(np.random.default_rng(seed), graph.input_shape)
    return graph, a, d, count_graph(graph, a, d, window=window, exact_fallback=False)


@pytest.mark.parametrize("name", GENERIC)
@pytest.mark.parametrize("window", [None, (-0.5, 0.7)])
def test_every_generic_family_is_proven_and_the_proof_is_the_walks_answer(name, window):
    for seed in range(6):
        graph, a, d, result = _counted(name, seed, window)
        cert = certify_graph_count(graph, a, d, result, window)
        assert cert.certified, (seed, cert)
        assert cert.knots_per_layer == tuple(result.knots_per_layer.tolist())
        exact = walk_regions(graph, a, d, exact=True, window=window)
        assert_same_regions(result, exact)
        door = count_graph(graph, a, d, window=window, prove=True)  # the door proves what it restricts to
        assert door.method == "proven" and door.open_decisions == 0
        assert_same_regions(door, exact)


def test_duplicated_units_are_left_open_and_the_door_recounts_them():
    opened = 0
    for seed in range(6):
        graph, a, d, result = _counted("residual-duplicates", seed)
        cert = certify_graph_count(graph, a, d, result)
        exact = walk_regions(graph, a, d, exact=True)
        if cert.certified:
            assert_same_regions(result, exact)
        else:
            opened += 1
            assert cert.open_decisions > 0
            settled = count_graph(graph, a, d, prove=True)
            assert settled.proven and settled.method == "rational" and settled.open_decisions == 0
            assert_same_regions(settled, exact)
    assert opened


def _drop_knot(result, k: int):
    """``result`` without knot k (a dropped root)."""
    keep = np.arange(result.knots.shape[0]) != k
    new_index = np.cumsum(keep) - 1
    index, neurons = [], []
    for idx, nrn in zip(result.knot_index, result.knot_neurons, strict=True):
        m = idx != k
        index.append(new_index[idx[m]])
        neurons.append(nrn[m])
    return replace(result, knots=result.knots[keep], is_breakpoint=result.is_breakpoint[keep],
                   values=result.values[keep], slopes=result.slopes[np.r_[keep, True]],
                   knot_index=tuple(index), knot_neurons=tuple(neurons))  # fmt: skip


@pytest.mark.parametrize("name", ["dense-relu", "dense-clip", "conv2d-max", "conv1d-prelu-abs", "residual-concat"])
def test_one_thing_wrong_fails_the_proof(name):
    graph, a, d, result = _counted(name, 2)
    assert certify_graph_count(graph, a, d, result).certified
    n = result.knots.shape[0]
    assert n >= 3
    k = n // 2
    unit = next(u for u, idx in enumerate(result.knot_index) if np.any(idx == k))
    where = int(np.nonzero(result.knot_index[unit] == k)[0][0])

    # another element's piece changes there (a wrong sign decision)
    neurons = [x.copy() for x in result.knot_neurons]
    neurons[unit][where] = (neurons[unit][where] + 1) % result.widths[unit]
    wrong_unit = replace(result, knot_neurons=tuple(neurons))
    # a breakpoint said to be none, or the reverse
    flags = result.is_breakpoint.copy()
    flags[k] = not flags[k]
    wrong_jump = replace(result, is_breakpoint=flags)
    # a root dropped
    dropped = _drop_knot(result, k)
    # a knot moved into its neighbour's segment (past the next knot)
    knots = result.knots.copy()
    knots[k] = 0.5 * (result.knots[k + 1] + (result.knots[k + 2] if k + 2 < n else result.knots[k + 1] + 1.0))
    moved = replace(result, knots=knots)
    for wrong in (wrong_unit, wrong_jump, dropped, moved):
        assert not certify_graph_count(graph, a, d, wrong).certified


def test_a_missed_max_pool_tie_fails_the_proof():
    """ReLU then max pooling: where a ReLU of a window whose entries are all 0 turns on, the arg-max leaves the tie at
    the same knot (a change forced by an exact tie, listed at both units). Listing only the ReLU's fails."""
    for seed in range(6):
        graph, a, d, result = _counted("conv2d-max", seed)
        pool = next(u for u, i in enumerate(graph.units) if isinstance(graph.nodes[i].op, MaxPool))
        shared = np.intersect1d(result.knot_index[pool], result.knot_index[pool - 1])
        if shared.size:
            break
    else:
        pytest.fail("no forced max-pool change in the family")
    assert certify_graph_count(graph, a, d, result).certified
    keep = result.knot_index[pool] != shared[0]
    index, neurons = list(result.knot_index), list(result.knot_neurons)
    index[pool], neurons[pool] = index[pool][keep], neurons[pool][keep]
    missed = replace(result, knot_index=tuple(index), knot_neurons=tuple(neurons))
    assert not certify_graph_count(graph, a, d, missed).certified


def test_knots_merged_by_the_tolerance_are_refused_and_recounted():
    """Two ReLUs whose knots are 2⁻⁴⁰ apart: the float count merges them within its tolerance (one knot, two
    changes). The proof refuses that answer, and the door's rational recount separates them."""
    w1 = np.array([[1.0], [1.0 + 2.0**-40]])
    graph = graph_from_layers(
        (1,), [("d1", Dense(w1, np.array([-1.0, -1.0]))), ("r1", Activation.relu()), ("out", Dense(np.ones((1, 2))))]
    )
    line = (np.zeros(1), np.ones(1))
    merged = count_graph(graph, *line, exact_fallback=False)
    assert merged.activation_regions == 2 and not merged.certified
    cert = certify_graph_count(graph, *line, merged)
    assert not cert.certified and cert.open_decisions > 0
    settled = count_graph(graph, *line, prove=True)
    assert settled.method == "rational" and settled.activation_regions == settled.linear_regions == 3


def test_prove_auto_proves_a_small_model_and_false_does_not():
    graph, a, d, _ = _counted("conv2d-avg", 1)
    auto = count_regions(graph, a, a + d)
    assert auto.proven and auto.open_decisions == 0
    never = count_regions(graph, a, a + d, prove=False)
    assert never.open_decisions is None and never.linear_regions == auto.linear_regions


def test_blocks_of_segments_prove_what_one_block_proves():
    """The proof runs in blocks of segments (bounded memory); blocks of 64 segments give the very certificate of one
    block, on a network graph (hundreds of knots) and on a residual CNN with ties."""
    from relu1d import sample_network
    from relu1d.engine.graph import graph_from_network

    net = sample_network([48, 48, 48], 1.0, seed=3)
    cases = [(graph_from_network(net), np.zeros(1), np.ones(1))]
    graph, a, d, _ = _counted("conv2d-max", 1)
    cases.append((graph, a, d))
    for graph, a, d in cases:
        result = count_graph(graph, a, d, exact_fallback=False)
        assert result.knots.shape[0] > 64
        whole = certify_graph_count(graph, a, d, result, block_bytes=2**40)
        blocks = certify_graph_count(graph, a, d, result, block_bytes=1)
        assert whole.certified and blocks == whole


def test_numbers_that_underflow_are_not_proven():
    """Found by a review: an aligned residual branch that underflows to an exact 0 would pass for a structural zero,
    and a path derivative of 2⁻¹²⁰⁰ would underflow to "no path". Both leave the safe range, so neither is proven,
    and the door recounts them exactly."""
    from relu1d.engine.graph import Concat, Graph, Input, Node, Sum

    big, tiny = 2.0**380, 2.0**-300
    branch = Graph((
        Node("input", Input((2,)), ()),
        Node("a1", Dense(np.array([[big, 0.0]]), np.array([-0.5 * big])), (0,)),
        Node("relu_a", Activation.relu(), (1,)),
        Node("a2", Dense(np.array([[big]])), (2,)),
        Node("b", Dense(np.array([[0.0, 1.0]])), (0,)),
        Node("sum", Sum(), (3, 4)),  # rescaled: the constant branch aligned by 2⁻⁷⁶⁰
        Node("relu_s", Activation.relu(), (5,)),  # always on, by 2⁻¹¹⁰⁰
        Node("out", Dense(np.array([[1.0]])), (6,)),
    ))  # fmt: skip
    path = Graph((
        Node("input", Input((1,)), ()),
        Node("z", Dense(np.array([[1.0]])), (0,)),
        Node("relu", Activation.relu(), (1,)),
        Node("cat", Concat(0), (2, 0)),
        *(Node(f"d{k}", Dense(np.array([[tiny, 1.0], [0.0, 1.0]])), (3 + k,)) for k in range(3)),
        Node("out", Dense(np.array([[tiny, 1.0]])), (6,)),  # d out / d relu = 2⁻¹²⁰⁰
    ))  # fmt: skip
    for graph, a, d in ((branch, np.array([0.0, 2.0**-340]), np.array([1.0, 0.0])), (path, np.zeros(1), np.ones(1))):
        exact = walk_regions(graph, a, d, exact=True)
        result = count_graph(graph, a, d, exact_fallback=False)
        counted = normalised_graph(graph)[0]  # what the door proves: the branch's alignment lives here
        for flags in (np.ones(result.knots.shape[0], dtype=bool), np.zeros(result.knots.shape[0], dtype=bool)):
            assert not certify_graph_count(counted, a, d, replace(result, is_breakpoint=flags)).certified
        door = count_graph(graph, a, d, prove=True)
        assert door.method == "rational"
        assert_same_regions(door, exact)


@pytest.mark.parametrize("name", GENERIC)
def test_every_node_bound_holds_the_exact_forms(name):
    """|exact − z̃| ≤ e entrywise and ‖exact − z̃‖₂ ≤ n per segment, for the values and the slopes of every node's forms
    (the dense nodes' bounds come from the carried norms and ‖W‖₂; forms shared by several segments are read at each
    one's point), against the graph evaluated in rational arithmetic at each segment's point and a hair beyond it."""
    from fractions import Fraction

    from relu1d.engine import graph_proof as gp
    from relu1d.engine.graph import Affine
    from relu1d.engine.graph import exact_array as exact
    from relu1d.engine.proof import bracket_points

    for seed in range(3):
        graph, a, d, result = _counted(name, seed)
        mid = bracket_points(result.knots).mid
        mid = mid[np.unique(np.linspace(0, mid.shape[0] - 1, 5).astype(int))]
        hair = Fraction(1, 2**70)
        points = [exact(a) + exact(d) * Fraction(float(m)) for m in mid]
        values = graph.evaluate(np.stack(points), all_nodes=True)
        beyond = graph.evaluate(np.stack([p + exact(d) * hair for p in points]), all_nodes=True)
        norms = gp._operator_norms(graph)
        every = gp._partition(np.ones(mid.shape[0] - 1, dtype=bool))
        # one row for all points at first, split where a unit's pattern changes (as the proof shares them)
        forms = {0: gp._input_forms(a, d, mid, *gp._partition(np.zeros(mid.shape[0] - 1, dtype=bool)))}
        for i, node in enumerate(graph.nodes[1:], start=1):
            ins = [forms[j] for j in node.inputs]
            if isinstance(node.op, Affine):
                rows = gp._partition(np.logical_or.reduce([x.boundaries() for x in ins]))
                forms[i] = gp._affine_forms(node.op, [x.on(*rows, mid) for x in ins], graph, i, norms)
            else:
                forms[i] = gp._unit(node.op, ins[0], graph.shapes[i], mid, every).output
            f = forms[i].on(*every, mid)
            for r in range(mid.shape[0]):
                z, s = values[i][r].reshape(-1), ((beyond[i][r] - values[i][r]) / hair).reshape(-1)
                for approx, bound, norm, true in ((f.z, f.e_z, f.n_z, z), (f.s, f.e_s, f.n_s, s)):
                    err = [Fraction(float(x)) - t for x, t in zip(approx[r].reshape(-1), true, strict=True)]
                    assert all(abs(e) <= Fraction(float(b)) for e, b in zip(err, bound[r].reshape(-1), strict=True))
                    assert sum(e * e for e in err) <= Fraction(float(norm[r])) ** 2, (name, seed, node.name)
