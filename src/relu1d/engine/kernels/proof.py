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
def sign_failures(z, s, e_z, e_s, mid, gate, rows, t, widen, reach, flip, skip_ptr, skip_cols, u, g3, g6, g4, failed):
    """For each query q: segment rows[q]'s forms at t[q], value z + s·δ (δ = t − mid) and bound
    (e_z + e_s·|δ|·(1 + u) + γ₃(|z| + |s||δ|))·(1 + 2γ₆), widened to (bound + (|s| + e_s)·reach[q])·(1 + 2γ₄) when
    ``widen``; the wanted sign is the gate's, reversed in column flip[q] (−1: none). failed[rows[q]] counts the
    columns whose sign does not hold beyond the bound (an exact zero of an off gate with a zero bound holds); the
    ascending columns skip_cols[skip_ptr[q]:skip_ptr[q + 1]] are not checked for query q. Returns the number of
    decisions checked."""
    n = z.shape[1]
    checked = 0
    for q in range(rows.shape[0]):
        r = rows[q]
        delta = t[q] - mid[r]
        ad = abs(delta)
        count = 0
        k, end = skip_ptr[q], skip_ptr[q + 1]
        for i in range(n):
            if k < end and skip_cols[k] == i:
                k += 1
                continue
            checked += 1
            zi, si = z[r, i], s[r, i]
            value = zi + si * delta
            bound = e_z[r, i] + e_s[r, i] * ad * (1.0 + u)
            bound = (bound + g3 * (abs(zi) + abs(si) * ad)) * (1.0 + 2.0 * g6)
            if widen:
                bound = (bound + (abs(si) + e_s[r, i]) * reach[q]) * (1.0 + 2.0 * g4)
            sign = 1.0 if gate[r, i] else -1.0
            if i == flip[q]:
                sign = -sign
            holds = (sign * value > bound) or ((sign < 0.0) and (value == 0.0) and (bound == 0.0))
            count += np.int64(not holds)
        failed[r] += count
    return checked


@numba.njit(**_OPTS)
def magnitude_range(x, lo, hi):
    """Whether every finite nonzero |x| lies in [lo, hi] (x 2-D, any layout)."""
    for k in range(x.shape[0]):
        for i in range(x.shape[1]):
            a = abs(x[k, i])
            if a != 0.0 and a < np.inf and (a < lo or a > hi):
                return False
    return True
