"""New points on the line: every live tensor interpolated there (docs/mathematics.md §7).

A step that finds new points (roots of a unit's input inside a segment, or on a tail) merges them into the sorted
point set T; every tensor alive at that moment is affine on the old segments, so its values at a new point follow by
interpolation inside a segment and along the tail slope outside, and its jump there is 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from relu1d.engine.kernels import graph as graph_kernels
from relu1d.engine.propagation.state import OnPoints


@dataclass(frozen=True)
class Insertion:
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

    def state(self, st: OnPoints) -> OnPoints:
        """A tensor on the merged point set (zero jumps at the new points; scales as ``scales``)."""
        if self.new_t.shape[0] == 0:
            return st
        zeros = np.zeros((self.new_t.shape[0], st.h.shape[1]))
        h, j = self.merge(st.h, self.values(st.h, st.left, st.right)), self.merge(st.jump, zeros)
        rows = np.concatenate([h, j, st.left[None], st.right[None]])
        scale = None
        if st.scale is not None:
            sc = st.scale
            sh = self.merge(sc.h, self.scales(sc.h, sc.left, sc.right))
            scale = np.concatenate([sh, self.merge(sc.jump, zeros), sc.left[None], sc.right[None]])
        return OnPoints.from_rows(rows, self.n_old + self.new_t.shape[0], scale)


__all__ = ["Insertion"]
