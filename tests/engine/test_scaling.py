"""No wrong count at any scale: exact power-of-two rescaling (relu1d.engine.scaling), per-layer rescaling invariance
against the unscaled count and the rational one, and models whose numbers float64 cannot hold."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from relu1d import Network, count_regions, sample_network
from relu1d.engine.graph import Activation, Conv, Dense, Graph, Node, Scale, graph_from_network
from relu1d.engine.oracles.exact import count_regions_exact
from relu1d.engine.oracles.walk import walk_regions
from relu1d.engine.scaling import exact_power_of_two, normalised_graph, normalised_network
from tests import graphs

architectures = st.lists(st.integers(1, 6), min_size=1, max_size=3)


def scale_network(net: Network, exponents: list[int]) -> Network | None:
    """W_ℓ·2^{k_ℓ}, b_ℓ·2^{k_1+…+k_ℓ}: the same knots, f times 2^{Σk}; None where float64 cannot hold it exactly."""
    ws, bs, total = [], [], 0
    for w, b, k in zip(net.weights, net.biases, exponents, strict=True):
        total += k
        ws.append(exact_power_of_two(w, k))
        bs.append(exact_power_of_two(b, total))
    if any(x is None for x in ws + bs):
        return None
    return Network(ws, bs)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(widths=architectures, seed=st.integers(0, 2**32 - 1), sigma_b=st.sampled_from([0.0, 1.0]), data=st.data())
def test_per_layer_rescaling_leaves_the_count_unchanged(widths, seed, sigma_b, data):
    net = sample_network(widths, sigma_b, seed)
    ks = data.draw(st.lists(st.integers(-1000, 1000), min_size=len(net.weights), max_size=len(net.weights)))
    big = scale_network(net, ks)
    assume(big is not None)
    before, after = count_regions(net), count_regions(big)
    # both normalise to the same network: the same knots bit for bit, f scaled by exactly 2^{Σk}
    np.testing.assert_array_equal(after.knots, before.knots)
    np.testing.assert_array_equal(after.is_breakpoint, before.is_breakpoint)
    np.testing.assert_array_equal(after.knots_per_layer, before.knots_per_layer)
    expected = exact_power_of_two(before.values, sum(ks) - after.output_exponent)
    if expected is not None:
        np.testing.assert_array_equal(after.values, expected)
    exact = count_regions_exact(big)
    assert after.linear_regions == len(exact.breakpoints) + 1
    assert tuple(after.knots_per_layer) == tuple(exact.knots_per_layer)


def scale_chain_graph(graph: Graph, exponents: list[int]) -> Graph:
    """Every weight of a chain graph (dense, conv, scale) times 2^{k_i}, every bias, shift, kink and intercept
    after it times the cumulative power: f times 2^{Σk}, the same knots."""
    nodes, total, ks = [], 0, iter(exponents)
    for node in graph.nodes:
        op = node.op
        if isinstance(op, (Dense, Conv)):
            total += (k := next(ks))
            op = replace(
                op, weight=np.ldexp(op.weight, k), bias_=None if op.bias_ is None else np.ldexp(op.bias_, total)
            )
        elif isinstance(op, Scale):
            total += (k := next(ks))
            op = replace(op, scale=np.ldexp(op.scale, k), shift=None if op.shift is None else np.ldexp(op.shift, total))
        elif isinstance(op, Activation):
            op = replace(op, kinks=np.ldexp(op.kinks, total), intercepts=np.ldexp(op.intercepts, total))
        nodes.append(Node(node.name, op, node.inputs))
    return Graph(tuple(nodes))


CHAIN_FAMILIES = [name for name in graphs.FAMILIES if not name.startswith("residual")]


@pytest.mark.parametrize("family", CHAIN_FAMILIES)
@pytest.mark.parametrize("seed", range(3))
def test_rescaled_graphs_count_as_the_unscaled_ones(family, seed):
    graph = graphs.FAMILIES[family](seed)
    rng = np.random.default_rng([71, seed])
    n_scaled = sum(isinstance(n.op, (Dense, Conv, Scale)) for n in graph.nodes)
    totals = [0, *rng.choice([-500, -250, 250, 500], size=n_scaled).tolist()]  # cumulative powers: |k| ≤ 1000
    ks = [int(b - a) for a, b in itertools.pairwise(totals)]
    big = scale_chain_graph(graph, ks)
    a, d = graphs.random_line(rng, graph.input_shape)
    before, after = count_regions(graph, a, a + d), count_regions(big, a, a + d)
    np.testing.assert_array_equal(after.knots, before.knots)
    np.testing.assert_array_equal(after.is_breakpoint, before.is_breakpoint)
    np.testing.assert_array_equal(after.knots_per_layer, before.knots_per_layer)
    exact = walk_regions(big, a, d, exact=True)
    graphs.assert_same_regions(after, exact)


def test_normalisation_is_the_identity_where_nothing_needs_it():
    net = Network([np.array([[0.75], [-0.5]]), np.array([[0.5, 0.25]])], [np.array([0.1, 0.2]), np.array([0.0])])
    assert normalised_network(net) == (net, 0)
    graph = graph_from_network(net)
    assert normalised_graph(graph) == (graph, 0)


def test_a_bias_float64_cannot_rescale_leaves_the_network_unscaled():
    net = Network([np.array([[1e300], [1.0]]), np.array([[1e300, 1.0]])], [np.array([1e-300, 0.5]), np.array([0.0])])
    assert normalised_network(net) == (net, 0)


def _save_npz(path, net: Network) -> None:
    np.savez(path, **net.arrays())


def _scaled_same_factor(net: Network, c: float) -> Network:
    """Every weight and bias times c (not homogeneous: the biases of deep layers shrink relative to the products)."""
    return Network([w * c for w in net.weights], [b * c for b in net.biases])


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "relu1d.cli", *args], capture_output=True, text=True, check=False)


@pytest.mark.parametrize("c", [1e80, 1e300])
def test_overflowing_networks_give_the_exact_count_on_the_cli(tmp_path, c):
    """Weights and biases of a 24 × 3 network times c per layer: f overflows float64 (1e80) or even its products do
    (1e300): the CLI prints the exact count (rational where float64 cannot hold the network), never 1 region."""
    big = _scaled_same_factor(sample_network([24] * 3, 1.0, seed=3), c)
    path = tmp_path / "big.npz"
    _save_npz(path, big)
    out = _cli("count", str(path), "--json")
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    exact = count_regions_exact(big)
    assert summary["linear_regions"] == len(exact.breakpoints) + 1 > 1
    assert summary["knots_per_layer"] == list(exact.knots_per_layer)


def test_a_network_float64_cannot_count_fails_in_one_line(tmp_path):
    big = _scaled_same_factor(sample_network([256] * 3, 1.0, seed=0), 1e300)
    path = tmp_path / "big.npz"
    _save_npz(path, big)
    out = _cli("count", str(path))
    assert out.returncode == 2
    assert out.stdout == ""
    assert len(out.stderr.strip().splitlines()) == 1 and "float64's range" in out.stderr


@pytest.mark.parametrize("c", [1e80, 1e300])
def test_overflowing_onnx_models_count_exactly_or_fail_in_one_line(tmp_path, c):
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    net = sample_network([16, 16], 1.0, seed=5, n_in=3)
    big = _scaled_same_factor(net, c)
    nodes, inits, x = [], [], "x"
    for i, (w, b) in enumerate(zip(big.weights, big.biases, strict=True)):
        inits += [numpy_helper.from_array(w.T.copy(), f"w{i}"), numpy_helper.from_array(b, f"b{i}")]
        nodes.append(helper.make_node("Gemm", [x, f"w{i}", f"b{i}"], [f"z{i}"]))
        x = f"z{i}"
        if i < len(big.weights) - 1:
            nodes.append(helper.make_node("Relu", [x], [f"h{i}"]))
            x = f"h{i}"
    inputs = [helper.make_tensor_value_info("x", TensorProto.DOUBLE, [1, 3])]
    outputs = [helper.make_tensor_value_info(x, TensorProto.DOUBLE, [1, 1])]
    model = helper.make_model(helper.make_graph(nodes, "big", inputs, outputs, inits))
    path = tmp_path / "big.onnx"
    onnx.save(model, path)
    a, b = np.array([0.3, -1.0, 2.0]), np.array([-0.5, 0.7, 1.1])
    np.save(tmp_path / "a.npy", a)
    np.save(tmp_path / "b.npy", b)
    out = _cli("count", str(path), "--line", str(tmp_path / "a.npy"), str(tmp_path / "b.npy"), "--json")
    if out.returncode != 0:
        assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1, out.stderr
        return
    exact = walk_regions(graph_from_network(big), a, b - a, exact=True)
    assert json.loads(out.stdout)["linear_regions"] == exact.linear_regions > 1


def scale_at_the_input(graph: Graph, k: int) -> Graph:
    """The first dense layer times 2^k and every later bias, shift, kink and intercept times 2^k: every tensor is
    2^k times the original's (residual sums and concatenations included), the knots are the same."""
    nodes, first = [], True
    for node in graph.nodes:
        op = node.op
        if isinstance(op, (Dense, Conv)):
            weight = np.ldexp(op.weight, k) if first else op.weight
            op = replace(op, weight=weight, bias_=None if op.bias_ is None else np.ldexp(op.bias_, k))
            first = False
        elif isinstance(op, Scale) and op.shift is not None:
            op = replace(op, shift=np.ldexp(op.shift, k))
        elif isinstance(op, Activation):
            op = replace(op, kinks=np.ldexp(op.kinks, k), intercepts=np.ldexp(op.intercepts, k))
        nodes.append(Node(node.name, op, node.inputs))
    return Graph(tuple(nodes))


@pytest.mark.parametrize("family", ["residual-concat", "residual-duplicates"])
@pytest.mark.parametrize("k", [-900, 900])
def test_residual_sums_and_concatenations_rescale_exactly(family, k):
    graph = graphs.FAMILIES[family](1)
    big = scale_at_the_input(graph, k)
    scaled, exponent = normalised_graph(big)
    assert exponent != 0 and any(getattr(n.op, "powers", None) for n in scaled.nodes)  # sums/concats aligned
    rng = np.random.default_rng(5)
    a, d = graphs.random_line(rng, graph.input_shape)
    before, after = count_regions(graph, a, a + d), count_regions(big, a, a + d)
    np.testing.assert_array_equal(after.knots, before.knots)
    np.testing.assert_array_equal(after.knots_per_layer, before.knots_per_layer)
    graphs.assert_same_regions(after, walk_regions(big, a, d, exact=True))
