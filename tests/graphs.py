"""Small piecewise-linear graphs of every supported operation, random and adversarial (shared by the test modules),
and the checks that compare a count with the rational region walk and with a framework's own forward pass."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np

from relu1d import RegionCount
from relu1d.engine.graph import (
    Activation,
    AvgPool,
    Concat,
    Conv,
    Dense,
    Graph,
    Input,
    MaxPool,
    Node,
    Reshape,
    Scale,
    Sum,
    Window,
    graph_from_layers,
)


def _he(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int) -> np.ndarray:
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape)


ACTIVATIONS = {
    "relu": Activation.relu,
    "leaky": lambda: Activation.leaky_relu(0.1),
    "abs": Activation.abs,
    "clip": lambda: Activation.clip(-0.5, 0.75),
    "relu6": lambda: Activation.clip(0.0, 6.0),
}


def dense_graph(seed: int, activation: str = "relu", sigma_b: float = 1.0) -> Graph:
    """A fully connected net of widths 2–6 (depth 1–3) on a 3-d input, any activation, 2 outputs."""
    rng = np.random.default_rng([31, seed])
    sizes = [3, *rng.integers(2, 7, size=int(rng.integers(1, 4))).tolist(), 2]
    layers = []
    for ell, (m, n) in enumerate(itertools.pairwise(sizes)):
        layers.append((f"dense{ell}", Dense(_he(rng, (n, m), m), rng.normal(0, sigma_b, n))))
        if ell < len(sizes) - 2:
            layers.append((f"act{ell}", ACTIVATIONS[activation]()))
    return graph_from_layers((3,), layers)


def conv_graph(seed: int, *, pool: str = "max", sigma_b: float = 0.5) -> Graph:
    """Conv2d (stride/padding/dilation/groups drawn) → scale (batch norm) → ReLU → pooling → flatten → dense."""
    rng = np.random.default_rng([37, seed])
    c_in, side = 2, 6
    groups = int(rng.choice([1, 2]))
    c_out = 2 * int(rng.integers(1, 3))
    k = int(rng.choice([2, 3]))
    stride, dil = int(rng.choice([1, 2])), int(rng.choice([1, 1, 2]))
    pad = int(rng.integers(0, 2))
    conv = Conv(_he(rng, (c_out, c_in // groups, k, k), c_in * k * k // groups), rng.normal(0, sigma_b, c_out),
                (stride, stride), ((pad, pad), (pad, pad)), (dil, dil), groups)  # fmt: skip
    shape = conv.out_shape([(c_in, side, side)])
    bn = Scale(rng.uniform(0.5, 1.5, (c_out, 1, 1)), rng.normal(0, 0.2, (c_out, 1, 1)))
    kernel = min(2, shape[1], shape[2])
    window = Window.pooling(shape, (kernel, kernel), (kernel, kernel), [(0, 0), (0, 0)], (1, 1))
    pooling = MaxPool(window) if pool == "max" else AvgPool.of(window, count_pad=True)
    flat = int(np.prod(window.shape))
    return graph_from_layers(
        (c_in, side, side),
        [("conv", conv), ("bn", bn), ("relu", Activation.relu()), ("pool", pooling), ("flatten", Reshape((flat,))),
         ("fc", Dense(_he(rng, (3, flat), flat), rng.normal(0, sigma_b, 3)))],
    )  # fmt: skip


def conv1d_graph(seed: int) -> Graph:
    """Conv1d with asymmetric padding → PReLU (per channel) → max pooling with padding → conv1d → abs → dense."""
    rng = np.random.default_rng([41, seed])
    c1 = Conv(_he(rng, (3, 2, 3), 6), rng.normal(0, 0.5, 3), (1,), ((1, 0),), (1,), 1)
    s1 = c1.out_shape([(2, 7)])
    prelu = Activation.leaky_relu(rng.uniform(0.05, 0.3, (3, 1)))
    window = Window.pooling(s1, (3,), (2,), [(1, 1)], (1,))
    c2 = Conv(_he(rng, (2, 3, 2), 6), rng.normal(0, 0.5, 2), (1,), ((0, 0),), (1,), 1)
    s2 = c2.out_shape([window.shape])
    flat = int(np.prod(s2))
    return graph_from_layers(
        (2, 7),
        [("conv1", c1), ("prelu", prelu), ("pool", MaxPool(window)), ("conv2", c2), ("abs", Activation.abs()),
         ("flatten", Reshape((flat,))), ("fc", Dense(_he(rng, (1, flat), flat), rng.normal(0, 0.5, 1)))],
    )  # fmt: skip


def residual_graph(seed: int, *, duplicate: bool = False) -> Graph:
    """x → dense → ReLU → [dense → leaky] + skip → concat with a clipped branch → dense (2 outputs).

    ``duplicate``: unit 1 repeats unit 0 in the trunk and in the branch (coincident knots), and the output weighs
    the two copies oppositely, so their slope changes cancel: knots without breakpoints.
    """
    rng = np.random.default_rng([43, seed])
    n = int(rng.integers(3, 6))
    w1, b1 = _he(rng, (n, 2), 2), rng.normal(0, 1, n)
    w2, b2 = _he(rng, (n, n), n), rng.normal(0, 1, n)
    wc, bc = _he(rng, (n, n), n), rng.normal(0, 1, n)
    w_out = _he(rng, (2, 2 * n), 2 * n)
    if duplicate:
        w1[1], b1[1] = w1[0], b1[0]
        w2[:, 1] = w2[:, 0]
        w2[1], b2[1] = w2[0], b2[0]
        wc[:, 1] = wc[:, 0]
        w_out[:, 1] = -w_out[:, 0]
    nodes = [
        Node("x", Input((2,)), ()),
        Node("fc1", Dense(w1, b1), (0,)),
        Node("relu1", Activation.relu(), (1,)),
        Node("fc2", Dense(w2, b2), (2,)),
        Node("leaky", Activation.leaky_relu(0.2), (3,)),
        Node("add", Sum((1, 1)), (4, 2)),
        Node("fc3", Dense(wc, bc), (5,)),
        Node("clip", Activation.clip(-1.0, 1.0), (6,)),
        Node("cat", Concat(0, 2), (5, 7)),
        Node("out", Dense(w_out, rng.normal(0, 1, 2)), (8,)),
    ]
    return Graph(tuple(nodes))


def mixed_axes_graph(seed: int) -> Graph:
    """Dense nodes on a (3, 4) tensor (a leading axis), leaky → dense → ReLU, a per-row scale, a difference and a
    concatenation of inputs aligned by powers of two, abs and clip: every rule that carries an error norm."""
    rng = np.random.default_rng([41, seed])
    rows, n, h = 3, 4, 5
    return Graph(
        (
            Node("x", Input((rows, n)), ()),
            Node("d1", Dense(rng.normal(0, 0.7, (h, n)), rng.normal(0, 1, h)), (0,)),
            Node("leaky", Activation.leaky_relu(0.3), (1,)),
            Node("d2", Dense(rng.normal(0, 0.7, (h, h)), rng.normal(0, 1, h)), (2,)),
            Node("relu", Activation.relu(), (3,)),
            Node("scale", Scale(rng.uniform(-2, 2, (rows, 1)), rng.normal(0, 1, (rows, 1))), (4,)),
            Node("diff", Sum((1, -1), powers=(0, -3)), (5, 3)),
            Node("abs", Activation.abs(), (6,)),
            Node("cat", Concat(0, 2, powers=(-2, 0)), (7, 4)),
            Node("clip", Activation.clip(-0.5, 0.75), (8,)),
            Node("flat", Reshape((2 * rows * h,)), (9,)),
            Node("out", Dense(rng.normal(0, 0.5, (2, 2 * rows * h)), rng.normal(0, 1, 2)), (10,)),
        )
    )


FAMILIES = {
    **{f"dense-{name}": (lambda s, n=name: dense_graph(s, n)) for name in ACTIVATIONS},
    "conv2d-max": lambda s: conv_graph(s, pool="max"),
    "conv2d-avg": lambda s: conv_graph(s, pool="avg"),
    "conv1d-prelu-abs": conv1d_graph,
    "residual-concat": residual_graph,
    "residual-mixed-axes": mixed_axes_graph,
    "residual-duplicates": lambda s: residual_graph(s, duplicate=True),
}


def zero_biases(graph: Graph) -> Graph:
    """The graph with every bias and shift set to 0 (positively homogeneous: on a line through 0 every knot of a
    ReLU-family unit sits at t = 0)."""
    nodes = []
    for node in graph.nodes:
        op = node.op
        if isinstance(op, (Dense, Conv)) and op.bias_ is not None:
            op = replace(op, bias_=np.zeros_like(op.bias_))
        elif isinstance(op, Scale) and op.shift is not None:
            op = replace(op, shift=np.zeros_like(op.shift))
        nodes.append(Node(node.name, op, node.inputs))
    return Graph(tuple(nodes))


def random_line(rng: np.random.Generator, shape: tuple[int, ...], through_origin: bool = False) -> tuple:
    a = np.zeros(shape) if through_origin else rng.normal(size=shape)
    return a, rng.normal(size=shape)


def assert_same_regions(result: RegionCount, exact: RegionCount, position_rtol: float = 1e-8) -> None:
    """Same knots (positions to ``position_rtol`` of their scale), breakpoints and per-node knot counts."""
    assert result.linear_regions == exact.linear_regions, (result.linear_regions, exact.linear_regions)
    assert result.activation_regions == exact.activation_regions, (result.activation_regions, exact.activation_regions)
    assert result.knots_per_layer.tolist() == exact.knots_per_layer.tolist()
    scale = 1.0 + np.max(np.abs(exact.knots), initial=0.0)
    np.testing.assert_allclose(result.knots, exact.knots, rtol=0, atol=position_rtol * scale)
    assert result.is_breakpoint.tolist() == exact.is_breakpoint.tolist()
    for mine, theirs in zip(result.knots_per_neuron, exact.knots_per_neuron, strict=True):
        assert mine.tolist() == theirs.tolist()


def sample_points(result: RegionCount, lo: float | None = None, hi: float | None = None) -> tuple:
    """Points inside every piece (three each) and beyond both ends; the piece each lies in."""
    knots = result.knots
    if knots.shape[0] == 0:
        ends = [lo if lo is not None else -1.0, hi if hi is not None else 1.0]
    else:
        span = max(1.0, float(knots[-1] - knots[0]))
        ends = [lo if lo is not None else knots[0] - span, *knots, hi if hi is not None else knots[-1] + span]
    ts, piece = [], []
    for p in range(len(ends) - 1):
        for f in (0.2, 0.5, 0.8):
            ts.append(ends[p] + f * (ends[p + 1] - ends[p]))
            piece.append(p)
    return np.array(ts), np.array(piece), np.array(ends)


def assert_matches_forward(result: RegionCount, forward, a: np.ndarray, d: np.ndarray, rtol: float = 1e-10,
                           slope_rtol: float = 1e-12, window: tuple | None = None) -> int:  # fmt: skip
    """The framework's forward pass agrees with the counted function: the same values inside every piece and
    beyond both ends (so f is affine on each piece), and at each knot its slope changes exactly where a breakpoint
    is reported (beyond slope_rtol × the local scale / the shorter piece; jumps too small for the framework's
    rounding to show are not asked of it). Returns the number of points checked."""
    lo, hi = (None, None) if window is None else window
    ts, piece, ends = sample_points(result, lo, hi)
    xs = a[None] + ts.reshape(-1, *([1] * a.ndim)) * d[None]
    f = np.asarray(forward(xs), dtype=np.float64).reshape(ts.shape[0], -1)
    ours = np.asarray(result.evaluate(ts)).reshape(ts.shape[0], -1)
    scale = 1.0 + np.max(np.abs(f))
    np.testing.assert_allclose(ours, f, rtol=0, atol=rtol * scale * (1 + np.max(np.abs(ts))))
    # slopes of the framework's function on each piece (from its own samples), compared across every knot
    slopes = []
    for p in range(len(ends) - 1):
        rows = np.nonzero(piece == p)[0]
        slopes.append((f[rows[2]] - f[rows[0]]) / (ts[rows[2]] - ts[rows[0]]))
    slopes = np.array(slopes)
    lengths = np.diff(ends)
    for k in range(result.knots.shape[0]):
        if min(lengths[k], lengths[k + 1]) < 1e-3 * (1 + abs(result.knots[k])):
            continue  # too short a piece for differences of the framework's rounded values
        near = (piece == k) | (piece == k + 1)  # the framework's rounding near this knot
        local = (1 + np.max(np.abs(f[near]))) * (1 + np.max(np.abs(ts[near])))
        jump = np.max(np.abs(slopes[k + 1] - slopes[k]))
        noise = slope_rtol * local / min(lengths[k], lengths[k + 1])
        ours_jump = np.max(np.abs(np.atleast_1d(result.slopes[k + 1] - result.slopes[k])))
        if result.is_breakpoint[k] and ours_jump > 10 * noise:  # a jump the framework's rounding can show
            assert jump > noise, (k, jump, noise)
        elif not result.is_breakpoint[k]:
            assert jump <= noise, (k, jump, noise)
    return int(ts.shape[0])
