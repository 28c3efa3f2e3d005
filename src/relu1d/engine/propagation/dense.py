"""The dense step: a dense node that feeds ReLU units, in one matrix product (docs/mathematics.md §2.2).

A tensor on the point set T (``relu1d.engine.propagation.state.OnPoints``: values H at T, slope jumps ΔS at T, the
two tail slopes) goes through z = W·h + b and then h' = ReLU(z). The step costs one matrix product, ΔZ = ΔS·Wᵀ: on each
segment z is affine, so its values at the points follow by prefix sums from an anchor row H_a·Wᵀ + b every
``ANCHOR_EVERY`` points, with every value near a decision recomputed by the product. A row of ΔS with one nonzero (a
point the previous dense step created with one root) skips the product. The sign pattern of z near each end of each
segment decides where the new knots are, and slopes are *propagated* (not differenced), so that whether f′ jumps is
read off the jumps exactly up to rounding. ``dense_output`` is the same product without a unit (the model's last
dense node: f, its jumps and its breakpoint decisions).

Definitions (docs/mathematics.md §2). Each neuron has a *gate*: on where its pre-activation z > 0. A **knot** of a
neuron is a point where the gate just left of it differs from the gate just right of it (a sign change of z; touching
zero without crossing is not a knot, and where z ≡ 0 on an interval the gate is off there). A **breakpoint** is a knot
where f′ jumps.

Exactness. The only floating-point decisions are (i) is z (or a slope) zero at a point, (ii) does a new root
coincide with an existing point or with another new root, (iii) does f′ jump. Each compares a quantity with
a tolerance ``rtol`` × its natural scale (Cauchy–Schwarz bound of the dot product that produced it, or the
root's position sensitivity to those values), so exact coincidences in degenerate networks — zero biases,
duplicated neurons, integer weights — are recognised, while distinct features of random networks are far
apart on that scale. ``near_decisions`` counts decisions that were resolved by the tolerance rather than by an exact
zero or a clear margin.

The code is written against the array API (``array_api_compat``), so the same step runs on numpy, cupy or
``array_api_strict``. On numpy the dense passes (tolerance tests, signs, crossings, the merge of old and new points)
run as fused numba kernels (``relu1d.engine.kernels.chain``) that do the same float operations in the same order,
bit-identical to the array-API passes (tests/engine/test_fused.py), in buffers reused from step to step and from count
to count (``free_workspace``); ``RELU1D_FUSED=0`` selects the array-API passes on numpy too.
"""

from __future__ import annotations

import math
import os
import threading
from typing import Any

import array_api_compat
import numpy as np

from relu1d.engine.arrays import (
    c_contiguous,
    clip,
    gather2,
    replace_rows,
    row_norms,
    scatter,
    total,
)
from relu1d.engine.decisions import (
    WEAK_MARGIN,
    gates_at_knots,
    place_roots,
    root_positions,
    segment_slopes,
)
from relu1d.engine.propagation.state import Counter, OnPoints
from relu1d.engine.result import FloatRangeError


def dense_relu(
    prev: OnPoints, t: Any, w: Any, b: Any, rtol: float, xp: Any, count: Counter, last: bool = False
) -> tuple[OnPoints, Any, tuple[Any, Any], Any, tuple[Any, Any]]:
    """h' = ReLU(W·h + b) on the point set ``t``. ``prev``'s arrays are consumed (released, or overwritten in the
    workspace). ``last``: no later dense step reads the workspace in this count (its buffers may be released early).

    A ``prev`` with scales (made by another kind of step) first has what it holds within rtol × scale of 0 set to 0,
    as every mixing node does. Returns ``(state, t', (points, neurons), moved_to, (new_t, new_seg))``: the output
    (without scales: every entry is decided), the merged point set, the gate changes of the step's neurons (indices
    into t', sorted), the new index of every old point and the new points with their old segments (0 = left tail).
    ``t`` is never empty (the propagation keeps at least one point: the line's values live there).
    """
    count.settle(prev, rtol)
    slot = _WORKSPACE.last_slot = 2 - _WORKSPACE.last_slot  # not the slot of the input, if it is there
    state, t_out, knots, moved_to, new, near, weak = _propagate_layer(prev, t, w, b, rtol, xp, slot, last)
    count.add(near, weak)
    return state, t_out, knots, moved_to, new


def keep_points(state: OnPoints, kept: Any, xp: Any) -> OnPoints:
    """The state on the points ``kept`` (increasing indices; the others have no jump and are dropped), in place in
    the workspace on the fused path."""
    if state.rows is not None:  # a stacked state: one gather of its values, jumps and tails
        n = state.h.shape[0]
        index = np.concatenate([kept, n + kept, [2 * n, 2 * n + 1]])
        scale = None if state.scale is None else state.scale.as_rows()[index]
        return OnPoints.from_rows(state.rows[index], kept.shape[0], scale)
    single = state.single
    if single is not None:  # the points with a single row all stay (each has a gate change)
        single = (xp.searchsorted(kept, single[0]), single[1], single[2])
    return OnPoints(h=_keep_rows(state.h, kept, xp), jump=_keep_rows(state.jump, kept, xp), left=state.left,
                    right=state.right, single=single)  # fmt: skip


def dense_output(
    state: OnPoints, w: Any, b: Any, rtol: float, xp: Any, count: Counter, scales: bool = False
) -> OnPoints:
    """f = W·h + b without a unit (a model's last dense node): values, jumps and tails of every output, the jumps
    decided against rtol·‖ΔS_k‖·‖W_o‖ (a jump within it is 0: no breakpoint of that output there); with ``scales``,
    also the scales (‖row‖·‖W_o‖, plus |b_o| on the values) of the decisions that read f (class changes)."""
    count.settle(state, rtol)
    wt = w.T
    w_norm = xp.linalg.vector_norm(w, axis=1)
    values = state.h @ wt + b
    jump = state.jump @ wt
    j_norm = row_norms(state.jump, xp)
    tol = rtol * j_norm[:, None] * w_norm
    is_bp = xp.abs(jump) > tol
    count.add(int(xp.count_nonzero((jump != 0) & ~is_bp)),
              int(xp.count_nonzero(is_bp & (xp.abs(jump) <= WEAK_MARGIN * tol))))  # fmt: skip
    jump = xp.where(is_bp, jump, 0.0)
    left = xp.sum(state.left * w, axis=1)
    right = xp.sum(state.right * w, axis=1)
    if not scales:
        return OnPoints(h=values, jump=jump, left=left, right=right)
    h_norm = row_norms(state.h, xp)
    tails = row_norms(xp.stack([state.left, state.right]), xp)[:, None] * w_norm
    scale = OnPoints(h=h_norm[:, None] * w_norm + xp.abs(b), jump=j_norm[:, None] * w_norm, left=tails[0, :],
                     right=tails[1, :])  # fmt: skip
    return OnPoints(h=values, jump=jump, left=left, right=right, scale=scale)


def _keep_rows(x: Any, kept: Any, xp: Any) -> Any:
    """The rows ``kept`` (increasing) of x; in place on the fused path (x is a workspace buffer there)."""
    fused = _fused_kernels(xp)
    if fused is None:
        return xp.take(x, kept, axis=0)
    fused.keep_rows(x, kept)
    return x[: kept.shape[0]]


def _fused_kernels(xp: Any) -> Any:
    """The numba kernels (``relu1d.engine.kernels.chain``), or None for the array-API passes: those are used off numpy,
    without numba, and when ``RELU1D_FUSED=0``; both give bit-identical results. The kernels serve every size:
    loading them costs ~0.3 s once per process and they save ~0.3 ms per small layer (a 16 × 8 network: 3.6 ms
    against 6.0, measured 2026-12-06), and the count stage's workers fork with them loaded
    (``relu1d.replication._warm_worker``)."""
    if not array_api_compat.is_numpy_namespace(xp) or os.environ.get("RELU1D_FUSED") == "0":
        return None
    try:
        from relu1d.engine.kernels import chain
    except ImportError:  # numba missing or incompatible with this numpy: the array-API passes still work
        return None
    return chain


class _Workspace(threading.local):
    """Reusable float64 buffers of the fused path, per thread. A dense step writes its values (and then, in place, the
    merged layer's h) into the value slot (0 or 2) the step before it did not use, while reading the previous
    step's h from the other value slot (a dense step's output is read by one dense node; a tensor read by several
    leaves the workspace, ``OnPoints.copy``); the
    jumps live in slot ``JUMP_SLOT``, where each layer's jump product overwrites the previous layer's jumps row
    by row (``_jump_products``). Three B × n arrays in all. Counting many networks of one shape in a process then
    touches no fresh memory after the first (fresh pages cost as much as a pass over them). ``free_workspace``
    returns the memory."""

    def __init__(self) -> None:
        self.buffers: list[np.ndarray | None] = [None] * 3
        #: the value slot the last dense step wrote
        self.last_slot = 2
        #: the largest size each slot was asked for: a released slot comes back at that size at once, instead of
        #: growing layer by layer (every growth faults in fresh pages)
        self.largest = [0] * 3

    def rows(self, slot: int, rows: int, width: int, grow: bool = True) -> np.ndarray | None:
        """A C-contiguous (rows × width) view of buffer ``slot``; if it is too small: a larger buffer when
        ``grow``, else None."""
        size = rows * width
        buf = self.buffers[slot]
        if buf is None or buf.shape[0] < size:
            if not grow:
                return None
            self.buffers[slot] = None  # release first: the old and the new buffer are never both held
            buf = self.buffers[slot] = np.empty(max(size, self.largest[slot]), dtype=np.float64)
        self.largest[slot] = max(self.largest[slot], size)
        return buf[:size].reshape(rows, width)

    def holds(self, slot: int, x: np.ndarray) -> bool:
        """Whether ``x`` is a view of buffer ``slot`` starting at its first element."""
        buf = self.buffers[slot]
        return (
            buf is not None and isinstance(x, np.ndarray) and x.base is not None and np.shares_memory(x, buf)
            and x.ctypes.data == buf.ctypes.data
        )  # fmt: skip


#: The workspace slot of the jumps (the value slots are 0 and 2).
JUMP_SLOT = 1


_WORKSPACE = _Workspace()


def free_workspace() -> None:
    """Release this thread's reusable buffers (the next count allocates afresh)."""
    _WORKSPACE.buffers, _WORKSPACE.largest = [None] * 3, [0] * 3


#: Knots per block of the prefix sums: each block starts at an anchor whose values are one product row
#: (docs/mathematics.md §2.2), so ~1/ANCHOR_EVERY of the value product is computed.
ANCHOR_EVERY = 64

#: A block is recomputed by the product when its prefix sum, carried to the next anchor, misses that anchor's
#: product value by more than this many tolerances (measured: ≤ 10⁻³ of a tolerance on random networks).
DRIFT_LIMIT = WEAK_MARGIN / 100

#: A prefix-summed value within this many tolerances of zero decides nothing: its row is recomputed by the product
#: (whose value may lie up to a DRIFT_LIMIT closer to zero), so every zero, weak and sign decision in that band is
#: taken on the product's value, as before.
PRODUCT_BAND = WEAK_MARGIN + 10 * DRIFT_LIMIT


def _anchor_rows(n_rows: int, xp: Any) -> Any:
    """Rows whose values come from the product: every ANCHOR_EVERY-th, and the last (it closes the last block)."""
    starts = xp.arange(0, n_rows, ANCHOR_EVERY, dtype=xp.int64)
    if (n_rows - 1) % ANCHOR_EVERY == 0:
        return starts
    return xp.concat([starts, xp.asarray([n_rows - 1], dtype=xp.int64)])


def _value_rows(h: Any, rows: Any, wt: Any, b: Any, xp: Any, out: Any = None) -> Any:
    """z = H·Wᵀ + b on the given rows, in chunks of gathered rows (``_chunk_rows``); into ``out[rows]`` when given
    (numpy and cupy), else returned."""
    chunks = [rows[lo:hi] for lo, hi in _chunk_rows(rows.shape[0], h.shape[0])]
    if out is None:
        return xp.concat([xp.matmul(xp.take(h, chunk, axis=0), wt) + b for chunk in chunks], axis=0)
    for chunk in chunks:
        out[chunk] = xp.matmul(xp.take(h, chunk, axis=0), wt) + b
    return out


def _prefix_values(
    dz: Any, t: Any, slope_l: Any, anchors: Any, b: Any, h_norm: Any, j_norm: Any, w_norm: Any, rtol: float, xp: Any
) -> tuple:
    """The array-API twin of ``kernels.chain.prefix_values`` (same operations, same order): dz screened, z from the
    anchors and the cumulative slopes, the rows in the product band, the blocks whose drift is too large, and
    the jumps' (near, weak)."""
    n_rows, width = dz.shape
    # Jumps that cancel exactly (e.g. a duplicated neuron with opposite outgoing weight) come out of the product
    # as rounding residue (FMA keeps the error of the first product): the scale test sets them to 0.
    tol_dz = rtol * (j_norm[:, None] * w_norm)
    small = xp.abs(dz) <= tol_dz
    near = int(xp.count_nonzero(small & (dz != 0)))
    weak = int(xp.count_nonzero(xp.abs(dz) <= WEAK_MARGIN * tol_dz)) - int(xp.count_nonzero(small))
    dz = xp.where(small, 0.0, dz)
    blocks = -(-n_rows // ANCHOR_EVERY)
    tol_z = rtol * (h_norm[:, None] * w_norm + xp.abs(b))
    acc = xp.cumulative_sum(dz[:-1, :], axis=0)  # Σ_{j<k} dz_j for k = 1 … B−1
    steps = (slope_l + acc) * (t[1:] - t[:-1])[:, None]  # Δz on segment k
    starts = (xp.arange(1, n_rows, dtype=xp.int64) % ANCHOR_EVERY) == 0
    zeroed = xp.concat([xp.zeros((1, width), dtype=dz.dtype), xp.where(starts[:, None], 0.0, steps)], axis=0)
    padded = xp.concat([zeroed, xp.zeros((blocks * ANCHOR_EVERY - n_rows, width), dtype=dz.dtype)], axis=0)
    chain = xp.reshape(xp.cumulative_sum(xp.reshape(padded, (blocks, ANCHOR_EVERY, width)), axis=1), (-1, width))
    block_of = xp.arange(n_rows, dtype=xp.int64) // ANCHOR_EVERY
    z = xp.take(anchors, block_of, axis=0) + chain[:n_rows, :]
    # drift: each block's sum carried one step to the next block's anchor, and the last row against its anchor
    ends = xp.arange(ANCHOR_EVERY, n_rows, ANCHOR_EVERY, dtype=xp.int64)
    carried = xp.take(anchors, ends // ANCHOR_EVERY - 1, axis=0) + (
        xp.take(chain, ends - 1, axis=0) + xp.take(steps, ends - 1, axis=0)
    )
    drift = xp.any(
        xp.abs(carried - anchors[1 : ends.shape[0] + 1, :]) > DRIFT_LIMIT * xp.take(tol_z, ends, axis=0), axis=1
    )
    block_flag = xp.concat([drift, xp.zeros(blocks - ends.shape[0], dtype=xp.bool)])
    row_flag = xp.any(xp.abs(z) <= PRODUCT_BAND * tol_z, axis=1) & (xp.arange(n_rows) % ANCHOR_EVERY != 0)
    if (n_rows - 1) % ANCHOR_EVERY != 0:
        last = xp.any(xp.abs(z[-1, :] - anchors[-1, :]) > DRIFT_LIMIT * tol_z[-1, :])
        block_flag = xp.concat([block_flag[:-1], xp.reshape(last, (1,))])
        z = xp.concat([z[:-1, :], anchors[-1:, :]], axis=0)
        row_flag = xp.concat([row_flag[:-1], xp.zeros(1, dtype=xp.bool)])
    return dz, z, row_flag, block_flag, near, weak


def _product_rows(row_flag: Any, block_flag: Any, n_rows: int, xp: Any) -> Any:
    """The rows whose prefix values are replaced by the product: flagged rows and every row of a flagged block."""
    in_flagged_block = xp.take(block_flag, xp.arange(n_rows, dtype=xp.int64) // ANCHOR_EVERY)
    return xp.nonzero(row_flag | in_flagged_block)[0]


def _screen(
    prev: OnPoints, t: Any, w: Any, b: Any, slope_l: Any, rtol: float, xp: Any, fused: Any, slot: int, last: bool
) -> tuple:
    """The dense part of a layer: one matrix product, the values by prefix sums, and the zero decisions.

    Along segment k of the knot set (docs/mathematics.md §2.2) z = W hˡ⁻¹ + b is affine with slope
    s_k = s_0 + Σ_{j<k} ΔZ_j, so from the jump product ΔZ = ΔS·Wᵀ alone the values follow by prefix sums
    z_k = z_a + Σ_{j=a+1..k} s_j (t_j − t_{j−1}) from an anchor a whose z_a = H_a·Wᵀ + b is a product row
    (every ANCHOR_EVERY knots, and the last). Rounding of the sums is kept out of every decision: a row with a
    value within PRODUCT_BAND tolerances of zero, and every block whose sum misses the next anchor by more
    than DRIFT_LIMIT tolerances, is recomputed by the product; elsewhere a value is more than PRODUCT_BAND
    tolerances from zero, so its sign, and that it is neither zero nor weak, are what the product would give.

    Returns ``(z, dz, z_sign, (h_norm, w_norm), (cross_k, cross_i), (zero_k, zero_i), near, weak)``: z and dz at
    the knots with values inside their tolerance set to 0, the int8 signs of z, the scales of the tolerance
    rtol·(‖H_k‖‖W_i‖ + |b_i|), the inner crossings (knot k ≥ 1 and neuron i with sign z[k−1, i]·sign z[k, i] < 0)
    and the exact zeros of z, both row-major. ``prev``'s arrays are released once used, which keeps the peak
    memory down. The fused path writes z into workspace slot ``slot`` and dz over the previous jumps; ``last``
    (the last hidden layer) also releases the slot of the previous layer's values.
    """
    i8 = xp.int8
    wt = w.T
    w_norm = row_norms(w, xp)
    h_norm, j_norm = row_norms(prev.h, xp), row_norms(prev.jump, xp)
    if not math.isfinite(total(h_norm, xp) + total(j_norm, xp)):  # a sum is finite iff every term is
        raise FloatRangeError(
            "the count leaves float64's range: a layer's values exceed 1e154 at some knot even after exact "
            "power-of-two rescaling (a knot far out on a tail, or weights spanning more than float64 holds)"
        )
    n_rows, width = prev.h.shape[0], w.shape[0]
    anchors = _value_rows(prev.h, _anchor_rows(n_rows, xp), wt, b, xp)
    if fused is not None:
        # The product, into buffers with room for the new knots: the merged layer is then built in place
        # (no fresh B × m arrays to fault in, a lower peak).
        rows = n_rows + _new_knot_room(width)
        if _WORKSPACE.rows(slot, rows, width, grow=False) is None:
            _WORKSPACE.buffers[slot] = None  # too small for z (it holds a dead layer): not held beside a new ΔS
        dz = _jump_products(prev, wt, xp, fused, out=_jump_buffer(prev.jump, rows, width)[:n_rows])
        prev.jump = None
        z = _WORKSPACE.rows(slot, rows, width)[:n_rows]
        row_flag = np.empty(n_rows, dtype=np.bool_)
        block_flag = np.zeros(-(-n_rows // ANCHOR_EVERY), dtype=np.bool_)
        near, weak = fused.prefix_values(
            dz, t, slope_l, anchors, ANCHOR_EVERY, b, h_norm, j_norm, w_norm, rtol, WEAK_MARGIN, PRODUCT_BAND,
            DRIFT_LIMIT, z, row_flag, block_flag,
        )  # fmt: skip
        redo = _product_rows(row_flag, block_flag, n_rows, xp)
        if redo.shape[0] > 0:
            _value_rows(prev.h, redo, wt, b, xp, out=z)
        if last and _WORKSPACE.holds(2 - slot, prev.h):
            # no later layer reads that slot in this count: the peak stays at three B × n arrays (the next count
            # allocates it once more)
            _WORKSPACE.buffers[2 - slot] = None
        prev.h = None
        z_sign = np.empty(z.shape, dtype=np.int8)
        row_counts = np.empty((z.shape[0], 2), dtype=np.int64)
        n_near, n_weak = fused.screen(z, b, h_norm, w_norm, rtol, WEAK_MARGIN, z_sign, row_counts)
        near, weak = near + n_near, weak + n_weak
        n_cross, n_zero = (int(v) for v in row_counts.sum(axis=0))
        cross_k, cross_i = np.empty(n_cross, dtype=np.int64), np.empty(n_cross, dtype=np.int64)
        zero_k, zero_i = np.empty(n_zero, dtype=np.int64), np.empty(n_zero, dtype=np.int64)
        fused.list_pairs(z_sign, row_counts, cross_k, cross_i, zero_k, zero_i)
        return z, dz, z_sign, (h_norm, w_norm), (cross_k, cross_i), (zero_k, zero_i), near, weak

    dz = _jump_products(prev, wt, xp)  # slope jumps of z at the knots (B, m): the one matrix product
    prev.jump = None
    dz, z, row_flag, block_flag, near, weak = _prefix_values(
        dz, t, slope_l, anchors, b, h_norm, j_norm, w_norm, rtol, xp
    )
    redo = _product_rows(row_flag, block_flag, n_rows, xp)
    if redo.shape[0] > 0:
        z = replace_rows(z, redo, _value_rows(prev.h, redo, wt, b, xp), xp)
    prev.h = None
    # Zero decisions against the natural scale of a dot product (Cauchy–Schwarz): |z| ≤ ‖H_k‖‖W_i‖ + |b_i|.
    tol_z = rtol * (h_norm[:, None] * w_norm + xp.abs(b))
    small = xp.abs(z) <= tol_z
    near += int(xp.count_nonzero(small & (z != 0)))
    weak += int(xp.count_nonzero(xp.abs(z) <= WEAK_MARGIN * tol_z)) - int(xp.count_nonzero(small))
    z = xp.where(small, 0.0, z)
    z_sign = xp.astype(z > 0, i8) - xp.astype(z < 0, i8)
    cross_k, cross_i = xp.nonzero(z_sign[:-1, :] * z_sign[1:, :] < 0)
    zeros = xp.nonzero(z_sign == 0)
    return z, dz, z_sign, (h_norm, w_norm), (cross_k + 1, cross_i), zeros, near, weak


#: Rows per product call, at least: enough to run at the product's full speed (``_chunk_rows``).
PRODUCT_CHUNK = 256


def _chunk_rows(n_rows: int, of_rows: int) -> list[tuple[int, int]]:
    """(lo, hi) spans of ``n_rows`` rows multiplied per product call, max(PRODUCT_CHUNK, of_rows/16) rows each
    (``of_rows``: the layer's rows), so that a gathered copy and its result stay ≤ 1/8 of the B × n arrays."""
    size = max(PRODUCT_CHUNK, of_rows // 16)
    return [(lo, min(lo + size, n_rows)) for lo in range(0, n_rows, size)]


#: The single-nonzero rows of ΔS are used when they are at least this fraction of its rows; below it, gathering
#: the other rows for their product costs about what the skipped products save.
SINGLE_ROWS_MIN_FRACTION = 0.125


def _jump_products(prev: OnPoints, wt: Any, xp: Any, fused: Any = None, out: Any = None) -> Any:
    """dz = ΔS·Wᵀ, the slope jumps of the next pre-activations at the knots.

    A row of ΔS whose only nonzero is v at column c (a knot the previous layer created with one root) gives
    v·W[:, c]: the matrix product of that row has one nonzero term, so this is the value it returns (up to the
    sign of an exact zero). Only the other rows go through the matrix product, in chunks (``_chunk_rows``; a
    gathered copy where rows are skipped); both the fused and the array-API paths split the rows this way, so they
    stay bit-identical. ``out``: the fused path's numpy buffer; it may be ΔS's own memory (``_jump_buffer``), as
    every chunk is read before its rows are written and the single rows read nothing of ΔS.
    """
    single, n_rows = prev.single, prev.jump.shape[0]
    if single is None or single[0].shape[0] < SINGLE_ROWS_MIN_FRACTION * n_rows:
        spans = _chunk_rows(n_rows, n_rows)
        if out is None:
            return xp.concat([xp.matmul(prev.jump[lo:hi, :], wt) for lo, hi in spans], axis=0)
        for lo, hi in spans:
            out[lo:hi] = np.matmul(prev.jump[lo:hi], wt)
        return out
    rows, cols, values = single
    index = xp.arange(n_rows, dtype=rows.dtype)
    at = clip(xp.searchsorted(rows, index), 0, rows.shape[0] - 1, xp)
    dense = index[xp.take(rows, at) != index]
    chunks = [dense[lo:hi] for lo, hi in _chunk_rows(dense.shape[0], n_rows)]
    if fused is not None:
        for chunk in chunks:
            out[chunk] = xp.matmul(xp.take(prev.jump, chunk, axis=0), wt)
        fused.single_rows(wt.T, rows, cols, values, out)
        return out
    dense_products = [xp.matmul(xp.take(prev.jump, chunk, axis=0), wt) for chunk in chunks]
    single_products = values[:, None] * xp.take(c_contiguous(wt, xp), cols, axis=0)  # W's columns as rows
    merged = xp.argsort(xp.concat([dense, rows]))
    return xp.take(xp.concat([*dense_products, single_products], axis=0), merged, axis=0)


def _jump_buffer(jump: np.ndarray, rows: int, width: int) -> np.ndarray:
    """Where the fused path writes the jump product: over the previous jumps (row k of the product over row k of
    ΔS, which ``_jump_products`` has read by then) when they sit in the jump slot with the same width and room
    for ``rows``; else a fresh buffer (the old one is released when the product is done: while it is formed, the
    previous layer's h and jumps and this buffer are the three B × n arrays held)."""
    if _WORKSPACE.holds(JUMP_SLOT, jump) and jump.shape[1] == width:
        out = _WORKSPACE.rows(JUMP_SLOT, rows, width, grow=False)
        if out is not None:
            return out
    out = np.empty(rows * width, dtype=np.float64)
    _WORKSPACE.buffers[JUMP_SLOT] = out  # ``jump`` keeps the old buffer alive until the product is formed
    return out.reshape(rows, width)


def _new_knot_room(width: int) -> int:
    """Rows reserved for a layer's new knots: a random layer adds about one knot per neuron (docs/mathematics.md §4),
    ± a few √width; a layer that adds more gets fresh arrays (slower, never wrong)."""
    return width + 4 * math.isqrt(width) + 16


def _merge_fused(
    fused: Any, z: Any, dz: Any, z_sign: Any, t: Any, tails: Any, new_t: Any, new_seg: Any, dest: tuple, slot: int
) -> tuple:
    """h and the slope jumps of the merged layer (jumps at new knots left 0), built in place in the workspace
    slots holding z and dz when they have room for the new knots, else in fresh arrays."""
    rows, width = z.shape[0] + new_t.shape[0], z.shape[1]
    h_new = np.empty((new_t.shape[0], width), dtype=np.float64)
    fused.new_rows(z, t, tails, new_t, new_seg, h_new)
    h_out, jump_out = (
        _WORKSPACE.rows(slot, rows, width, grow=False),
        _WORKSPACE.rows(JUMP_SLOT, rows, width, grow=False),
    )
    if h_out is None or jump_out is None:
        h_out, jump_out = np.empty((rows, width), dtype=np.float64), np.empty((rows, width), dtype=np.float64)
    fused.merge_rows(z, dz, z_sign, dest[0], h_new, dest[1], h_out, jump_out)
    return h_out, jump_out


def _propagate_layer(prev: OnPoints, t: Any, w: Any, b: Any, rtol: float, xp: Any, slot: int, last: bool) -> tuple:
    """One hidden layer: from hˡ⁻¹ to hˡ = ReLU(W hˡ⁻¹ + b). ``prev``'s arrays are consumed (released).

    Dense work is one matrix product and a few passes over (knots × neurons) (fused into numba kernels
    on numpy); everything about roots and gate changes is done on the sparse list of (segment, neuron) pairs
    where it happens. Returns ``(layer, t', (points, neurons), moved_to, (new_t, new_seg), near, weak)``: the gate
    changes of this layer's neurons (indices into t', sorted), the new index of every old knot, the new knots with
    their old segments, and the counts of tolerance-resolved and weak decisions.
    """
    f64, i64, i8 = xp.float64, xp.int64, xp.int8
    fused = _fused_kernels(xp)
    prev_left, prev_right = prev.left, prev.right
    n_knots, width = t.shape[0], w.shape[0]
    wt = w.T
    slope_l, slope_r = prev_left @ wt, prev_right @ wt  # slopes of z on the two tails (m,)
    z, dz, z_sign, (h_norm, w_norm), cross_inner, (zero_k, zero_i), near, weak = _screen(
        prev, t, w, b, slope_l, rtol, xp, fused, slot, last
    )

    # The two tail slopes get the exact scale Σ_j |S_j||W_ij|.
    tails = xp.stack([slope_l, slope_r])
    tol_tail = rtol * (xp.abs(xp.stack([prev_left, prev_right])) @ xp.abs(wt))
    tail_small = xp.abs(tails) <= tol_tail
    near += int(xp.count_nonzero(tail_small & (tails != 0)))
    weak += int(xp.count_nonzero(~tail_small & (xp.abs(tails) <= WEAK_MARGIN * tol_tail)))
    tails = xp.where(tail_small, 0.0, tails)
    # Sign of z at −∞ and +∞ (the far ends of the two tail segments).
    far_left = xp.where(tails[0, :] != 0, -xp.sign(tails[0, :]), xp.astype(z_sign[0, :], f64))
    far_right = xp.where(tails[1, :] != 0, xp.sign(tails[1, :]), xp.astype(z_sign[-1, :], f64))
    far_left, far_right = xp.astype(far_left, i8), xp.astype(far_right, i8)

    # Crossings: segment k (0 = left tail, B = right tail) holds a root of neuron i when the signs of z near
    # its two ends are strictly opposite. Listed sparsely, sorted by (segment, neuron).
    cross_left = xp.nonzero(far_left * z_sign[0, :] < 0)[0]
    cross_right = xp.nonzero(z_sign[-1, :] * far_right < 0)[0]
    seg = xp.concat([xp.zeros_like(cross_left), cross_inner[0], xp.full_like(cross_right, n_knots)])
    nrn = xp.concat([cross_left, cross_inner[1], cross_right])

    # Root positions and their uncertainty.
    k_l, k_r = clip(seg - 1, 0, n_knots - 1, xp), clip(seg, 0, n_knots - 1, xp)  # knots at the segment ends
    t_l, t_r = xp.take(t, k_l), xp.take(t, k_r)
    z_l, z_r = gather2(z, k_l, nrn, xp), gather2(z, k_r, nrn, xp)
    w_nrn, b_nrn = xp.take(w_norm, nrn), xp.abs(xp.take(b, nrn))
    tz_l = rtol * (xp.take(h_norm, k_l) * w_nrn + b_nrn)  # the tolerance of z there (as in _screen)
    tz_r = rtol * (xp.take(h_norm, k_r) * w_nrn + b_nrn)
    on_left_tail = seg == 0
    tail_slope = xp.where(on_left_tail, xp.take(tails[0, :], nrn), xp.take(tails[1, :], nrn))
    tol_s = xp.where(on_left_tail, xp.take(tol_tail[0, :], nrn), xp.take(tol_tail[1, :], nrn))
    root, err = root_positions(seg, n_knots, (t_l, t_r), (z_l, z_r), (tz_l, tz_r), tail_slope, tol_s, rtol, xp)

    # A root within its uncertainty of an existing knot is that knot; the others cluster into new knots.
    placed = place_roots(seg, root, err, (t_l, t_r), n_knots, xp)
    snap_l, snap_r, free, order, starts = placed.snap_l, placed.snap_r, placed.free, placed.order, placed.starts
    cluster, new_t, new_seg = placed.cluster, placed.new_t, placed.new_seg  # new knot of each free root; new knots
    near, weak = near + placed.near, weak + placed.weak
    f_seg, f_nrn = seg[free], nrn[free]
    n_new = new_t.shape[0]

    # Merge old and new knots: old knot k moves right by the number of new knots in segments ≤ k.
    old_idx = xp.arange(n_knots, dtype=i64)
    dest_old = old_idx + xp.searchsorted(new_seg, old_idx, side="right")
    dest_new = xp.arange(n_new, dtype=i64) + new_seg
    merged = xp.argsort(xp.concat([dest_old, dest_new]))
    t_out = xp.take(xp.concat([t, new_t]), merged)

    # Gates near an old knot k equal (z > 0) there unless z is exactly 0 at k or a root snapped onto k:
    # those "special" pairs get their left/right gates from the neighbouring segments' end signs.
    snapped_key = xp.where(snap_l, seg - 1, seg)[~free] * width + nrn[~free]  # knot·m + neuron
    spec_key = xp.concat([zero_k * width + zero_i, snapped_key])
    spec_key = xp.unique_values(spec_key) if spec_key.shape[0] > 0 else spec_key  # usually empty: skip the call
    sp_k, sp_i = spec_key // width, spec_key % width
    gl, gr = gates_at_knots(sp_k, sp_i, z_sign, far_left, far_right, seg, nrn, snap_l, snap_r, width, xp)
    # Slopes of z on the segments either side of the special pairs and on the segments of the free roots
    # (the jump of h at a gate change is ± the slope on the side where the neuron is on).
    n_sp = sp_k.shape[0]
    slopes = segment_slopes(dz, slope_l, xp.concat([sp_k + 1, sp_k, f_seg]), xp.concat([sp_i, sp_i, f_nrn]), xp, fused)
    # Jumps of h at old knots: gate·(jump of z) where the gate is the same on both sides, else as above.
    sp_jump = xp.where(
        gl & gr,
        gather2(dz, sp_k, sp_i, xp),
        xp.astype(gr, f64) * slopes[:n_sp] - xp.astype(gl, f64) * slopes[n_sp : 2 * n_sp],
    )
    # At a new knot only the neurons whose root it is change slope: by (gate right − gate left)·slope.
    sign_left_end = xp.where(seg == 0, xp.take(far_left, nrn), gather2(z_sign, k_l, nrn, xp))
    f_sign_l = sign_left_end[free]
    f_jump = (1.0 - 2.0 * xp.astype(f_sign_l > 0, f64)) * slopes[2 * n_sp :]

    # The merged layer: h = max(z, 0) and the jumps, old knots at rows dest_old, new knots at rows dest_new.
    if fused is not None:
        h_out, jump_out = _merge_fused(fused, z, dz, z_sign, t, tails, new_t, new_seg, (dest_old, dest_new), slot)
        jump_out[dest_old[sp_k], sp_i] = sp_jump
        jump_out[dest_new[cluster], f_nrn] = f_jump
    else:
        # Values at the new knots, by interpolation inside their segment (tails: along the tail slope).
        nk_l, nk_r = clip(new_seg - 1, 0, n_knots - 1, xp), clip(new_seg, 0, n_knots - 1, xp)
        zn_l, zn_r = xp.take(z, nk_l, axis=0), xp.take(z, nk_r, axis=0)
        tn_l, tn_r = xp.take(t, nk_l), xp.take(t, nk_r)
        frac = (new_t - tn_l) / xp.where(tn_r > tn_l, tn_r - tn_l, 1.0)
        new_inner = ((new_seg >= 1) & (new_seg <= n_knots - 1))[:, None]
        on_left = (new_seg == 0)[:, None]
        z_tail = xp.where(on_left, zn_r, zn_l) + (new_t - xp.where(new_seg == 0, tn_r, tn_l))[:, None] * xp.where(
            on_left, tails[0:1, :], tails[1:2, :]
        )
        z_new = xp.where(new_inner, zn_l + frac[:, None] * (zn_r - zn_l), z_tail)
        h_out = xp.take(xp.concat([xp.maximum(z, 0.0), xp.maximum(z_new, 0.0)], axis=0), merged, axis=0)
        jump_old = scatter(xp.where(z_sign > 0, dz, 0.0), sp_k, sp_i, sp_jump, xp)
        jump_new = scatter(xp.zeros((n_new, width), dtype=f64), cluster, f_nrn, f_jump, xp)
        jump_out = xp.take(xp.concat([jump_old, jump_new], axis=0), merged, axis=0)

    # Tail gates: the leftmost new segment lies left of any root in the left tail (so it has the −∞ sign);
    # without a root the whole tail has one sign. Same on the right.
    left_gate = xp.where(far_left * z_sign[0, :] < 0, far_left > 0, (far_left + z_sign[0, :]) > 0)
    right_gate = xp.where(z_sign[-1, :] * far_right < 0, far_right > 0, (z_sign[-1, :] + far_right) > 0)
    # New knots with one root: their jump row has one nonzero (the next layer skips its product).
    if n_new > 0:
        start_at = xp.nonzero(starts)[0]
        alone = xp.concat([start_at[1:], xp.asarray([order.shape[0]], dtype=start_at.dtype)]) - start_at == 1
        root = xp.take(order, start_at[alone])  # index into the free roots
        single = (dest_new[alone], xp.take(f_nrn, root), xp.take(f_jump, root))
    else:
        single = None
    layer = OnPoints(h=h_out, jump=jump_out, left=xp.where(left_gate, slope_l, 0.0),
                   right=xp.where(right_gate, slope_r, 0.0), single=single)  # fmt: skip

    # Gate changes: every free root at its new knot, and the special old-knot pairs whose gate flips.
    flips = gl != gr
    points = xp.concat([xp.take(dest_new, cluster), xp.take(dest_old, sp_k[flips])])
    neurons = xp.concat([f_nrn, sp_i[flips]])
    by_point = xp.argsort(points * width + neurons)
    knots = (xp.take(points, by_point), xp.take(neurons, by_point))
    return layer, t_out, knots, dest_old, (new_t, new_seg), near, weak
