"""Fused CPU kernels (numba) for the dense passes of one layer of the float64 engine.

The dense step (``relu1d.engine.propagation.dense``) spends one matrix product per layer and then ~40 elementwise
passes over the (knots × neurons) arrays: the values by prefix sums, tolerance tests, signs, crossings, a cumulative
sum, the values at the new knots, the merge of old and new knots. On numpy those passes would cost more than the
product (benchmarks/count_time.py). These kernels do the same arithmetic in a few passes: :func:`prefix_values`
(jump decisions, values from the anchors, the rows to recompute), :func:`screen` (zero decisions, signs, per-row
counts), :func:`list_pairs` (the sparse crossing and zero lists), :func:`segment_slopes` (the cumulative slopes
where they are needed), :func:`new_rows` and :func:`merge_rows` (the merged output).

Every float operation is the array-API engine's, in the same order (``tol = rtol·(‖H_k‖·‖W_i‖ + |b_i|)``, the
cumulative sums left to right, the same interpolation formula), so the
results are bit-identical to the array-API passes on the same matrix products (tests/engine/test_fused.py). The
kernels are single-threaded: the matrix products already use every BLAS thread, and OpenBLAS threads that
spin after a product slow down a second thread pool (measured: 2 numba threads made a count 1.4× slower).
Large outputs are allocated by the caller with numpy, so tracemalloc sees them (benchmarks/memory.py).
"""

from __future__ import annotations

import numba
import numpy as np

_OPTS = {"cache": True, "nogil": True, "error_model": "numpy"}


@numba.njit(**_OPTS)
def _screen_values(z_row, abs_b, h_norm_k, w_norm, rtol, weak_margin, sign_row, sign_prev):
    """One row of z: zero what lies within tolerance, write signs; (near, weak, zeros, crossings).
    Branch-free so that LLVM vectorises it (random signs would defeat the branch predictor)."""
    near = weak = zeros = crossings = 0
    for i in range(z_row.shape[0]):
        v = z_row[i]
        tol = rtol * (h_norm_k * w_norm[i] + abs_b[i])
        a = abs(v)
        small = a <= tol
        near += np.int64(small & (v != 0.0))
        weak += np.int64((a > tol) & (a <= weak_margin * tol))
        v = 0.0 if small else v
        z_row[i] = v
        s = np.int64(v > 0.0) - np.int64(v < 0.0)
        sign_row[i] = s
        zeros += np.int64(s == 0)
        crossings += np.int64(s * sign_prev[i] < 0)
    return near, weak, zeros, crossings


@numba.njit(**_OPTS)
def _screen_jumps(dz_row, j_norm_k, w_norm, rtol, weak_margin):
    """One row of dz: zero what lies within tolerance; (near, weak)."""
    near = weak = 0
    for i in range(dz_row.shape[0]):
        d = dz_row[i]
        tol = rtol * (j_norm_k * w_norm[i])
        a = abs(d)
        small = a <= tol
        near += np.int64(small & (d != 0.0))
        weak += np.int64((a > tol) & (a <= weak_margin * tol))
        dz_row[i] = 0.0 if small else d
    return near, weak


@numba.njit(**_OPTS)
def _band_row(z_row, abs_b, h_norm_k, w_norm, rtol, band):
    """True when some value of the row lies within ``band`` times its tolerance of zero."""
    hit = False
    for i in range(z_row.shape[0]):
        tol = rtol * (h_norm_k * w_norm[i] + abs_b[i])
        hit |= abs(z_row[i]) <= band * tol
    return hit


@numba.njit(**_OPTS)
def _drift_row(base, chain, anchor, abs_b, h_norm_k, w_norm, rtol, limit):
    """True when the prefix sum base + chain misses the product ``anchor`` by more than ``limit`` tolerances."""
    hit = False
    for i in range(chain.shape[0]):
        tol = rtol * (h_norm_k * w_norm[i] + abs_b[i])
        hit |= abs((base[i] + chain[i]) - anchor[i]) > limit * tol
    return hit


@numba.njit(**_OPTS)
def prefix_values(
    dz, t, slope_left, anchors, every, b, h_norm, j_norm, w_norm, rtol, weak_margin, band, limit, z, row_flag,
    block_flag,
):  # fmt: skip
    """In place: dz screened (values within tolerance set to 0); z at every knot from the anchors and the slopes.

    On segment k (between knots k − 1 and k) z has slope s_k = slope_left + (dz[0] + … + dz[k−1]) (summed left
    to right), so z[k] = z[a] + Σ_{j=a+1..k} s_j·(t[j] − t[j−1]) from the block's anchor a = every·⌊k/every⌋,
    whose value ``anchors[a/every]`` is a product row (the last row, when it starts no block, is the last anchor).
    ``row_flag[k]``: a value of row k (not an anchor) lies within ``band`` tolerances of zero; ``block_flag[m]``:
    block m's sum, carried to the next anchor, misses its product value by more than ``limit`` tolerances.
    Returns (near, weak) of the jumps. The array-API engine does the same operations in the same order.
    """
    n_rows, width = dz.shape
    abs_b = np.abs(b)
    acc = np.zeros(width)
    chain = np.zeros(width)
    near = weak = 0
    last_is_anchor = (n_rows - 1) % every != 0
    for k in range(n_rows):
        start = k % every == 0
        if k > 0:
            step = t[k] - t[k - 1]
            for i in range(width):
                chain[i] += (slope_left[i] + acc[i]) * step
        m = k // every
        if start and k > 0:
            block_flag[m - 1] = _drift_row(anchors[m - 1], chain, anchors[m], abs_b, h_norm[k], w_norm, rtol, limit)
        if start:
            chain[:] = 0.0
        base = anchors[m]
        z_row = z[k]
        for i in range(width):
            z_row[i] = base[i] + chain[i]
        if k == n_rows - 1 and last_is_anchor:
            block_flag[m] = _drift_row(base, chain, anchors[m + 1], abs_b, h_norm[k], w_norm, rtol, limit)
            z_row[:] = anchors[m + 1]
            row_flag[k] = False
        else:
            row_flag[k] = (not start) and _band_row(z_row, abs_b, h_norm[k], w_norm, rtol, band)
        n1, w1 = _screen_jumps(dz[k], j_norm[k], w_norm, rtol, weak_margin)
        near += n1
        weak += w1
        if k == 0:
            acc[:] = dz[0]
        else:
            acc += dz[k]
    return near, weak


@numba.njit(**_OPTS)
def screen(z, b, h_norm, w_norm, rtol, weak_margin, z_sign, row_counts):
    """In place: z set to 0 where |z| ≤ tolerance; z_sign ← sign(z).

    ``row_counts[k]`` = (crossings, zeros) of row k: a crossing of neuron i in row k ≥ 1 is
    sign(z[k−1, i])·sign(z[k, i]) < 0 (a root inside segment k), a zero is z[k, i] = 0 after the test.
    Returns (near, weak): values zeroed although nonzero, and values kept that lie within ``weak_margin``
    times their tolerance (the counts the array-API engine makes).
    """
    abs_b = np.abs(b)
    near = weak = 0
    for k in range(z.shape[0]):
        prev = z_sign[k - 1] if k > 0 else np.zeros_like(z_sign[0])
        n1, w1, zeros, crossings = _screen_values(z[k], abs_b, h_norm[k], w_norm, rtol, weak_margin, z_sign[k], prev)
        near += n1
        weak += w1
        row_counts[k, 0] = crossings
        row_counts[k, 1] = zeros
    return near, weak


@numba.njit(**_OPTS)
def list_pairs(z_sign, row_counts, cross_k, cross_i, zero_k, zero_i):
    """The (row, neuron) lists of inner crossings and of zeros, row-major (sizes from :func:`screen`)."""
    n_rows, width = z_sign.shape
    c = 0
    e = 0
    for k in range(n_rows):
        if row_counts[k, 0] == 0 and row_counts[k, 1] == 0:
            continue
        for i in range(width):
            s = z_sign[k, i]
            if s == 0:
                zero_k[e] = k
                zero_i[e] = i
                e += 1
            elif k > 0 and s * z_sign[k - 1, i] < 0:
                cross_k[c] = k
                cross_i[c] = i
                c += 1


@numba.njit(**_OPTS)
def segment_slopes(dz, slope_left, q_seg, q_nrn, out):
    """out[q] = slope of z on segment q_seg[q] for neuron q_nrn[q] (queries sorted by segment):
    slope_left + (dz[0] + … + dz[s−1]), summed left to right as numpy's ``cumulative_sum`` does. Only rows
    up to the last queried segment are read."""
    n_rows, width = dz.shape
    n_q = q_seg.shape[0]
    acc = np.zeros(width)
    q = 0
    for s in range(n_rows + 1):
        while q < n_q and q_seg[q] == s:
            i = q_nrn[q]
            out[q] = slope_left[i] if s == 0 else slope_left[i] + acc[i]
            q += 1
        if q == n_q:
            break
        if s == 0:
            acc[:] = dz[0]
        elif s < n_rows:
            acc += dz[s]


@numba.njit(**_OPTS)
def merge_rows(z, dz, z_sign, dest_old, h_new, dest_new, h_out, jump_out):
    """The merged layer: old knot k goes to row dest_old[k] with h = max(z, 0) and jump = dz where z > 0
    (else 0), new knot j to row dest_new[j] with h = h_new[j] and jump 0. Rows are written from the last one
    up: every destination is ≥ the old rows not yet moved, so h_out and jump_out may be z's and dz's buffers."""
    j = h_new.shape[0] - 1
    for k in range(z.shape[0] - 1, -1, -1):
        while j >= 0 and dest_new[j] > dest_old[k]:
            h_out[dest_new[j]] = h_new[j]
            jump_out[dest_new[j]] = 0.0
            j -= 1
        z_row, dz_row, sign_row = z[k], dz[k], z_sign[k]
        h_row, jump_row = h_out[dest_old[k]], jump_out[dest_old[k]]
        for i in range(z_row.shape[0]):
            v = z_row[i]
            h_row[i] = v if v > 0.0 else 0.0
            jump_row[i] = dz_row[i] if sign_row[i] > 0 else 0.0
    while j >= 0:
        h_out[dest_new[j]] = h_new[j]
        jump_out[dest_new[j]] = 0.0
        j -= 1


@numba.njit(**_OPTS)
def new_rows(z, t, tails, new_t, new_seg, h_new):
    """h at the new knots: max(z, 0) with z interpolated inside the knot's segment,
    z_l + ((t − t_l)/(t_r − t_l))·(z_r − z_l), or continued along the tail, z_end + (t − t_end)·slope."""
    n_knots = z.shape[0]
    for j in range(new_t.shape[0]):
        s, x, h_row = new_seg[j], new_t[j], h_new[j]
        if s >= 1 and s <= n_knots - 1:
            t_l, t_r = t[s - 1], t[s]
            frac = (x - t_l) / (t_r - t_l if t_r > t_l else 1.0)
            z_l, z_r = z[s - 1], z[s]
            for i in range(h_row.shape[0]):
                v = z_l[i] + frac * (z_r[i] - z_l[i])
                h_row[i] = v if v > 0.0 else 0.0
        else:
            end = 0 if s == 0 else n_knots - 1
            step, z_end, slope = x - t[end], z[end], tails[0 if s == 0 else 1]
            for i in range(h_row.shape[0]):
                v = z_end[i] + step * slope[i]
                h_row[i] = v if v > 0.0 else 0.0


@numba.njit(**_OPTS)
def keep_rows(x, kept):
    """In place: row j ← row kept[j] (kept increasing, so kept[j] ≥ j and rows move up safely)."""
    for j in range(kept.shape[0]):
        if kept[j] != j:
            x[j] = x[kept[j]]


@numba.njit(**_OPTS)
def single_rows(w, rows, cols, values, out):
    """out[rows[r]] = values[r]·W[:, cols[r]]: the products of the rows of ΔS with one nonzero. W is read in
    blocks of 8 rows so that every write fills one cache line of ``out``."""
    width = w.shape[0]
    for lo in range(0, width, 8):
        hi = min(lo + 8, width)
        for r in range(rows.shape[0]):
            out_row, c, v = out[rows[r]], cols[r], values[r]
            for i in range(lo, hi):
                out_row[i] = v * w[i, c]
