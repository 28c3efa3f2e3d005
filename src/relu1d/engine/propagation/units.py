"""The steps of the units other than a dense node's ReLU: any piecewise-linear activation and max pooling
(docs/mathematics.md §7).

A unit finds, on each segment where its input is affine, where its piece (or arg-max) changes; the new points are
merged into T (``relu1d.engine.propagation.insertion``). Decisions (is a value at a kink, does a root coincide with a
point, does a slope jump) compare against ``rtol`` × the scale carried with every entry of the input
(``OnPoints.scale``); a unit's output scale follows the piece each value is on, and a slope jump made of two slopes is
decided against those slopes' scales.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import array_api_compat
import numpy as np

from relu1d.engine.decisions import (
    WEAK_MARGIN,
    first_overtake,
    gates_at_knots,
    lex_argmax,
    place_roots,
    root_positions,
    segment_slopes,
)
from relu1d.engine.graph import Activation, MaxPool
from relu1d.engine.kernels import chain as chain_kernels
from relu1d.engine.kernels import graph as graph_kernels
from relu1d.engine.propagation.insertion import Insertion
from relu1d.engine.propagation.state import Counter, OnPoints

_XP = array_api_compat.array_namespace(np.zeros(1))


# --- roots ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Roots:
    """Candidate roots: segment, column (virtual unit), position, uncertainty."""

    seg: np.ndarray
    col: np.ndarray
    root: np.ndarray
    err: np.ndarray


def _place(roots: _Roots, t: np.ndarray, count: Counter) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, Any]:
    """``relu1d.engine.decisions.place_roots`` of the candidate roots; returns ``(snap_l, snap_r, free, cluster,
    insertion)`` (``cluster``: the new point of each free root)."""
    n = t.shape[0]
    ends = (t[np.clip(roots.seg - 1, 0, n - 1)], t[np.clip(roots.seg, 0, n - 1)])
    placed = place_roots(roots.seg, roots.root, roots.err, ends, n, _XP)
    count.add(placed.near, placed.weak)
    insertion = Insertion(t=t, new_t=placed.new_t, seg=placed.new_seg)
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


# --- activations --------------------------------------------------------------------------------------------------


def activation_step(
    op: Activation,
    z: OnPoints,
    t: np.ndarray,
    rtol: float,
    count: Counter,
    shape: tuple,
    inner_only: bool,
) -> tuple[Insertion, OnPoints, tuple[np.ndarray, np.ndarray]]:
    """y = σ(z) for a PWL σ with kinks c_q: each (kink, unit) pair is a virtual ReLU gate [z > c_q]; new points where
    z crosses a kink; y's jumps α_{p_r}·s_r − α_{p_l}·s_l where the piece changes (docs/mathematics.md §7)."""
    n, m = t.shape[0], z.h.shape[1]
    rows, scale = z.as_rows(), z.scale.as_rows()  # the caller's copy when z is read again: changed in place
    h, j, left, right = rows[:n], rows[n : 2 * n], rows[2 * n], rows[2 * n + 1]
    sh, sj, s_left, s_right = scale[:n], scale[n : 2 * n], scale[2 * n], scale[2 * n + 1]
    count.zeros(rows[n:], scale[n:], rtol)  # jumps and tail slopes
    r = op.kinks.shape[0]
    c, alpha, beta = op.params(shape)

    # Virtual gates: column q·m + i is u = z_i − c_q (h set exactly to c_q where it lies within tolerance).
    z_sign = np.empty((n, r * m), dtype=np.int8)
    crossing = np.empty((n - 1, r * m), dtype=np.bool_)
    near, weak, n_zero = graph_kernels.kink_signs(h, sh, c, rtol, WEAK_MARGIN, z_sign, crossing)
    count.add(near, weak)
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
    y = OnPoints.from_rows(
        np.concatenate([ins.merge(h_y, hy_new), ins.merge(j_y, jy_new), tail_y]),
        ins.n_old + ins.new_t.shape[0],
        np.concatenate(
            [
                ins.merge(sh * a_piece + b_piece, sh_new * amax + bmax),
                ins.merge(sj_y, sjy_new),
                np.stack([s_left, s_right]) * amax,
            ]
        ),
    )
    flips = p_l != p_r
    dest_old, dest_new = ins.dest_old, ins.dest_new
    points = np.concatenate([dest_new[cluster], dest_old[pk[flips]]])
    units = np.concatenate([f_i, pi[flips]])
    return ins, y, _sorted_knots(points, units, m)


def _sorted_knots(points: np.ndarray, units: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    key = np.unique(points.astype(np.int64) * m + units.astype(np.int64))
    return key // m, key % m


# --- max pooling --------------------------------------------------------------------------------------------------


def max_pool_step(
    op: MaxPool,
    x: OnPoints,
    t: np.ndarray,
    rtol: float,
    count: Counter,
    shape: tuple,
    inner_only: bool,
) -> tuple[Insertion, OnPoints, tuple[np.ndarray, np.ndarray]]:
    """y_o = max over window o. The arg-max just left and just right of every point (ties broken by the slope on
    that side, then by the lowest input index); where they differ across a segment, the upper envelope of the
    window's lines on that segment gives the new points (docs/mathematics.md §7)."""
    n = t.shape[0]
    idx = op.window.index
    valid = idx >= 0
    cand = np.where(valid, idx, 0)  # (o, w)
    n_out = cand.shape[0]
    h, jz, left, right = x.h, x.jump, x.left, x.right  # the caller's copy when x is read again: changed in place
    sh, sj = x.scale.h, x.scale.jump
    s_tail = x.scale.as_rows()[2 * n :]
    count.zeros(x.as_rows()[n:], x.scale.as_rows()[n:], rtol)  # jumps and tail slopes

    def seg_slope(segs: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        return _slopes_at(jz, left, segs, inputs)

    def seg_scale(segs: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        """The scale of those slopes: a jump of y made of two slopes is decided against them (see activation_step)."""
        return _slopes_at(sj, s_tail[0], segs, inputs)

    # Arg-max at each point (value), and the points where a tie within tolerance needs the slopes.
    best, h_y = np.empty((n, n_out), dtype=np.int64), np.empty((n, n_out))
    sv_max, sj_y, n_tied = np.empty((n, n_out)), np.empty((n, n_out)), np.empty((n, n_out), dtype=np.int64)
    near, weak = graph_kernels.max_points(h, sh, sj, cand, valid, rtol, WEAK_MARGIN, best, h_y, sv_max, sj_y, n_tied)
    count.add(near, weak)
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
    far_l = lex_argmax(-tl, np.where(valid, h[0, cand], -np.inf))
    far_r = lex_argmax(tr, np.where(valid, h[-1, cand], -np.inf))
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
        sj_y[flip_k, flip_o] = np.abs(j_y[flip_k, flip_o])  # as in activation_step
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
    y = OnPoints.from_rows(
        np.concatenate([ins.merge(h_y, hy_new), ins.merge(j_y, jy_new), tail_y]),
        ins.n_old + ins.new_t.shape[0],
        np.concatenate([ins.merge(sv_max, sh_new_y), ins.merge(sj_y, sjy_new), st_y]),
    )
    points = np.concatenate([ins.dest_new[cluster], ins.dest_old[flip_k]])
    units = np.concatenate([f_o, flip_o])
    return ins, y, _sorted_knots(points, units, n_out)


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


def _envelope(
    s: int, c_start: int, c_end: int, t: np.ndarray, lines: _WindowLines, rtol: float, count: Counter
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


__all__ = ["activation_step", "max_pool_step"]
