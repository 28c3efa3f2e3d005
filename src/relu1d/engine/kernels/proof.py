"""Fused CPU kernels (numba) for the sign checks of ``relu1d.engine.proof``.

A sign check reads one segment's affine form at a point t and asks whether its sign is the gate's beyond a rigorous
bound of its rounding (``_Forms.at`` and ``_holds`` there). The numpy version gathers the segment rows and builds
about ten (rows × neurons) temporaries per check; this kernel does the same float operations, in the same order,
in one pass without them (the formulas and their error analysis: docs/mathematics.md §2.3).
"""

from __future__ import annotations

import numba
import numpy as np

_OPTS = {"cache": True, "nogil": True, "error_model": "numpy"}


@numba.njit(**_OPTS)
def sign_failures(
    z, s, e_z, e_s, mid, gate, rows, form_rows, t, widen, reach, flip, skip_ptr, skip_cols, u, g3, g6, g4, failed
):
    """For each query q: the forms of row form_rows[q] at t[q] against the gates of row rows[q] (the same row, or the
    row of a form that several segments share), value z + s·δ (δ = t − mid) and bound
    (e_z + e_s·|δ|·(1 + u) + γ₃(|z| + |s||δ|))·(1 + 2γ₆), widened to (bound + (|s| + e_s)·reach[q])·(1 + 2γ₄) when
    ``widen``; the wanted sign is the gate's, reversed in column flip[q] (−1: none). failed[rows[q]] counts the
    columns whose sign does not hold beyond the bound (an exact zero of an off gate with a zero bound holds); the
    ascending columns skip_cols[skip_ptr[q]:skip_ptr[q + 1]] are not checked for query q. Returns the number of
    decisions checked."""
    n = z.shape[1]
    checked = 0
    for q in range(rows.shape[0]):
        r, f = rows[q], form_rows[q]
        delta = t[q] - mid[f]
        ad = abs(delta)
        count = 0
        k, end = skip_ptr[q], skip_ptr[q + 1]
        for i in range(n):
            if k < end and skip_cols[k] == i:
                k += 1
                continue
            checked += 1
            zi, si = z[f, i], s[f, i]
            value = zi + si * delta
            bound = e_z[f, i] + e_s[f, i] * ad * (1.0 + u)
            bound = (bound + g3 * (abs(zi) + abs(si) * ad)) * (1.0 + 2.0 * g6)
            if widen:
                bound = (bound + (abs(si) + e_s[f, i]) * reach[q]) * (1.0 + 2.0 * g4)
            sign = 1.0 if gate[r, i] else -1.0
            if i == flip[q]:
                sign = -sign
            holds = (sign * value > bound) or ((sign < 0.0) and (value == 0.0) and (bound == 0.0))
            count += np.int64(not holds)
        failed[r] += count
    return checked


@numba.njit(**_OPTS)
def forms_at(z, s, e_z, e_s, mid, rows, t, u, g3, g6, value, bound):
    """``relu1d.engine.proof.Forms.at`` without a reach, fused: for each query q, row rows[q]'s forms at t[q], value
    z + s·δ (δ = t − mid) and bound (e_z + e_s·|δ|·(1 + u) + γ₃(|z| + |s||δ|))·(1 + 2γ₆), in the same float
    operations and order as the numpy expressions there."""
    for q in range(rows.shape[0]):
        r = rows[q]
        delta = t[q] - mid[r]
        ad = abs(delta)
        for i in range(z.shape[1]):
            zi, si = z[r, i], s[r, i]
            value[q, i] = zi + si * delta
            b = e_z[r, i] + e_s[r, i] * ad * (1.0 + u)
            bound[q, i] = (b + g3 * (abs(zi) + abs(si) * ad)) * (1.0 + 2.0 * g6)


@numba.njit(**_OPTS)
def relu_at(z, s, e_z, e_s, at, rows, t, on, u, g3, g6, lo, hi, y, sy, e_y, e_sy, squares):
    """A ReLU's output forms on new rows: for each new row q, row rows[q]'s forms read at t[q] (as ``forms_at``; a row
    read at its own point, δ = 0, keeps its value and bound), kept where on[q] and 0 elsewhere; squares[q] = the sums
    of squares of the two bounds (their norms). Returns whether every finite nonzero |value| and bound lies in
    [lo, hi]."""
    fine = True
    for q in range(rows.shape[0]):
        r = rows[q]
        delta = t[q] - at[r]
        ad = abs(delta)
        sq_z = 0.0
        sq_s = 0.0
        for i in range(z.shape[1]):
            if not on[q, i]:
                y[q, i] = 0.0
                sy[q, i] = 0.0
                e_y[q, i] = 0.0
                e_sy[q, i] = 0.0
                continue
            zi, si = z[r, i], s[r, i]
            if delta == 0.0:
                value, bound = zi, e_z[r, i]
            else:
                value = zi + si * delta
                b = e_z[r, i] + e_s[r, i] * ad * (1.0 + u)
                bound = (b + g3 * (abs(zi) + abs(si) * ad)) * (1.0 + 2.0 * g6)
            y[q, i] = value
            sy[q, i] = si
            e_y[q, i] = bound
            e_sy[q, i] = e_s[r, i]
            sq_z += bound * bound
            sq_s += e_s[r, i] * e_s[r, i]
            for x in (value, si, bound, e_s[r, i]):
                a = abs(x)
                if a != 0.0 and a < np.inf and (a < lo or a > hi):
                    fine = False
        squares[q, 0] = sq_z
        squares[q, 1] = sq_s
    return fine


@numba.njit(**_OPTS)
def pieces(z, s, at, run, mid, kinks, out):
    """The piece of every element on every segment k: how many of its kinks lie strictly below z + s·δ, the form of
    row run[k] read at mid[k] (δ = mid[k] − at[run[k]], the same float operations as ``Forms.at``); kinks (r, n)."""
    for k in range(run.shape[0]):
        f = run[k]
        delta = mid[k] - at[f]
        for i in range(z.shape[1]):
            value = z[f, i] + s[f, i] * delta
            count = 0
            for q in range(kinks.shape[0]):
                if kinks[q, i] < value:
                    count += 1
            out[k, i] = count


@numba.njit(**_OPTS)
def magnitude_range(x, lo, hi):
    """Whether every finite nonzero |x| lies in [lo, hi] (x 2-D, any layout)."""
    for k in range(x.shape[0]):
        for i in range(x.shape[1]):
            a = abs(x[k, i])
            if a != 0.0 and a < np.inf and (a < lo or a > hi):
                return False
    return True
