"""Exact linear-region counting over ℝ for 1-D-input ReLU networks (the float64 propagation engine).

Definitions (SCIENCE.md §2). Each neuron has a *gate*: on where its pre-activation z > 0. On an open interval
where z has constant sign the gate is constant; a **knot** of a neuron is a point where the gate just left of
it differs from the gate just right of it (a sign change of z; touching zero without crossing is not a knot,
and where z ≡ 0 on an interval the gate is off there). **Activation regions** = #distinct knots + 1.
A **breakpoint** is a knot where f′ jumps; **linear regions** = #breakpoints + 1. Both are counted over all
of ℝ, or over an open window (a, b) with :meth:`RegionCount.restrict`.

Representation. After layer ℓ the output hˡ (n_ℓ functions) is continuous piecewise linear with the knot
set T (sorted): we keep the values H = hˡ(T) (B × n) and the slopes S on the B + 1 segments (two unbounded
tails included). Layer ℓ+1 costs two matrix products, Z = H·Wᵀ + b and S_z = S·Wᵀ; on each segment z is
affine, so its sign pattern near each end of each segment decides where new knots are, and slopes are
*propagated* (not differenced) so that whether f′ jumps is read off S_f exactly up to rounding.

Exactness. The only floating-point decisions are (i) is z (or a slope) zero at a knot, (ii) does a new root
coincide with an existing knot or with another new root, (iii) does f′ jump. Each compares a quantity with
a tolerance ``rtol`` × its natural scale (Cauchy–Schwarz bound of the dot product that produced it, or the
root's position sensitivity to those values), so exact coincidences in degenerate networks — zero biases,
duplicated neurons, integer weights — are recognised, while distinct features of random networks are far
apart on that scale. The answer is certified against exact rational arithmetic (``relu1d.exact``) in the
tests. ``near_decisions`` counts decisions that were resolved by the tolerance rather than by an exact zero
or a clear margin: zero for a certified-generic network, positive where coincidences were merged.

The code is written against the array API (``array_api_compat``), so the same function runs on numpy,
cupy or ``array_api_strict``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import array_api_compat
import numpy as np

from relu1d.network import Network

#: Relative tolerance of the zero / coincidence decisions. float64 dot products of length n carry relative
#: errors ≲ n·2⁻⁵³ ≈ 2.3e-13 at n = 2048 (worst case; typically √n·2⁻⁵³); 1e-11 leaves a wide margin while
#: the chance that two *distinct* features of a random network fall this close is negligible.
DEFAULT_RTOL = 1e-11

#: A decision taken with less than this factor above its tolerance is "weak": float error could only flip it
#: after an upstream cancellation of ~1/WEAK_MARGIN·u, so a network with weak decisions is not certified and,
#: when small, is recounted in rational arithmetic.
WEAK_MARGIN = 1e5


@dataclass(frozen=True, eq=False)
class RegionCount:
    """Exact region structure of a network f: ℝ → ℝ (or of its restriction to a window).

    Arrays are numpy. ``knots``: the distinct activation-pattern changes, sorted (when the exact fallback
    was used, two knots closer than float64 resolution may round to the same float). ``is_breakpoint``
    marks those where f′ jumps; ``values`` = f(knots); ``slopes`` = f′ on the len(knots) + 1 segments.
    ``knot_index[ℓ]`` / ``knot_neurons[ℓ]``: every gate change of a layer-(ℓ+1) neuron, as (index into
    ``knots``, neuron). ``certified``: every decision had a clear margin, or the answer is the rational one
    (``method == "rational"``); ``near_decisions``: float decisions resolved by the tolerance.
    """

    widths: tuple[int, ...]
    knots: np.ndarray
    is_breakpoint: np.ndarray
    values: np.ndarray
    slopes: np.ndarray
    knot_index: tuple[np.ndarray, ...]
    knot_neurons: tuple[np.ndarray, ...]
    f_at_zero: float
    near_decisions: int = 0
    weak_decisions: int = 0
    method: str = "float64"
    window: tuple[float, float] | None = None

    @property
    def certified(self) -> bool:
        """True when the counts are certified exact (clear float margins, or rational arithmetic)."""
        return self.method == "rational" or (self.near_decisions == 0 and self.weak_decisions == 0)

    @property
    def linear_regions(self) -> int:
        """Maximal intervals on which f is affine: #breakpoints + 1."""
        return int(np.count_nonzero(self.is_breakpoint)) + 1

    @property
    def activation_regions(self) -> int:
        """Maximal intervals of constant activation pattern: #knots + 1."""
        return int(self.knots.shape[0]) + 1

    @property
    def breakpoints(self) -> np.ndarray:
        """Sorted points where f′ is discontinuous."""
        return self.knots[self.is_breakpoint]

    @property
    def knot_positions(self) -> tuple[np.ndarray, ...]:
        """Per layer, the position of every gate change (a point repeats once per neuron changing there)."""
        return tuple(self.knots[idx] for idx in self.knot_index)

    @property
    def knots_per_layer(self) -> np.ndarray:
        """Σᵢ X_{ℓ,i}: gate changes of layer-ℓ neurons (SCIENCE.md §2), one entry per hidden layer."""
        return np.array([idx.shape[0] for idx in self.knot_index], dtype=np.int64)

    @property
    def knots_per_neuron(self) -> tuple[np.ndarray, ...]:
        """X_{ℓ,i} for every neuron: a tuple of int arrays of length n_ℓ."""
        return tuple(
            np.bincount(nrn, minlength=n).astype(np.int64)
            for nrn, n in zip(self.knot_neurons, self.widths, strict=True)
        )

    @property
    def breakpoints_per_layer(self) -> np.ndarray:
        """Breakpoints of f located at a knot created by layer ℓ (a knot shared by two layers counts in both)."""
        return np.array(
            [np.count_nonzero(self.is_breakpoint[np.unique(idx)]) for idx in self.knot_index], dtype=np.int64
        )

    def evaluate(self, x: np.ndarray | float) -> np.ndarray:
        """f(x) from the piecewise-linear representation (for checks against a forward pass)."""
        x = np.asarray(x, dtype=np.float64)
        if self.knots.shape[0] == 0:
            return self.f_at_zero + self.slopes[0] * x
        seg = np.searchsorted(self.knots, x, side="right")
        anchor = np.clip(seg - 1, 0, self.knots.shape[0] - 1)
        return self.values[anchor] + self.slopes[seg] * (x - self.knots[anchor])

    def restrict(self, a: float, b: float) -> RegionCount:
        """The same structure on the open window (a, b): only knots with a < t < b are kept."""
        a, b = float(a), float(b)
        if not (np.isfinite(a) and np.isfinite(b) and a < b):
            raise ValueError(f"window: need finite a < b, got ({a}, {b})")
        lo = int(np.searchsorted(self.knots, a, side="right"))
        hi = int(np.searchsorted(self.knots, b, side="left"))
        inside = [(idx >= lo) & (idx < hi) for idx in self.knot_index]
        return replace(
            self,
            knots=self.knots[lo:hi],
            is_breakpoint=self.is_breakpoint[lo:hi],
            values=self.values[lo:hi],
            slopes=self.slopes[lo : hi + 1],
            knot_index=tuple(idx[m] - lo for idx, m in zip(self.knot_index, inside, strict=True)),
            knot_neurons=tuple(n[m] for n, m in zip(self.knot_neurons, inside, strict=True)),
            window=(a, b),
        )

    def summary(self) -> dict[str, Any]:
        """Plain-Python summary (what ``relu1d count --json`` prints)."""
        return {
            "widths": list(self.widths),
            "window": list(self.window) if self.window is not None else None,
            "linear_regions": self.linear_regions,
            "activation_regions": self.activation_regions,
            "knots_per_layer": self.knots_per_layer.tolist(),
            "breakpoints_per_layer": self.breakpoints_per_layer.tolist(),
            "certified": self.certified,
            "method": self.method,
            "near_decisions": self.near_decisions,
            "weak_decisions": self.weak_decisions,
            "breakpoints": self.breakpoints.tolist(),
        }


def _namespace(xp: Any) -> Any:
    """The array-API namespace for a module (numpy, cupy, array_api_strict) or None (numpy)."""
    return array_api_compat.array_namespace((np if xp is None else xp).asarray(0.0))


def _to_numpy(x: Any) -> np.ndarray:
    if isinstance(x, np.ndarray):
        return x
    if array_api_compat.is_cupy_array(x):
        return x.get()
    return np.asarray(np.from_dlpack(x))


#: Largest rational workload (float knots × Σ n_ℓ n_{ℓ−1}) the automatic exact fallback takes on (~1 s).
EXACT_FALLBACK_BUDGET = 200_000


def count_regions(
    net: Network,
    *,
    rtol: float = DEFAULT_RTOL,
    xp: Any = None,
    window: tuple[float, float] | None = None,
    exact_fallback: bool = True,
) -> RegionCount:
    """Count the linear and activation regions of a 1-D-input network exactly over ℝ.

    ``xp``: array module to compute with (numpy by default; cupy for the GPU; ``array_api_strict`` in tests).
    ``window``: if given, the result is restricted to the open interval (a, b) (see ``RegionCount.restrict``).
    ``exact_fallback``: when some float decision fell inside its tolerance band (a degenerate or
    near-degenerate network) and the network is small enough, recompute in rational arithmetic.
    """
    if not isinstance(net, Network):
        raise TypeError(f"count_regions: expected a relu1d.Network, got {type(net).__name__}")
    if net.n_in != 1:
        raise ValueError(
            f"count_regions: the network has {net.n_in} inputs; restrict it to a line first (relu1d.lines)"
        )
    if not (np.isfinite(rtol) and 0 <= rtol < 1e-3):
        raise ValueError(f"rtol: must be in [0, 1e-3), got {rtol}")
    result = _count_float(net, rtol, _namespace(xp))
    if exact_fallback and not result.certified:
        work = (result.knots.shape[0] + 1) * sum(w.size for w in net.weights)
        if work <= EXACT_FALLBACK_BUDGET:
            result = replace(
                _from_exact(net), near_decisions=result.near_decisions, weak_decisions=result.weak_decisions
            )
    return result if window is None else result.restrict(*window)


def _from_exact(net: Network) -> RegionCount:
    """A ``RegionCount`` built from the rational engine (positions rounded to float64 at the very end)."""
    from relu1d.exact import count_regions_exact

    ex = count_regions_exact(net)
    index = {t: k for k, t in enumerate(ex.knots)}
    bps = set(ex.breakpoints)
    return RegionCount(
        widths=net.widths,
        knots=np.array([float(t) for t in ex.knots], dtype=np.float64),
        is_breakpoint=np.array([t in bps for t in ex.knots], dtype=bool),
        values=np.array([float(v) for v in ex.values], dtype=np.float64),
        slopes=np.array([float(v) for v in ex.slopes], dtype=np.float64),
        knot_index=tuple(np.array([index[t] for t in p], dtype=np.int64) for p in ex.knot_positions),
        knot_neurons=tuple(np.array(n, dtype=np.int64) for n in ex.knot_neurons),
        f_at_zero=float(net(0.0)[0]),
        method="rational",
    )


@dataclass
class _Layer:
    """hˡ as a continuous piecewise-linear map, in the engine's working namespace.

    ``t`` (B,) sorted knots; ``h`` (B, n) values at the knots; ``jump`` (B, n) slope jumps at the knots
    (right slope − left slope); ``left``/``right`` (n,) slopes of the two unbounded tails. Slopes on inner
    segments are ``left + cumsum(jump)``; propagating jumps rather than segment slopes keeps "does f′ jump
    here" free of cancellation between large slopes that do not change at that knot.
    """

    t: Any
    h: Any
    jump: Any
    left: Any
    right: Any


def _count_float(net: Network, rtol: float, xp: Any) -> RegionCount:
    """The float64 propagation engine (see the module docstring)."""
    f64, i64 = xp.float64, xp.int64
    # The input layer's "output" is x itself: one anchor point at 0 with h = 0 and slope 1 on both sides.
    # The anchor is dropped after layer 1 unless some first-layer neuron changes its gate exactly there.
    one = xp.ones(1, dtype=f64)
    state = _Layer(
        t=xp.zeros(1, dtype=f64),
        h=xp.zeros((1, 1), dtype=f64),
        jump=xp.zeros((1, 1), dtype=f64),
        left=one,
        right=one,
    )
    knot_index: list[Any] = []
    neurons: list[Any] = []
    near = weak = 0
    for ell, (w, b) in enumerate(zip(net.weights[:-1], net.biases[:-1], strict=True)):
        w, b = xp.asarray(w, dtype=f64), xp.asarray(b, dtype=f64)
        if state.t.shape[0] == 0:  # no knot at all: this and every later pre-activation is constant
            n = w.shape[0]
            zero = xp.zeros(n, dtype=f64)
            state = _Layer(
                t=state.t,
                h=xp.zeros((0, n), dtype=f64),
                jump=xp.zeros((0, n), dtype=f64),
                left=zero,
                right=zero,
            )
            knot_index.append(xp.zeros(0, dtype=i64))
            neurons.append(xp.zeros(0, dtype=i64))
            continue
        state, changes, moved_to, n_near, n_weak = _propagate_layer(state, w, b, rtol, xp)
        near += n_near
        weak += n_weak
        knot_index = [xp.take(moved_to, idx) for idx in knot_index]
        if ell == 0:
            keep = xp.any(changes, axis=1)  # only the anchor can be a point without any gate change
            if not bool(xp.all(keep)):
                state = _Layer(
                    t=state.t[keep],
                    h=state.h[keep],
                    jump=state.jump[keep],
                    left=state.left,
                    right=state.right,
                )
                changes = changes[keep]
        point, neuron = xp.nonzero(changes)
        knot_index.append(point)
        neurons.append(neuron)

    w_out = xp.asarray(net.weights[-1], dtype=f64)[0, :]
    values = state.h @ w_out + float(net.biases[-1][0])
    jump = state.jump @ w_out
    tol = rtol * xp.linalg.vector_norm(state.jump, axis=1) * float(xp.linalg.vector_norm(w_out))
    is_bp = xp.abs(jump) > tol
    near += int(xp.count_nonzero((jump != 0) & ~is_bp))
    weak += int(xp.count_nonzero(is_bp & (xp.abs(jump) <= WEAK_MARGIN * tol)))
    jump = xp.where(is_bp, jump, 0.0)
    slopes = xp.cumulative_sum(jump, include_initial=True) + xp.sum(state.left * w_out)

    return RegionCount(
        widths=net.widths,
        knots=_to_numpy(state.t),
        is_breakpoint=_to_numpy(is_bp),
        values=_to_numpy(values),
        slopes=_to_numpy(slopes),
        knot_index=tuple(_to_numpy(p).astype(np.int64) for p in knot_index),
        knot_neurons=tuple(_to_numpy(n).astype(np.int64) for n in neurons),
        f_at_zero=float(net(0.0)[0]),
        near_decisions=near,
        weak_decisions=weak,
    )


def _propagate_layer(prev: _Layer, w: Any, b: Any, rtol: float, xp: Any) -> tuple[_Layer, Any, Any, int, int]:
    """One hidden layer: from hˡ⁻¹ to hˡ = ReLU(W hˡ⁻¹ + b).

    Returns ``(layer, changes, moved_to, near, weak)``: ``changes[j, i]`` is True when neuron i changes
    its gate at ``layer.t[j]``; old knot k is now ``layer.t[moved_to[k]]``; ``near`` counts
    tolerance-resolved decisions and ``weak`` decisions taken with less than ``WEAK_MARGIN`` × tolerance.
    """
    i64 = xp.int64
    t = prev.t
    n_knots = t.shape[0]
    wt = w.T
    z = prev.h @ wt + b  # pre-activations at the knots (B, m)   — the two matrix products
    dz = prev.jump @ wt  # their slope jumps at the knots (B, m)
    slope_l = prev.left @ wt  # slopes of z on the tails (m,)
    slope_r = prev.right @ wt
    seg_slope = xp.concat([slope_l[None, :], slope_l + xp.cumulative_sum(dz, axis=0)], axis=0)  # (B + 1, m)

    # Zero decisions. Natural scale of a dot product (Cauchy–Schwarz): |z| ≤ ‖H_k‖‖W_i‖ + |b_i|; the tail
    # slopes (two rows) get the exact Σ_j |S_j||W_ij|.
    w_norm = xp.linalg.vector_norm(w, axis=1)
    tol_z = rtol * (xp.linalg.vector_norm(prev.h, axis=1)[:, None] * w_norm + xp.abs(b))
    z_sign = xp.where(xp.abs(z) > tol_z, xp.sign(z), 0.0)
    near = int(xp.count_nonzero((z != 0) & (z_sign == 0)))
    weak = int(xp.count_nonzero((z_sign != 0) & (xp.abs(z) <= WEAK_MARGIN * tol_z)))
    z = xp.where(z_sign == 0, 0.0, z)
    tail_slope = xp.stack([slope_l, slope_r])
    tol_tail = rtol * (xp.abs(xp.stack([prev.left, prev.right])) @ xp.abs(wt))
    tail_sign = xp.where(xp.abs(tail_slope) > tol_tail, xp.sign(tail_slope), 0.0)
    near += int(xp.count_nonzero((tail_slope != 0) & (tail_sign == 0)))
    weak += int(xp.count_nonzero((tail_sign != 0) & (xp.abs(tail_slope) <= WEAK_MARGIN * tol_tail)))

    # Sign of z just inside the left and right end of every segment (tails: the sign at ∓∞).
    far_left = xp.where(tail_sign[0, :] != 0, -tail_sign[0, :], z_sign[0, :])
    far_right = xp.where(tail_sign[1, :] != 0, tail_sign[1, :], z_sign[n_knots - 1, :])
    sign_l = xp.concat([far_left[None, :], z_sign], axis=0)
    sign_r = xp.concat([z_sign, far_right[None, :]], axis=0)
    crossing = sign_l * sign_r < 0  # a root strictly inside the segment (B + 1, m)

    # Root positions and their uncertainty, for every (segment, neuron); only crossing entries are used.
    seg_idx = xp.arange(n_knots + 1, dtype=i64)[:, None]
    has_l, has_r = seg_idx >= 1, seg_idx <= n_knots - 1
    t_l = xp.concat([t[:1], t])  # left end of each segment (dummy for the left tail)
    t_r = xp.concat([t, t[-1:]])  # right end (dummy for the right tail)
    z_l = xp.concat([z[:1, :], z], axis=0)
    z_r = xp.concat([z, z[-1:, :]], axis=0)
    tz_l = xp.concat([tol_z[:1, :], tol_z], axis=0)
    tz_r = xp.concat([tol_z, tol_z[-1:, :]], axis=0)
    dz_ends = xp.where(crossing & has_l & has_r, z_l - z_r, 1.0)
    seg_len = (t_r - t_l)[:, None]
    root = xp.minimum(xp.maximum(t_l[:, None] + (z_l / dz_ends) * seg_len, t_l[:, None]), t_r[:, None])
    err = seg_len * (tz_l + tz_r) / xp.abs(dz_ends) + rtol * (xp.abs(t_l) + xp.abs(t_r))[:, None]
    # Tails: z = z_end + s·(x − t_end); root t_end − z_end/s (first-order error from z_end and s).
    tail_root, tail_err = [], []
    for tail, end in ((0, 0), (1, n_knots - 1)):
        slope = xp.where(crossing[tail * n_knots, :], tail_slope[tail, :], 1.0)
        ratio = z[end, :] / slope
        tail_root.append(t[end] - ratio)
        tail_err.append((tol_z[end, :] + tol_tail[tail, :] * xp.abs(ratio)) / xp.abs(slope) + rtol * xp.abs(t[end]))
    root = xp.concat([tail_root[0][None, :], root[1:n_knots, :], tail_root[1][None, :]], axis=0)
    err = xp.concat([tail_err[0][None, :], err[1:n_knots, :], tail_err[1][None, :]], axis=0)

    # A root within its uncertainty of an existing knot is that knot (nearest end wins).
    d_l, d_r = root - t_l[:, None], t_r[:, None] - root
    snap_l = crossing & has_l & (d_l <= err) & (~has_r | (d_l <= d_r))
    snap_r = crossing & has_r & (d_r <= err) & ~snap_l
    free = crossing & ~snap_l & ~snap_r
    near += int(xp.count_nonzero(snap_l | snap_r))
    close_l = has_l & (d_l <= WEAK_MARGIN * err)
    close_r = has_r & (d_r <= WEAK_MARGIN * err)
    weak += int(xp.count_nonzero(free & (close_l | close_r)))

    # Cluster the remaining roots: consecutive roots closer than their summed uncertainties coincide.
    # (Roots in different segments cannot merge: each is farther than its uncertainty from the knot between.)
    seg_of, _ = xp.nonzero(free)
    r_free, e_free = root[free], err[free]
    order = xp.argsort(r_free, stable=True)
    r_sorted, e_sorted = xp.take(r_free, order), xp.take(e_free, order)
    if r_sorted.shape[0] > 0:
        apart = (r_sorted[1:] - r_sorted[:-1]) > (e_sorted[1:] + e_sorted[:-1])
        starts = xp.concat([xp.asarray([True]), apart])
        gap = r_sorted[1:] - r_sorted[:-1]
        weak += int(xp.count_nonzero(apart & (gap <= WEAK_MARGIN * (e_sorted[1:] + e_sorted[:-1]))))
    else:
        starts = xp.zeros(0, dtype=xp.bool)
    cluster_sorted = xp.cumulative_sum(xp.astype(starts, i64)) - 1
    cluster = xp.take(cluster_sorted, xp.argsort(order))  # cluster of each free root, in row-major order
    new_t = r_sorted[starts]  # one new knot per cluster (its leftmost member)
    new_seg = xp.take(seg_of, order)[starts]  # parent segment of each new knot (nondecreasing)
    n_new = new_t.shape[0]
    near += int(r_sorted.shape[0]) - n_new

    # Merge old and new knots: old knot k moves right by the number of new knots in segments ≤ k.
    old_idx = xp.arange(n_knots, dtype=i64)
    dest_old = old_idx + xp.searchsorted(new_seg, old_idx, side="right")
    dest_new = xp.arange(n_new, dtype=i64) + new_seg
    merged = xp.argsort(xp.concat([dest_old, dest_new]))
    t_out = xp.take(xp.concat([t, new_t]), merged)
    is_old = xp.take(xp.concat([xp.ones(n_knots, dtype=i64), xp.zeros(n_new, dtype=i64)]), merged)
    parent = xp.cumulative_sum(is_old, include_initial=True)  # old segment holding each new segment

    # Sign of z on every new segment. Without a root the old segment has one sign; with one, segments up to
    # the root's knot take the left-end sign, the rest the right-end sign.
    root_at = xp.zeros(crossing.shape, dtype=i64)
    root_at = xp.where(snap_l, -1, xp.where(snap_r, n_knots + n_new + 1, root_at))
    root_at[free] = xp.take(dest_new, cluster)
    one_sign = xp.sign(sign_l + sign_r)
    left_sign = xp.where(crossing, sign_l, one_sign)
    right_sign = xp.where(crossing, sign_r, one_sign)
    new_seg_idx = xp.arange(n_knots + n_new + 1, dtype=i64)[:, None]
    left_of_root = new_seg_idx <= xp.take(root_at, parent, axis=0)
    gate = xp.where(left_of_root, xp.take(left_sign, parent, axis=0), xp.take(right_sign, parent, axis=0)) > 0

    # Values at the new knots by interpolation inside the parent segment (tails: along the tail slope).
    z_at_l, z_at_r = xp.take(z_l, new_seg, axis=0), xp.take(z_r, new_seg, axis=0)
    t_at_l, t_at_r = xp.take(t_l, new_seg), xp.take(t_r, new_seg)
    interior = ((new_seg >= 1) & (new_seg <= n_knots - 1))[:, None]
    frac = (new_t - t_at_l) / xp.where(t_at_r > t_at_l, t_at_r - t_at_l, 1.0)
    z_interp = z_at_l + frac[:, None] * (z_at_r - z_at_l)
    z_end = xp.where((new_seg == 0)[:, None], z_at_r, z_at_l)
    t_end = xp.where(new_seg == 0, t_at_r, t_at_l)
    z_tail = z_end + (new_t - t_end)[:, None] * xp.take(seg_slope, new_seg, axis=0)
    z_new = xp.where(interior, z_interp, z_tail)
    h_out = xp.take(xp.concat([xp.maximum(z, 0.0), xp.maximum(z_new, 0.0)], axis=0), merged, axis=0)

    # Slope jumps of hˡ at every knot: where the gate is on at both sides of an old knot it is z's own jump
    # (from the product of jumps, exact in structure); otherwise right slope·gate − left slope·gate.
    gate_f = xp.astype(gate, z.dtype)
    g_l, g_r = gate_f[:-1, :], gate_f[1:, :]
    s_l = xp.take(seg_slope, parent[:-1], axis=0)
    s_r = xp.take(seg_slope, parent[1:], axis=0)
    dz_at = xp.take(xp.concat([dz, xp.zeros((n_new, dz.shape[1]), dtype=dz.dtype)], axis=0), merged, axis=0)
    both_on_old = gate[:-1, :] & gate[1:, :] & (xp.astype(is_old, xp.bool)[:, None])
    jump_out = xp.where(both_on_old, dz_at, g_r * s_r - g_l * s_l)

    layer = _Layer(t=t_out, h=h_out, jump=jump_out, left=gate_f[0, :] * slope_l, right=gate_f[-1, :] * slope_r)
    changes = gate[:-1, :] != gate[1:, :]
    return layer, changes, dest_old, near, weak
