"""Fused CPU kernels (numba) for the dense passes of the steps other than the dense one (``relu1d.engine.propagation``).

Each kernel does in one pass over a (points × entries) array what the numpy expressions it replaces did in several:
the tolerance decisions and signs of an activation's input, the pieces and outputs of an activation, the arg-max
and ties of a max pool, the merge of new points into a tensor. The float operations are those of the numpy
expressions, in the same order, so the counts do not depend on which path ran (tests/engine/test_along.py).
"""

from __future__ import annotations

import numba
import numpy as np

_OPTS = {"cache": True, "nogil": True, "error_model": "numpy"}


@numba.njit(**_OPTS)
def zero_small(x, scale, rtol, weak_margin):
    """Set the entries of the 2-D x within rtol·scale of 0 to exactly 0, in place; (near, weak) decision counts."""
    near = weak = 0
    for k in range(x.shape[0]):  # 2-D loops: any memory layout
        for i in range(x.shape[1]):
            v = x[k, i]
            tol = rtol * scale[k, i]
            a = abs(v)
            small = a <= tol
            near += np.int64(small & (v != 0.0))
            weak += np.int64((a > tol) & (a <= weak_margin * tol))
            x[k, i] = 0.0 if small else v
    return near, weak


@numba.njit(**_OPTS)
def kink_signs(h, sh, c, rtol, weak_margin, sign, crossing):
    """For every kink q and entry i, the sign of h − c_q at every point (column q·m + i of ``sign``), h set exactly
    to c_q where it lies within rtol·(sh + |c_q|) of it; ``crossing[k, col]``: strict sign change between points k
    and k + 1. Returns (near, weak, zeros)."""
    n, m = h.shape
    r = c.shape[0]
    near = weak = zeros = 0
    for k in range(n):
        for q in range(r):
            for i in range(m):
                cq = c[q, i]
                u = h[k, i] - cq
                tol = rtol * (sh[k, i] + abs(cq))
                a = abs(u)
                small = a <= tol
                near += np.int64(small & (u != 0.0))
                weak += np.int64((a > tol) & (a <= weak_margin * tol))
                if small:
                    h[k, i] = cq
                    u = 0.0
                s = np.int8(u > 0.0) - np.int8(u < 0.0)
                col = q * m + i
                sign[k, col] = s
                zeros += np.int64(s == 0)
                if k > 0:
                    crossing[k - 1, col] = s * sign[k - 1, col] < 0
    return near, weak, zeros


@numba.njit(**_OPTS)
def apply_pieces(h, j, c, alpha, beta, h_out, j_out):
    """Piece p = #{q: h > c_q} of every entry; h_out = α_p·h + β_p, j_out = α_p·j."""
    n, m = h.shape
    r = c.shape[0]
    for k in range(n):
        for i in range(m):
            v = h[k, i]
            p = 0
            for q in range(r):
                p += v > c[q, i]
            a = alpha[p, i]
            h_out[k, i] = v * a + beta[p, i]
            j_out[k, i] = a * j[k, i]


@numba.njit(**_OPTS)
def max_points(h, sh, sj, cand, valid, rtol, weak_margin, best, vmax, svmax, sjmax, ntied):
    """For every point k and window o: the first slot of the largest value (``best``), that value, the largest
    value and jump scales over the window, and how many slots lie within rtol·(scale of the max + scale of the
    slot) of it. Returns (near, weak)."""
    n = h.shape[0]
    n_out, w = cand.shape
    near = weak = 0
    for k in range(n):
        for o in range(n_out):
            top = -1
            for s in range(w):
                if valid[o, s] and (top < 0 or h[k, cand[o, s]] > h[k, cand[o, top]]):
                    top = s
            v_top = h[k, cand[o, top]]
            s_top = sh[k, cand[o, top]]
            tied = 0
            s_max = s_top
            j_max = 0.0
            for s in range(w):
                if not valid[o, s]:
                    continue
                x = cand[o, s]
                gap = v_top - h[k, x]
                tol = rtol * (s_top + sh[k, x])
                tied += np.int64(gap <= tol)
                near += np.int64((gap <= tol) & (gap > 0.0))
                weak += np.int64((gap > tol) & (gap <= weak_margin * tol))
                s_max = max(s_max, sh[k, x])
                j_max = max(j_max, sj[k, x])
            best[k, o] = top
            vmax[k, o] = v_top
            svmax[k, o] = s_max
            sjmax[k, o] = j_max
            ntied[k, o] = tied
    return near, weak


@numba.njit(**_OPTS)
def merge_rows(old, new, seg, out):
    """out = old rows with new row j placed just before old row seg[j] (seg nondecreasing; seg = len(old): at the
    end)."""
    n_old, n_new = old.shape[0], new.shape[0]
    row = 0
    j = 0
    for k in range(n_old + 1):
        while j < n_new and seg[j] == k:
            out[row] = new[j]
            row += 1
            j += 1
        if k < n_old:
            out[row] = old[k]
            row += 1
