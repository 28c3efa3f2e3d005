"""The one propagation: every node of a graph in order, along the line x(t) = a + t·d (docs/mathematics.md §2, §7).

Every live tensor is an ``OnPoints`` on the common sorted point set T. A dense node whose only reader is a ReLU, read
in turn only by dense nodes, takes the dense step (``relu1d.engine.propagation.dense``: one matrix product of the
jumps, prefix sums from anchor rows, reused buffers); a ``relu1d.Network`` is such a chain, ending in a dense node
(``dense_output``). Every other affine operation is one batched call on the 2B + 2 stacked rows of its input (a
convolution over 2B + 2 feature maps), and every other unit takes its step in ``relu1d.engine.propagation.units``.
A step that adds points has every other live tensor interpolated there (``insertion``).

Scales (what each decision is measured against): for a mixing operation (dense, convolution) the Cauchy–Schwarz
bound ‖L_i‖·‖x_k‖ + |c_i| of the products that made the value, after what it reads within ``rtol`` of its scale is
set to 0; structural and positive operations (sums, per-channel scaling, pooling, reshapes) carry their inputs' scales
through |L|; units as their steps say. The dense step keeps no scales: its consumers are mixing nodes.
"""

from __future__ import annotations

import math
from typing import Any

import array_api_compat
import numpy as np

from relu1d.engine.arrays import namespace, to_numpy, total
from relu1d.engine.decisions import WEAK_MARGIN, first_overtake, lex_argmax
from relu1d.engine.graph import Activation, Affine, Dense, Graph
from relu1d.engine.progress import Progress
from relu1d.engine.propagation.dense import dense_output, dense_relu, keep_points
from relu1d.engine.propagation.insertion import Insertion
from relu1d.engine.propagation.state import Counter, OnPoints
from relu1d.engine.result import FloatRangeError, RegionCount


def propagate(
    graph: Graph,
    origin: np.ndarray,
    direction: np.ndarray,
    rtol: float,
    *,
    classes: bool = False,
    window: tuple[float, float] | None = None,
    xp: Any = None,
) -> RegionCount:
    """The float64 count of ``graph`` along origin + t·direction (validated by the caller), every decision by its
    margin (no fallback). Over ℝ the point set starts as one anchor at t = 0 (``_drop_anchor``); on a window
    (lo, hi) as its two ends, and no unit looks beyond them (the tails are outside). Points where no unit changes are
    dropped at the end. ``xp``: the array module of a graph of dense ReLU steps (cupy for the GPU); every other step
    runs on numpy. A count that runs past two seconds shows its progress over the nodes on a terminal's stderr
    (``relu1d.engine.progress``).
    """
    xp = namespace(xp)
    on_numpy = array_api_compat.is_numpy_namespace(xp)
    consumers = graph.consumers()
    dense_steps = _dense_steps(graph, consumers)
    if not on_numpy and len(dense_steps) * 2 + 2 != len(graph.nodes):
        raise ValueError("xp: only a chain of dense ReLU layers is counted on another array module")
    remaining = [len(c) for c in consumers]
    t = xp.zeros(1, dtype=xp.float64) if window is None else xp.asarray([float(window[0]), float(window[1])])
    tracks = {0: _input(origin, direction, to_numpy(t), xp, with_scale=on_numpy)}
    count = Counter()
    knots: list[tuple[Any, Any]] = []
    last_dense = max(dense_steps, default=-1)
    last = len(graph.nodes) - 1
    output_dense = isinstance(graph.nodes[last].op, Dense) and len(graph.shapes[graph.nodes[last].inputs[0]]) == 1
    progress = Progress(len(graph.nodes), "count (nodes)")
    i = 1
    while i < (last if output_dense else last + 1):
        progress.update(i)
        node, op = graph.nodes[i], graph.nodes[i].op
        for j in node.inputs:
            remaining[j] -= 1
        if op.kind == "affine" and i not in dense_steps:
            tracks[i] = _affine(op, [tracks[j] for j in node.inputs], graph, i, t.shape[0], rtol, count)
            _release(tracks, node.inputs, remaining)
            i += 1
            continue
        source = tracks[node.inputs[0]]
        if remaining[node.inputs[0]] > 0:  # read again later: the step works on (and may change) a copy
            source = source.copy()
        unit = dense_steps.get(i, i)
        if i in dense_steps:
            y, t_new, found, moved_to, (new_t, new_seg) = dense_relu(
                source, t, *_weight_and_bias(op, xp), rtol, xp, count, last=i == last_dense
            )
            ins = None
            if remaining[unit] > 1:  # read by several nodes: out of the dense step's reused buffers
                y = y.copy()
        else:
            from relu1d.engine.propagation import units  # the graph kernels: loaded where a model needs them

            step = units.activation_step if isinstance(op, Activation) else units.max_pool_step
            ins, y, found = step(op, source, t, rtol, count, graph.shapes[node.inputs[0]], window is not None)
            t_new, moved_to = ins.merged_t, ins.dest_old
        _release(tracks, node.inputs, remaining)
        if tracks:  # the other live tensors, on the new points
            if ins is None:
                ins = Insertion(t=t, new_t=new_t, seg=new_seg)
            for j, tr in tracks.items():
                tracks[j] = ins.state(tr)
        tracks[unit] = y
        del source, y  # a tensor lives as long as a node will read it, not as long as a local name (peak memory)
        t = t_new
        knots = [(xp.take(moved_to, p), u) for p, u in knots]
        knots.append(found)
        if len(knots) == 1 and window is None and i in dense_steps:
            t, knots = _drop_anchor(t, knots, tracks, xp)
        i = unit + 1
    if not math.isfinite(total(t, xp)):
        raise FloatRangeError("the count leaves float64's range: a knot lies beyond 1.8e308 on a tail")
    if output_dense:  # f = W·h + b read off the last hidden tensor (a Network's last layer)
        h = tracks[graph.nodes[last].inputs[0]]
        out = _on_numpy(dense_output(h, *_weight_and_bias(graph.nodes[last].op, xp), rtol, xp, count, classes))
    else:
        out = tracks[last]
        jump = np.array(out.jump)
        count.zeros(jump, out.scale.jump, rtol)
        out = OnPoints(out.h, jump, out.left, out.right, scale=out.scale)
    knots = [(to_numpy(p).astype(np.int64), to_numpy(u).astype(np.int64)) for p, u in knots]
    progress.close()
    return _result(graph, to_numpy(t), out, knots, rtol, count, origin, classes)


def _weight_and_bias(op: Dense, xp: Any) -> tuple[Any, Any]:
    """W and b (zeros where the node has no bias) in the working namespace."""
    b = op.bias_ if op.bias_ is not None else np.zeros(op.weight.shape[0])
    return xp.asarray(op.weight), xp.asarray(b)


def _on_numpy(state: OnPoints) -> OnPoints:
    """The state's arrays (and scales) as numpy arrays (the result is assembled on the host)."""
    parts = (state.h, state.jump, state.left, state.right)
    scale = None if state.scale is None else _on_numpy(state.scale)
    return OnPoints(*(to_numpy(x) for x in parts), scale=scale)


def _dense_steps(graph: Graph, consumers: list[list[int]]) -> dict[int, int]:
    """{dense node: its ReLU node} where the dense step serves: a dense node on a 1-D tensor whose only reader is the
    next node, a ReLU, that is read only by dense nodes (the step's output has no scales; they need none)."""
    out = {}
    for i, node in enumerate(graph.nodes[:-1]):
        if not isinstance(node.op, Dense) or len(graph.shapes[node.inputs[0]]) != 1 or consumers[i] != [i + 1]:
            continue
        unit = graph.nodes[i + 1].op
        readers = consumers[i + 1]
        if _is_relu(unit) and readers and all(isinstance(graph.nodes[r].op, Dense) for r in readers):
            out[i] = i + 1
    return out


def _is_relu(op: Any) -> bool:
    return op is Activation.relu() or (
        isinstance(op, Activation)
        and op.kinks.shape == (1,)
        and not np.any(op.kinks)
        and np.array_equal(op.slopes, [0.0, 1.0])
        and not np.any(op.intercepts)
    )


def _input(origin: np.ndarray, direction: np.ndarray, t: np.ndarray, xp: Any, with_scale: bool) -> OnPoints:
    """x(t) = a + t·d at the first points: values, zero jumps, slope d on both tails; scales |a| + |t|·|d|."""
    a, d = origin.reshape(-1), direction.reshape(-1)
    at = a[None] + t[:, None] * d[None]
    rows = np.concatenate([at, np.zeros_like(at), d[None], d[None]])
    if not with_scale:  # another array module: separate arrays, as the dense step keeps them there
        state = OnPoints.from_rows(xp.asarray(rows), t.shape[0])
        state.rows = None
        return state
    scale = np.concatenate([np.abs(a)[None] + np.abs(t)[:, None] * np.abs(d)[None], np.zeros_like(at),
                            np.abs(d)[None], np.abs(d)[None]])  # fmt: skip
    return OnPoints.from_rows(rows, t.shape[0], scale)


def _release(tracks: dict[int, OnPoints], inputs: tuple[int, ...], remaining: list[int]) -> None:
    for j in inputs:
        if remaining[j] == 0 and j in tracks:
            del tracks[j]


def _drop_anchor(t: Any, knots: list, tracks: dict[int, OnPoints], xp: Any) -> tuple[Any, list]:
    """After a dense step that is the first unit, the anchor at t = 0 goes unless a unit changes there (every tensor
    is affine across it then; fewer rows for every later product). It stays when it is the only point (the line's
    values are kept at some point), and after every other first unit: the anchor is where the line's values are
    exact, so a max pool whose entries tie there (a line through the origin) decides the tie without rounding."""
    points, units = knots[0]  # sorted by point
    kept = points[xp.concat([xp.ones(1, dtype=xp.bool), points[1:] != points[:-1]])] if points.shape[0] else points
    if kept.shape[0] == 0 or kept.shape[0] == t.shape[0]:
        return t, knots
    for j, tr in tracks.items():
        tracks[j] = keep_points(tr, kept, xp)
    return xp.take(t, kept), [(xp.searchsorted(kept, points), units)]


def _affine(op: Affine, ins: list[OnPoints], graph: Graph, i: int, n: int, rtol: float, count: Counter) -> OnPoints:
    """y = L(x) + c on all 2B + 2 rows at once; c only on the value rows. A mixing node first settles what its input
    holds within rtol × scale of 0 (``Counter.settle``), as the dense step does."""
    in_shapes = [graph.shapes[j] for j in graph.nodes[i].inputs]
    shape = graph.shapes[i]
    if op.mixing:
        count.settle(ins[0], rtol)
    stacked = [st.as_rows() for st in ins]
    rows = stacked[0].shape[0]
    xs = [x.reshape(rows, *s) for x, s in zip(stacked, in_shapes, strict=True)]
    y = op.linear(xs).reshape(rows, -1)
    if y.base is not None or not y.flags.writeable:
        y = np.array(y)
    c = op.bias(shape)
    if op.mixing:
        norms = np.sqrt(np.einsum("ij,ij->i", stacked[0], stacked[0]))
        scale = norms[:, None] * op.row_norms(in_shapes).reshape(1, -1)
    else:
        scales = [st.scale.as_rows().reshape(rows, *s) for st, s in zip(ins, in_shapes, strict=True)]
        scale = np.array(op.positive(scales).reshape(rows, -1))
    if c is not None:
        cb = np.broadcast_to(c, shape).reshape(-1)
        y[:n] += cb
        scale[:n] += np.abs(cb)
    if op.mixing and not np.all(np.isfinite(scale)):  # scales bound the values: both are in range
        raise FloatRangeError(
            f"the count leaves float64's range at {op.describe()}: values beyond 1e154 even after exact "
            "power-of-two rescaling (a point far out on a tail, or weights spanning more than float64 holds)"
        )
    return OnPoints.from_rows(y, n, scale)


# --- the result ---------------------------------------------------------------------------------------------------


def _result(
    graph: Graph,
    t: np.ndarray,
    out: OnPoints,
    knots: list,
    rtol: float,
    count: Counter,
    origin: np.ndarray,
    classes: bool,
) -> RegionCount:
    """The count from the output on the points (its jumps decided): the points where some unit changes, f and f′
    there, the knots of every unit, and the class changes when asked for."""
    n, h, j, left = t.shape[0], out.h, out.jump, out.left
    is_bp = np.any(j != 0, axis=1)
    # Keep the points where some unit changes; the anchor and coincidences of no consequence go.
    changed = np.zeros(n, dtype=bool)
    for p, _ in knots:
        changed[p] = True
    slopes = np.concatenate([left[None], left[None] + np.cumsum(j, axis=0)])
    scalar = math.prod(graph.output_shape) == 1
    if np.all(changed):  # every point is a knot (a network's count): nothing to take out
        used, pieces, knot_index = np.arange(n), np.arange(n + 1), tuple(p for p, _ in knots)
        values, seg_slopes, points = h, slopes, t
    else:
        used = np.flatnonzero(changed)
        new_index = np.full(n, -1, dtype=np.int64)
        new_index[used] = np.arange(used.shape[0])
        knot_index = tuple(new_index[p] for p, _ in knots)
        # the piece before the first kept point is the segment just left of it (on a window: not the fake tail)
        pieces = np.concatenate([used[:1] if used.shape[0] else np.ones(1, dtype=np.int64), used + 1])
        values, seg_slopes = h[used], slopes[pieces]
        points, is_bp = t[used], is_bp[used]
    if scalar:
        values, seg_slopes = values[:, 0], seg_slopes[:, 0]
    f0 = graph.evaluate(origin[None])[0].reshape(-1)
    changes = None
    if classes and math.prod(graph.output_shape) > 1:
        s_left, sj = out.scale.left, out.scale.jump
        slope_scales = np.concatenate([s_left[None], s_left[None] + np.cumsum(sj, axis=0)])
        scales = (out.scale.h[used], slope_scales[pieces])
        changes = _class_changes(points, values, seg_slopes, scales, f0, rtol, count)
    return RegionCount(
        widths=graph.unit_sizes,
        knots=points,
        is_breakpoint=is_bp,
        values=values,
        slopes=seg_slopes,
        knot_index=knot_index,
        knot_neurons=tuple(u for _, u in knots),
        f_at_zero=float(f0[0]) if scalar else f0,
        near_decisions=count.near,
        weak_decisions=count.weak,
        layer_names=tuple(graph.nodes[i].name for i in graph.units),
        class_changes=changes,
    )


def _class_changes(
    knots: np.ndarray, values: np.ndarray, slopes: np.ndarray, scales: tuple[np.ndarray, np.ndarray], f0: np.ndarray,
    rtol: float, count: Counter,
) -> np.ndarray:  # fmt: skip
    """Points where the arg-max of the output vector changes (lowest index among equal outputs): inside each piece,
    where one affine output overtakes the leader; at a knot, where the leaders of the two pieces differ. Two outputs
    whose slopes differ by at most rtol × their scales are parallel (a near decision; a weak one within
    WEAK_MARGIN): rounding left in a slope makes no class change. A crossing within its uncertainty (from the
    values' scales at the piece's anchor) of a knot is a near decision, not a point: it belongs to that knot.
    ``scales``: the values' scales at the knots and the slopes' scales on the pieces."""
    value_scales, slope_scales = scales

    def leader(first: np.ndarray, second: np.ndarray, tol: float) -> int:
        """The arg-max by ``first``, ties within ``tol`` (near decisions where not exact) broken by ``second``."""
        gap = first.max() - first
        count.near += int(np.count_nonzero((gap > 0) & (gap <= tol)))
        return int(lex_argmax(first[None], second[None], tol)[0])

    k = knots.shape[0]
    points: list[float] = []
    prev_end = None
    for p in range(k + 1):
        lo = knots[p - 1] if p > 0 else -np.inf
        hi = knots[p] if p < k else np.inf
        at, base = (knots[p - 1], values[p - 1]) if p > 0 else ((knots[0], values[0]) if k else (0.0, f0))
        base_scale = value_scales[max(p - 1, 0)] if k else np.zeros_like(base)
        s = slopes[p]
        if np.isinf(lo):
            c = leader(-s, base, rtol * 2 * float(slope_scales[p].max()))
        else:
            c = leader(base, s, rtol * 2 * float(base_scale.max()))
            if prev_end is not None and c != prev_end:
                points.append(float(lo))
        x0 = lo
        for _ in range(s.shape[0]):
            rate, tol = s - s[c], rtol * (slope_scales[p] + slope_scales[p][c])
            count.near += int(np.count_nonzero((rate > 0) & (rate <= tol)))
            count.weak += int(np.count_nonzero((rate > tol) & (rate <= WEAK_MARGIN * tol)))
            found = first_overtake(at, base[c] - base, rate, x0, hi, rate_tol=tol)
            if found is None:
                break
            x_new, c_new, rate_new = found
            reach = base_scale[c] + base_scale[c_new] + (slope_scales[p][c] + slope_scales[p][c_new]) * abs(x_new - at)
            err = rtol * reach / rate_new + rtol * abs(float(at))
            if x_new - lo <= err or hi - x_new <= err:
                count.near += 1
            else:
                points.append(x_new)
            x0, c = x_new, c_new
        if p < k:  # the leader just left of the next knot
            end = base + s * (hi - at)
            end_scale = float(base_scale.max()) + float(slope_scales[p].max()) * abs(float(hi - at))
            prev_end = leader(end, -s, rtol * 2 * end_scale)
    return np.array(points, dtype=np.float64)


__all__ = ["propagate"]
