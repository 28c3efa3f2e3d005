"""The one state type of the engine: a tensor on the point set of the line, and the counter of its decisions.

Along x(t) = a + t·d every live tensor of a model is continuous and piecewise linear in t with its kinks in the common
sorted point set T (B points). It is kept exactly as its values at T, its slope jumps at T (right slope − left
slope) and its slopes on the two unbounded tails (docs/mathematics.md §2.1, §7). Propagating jumps rather than
segment slopes keeps "does f′ jump here" free of cancellation between large slopes that do not change at that point.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from relu1d.engine.decisions import WEAK_MARGIN
from relu1d.engine.kernels import graph as graph_kernels


@dataclass
class OnPoints:
    """A tensor of m entries on the point set T (B points).

    ``h`` (B, m) values at T; ``jump`` (B, m) slope jumps at T; ``left``/``right`` (m,) slopes of the two tails.
    ``rows``: the (2B + 2, m) array the four are views of, when they are (an affine operation is then one batched call
    on all of them); ``as_rows`` stacks them otherwise. ``scale``: the magnitudes every decision about an entry is
    measured against, an ``OnPoints`` of the same shape; None where every entry is decided already (exactly 0, or
    beyond its tolerance: the dense step's output, whose consumers measure against the values' norms).
    ``single``: (rows, cols, values), rows increasing: rows of ``jump`` whose only nonzero is jump[row, col] = value
    (points created by the dense step with one root each; the next dense step skips their product), or None.
    """

    h: Any
    jump: Any
    left: Any
    right: Any
    scale: OnPoints | None = None
    single: tuple | None = None
    rows: Any = None

    @classmethod
    def from_rows(cls, rows: np.ndarray, n: int, scale: np.ndarray | None = None) -> OnPoints:
        """Views of a stacked (2n + 2, m) array: values, jumps, left and right tail slopes (and the same of scale)."""
        scales = None if scale is None else cls.from_rows(scale, n)
        return cls(rows[:n, :], rows[n : 2 * n, :], rows[2 * n, :], rows[2 * n + 1, :], scale=scales, rows=rows)

    def as_rows(self) -> np.ndarray:
        """The stacked (2B + 2, m) array (without a copy when the state was built from one)."""
        if self.rows is not None:
            return self.rows
        return np.concatenate([self.h, self.jump, self.left[None], self.right[None]])

    def copy(self) -> OnPoints:
        """A state that owns its arrays (a tensor read again later: a step may change its input in place)."""
        rows = np.array(self.as_rows())
        scale = None if self.scale is None else np.array(self.scale.as_rows())
        out = OnPoints.from_rows(rows, self.h.shape[0], scale)
        out.single = self.single
        return out


@dataclass
class Counter:
    """Tolerance-resolved (near) and narrowly decided (weak) decisions of one count (``relu1d.engine.decisions``)."""

    near: int = 0
    weak: int = 0

    def add(self, near: int, weak: int) -> None:
        self.near += near
        self.weak += weak

    def settle(self, state: OnPoints, rtol: float) -> None:
        """Set what ``state`` holds within rtol × its scale of 0 to exactly 0, in place (a mixing node's input: a
        rounding residue, e.g. of a residual sum that cancelled, would otherwise set the scale ‖L_i‖·‖x_k‖ of its own
        products); nothing for a state without scales (decided already)."""
        if state.scale is None:
            return
        if state.rows is not None and state.scale.rows is not None:  # stacked: one pass
            self.zeros(state.rows, state.scale.rows, rtol)
            return
        sc = state.scale
        for x, scale in ((state.h, sc.h), (state.jump, sc.jump), (state.left, sc.left), (state.right, sc.right)):
            # 2-D views of the state's own arrays: decided in place
            self.zeros(x if x.ndim == 2 else x[None], scale if scale.ndim == 2 else scale[None], rtol)

    def decided(self, x: np.ndarray, scale: np.ndarray, rtol: float) -> np.ndarray:
        """A copy of the 1-D x (new slope jumps made of slopes) decided as ``zeros`` decides."""
        out = np.array(x, dtype=np.float64).reshape(1, -1)
        self.zeros(out, np.asarray(scale, dtype=np.float64).reshape(1, -1), rtol)
        return out[0]

    def zeros(self, x: np.ndarray, scale: np.ndarray, rtol: float) -> None:
        """Set entries of the 2-D x within rtol·scale of 0 to exactly 0 (in place); count the decisions."""
        self.add(*graph_kernels.zero_small(x, scale, rtol, WEAK_MARGIN))


__all__ = ["Counter", "OnPoints"]
