"""The decision rule of the float64 engine, written once for every unit (docs/mathematics.md §2, §7).

Every float decision (is a value at a kink, does a new root coincide with a point or with another root, does a
slope jump) compares a quantity with ``rtol`` × its natural scale. Where it lies within that tolerance it is
resolved by the tolerance (a *near* decision); where it lies within ``WEAK_MARGIN`` tolerances it is decided but
*weak*. A count with either is not certified by its margins and is settled by a proof or a rational recount
(``relu1d.engine.fallback``). Here: the constants, the validation of ``rtol``, root placement (snapping onto
points, clustering into new points), the gates either side of a point, and the slopes of a segment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from relu1d.engine.arrays import clip, gather2

#: Relative tolerance of the zero / coincidence decisions. float64 dot products of length n carry relative
#: errors ≲ n·2⁻⁵³ ≈ 2.3e-13 at n = 2048 (worst case; typically √n·2⁻⁵³); 1e-11 leaves a wide margin while
#: the chance that two *distinct* features of a random network fall this close is negligible.
DEFAULT_RTOL = 1e-11

#: A decision taken with less than this factor above its tolerance is "weak": float error could only flip it
#: after an upstream cancellation of ~1/WEAK_MARGIN·u, so a network with weak decisions is not certified and,
#: when small, is recounted in rational arithmetic.
WEAK_MARGIN = 1e5


def checked_rtol(rtol: float) -> float:
    """``rtol`` if it is a valid relative tolerance (finite, in [0, 1e-3)), else ``ValueError`` naming it."""
    if not (np.isfinite(rtol) and 0 <= rtol < 1e-3):
        raise ValueError(f"rtol: must be in [0, 1e-3), got {rtol}")
    return float(rtol)


def checked_window(window: Any) -> tuple[float, float] | None:
    """``window`` as (a, b) if it is None or finite with a < b, else ``ValueError`` naming it."""
    if window is None:
        return None
    a, b = (float(v) for v in window)
    if not (np.isfinite(a) and np.isfinite(b) and a < b):
        raise ValueError(f"window: need finite a < b, got ({a}, {b})")
    return a, b


def checked_line(
    first: Any, second: Any, shape: tuple[int, ...] | None = None, names: tuple[str, str] = ("origin", "direction")
) -> tuple[np.ndarray, np.ndarray]:
    """The two vectors of a line (its origin and direction, or two points on it) as float64 arrays: of one shape,
    ``shape`` (the model's input) when given, and finite; else ``ValueError`` naming what is wrong."""
    x, y = np.asarray(first, dtype=np.float64), np.asarray(second, dtype=np.float64)
    both = f"the {names[0]} and the {names[1]}"
    takes = "" if shape is None else f"; the model takes {tuple(shape)} ({int(np.prod(shape))} coordinates)"
    if x.shape != y.shape:
        raise ValueError(f"line: {both} have different shapes {x.shape} and {y.shape}{takes}")
    if shape is not None and x.shape != tuple(shape):
        raise ValueError(f"line: {both} have shape {x.shape}{takes}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError(f"line: {both} must be finite")
    return x, y


def root_positions(
    seg: Any, n: int, ends_t: tuple[Any, Any], ends_z: tuple[Any, Any], ends_tol: tuple[Any, Any], tail_slope: Any,
    tail_tol: Any, rtol: float, xp: Any,
) -> tuple[Any, Any]:  # fmt: skip
    """Roots of an affine-on-segments z at crossings listed by segment (0 = left tail, B = ``n`` = right tail), and
    their uncertainty (docs/mathematics.md §2).

    Inside segment k (ends t_l < t_r with values z_l, z_r of opposite signs): t_l + z_l/(z_l − z_r)·(t_r − t_l),
    uncertain by (t_r − t_l)·(tol_l + tol_r)/|z_l − z_r| + rtol·(|t_l| + |t_r|) (first order in the value
    tolerances ``ends_tol``). On a tail, z = z_end + s·(x − t_end) with s = ``tail_slope`` (that tail's, per root):
    t_end − z_end/s, uncertain by (tol_end + tail_tol·|z_end/s|)/|s| + rtol·|t_end|.
    """
    (t_l, t_r), (z_l, z_r), (tz_l, tz_r) = ends_t, ends_z, ends_tol
    is_inner = (seg >= 1) & (seg <= n - 1)
    dz_ends = xp.where(is_inner, z_l - z_r, 1.0)
    inner_root = clip(t_l + (z_l / dz_ends) * (t_r - t_l), t_l, t_r, xp)
    inner_err = (t_r - t_l) * (tz_l + tz_r) / xp.abs(dz_ends) + rtol * (xp.abs(t_l) + xp.abs(t_r))
    on_left_tail = seg == 0
    slope = xp.where(is_inner, 1.0, tail_slope)
    t_end, z_end = xp.where(on_left_tail, t_r, t_l), xp.where(on_left_tail, z_r, z_l)
    tz_end = xp.where(on_left_tail, tz_r, tz_l)
    ratio = z_end / slope
    tail_err = (tz_end + tail_tol * xp.abs(ratio)) / xp.abs(slope) + rtol * xp.abs(t_end)
    return xp.where(is_inner, inner_root, t_end - ratio), xp.where(is_inner, inner_err, tail_err)


@dataclass(frozen=True)
class Placement:
    """Where candidate roots go. ``snap_l``/``snap_r``: the root lies within its uncertainty of the left/right end
    of its segment and is that point; ``free`` the others, sorted by position (``order``) and clustered: ``starts``
    marks the first root of each cluster, ``cluster`` (per free root, in input order) its new point, ``new_t`` and
    ``new_seg`` each new point's position (its leftmost root) and segment (nondecreasing)."""

    snap_l: Any
    snap_r: Any
    free: Any
    order: Any
    starts: Any
    cluster: Any
    new_t: Any
    new_seg: Any
    near: int
    weak: int


def place_roots(seg: Any, root: Any, err: Any, ends: tuple[Any, Any], n: int, xp: Any) -> Placement:
    """Snap roots within their uncertainty onto the B = ``n`` points (the nearer end wins); cluster the rest:
    consecutive roots closer than their summed uncertainties coincide. (Roots in different segments cannot merge:
    each is farther than its uncertainty from the point between them.) ``seg[q]``: root q's segment (0 = left tail,
    B = right tail), ``ends`` the points at its two ends (clipped on the tails), ``err[q]`` its uncertainty."""
    has_l, has_r = seg >= 1, seg <= n - 1
    d_l, d_r = root - ends[0], ends[1] - root
    snap_l = has_l & (d_l <= err) & (~has_r | (d_l <= d_r))
    snap_r = has_r & (d_r <= err) & ~snap_l
    free = ~snap_l & ~snap_r
    near = int(xp.count_nonzero(~free))
    weak = int(xp.count_nonzero(free & ((has_l & (d_l <= WEAK_MARGIN * err)) | (has_r & (d_r <= WEAK_MARGIN * err)))))
    f_seg, f_root, f_err = seg[free], root[free], err[free]
    order = xp.argsort(f_root, stable=True)
    r_sorted, e_sorted = xp.take(f_root, order), xp.take(f_err, order)
    if r_sorted.shape[0] > 0:
        gap, reach = r_sorted[1:] - r_sorted[:-1], e_sorted[1:] + e_sorted[:-1]
        starts = xp.concat([xp.asarray([True]), gap > reach])
        weak += int(xp.count_nonzero((gap > reach) & (gap <= WEAK_MARGIN * reach)))
    else:
        starts = xp.zeros(0, dtype=xp.bool)
    cluster = xp.take(xp.cumulative_sum(xp.astype(starts, xp.int64)) - 1, xp.argsort(order))
    new_t = r_sorted[starts]
    new_seg = xp.take(f_seg, order)[starts]
    near += int(r_sorted.shape[0]) - int(new_t.shape[0])
    return Placement(snap_l, snap_r, free, order, starts, cluster, new_t, new_seg, near, weak)


def segment_slopes(dz: Any, slope_l: Any, seg: Any, nrn: Any, xp: Any, fused: Any) -> Any:
    """Slope of z on segment seg[j] (0 = left tail) for neuron nrn[j]: slope_l + Σ_{k<seg} dz[k] (cumulative)."""
    if fused is None:
        seg_slope = xp.concat([slope_l[None, :], slope_l + xp.cumulative_sum(dz, axis=0)], axis=0)
        return gather2(seg_slope, seg, nrn, xp)
    order = np.argsort(seg, kind="stable")
    by_segment = np.empty(seg.shape[0], dtype=np.float64)
    fused.segment_slopes(dz, slope_l, seg[order], nrn[order], by_segment)
    out = np.empty_like(by_segment)
    out[order] = by_segment
    return out


def gates_at_knots(
    k: Any, i: Any, z_sign: Any, far_left: Any, far_right: Any, seg: Any, nrn: Any, snap_l: Any, snap_r: Any,
    width: int, xp: Any,
) -> tuple[Any, Any]:  # fmt: skip
    """Gates of neurons ``i`` just left and just right of old knots ``k``.

    Just left of knot k lies the right end of segment k: its sign is the left-end sign of segment k if a root
    of that segment snapped onto knot k, else z's sign at k when the segment has a root strictly inside,
    else the segment's one sign sign(left end + z_sign[k]). Just right: the mirror image on segment k + 1.
    """
    if k.shape[0] == 0:  # the usual case for a generic network: no exact zero, no snapped root
        return xp.zeros(0, dtype=xp.bool), xp.zeros(0, dtype=xp.bool)
    n_knots = z_sign.shape[0]
    at_k = gather2(z_sign, k, i, xp)
    before = xp.where(k >= 1, gather2(z_sign, clip(k - 1, 0, n_knots - 1, xp), i, xp), xp.take(far_left, i))
    after = xp.where(k <= n_knots - 2, gather2(z_sign, clip(k + 1, 0, n_knots - 1, xp), i, xp), xp.take(far_right, i))
    key = seg * width + nrn  # sorted: the crossing list is ordered by (segment, neuron)

    def member(flags: Any, s: Any) -> Any:
        probe = s * width + i
        at = clip(xp.searchsorted(key, probe), 0, max(key.shape[0] - 1, 0), xp)
        if key.shape[0] == 0:
            return xp.zeros(k.shape, dtype=xp.bool)
        return (xp.take(key, at) == probe) & xp.take(flags, at)

    crossing = xp.ones(seg.shape, dtype=xp.bool)
    left_side = xp.where(
        member(snap_r, k),
        before > 0,
        xp.where(member(crossing, k), at_k > 0, (before + at_k) > 0),
    )
    right_side = xp.where(
        member(snap_l, k + 1),
        after > 0,
        xp.where(member(crossing, k + 1), at_k > 0, (at_k + after) > 0),
    )
    return left_side, right_side


def first_overtake(
    origin: float, gain: Any, rate: Any, lo: float, hi: float, rate_tol: Any = 0.0
) -> tuple[float, int, float] | None:
    """The first line to overtake the leader (the one envelope step of max pooling and of class changes).

    Line j meets the leader at x_j = origin + gain_j / rate_j, where rate_j > 0 is how much faster it rises
    (gain_j: how far below the leader it starts). Returns the smallest x_j in (lo, hi), the index j of the line
    that leads after it (among lines meeting there the fastest, then the lowest index) and its rate; None if no
    line overtakes in (lo, hi). Lines whose rate is at most ``rate_tol`` are parallel to the leader (the caller
    counts those decisions)."""
    ok = rate > rate_tol
    x = np.where(ok, origin + gain / np.where(ok, rate, 1.0), np.inf)
    ok &= (x > lo) & (x < hi)
    if not np.any(ok):
        return None
    best = float(np.min(x[ok]))
    pick = np.nonzero(ok & (x == best))[0]
    j = int(pick[np.argmax(rate[pick])])
    return best, j, float(rate[j])


def lex_argmax(first: Any, second: Any, tol: float = 0.0) -> Any:
    """Per row, the slot with the largest ``first`` (within ``tol``), then the largest ``second``, then the lowest."""
    top = first >= first.max(axis=1, keepdims=True) - tol
    sec = np.where(top, second, -np.inf)
    return np.argmax(sec == sec.max(axis=1, keepdims=True), axis=1)
