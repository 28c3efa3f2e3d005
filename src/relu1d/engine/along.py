"""Exact regions of any piecewise-linear graph along a line, in float64 (docs/mathematics.md §7).

The chain engine (``relu1d.engine.breakpoints``) generalised from dense ReLU layers to a graph
(``relu1d.engine.graph``) of affine operations and piecewise-linear units. Along x(t) = a + t·d every live tensor
is kept on the common sorted point set T (B points): its values at T, its slope jumps at T and its slopes on the
two unbounded tails, stacked as one batch of 2B + 2 rows, so an affine operation is **one batched call** (a
convolution over 2B + 2 feature maps). A unit (activation or max pooling) finds, on each segment where its input is
affine, where its piece (or arg-max) changes; the new points are merged into T and every live tensor is
interpolated there.

Decisions (is a value at a kink, does a root coincide with a point, does a slope jump) compare against ``rtol`` ×
a scale carried with every row: for a mixing operation (dense, convolution) the Cauchy–Schwarz bound ‖L_i‖·‖x_k‖ + |c_i|
of the products that made the value, as in the chain engine, after what it reads within ``rtol`` of its scale is set
to 0; structural and positive operations (sums, per-channel scaling, pooling, reshapes) carry their inputs' scales
through |L|; a unit's output scale follows the piece each value is on, and a slope jump made of two slopes is decided
against those slopes' scales. ``near_decisions`` and ``weak_decisions`` mean what they mean there; a count with either
is recounted by the rational region walk (``relu1d.engine.walk``) when small.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import array_api_compat
import numpy as np

from relu1d.engine.decisions import (
    DEFAULT_RTOL,
    WEAK_MARGIN,
    checked_rtol,
    checked_window,
    first_overtake,
    gates_at_knots,
    place_roots,
    root_positions,
    segment_slopes,
)
from relu1d.engine.fallback import WALK_FALLBACK_BUDGET, forward_work
from relu1d.engine.graph import Activation, Affine, Graph, MaxPool
from relu1d.engine.kernels import chain as chain_kernels
from relu1d.engine.kernels import graph as graph_kernels
from relu1d.engine.result import FloatRangeError, RegionCount
from relu1d.engine.scaling import normalised_graph
from relu1d.engine.walk import walk_regions

_XP = array_api_compat.array_namespace(np.zeros(1))


@dataclass
class _Track:
    """A live tensor on the point set: ``rows`` (2B + 2, m) = values at T; jumps at T; left and right tail slopes;
    ``scale`` the same shape, the magnitude every decision about that row is measured against."""

    rows: np.ndarray
    scale: np.ndarray

    def parts(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return self.rows[:n], self.rows[n : 2 * n], self.rows[2 * n], self.rows[2 * n + 1]


@dataclass
class _Counter:
    """Tolerance-resolved (near) and narrowly-decided (weak) decisions."""

    near: int = 0
    weak: int = 0

    def decided(self, x: np.ndarray, scale: np.ndarray, rtol: float) -> np.ndarray:
        """A copy of the 1-D x (new slope jumps made of slopes) decided as ``zeros`` decides."""
        out = np.array(x, dtype=np.float64).reshape(1, -1)
        self.zeros(out, np.asarray(scale, dtype=np.float64).reshape(1, -1), rtol)
        return out[0]

    def zeros(self, x: np.ndarray, scale: np.ndarray, rtol: float) -> None:
        """Set entries within rtol·scale of 0 to exactly 0 (in place); count the decisions."""
        near, weak = graph_kernels.zero_small(x, scale, rtol, WEAK_MARGIN)
        self.near += near
        self.weak += weak


def count_graph(
    graph: Graph,
    origin: np.ndarray,
    direction: np.ndarray,
    *,
    rtol: float = DEFAULT_RTOL,
    window: tuple[float, float] | None = None,
    exact_fallback: bool = True,
    classes: bool = False,
) -> RegionCount:
    """Regions of ``graph`` along origin + t·direction over all t ∈ ℝ (or on the open ``window`` of t).

    Knots are listed per unit node (activation or max pooling) in graph order; ``RegionCount.widths`` are those nodes'
    sizes and ``layer_names`` their names. ``classes``: also find where the arg-max of the output changes
    (``RegionCount.class_changes``). A count with a tolerance-resolved decision is recounted in rational arithmetic
    when its work (regions × forward multiply-adds) is at most ``WALK_FALLBACK_BUDGET``.
    """
    origin = np.asarray(origin, dtype=np.float64)
    direction = np.asarray(direction, dtype=np.float64)
    for name, v in (("origin", origin), ("direction", direction)):
        if v.shape != graph.input_shape:
            raise ValueError(f"line: {name} has shape {v.shape}, the model takes {graph.input_shape}")
        if not np.all(np.isfinite(v)):
            raise ValueError(f"line: {name} must be finite")
    rtol, window = checked_rtol(rtol), checked_window(window)
    scaled, exponent = normalised_graph(graph)
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # a value beyond range raises FloatRangeError below
            result = _propagate(scaled, origin, direction, rtol, classes, window)
    except FloatRangeError:
        if not exact_fallback or (sum(graph.unit_sizes) + 1) * forward_work(graph) > WALK_FALLBACK_BUDGET:
            raise
        result = walk_regions(scaled, origin, direction, exact=True, classes=classes, window=window)
    if exact_fallback and not result.certified:
        if (result.knots.shape[0] + 1) * forward_work(graph) <= WALK_FALLBACK_BUDGET:
            exact = walk_regions(scaled, origin, direction, exact=True, classes=classes, window=window)
            result = replace(exact, near_decisions=result.near_decisions, weak_decisions=result.weak_decisions)
    result = result.in_units_of_f(exponent)
    return result if window is None else result.restrict(*window)


def _propagate(
    graph: Graph, origin: np.ndarray, direction: np.ndarray, rtol: float, classes: bool, window: tuple | None
) -> RegionCount:
    """Every node in order. Over ℝ the point set starts as one anchor at t = 0; on a window (lo, hi) as its two
    ends, and no unit looks beyond them (the tails are outside). Points where no unit changes are dropped at the end.
    """
    consumers = graph.consumers()
    remaining = [len(c) for c in consumers]
    t = np.zeros(1) if window is None else np.array([float(window[0]), float(window[1])])
    a, d = origin.reshape(-1), direction.reshape(-1)
    at = a[None] + t[:, None] * d[None]
    tracks: dict[int, _Track] = {
        0: _Track(
            rows=np.concatenate([at, np.zeros_like(at), d[None], d[None]]),
            scale=np.concatenate([np.abs(a)[None] + np.abs(t)[:, None] * np.abs(d)[None], np.zeros_like(at),
                                  np.abs(d)[None], np.abs(d)[None]]),
        )
    }  # fmt: skip
    inner_only = window is not None
    count = _Counter()
    knots: list[tuple[np.ndarray, np.ndarray]] = []
    for i, node in enumerate(graph.nodes[1:], start=1):
        op, shape = node.op, graph.shapes[i]
        ins = [tracks[j] for j in node.inputs]
        for j in node.inputs:
            remaining[j] -= 1
        if isinstance(op, Affine):
            tracks[i] = _affine(op, ins, [graph.shapes[j] for j in node.inputs], shape, t.shape[0], rtol, count)
        else:
            others = [tr for j, tr in tracks.items() if j not in node.inputs or remaining[j] > 0]
            source = ins[0]
            if remaining[node.inputs[0]] > 0:  # read again later: the unit works on (and changes) a copy
                source = _Track(rows=source.rows.copy(), scale=source.scale.copy())
            step = _activation if isinstance(op, Activation) else _max_unit
            moved_to, t, track, found = step(
                op, source, t, others, rtol, count, graph.shapes[node.inputs[0]], inner_only
            )
            tracks[i] = track
            knots = [(moved_to[p], u) for p, u in knots]
            knots.append(found)
        for j in node.inputs:
            if remaining[j] == 0 and j in tracks:
                del tracks[j]
    out = tracks[len(graph.nodes) - 1]
    return _result(graph, t, out, knots, rtol, count, origin, classes)


def _affine(
    op: Affine, ins: list[_Track], in_shapes: list, shape: tuple, n: int, rtol: float, count: _Counter
) -> _Track:
    """y = L(x) + c on all 2B + 2 rows at once; c only on the value rows. A mixing node first sets what its input holds
    within rtol × scale of 0 to 0 (a rounding residue, e.g. of a residual sum that cancelled, would otherwise set the
    scale ‖L_i‖·‖x_k‖ of its own products), as the chain engine does with every pre-activation."""
    if op.mixing:
        count.zeros(ins[0].rows, ins[0].scale, rtol)
    rows = len(ins[0].rows)
    xs = [tr.rows.reshape(rows, *s) for tr, s in zip(ins, in_shapes, strict=True)]
    y = op.linear(xs).reshape(rows, -1)
    if y.base is not None or not y.flags.writeable:
        y = np.array(y)
    c = op.bias(shape)
    if op.mixing:
        norms = np.sqrt(np.einsum("ij,ij->i", ins[0].rows, ins[0].rows))
        scale = norms[:, None] * op.row_norms(in_shapes).reshape(1, -1)
    else:
        scale = op.positive([tr.scale.reshape(rows, *s) for tr, s in zip(ins, in_shapes, strict=True)]).reshape(
            rows, -1
        )
        scale = np.array(scale)
    if c is not None:
        cb = np.broadcast_to(c, shape).reshape(-1)
        y[:n] += cb
        scale[:n] += np.abs(cb)
    if op.mixing and not np.all(np.isfinite(scale)):  # scales bound the values: both are in range
        raise FloatRangeError(
            f"the count leaves float64's range at {op.describe()}: values beyond 1e154 even after exact "
            "power-of-two rescaling (a point far out on a tail, or weights spanning more than float64 holds)"
        )
    return _Track(rows=y, scale=scale)


# --- inserting new points -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Insertion:
    """New points ``new_t`` (sorted) lying in old segments ``seg`` (0 = left tail, B = right tail) of points ``t``."""

    t: np.ndarray
    new_t: np.ndarray
    seg: np.ndarray

    @property
    def n_old(self) -> int:
        return self.t.shape[0]

    @cached_property
    def dest_old(self) -> np.ndarray:
        old = np.arange(self.n_old)
        return old + np.searchsorted(self.seg, old, side="right")

    @cached_property
    def dest_new(self) -> np.ndarray:
        return np.arange(self.new_t.shape[0]) + self.seg

    @cached_property
    def merged_t(self) -> np.ndarray:
        out = np.empty(self.n_old + self.new_t.shape[0])
        out[self.dest_old] = self.t
        out[self.dest_new] = self.new_t
        return out

    @cached_property
    def ends(self) -> tuple[np.ndarray, np.ndarray]:
        """The old points at the two ends of each new point's segment (clipped on the tails)."""
        n = self.n_old
        return np.clip(self.seg - 1, 0, n - 1), np.clip(self.seg, 0, n - 1)

    def _along_tails(self, out: np.ndarray, x: np.ndarray, left: np.ndarray, right: np.ndarray, absolute: bool) -> None:
        """New points on a tail: the end point's x plus (signed or absolute) distance × the tail's slope."""
        n = self.n_old
        for on, end, slope in ((self.seg == 0, 0, left), (self.seg == n, n - 1, right)):
            if np.any(on):
                dist = self.new_t[on] - self.t[end]
                out[on] = x[end] + (np.abs(dist) if absolute else dist)[:, None] * slope

    def values(self, h: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """An affine-on-segments tensor at the new points: interpolated inside, extrapolated along the tails."""
        n = self.n_old
        k_l, k_r = self.ends
        t_l, t_r = self.t[k_l], self.t[k_r]
        inner = (self.seg >= 1) & (self.seg <= n - 1)
        frac = np.where(inner, (self.new_t - t_l) / np.where(inner, t_r - t_l, 1.0), 0.0)
        out = h[k_l] + frac[:, None] * (h[k_r] - h[k_l])
        self._along_tails(out, h, left, right, absolute=False)
        return out

    def scales(self, s: np.ndarray, s_left: np.ndarray, s_right: np.ndarray) -> np.ndarray:
        """Scales at the new points: the larger end inside a segment (a norm of an affine map is convex), and the
        end's scale plus distance × slope scale along a tail."""
        k_l, k_r = self.ends
        out = np.maximum(s[k_l], s[k_r])
        self._along_tails(out, s, s_left, s_right, absolute=True)
        return out

    def merge(self, old: np.ndarray, new: np.ndarray) -> np.ndarray:
        """The rows of old with the new points' rows in place."""
        if new.shape[0] == 0:
            return old
        out = np.empty((old.shape[0] + new.shape[0], old.shape[1]), dtype=old.dtype)
        graph_kernels.merge_rows(old, new, self.seg, out)
        return out

    def track(self, tr: _Track) -> _Track:
        """A live tensor on the merged point set (zero jumps at the new points)."""
        n = self.n_old
        h, j, left, right = tr.parts(n)
        sh, sj, sl, sr = tr.scale[:n], tr.scale[n : 2 * n], tr.scale[2 * n], tr.scale[2 * n + 1]
        zeros = np.zeros((self.new_t.shape[0], h.shape[1]))
        rows = np.concatenate([self.merge(h, self.values(h, left, right)), self.merge(j, zeros), tr.rows[2 * n :]])
        scale = np.concatenate([self.merge(sh, self.scales(sh, sl, sr)), self.merge(sj, zeros), tr.scale[2 * n :]])
        return _Track(rows=rows, scale=scale)


# --- roots ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Roots:
    """Candidate roots: segment, column (virtual unit), position, uncertainty."""

    seg: np.ndarray
    col: np.ndarray
    root: np.ndarray
    err: np.ndarray


def _place(roots: _Roots, t: np.ndarray, count: _Counter) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, Any]:
    """``relu1d.engine.decisions.place_roots`` of the candidate roots; returns ``(snap_l, snap_r, free, cluster,
    insertion)`` (``cluster``: the new point of each free root)."""
    n = t.shape[0]
    ends = (t[np.clip(roots.seg - 1, 0, n - 1)], t[np.clip(roots.seg, 0, n - 1)])
    placed = place_roots(roots.seg, roots.root, roots.err, ends, n, _XP)
    count.near += placed.near
    count.weak += placed.weak
    insertion = _Insertion(t=t, new_t=placed.new_t, seg=placed.new_seg)
    return placed.snap_l, placed.snap_r, placed.free, placed.cluster, insertion


def _inner_and_tail_roots(
    seg: np.ndarray,
    col: np.ndarray,
    t: np.ndarray,
    u: _KinkView,
    left: np.ndarray,
    right: np.ndarray,
    s_left: np.ndarray,
    s_right: np.ndarray,
    rtol: float,
) -> _Roots:
    """Roots of the affine-on-segments u (B × columns) at the listed (segment, column) crossings: linear interpolation
    inside, the tail line outside; uncertainty from the value tolerances rtol·su (as the chain engine)."""
    n = t.shape[0]
    k_l, k_r = np.clip(seg - 1, 0, n - 1), np.clip(seg, 0, n - 1)
    t_l, t_r = t[k_l], t[k_r]
    (u_l, su_l), (u_r, su_r) = u.at(k_l, col), u.at(k_r, col)
    on_left = seg == 0
    slope = np.where(on_left, left[col], right[col])
    tol_s = rtol * np.where(on_left, s_left[col], s_right[col])
    root, err = root_positions(seg, n, (t_l, t_r), (u_l, u_r), (rtol * su_l, rtol * su_r), slope, tol_s, rtol, _XP)
    return _Roots(seg=seg, col=col, root=root, err=err)


@dataclass(frozen=True)
class _KinkView:
    """u = z − c_q and its scale at (point, column q·m + i), read from z without forming the (B, r·m) arrays."""

    h: np.ndarray
    sh: np.ndarray
    c: np.ndarray

    def at(self, k: np.ndarray, col: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        m = self.h.shape[1]
        q, i = col // m, col % m
        cq = self.c[q, i]
        return self.h[k, i] - cq, self.sh[k, i] + np.abs(cq)


def _slopes_at(j: np.ndarray, left: np.ndarray, seg: np.ndarray, col: np.ndarray) -> np.ndarray:
    """Slope on segment seg[q] (0 = left tail) of column col[q]: left + Σ_{k<seg} jumps, only where asked."""
    if seg.shape[0] == 0:
        return np.zeros(0)
    return segment_slopes(j, left, seg, col, _XP, chain_kernels)


def _insert_all(ins: _Insertion, others: list[_Track]) -> None:
    for tr in others:
        merged = ins.track(tr)
        tr.rows, tr.scale = merged.rows, merged.scale


# --- activations --------------------------------------------------------------------------------------------------


def _activation(
    op: Activation,
    z: _Track,
    t: np.ndarray,
    others: list[_Track],
    rtol: float,
    count: _Counter,
    shape: tuple,
    inner_only: bool,
) -> tuple[np.ndarray, np.ndarray, _Track, tuple[np.ndarray, np.ndarray]]:
    """y = σ(z) for a PWL σ with kinks c_q: each (kink, unit) pair is a virtual ReLU gate [z > c_q]; new points where
    z crosses a kink; y's jumps α_{p_r}·s_r − α_{p_l}·s_l where the piece changes (docs/mathematics.md §7)."""
    n, m = t.shape[0], z.rows.shape[1]
    rows, scale = z.rows, z.scale  # the caller's copy when z is read again: changed in place
    h, j, left, right = rows[:n], rows[n : 2 * n], rows[2 * n], rows[2 * n + 1]
    sh, sj, s_left, s_right = scale[:n], scale[n : 2 * n], scale[2 * n], scale[2 * n + 1]
    count.zeros(rows[n:], scale[n:], rtol)  # jumps and tail slopes
    r = op.kinks.shape[0]
    c, alpha, beta = op.params(shape)

    # Virtual gates: column q·m + i is u = z_i − c_q (h set exactly to c_q where it lies within tolerance).
    z_sign = np.empty((n, r * m), dtype=np.int8)
    crossing = np.empty((n - 1, r * m), dtype=np.bool_)
    near, weak, n_zero = graph_kernels.kink_signs(h, sh, c, rtol, WEAK_MARGIN, z_sign, crossing)
    count.near += near
    count.weak += weak
    vl, vr = np.tile(left, r), np.tile(right, r)
    vsl, vsr = np.tile(s_left, r), np.tile(s_right, r)
    far_left = np.where(vl != 0, -np.sign(vl), z_sign[0]).astype(np.int8)
    far_right = np.where(vr != 0, np.sign(vr), z_sign[-1]).astype(np.int8)
    if inner_only:  # on a window the "tails" lie outside it: they keep the sides of its end points
        far_left = np.where(z_sign[0] != 0, z_sign[0], far_left).astype(np.int8)
        far_right = np.where(z_sign[-1] != 0, z_sign[-1], far_right).astype(np.int8)

    cross_k, cross_c = np.nonzero(crossing)
    cl, cr = np.nonzero(far_left * z_sign[0] < 0)[0], np.nonzero(z_sign[-1] * far_right < 0)[0]
    if inner_only:  # counting on a window whose ends are the first and last points
        cl, cr = cl[:0], cr[:0]
    seg = np.concatenate([np.zeros_like(cl), cross_k + 1, np.full_like(cr, n)])
    col = np.concatenate([cl, cross_c, cr])
    order = np.lexsort((col, seg))
    seg, col = seg[order], col[order]
    roots = _inner_and_tail_roots(seg, col, t, _KinkView(h, sh, c), vl, vr, vsl, vsr, rtol)
    snap_l, snap_r, free, cluster, ins = _place(roots, t, count)

    # Special (point, virtual column) pairs: exact zeros and snapped roots; their gates either side of the point.
    zero_k, zero_c = np.nonzero(z_sign == 0) if n_zero else (np.zeros(0, np.int64), np.zeros(0, np.int64))
    snapped = np.where(snap_l, seg - 1, seg)[~free] * (r * m) + col[~free]
    keys = np.unique(np.concatenate([zero_k * (r * m) + zero_c, snapped]))
    sp_k, sp_c = keys // (r * m), keys % (r * m)
    gl, gr = gates_at_knots(sp_k, sp_c, z_sign, far_left, far_right, seg, col, snap_l, snap_r, r * m, _XP)

    # Unit-level pieces at the special points: the other kinks keep their (nonzero) sign there.
    pair_keys = np.unique(sp_k * m + sp_c % m)
    pk, pi = pair_keys // m, pair_keys % m
    gates_l = (h[pk, pi][:, None] > c[:, pi].T).astype(np.int64)  # (pairs, r)
    gates_r = gates_l.copy()
    where = np.searchsorted(pair_keys, sp_k * m + sp_c % m)
    gates_l[where, sp_c // m] = gl
    gates_r[where, sp_c // m] = gr
    p_l, p_r = gates_l.sum(axis=1), gates_r.sum(axis=1)
    n_sp = pk.shape[0]
    f_seg, f_col = seg[free], col[free]
    f_q, f_i = f_col // m, f_col % m
    where_seg, where_col = np.concatenate([pk + 1, pk, f_seg]), np.concatenate([pi, pi, f_i])
    slopes = _slopes_at(j, left, where_seg, where_col)
    s_r, s_l, f_slope = slopes[:n_sp], slopes[n_sp : 2 * n_sp], slopes[2 * n_sp :]
    # the scales of those slopes (left tail's scale + the jumps' scales before the segment): a jump of y made of
    # slopes is decided against them, not against its own size (a slope left by rounding must not make a breakpoint)
    scales = _slopes_at(sj, s_left, where_seg, where_col)
    sc_r, sc_l, f_scale = scales[:n_sp], scales[n_sp : 2 * n_sp], scales[2 * n_sp :]
    amax, bmax = np.abs(alpha).max(axis=0), np.abs(beta).max(axis=0)
    sp_scale = np.maximum(sj[pk, pi] * amax[pi], amax[pi] * (sc_r + sc_l))
    sp_jump = count.decided(alpha[p_r, pi] * s_r - alpha[p_l, pi] * s_l, sp_scale, rtol)

    # Free roots: unit i crosses kink q inside its segment; y's slope changes by (α_{p_r} − α_{p_l})·slope of z.
    k_l = np.clip(f_seg - 1, 0, n - 1)
    left_sign = np.where(f_seg == 0, far_left[f_col], z_sign[k_l, f_col])
    fp_l, fp_r = f_q + (left_sign > 0), f_q + (left_sign < 0)
    f_jump_scale = np.abs(alpha[fp_r, f_i] - alpha[fp_l, f_i]) * f_scale
    f_jump = count.decided((alpha[fp_r, f_i] - alpha[fp_l, f_i]) * f_slope, f_jump_scale, rtol)

    # y on the merged points.
    h_y, j_y = np.empty_like(h), np.empty_like(j)
    graph_kernels.apply_pieces(h, j, c, alpha, beta, h_y, j_y)
    j_y[pk, pi] = sp_jump
    z_new = ins.values(h, left, right)
    z_new[cluster, f_i] = c[f_q, f_i]
    hy_new, jy_new = np.empty_like(z_new), np.zeros_like(z_new)
    graph_kernels.apply_pieces(z_new, jy_new, c, alpha, beta, hy_new, np.empty_like(z_new))
    np.add.at(jy_new, (cluster, f_i), f_jump)
    a_piece, b_piece = _piece_magnitudes(h, c, alpha, beta)
    sj_y = sj * a_piece
    # a jump made of slopes was decided against the slopes' scales; kept, it lies beyond WEAK_MARGIN tolerances
    # (or is counted weak), so its own size bounds its rounding for what reads it next
    sj_y[pk, pi] = np.abs(sp_jump)
    sjy_new = np.zeros_like(z_new)
    np.add.at(sjy_new, (cluster, f_i), np.abs(f_jump))
    p_far_l = (far_left.reshape(r, m) > 0).sum(axis=0)
    p_far_r = (far_right.reshape(r, m) > 0).sum(axis=0)
    cols = np.arange(m)
    tail_y = np.stack([alpha[p_far_l, cols] * left, alpha[p_far_r, cols] * right])
    sh_new = ins.scales(sh, s_left, s_right)
    y = _Track(
        rows=np.concatenate([ins.merge(h_y, hy_new), ins.merge(j_y, jy_new), tail_y]),
        scale=np.concatenate(
            [
                ins.merge(sh * a_piece + b_piece, sh_new * amax + bmax),
                ins.merge(sj_y, sjy_new),
                np.stack([s_left, s_right]) * amax,
            ]
        ),
    )
    _insert_all(ins, others)
    flips = p_l != p_r
    dest_old, dest_new = ins.dest_old, ins.dest_new
    points = np.concatenate([dest_new[cluster], dest_old[pk[flips]]])
    units = np.concatenate([f_i, pi[flips]])
    return dest_old, ins.merged_t, y, _sorted_knots(points, units, m)


def _sorted_knots(points: np.ndarray, units: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    key = np.unique(points.astype(np.int64) * m + units.astype(np.int64))
    return key // m, key % m


# --- max pooling --------------------------------------------------------------------------------------------------


def _max_unit(
    op: MaxPool,
    x: _Track,
    t: np.ndarray,
    others: list[_Track],
    rtol: float,
    count: _Counter,
    shape: tuple,
    inner_only: bool,
) -> tuple[np.ndarray, np.ndarray, _Track, tuple[np.ndarray, np.ndarray]]:
    """y_o = max over window o. The arg-max just left and just right of every point (ties broken by the slope on
    that side, then by the lowest input index); where they differ across a segment, the upper envelope of the
    window's lines on that segment gives the new points (docs/mathematics.md §7)."""
    n = t.shape[0]
    idx = op.window.index
    valid = idx >= 0
    cand = np.where(valid, idx, 0)  # (o, w)
    n_out = cand.shape[0]
    h, jz, left, right = x.parts(n)  # the caller's copy when x is read again: changed in place
    sh, sj = x.scale[:n], x.scale[n : 2 * n]
    s_tail = x.scale[2 * n :]
    count.zeros(x.rows[n:], x.scale[n:], rtol)  # jumps and tail slopes

    def seg_slope(segs: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        return _slopes_at(jz, left, segs, inputs)

    def seg_scale(segs: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        """The scale of those slopes: a jump of y made of two slopes is decided against them (see _activation)."""
        return _slopes_at(sj, s_tail[0], segs, inputs)

    # Arg-max at each point (value), and the points where a tie within tolerance needs the slopes.
    best, h_y = np.empty((n, n_out), dtype=np.int64), np.empty((n, n_out))
    sv_max, sj_y, n_tied = np.empty((n, n_out)), np.empty((n, n_out)), np.empty((n, n_out), dtype=np.int64)
    near, weak = graph_kernels.max_points(h, sh, sj, cand, valid, rtol, WEAK_MARGIN, best, h_y, sv_max, sj_y, n_tied)
    count.near += near
    count.weak += weak
    arg_l, arg_r = best, best.copy()  # window slot, just left and just right of each point
    tie_k, tie_o = np.nonzero(n_tied > 1)
    if tie_k.shape[0]:  # the largest slope wins just right, the smallest just left; then the lowest slot
        # Slopes from the end values of the segment (an input constant there has slope exactly 0; a sum of jumps
        # would carry their rounding), the tail slopes on the tails; within the values' tolerance they tie.
        ins_ = cand[tie_o]  # (ties, w)
        at_k, sc_k = h[tie_k[:, None], ins_], sh[tie_k[:, None], ins_]
        top = np.take_along_axis(sc_k, best[tie_k, tie_o][:, None], axis=1)
        mask = valid[tie_o] & (h_y[tie_k, tie_o][:, None] - at_k <= rtol * (top + sc_k))
        for side, arg, sign in ((1, arg_r, 1.0), (-1, arg_l, -1.0)):
            other = tie_k + side
            inner = (other >= 0) & (other <= n - 1)
            o_k = np.clip(other, 0, n - 1)
            dt = np.where(inner, (t[o_k] - t[tie_k]) * side, 1.0)[:, None]
            tail = (right if side > 0 else left)[ins_]
            slope = np.where(inner[:, None], (h[o_k[:, None], ins_] - at_k) * side / dt, tail)
            reach = np.where(inner[:, None], rtol * (sh[o_k[:, None], ins_] + sc_k) / dt, 0.0)
            slope = np.where(mask, sign * slope, -np.inf)
            best_slope = slope.max(axis=1, keepdims=True)
            close = mask & (slope >= best_slope - np.where(mask, reach, 0.0).max(axis=1, keepdims=True))
            count.near += int(np.count_nonzero(close & (slope != best_slope)))
            arg[tie_k, tie_o] = np.argmax(close, axis=1)
    # Arg-max at −∞ (smallest left slope, then largest value at the first point) and at +∞ (largest right slope).
    tl = np.where(valid, left[cand], np.inf)
    tr = np.where(valid, right[cand], -np.inf)
    far_l = _lex_argmax(-tl, np.where(valid, h[0, cand], -np.inf))
    far_r = _lex_argmax(tr, np.where(valid, h[-1, cand], -np.inf))
    if inner_only:  # on a window the "tails" lie outside it: they keep the arg-max of its end points
        far_l, far_r = arg_l[0].copy(), arg_r[-1].copy()

    # Envelope walks on the segments whose two ends disagree.
    new_seg: list[int] = []
    new_root: list[float] = []
    new_err: list[float] = []
    new_out: list[int] = []
    new_from: list[int] = []
    new_to: list[int] = []
    starts = np.concatenate([far_l[None], arg_r])  # arg-max at the left end of segment s (s = 0 … B)
    ends = np.concatenate([arg_l, far_r[None]])  # arg-max at the right end of segment s
    ds, do = np.nonzero(starts != ends)
    if inner_only:
        keep = (ds >= 1) & (ds <= n - 1)
        ds, do = ds[keep], do[keep]
    for s, o in zip(ds.tolist(), do.tolist(), strict=True):
        lines = _WindowLines(h, sh, cand[o], valid[o], tl[o], tr[o])
        for root, err, c_from, c_to in _envelope(s, starts[s, o], ends[s, o], t, lines, rtol, count):
            new_seg.append(s)
            new_root.append(root)
            new_err.append(err)
            new_out.append(o)
            new_from.append(c_from)
            new_to.append(c_to)
    roots = _Roots(
        seg=np.array(new_seg, dtype=np.int64),
        col=np.array(new_out, dtype=np.int64),
        root=np.array(new_root, dtype=np.float64),
        err=np.array(new_err, dtype=np.float64),
    )
    order = np.lexsort((roots.col, roots.root, roots.seg))
    roots = _Roots(roots.seg[order], roots.col[order], roots.root[order], roots.err[order])
    c_from, c_to = np.array(new_from, dtype=np.int64)[order], np.array(new_to, dtype=np.int64)[order]
    snap_l, snap_r, free, cluster, ins = _place(roots, t, count)
    # A switch that snapped onto a point is a switch at that point: arg-max left/right there take its sides.
    sl_q, sr_q = np.nonzero(snap_l)[0], np.nonzero(snap_r)[0]
    arg_r[roots.seg[sl_q] - 1, roots.col[sl_q]] = c_to[sl_q]  # the switch is at the segment's left end
    arg_l[roots.seg[sr_q], roots.col[sr_q]] = c_from[sr_q]  # … or at its right end

    # y on the merged points.
    sel_in = cand[np.arange(n_out)[None, :], arg_r]  # input index of the arg-max right of each point
    j_y = jz[np.arange(n)[:, None], sel_in]
    flip_k, flip_o = np.nonzero(arg_l != arg_r)
    if flip_k.shape[0]:
        in_r, in_l = cand[flip_o, arg_r[flip_k, flip_o]], cand[flip_o, arg_l[flip_k, flip_o]]
        flip_scale = seg_scale(flip_k + 1, in_r) + seg_scale(flip_k, in_l)
        j_y[flip_k, flip_o] = count.decided(seg_slope(flip_k + 1, in_r) - seg_slope(flip_k, in_l), flip_scale, rtol)
        sj_y[flip_k, flip_o] = np.abs(j_y[flip_k, flip_o])  # as in _activation
    f_seg, f_o = roots.seg[free], roots.col[free]
    f_from, f_to = cand[f_o, c_from[free]], cand[f_o, c_to[free]]
    f_jump_scale = seg_scale(f_seg, f_to) + seg_scale(f_seg, f_from)
    f_jump = count.decided(seg_slope(f_seg, f_to) - seg_slope(f_seg, f_from), f_jump_scale, rtol)
    x_new = ins.values(h, left, right)
    hy_new = np.max(np.where(valid[None], x_new[:, cand], -np.inf), axis=2) if x_new.shape[0] else np.zeros((0, n_out))
    jy_new = np.zeros((ins.new_t.shape[0], n_out))
    np.add.at(jy_new, (cluster, f_o), f_jump)
    sjy_new = np.zeros_like(jy_new)
    np.add.at(sjy_new, (cluster, f_o), np.abs(f_jump))
    out_cols = np.arange(n_out)
    tail_y = np.stack([left[cand[out_cols, far_l]], right[cand[out_cols, far_r]]])
    sh_new = ins.scales(sh, s_tail[0], s_tail[1])
    sh_new_y = np.where(valid[None], sh_new[:, cand], 0.0).max(axis=2) if sh_new.shape[0] else np.zeros((0, n_out))
    st_y = np.where(valid[None], s_tail[:, cand], 0.0).max(axis=2)
    y = _Track(
        rows=np.concatenate([ins.merge(h_y, hy_new), ins.merge(j_y, jy_new), tail_y]),
        scale=np.concatenate([ins.merge(sv_max, sh_new_y), ins.merge(sj_y, sjy_new), st_y]),
    )
    _insert_all(ins, others)
    points = np.concatenate([ins.dest_new[cluster], ins.dest_old[flip_k]])
    units = np.concatenate([f_o, flip_o])
    return ins.dest_old, ins.merged_t, y, _sorted_knots(points, units, n_out)


@dataclass(frozen=True)
class _WindowLines:
    """One window's entries: values and scales at every point (padding never wins), tail slopes."""

    h: np.ndarray
    sh: np.ndarray
    cand: np.ndarray
    valid: np.ndarray
    tl: np.ndarray
    tr: np.ndarray

    def at(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        return np.where(self.valid, self.h[k, self.cand], -np.inf), np.where(self.valid, self.sh[k, self.cand], 0.0)


def _piece_magnitudes(h: np.ndarray, c: np.ndarray, alpha: np.ndarray, beta: np.ndarray) -> tuple[np.ndarray, Any]:
    """|α_p| and |β_p| of the piece p each value h lies on (the larger of the two pieces where h sits exactly at a
    kink): the scales of σ(h) = α_p·h + β_p and of its jumps. A unit on a zero piece (ReLU off) then contributes
    nothing to the next mixing node's scale, as its exact zero carries no rounding."""
    a_abs, b_abs = np.abs(alpha), np.abs(beta)
    if c.shape[0] == 1 and not np.any(beta) and np.all(a_abs[1] >= a_abs[0]):
        return np.where(h >= c[0], a_abs[1], a_abs[0]), 0.0  # ReLU, leaky, PReLU: one pass (ties take the larger)
    below = (h[:, None, :] > c[None]).sum(axis=1)  # pieces: kinks strictly below h
    at_or_below = (h[:, None, :] >= c[None]).sum(axis=1)

    def pick(x: np.ndarray) -> np.ndarray:
        return np.maximum(np.take_along_axis(x, below, axis=0), np.take_along_axis(x, at_or_below, axis=0))

    return pick(a_abs), pick(b_abs)


def _lex_argmax(first: np.ndarray, second: np.ndarray, tol: float = 0.0) -> np.ndarray:
    """Per row, the slot with the largest ``first`` (within ``tol``), then the largest ``second``, then the lowest."""
    top = first >= first.max(axis=1, keepdims=True) - tol
    sec = np.where(top, second, -np.inf)
    return np.argmax(sec == sec.max(axis=1, keepdims=True), axis=1)


def _envelope(
    s: int, c_start: int, c_end: int, t: np.ndarray, lines: _WindowLines, rtol: float, count: _Counter
) -> list[tuple[float, float, int, int]]:
    """The arg-max switches of one window on segment s (0 = left tail, B = right tail), from slot c_start to c_end:
    repeatedly the first line to overtake the current one. Returns (position, uncertainty, from, to) per switch."""
    n = t.shape[0]
    out = []
    slots = np.nonzero(lines.valid)[0]
    c = c_start
    if 1 <= s <= n - 1:  # lines through the values at the two ends, parameter λ ∈ (0, 1)
        t_l, t_r = t[s - 1], t[s]
        (vl, svl), (vr, svr) = lines.at(s - 1), lines.at(s)
        lam = 0.0
        for _ in range(slots.shape[0]):
            if c == c_end:
                break
            dl, dr = vl[c] - vl[slots], vr[c] - vr[slots]
            found = first_overtake(0.0, dl, dl - dr, lam, 1.0)
            if found is None:
                break
            best, j, rate = found
            nxt = int(slots[j])
            root = float(np.clip(t_l + best * (t_r - t_l), t_l, t_r))
            tz = rtol * (svl[c] + svl[nxt] + svr[c] + svr[nxt])
            err = (t_r - t_l) * tz / rate + rtol * (abs(t_l) + abs(t_r))
            out.append((root, err, c, nxt))
            c, lam = nxt, best
    else:  # a tail: lines through the end point's values with the tail slopes
        on_left = s == 0
        k = 0 if on_left else n - 1
        vk, svk = lines.at(k)
        slope = lines.tl if on_left else lines.tr
        pos = -np.inf if on_left else float(t[k])
        for _ in range(slots.shape[0]):
            if on_left and c == c_end:
                break
            found = first_overtake(t[k], vk[c] - vk[slots], slope[slots] - slope[c], pos, t[k] if on_left else np.inf)
            if found is None:
                break
            best, j, rate = found
            nxt = int(slots[j])
            tz = rtol * (svk[c] + svk[nxt])
            err = tz / rate + rtol * abs(float(t[k])) + rtol * abs(best)
            out.append((best, err, c, nxt))
            c, pos = nxt, best
    if c != c_end:
        count.near += 1  # the envelope and the end points disagree: a decision inside the float noise
    return out


# --- the result ---------------------------------------------------------------------------------------------------


def _result(
    graph: Graph,
    t: np.ndarray,
    out: _Track,
    knots: list,
    rtol: float,
    count: _Counter,
    origin: np.ndarray,
    classes: bool,
) -> RegionCount:
    n = t.shape[0]
    h, j, left, _ = out.parts(n)
    j = j.copy()
    sj = out.scale[n : 2 * n]
    count.zeros(j, sj, rtol)
    is_bp = np.any(j != 0, axis=1)
    # Keep the points where some unit changes; the anchor and coincidences of no consequence go.
    used = np.unique(np.concatenate([p for p, _ in knots] + [np.zeros(0, dtype=np.int64)]))
    new_index = np.full(n, -1, dtype=np.int64)
    new_index[used] = np.arange(used.shape[0])
    slopes = np.concatenate([left[None], left[None] + np.cumsum(j, axis=0)])
    scalar = math.prod(graph.output_shape) == 1
    # the piece before the first kept point is the segment just left of it (on a window: not the fake tail)
    first = used[:1] if used.shape[0] else np.ones(1, dtype=np.int64)
    values, seg_slopes = h[used], slopes[np.concatenate([first, used + 1])]
    if scalar:
        values, seg_slopes = values[:, 0], seg_slopes[:, 0]
    f0 = graph.evaluate(origin[None])[0].reshape(-1)
    changes = None
    if classes and math.prod(graph.output_shape) > 1:
        slope_scales = np.concatenate([out.scale[2 * n][None], out.scale[2 * n][None] + np.cumsum(sj, axis=0)])
        scales = (out.scale[:n][used], slope_scales[np.concatenate([first, used + 1])])
        changes = _class_changes(t[used], values, seg_slopes, scales, f0, rtol, count)
    return RegionCount(
        widths=graph.unit_sizes,
        knots=t[used],
        is_breakpoint=is_bp[used],
        values=values,
        slopes=seg_slopes,
        knot_index=tuple(new_index[p] for p, _ in knots),
        knot_neurons=tuple(u for _, u in knots),
        f_at_zero=float(f0[0]) if scalar else f0,
        near_decisions=count.near,
        weak_decisions=count.weak,
        layer_names=tuple(graph.nodes[i].name for i in graph.units),
        class_changes=changes,
    )


def _class_changes(
    knots: np.ndarray, values: np.ndarray, slopes: np.ndarray, scales: tuple[np.ndarray, np.ndarray], f0: np.ndarray,
    rtol: float, count: _Counter,
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
        return int(_lex_argmax(first[None], second[None], tol)[0])

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
