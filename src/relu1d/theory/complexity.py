"""Minimal linear complexity N_f(ε): the fewest pieces of a continuous piecewise-linear g within ε of f.

Operational definition (docs/mathematics.md §5; paper K's Def. 3.1–3.2 text is not available to us): the target f on an
interval D = [x_0, x_m] is given by samples (x_i, y_i) and means their linear interpolant f̂ (exact when the samples
contain f's breakpoints, a fine sample otherwise). N_f(ε) is the fewest pieces of a continuous PWL g with
sup_{x∈D} |f̂(x) − g(x)| ≤ ε, i.e. the minimum-link x-monotone path through the tube between f̂ − ε and f̂ + ε from
its left edge to its right edge.

Algorithm (Imai & Iri 1986, "An optimal algorithm for approximating a piecewise linear function"; the window
method of Suri 1986 for minimum-link paths): a *window* is a chord of the tube; from it, the set of lines that cross
it and then pass every later gate {x_i} × [y_i − ε, y_i + ε] is a convex polygon in the dual (slope, intercept)
plane, clipped gate by gate. When a gate empties it, the extreme line ℓ* of the last non-empty polygon (the one
coming closest to the gate) defines the next window: from ℓ*'s last contact with the tube boundary on the far side
to its exit point from the tube. Every point of a window is reachable with k links and every (k+1)-link path must
cross it, so the number of windows + 1 is optimal. The lines ℓ*_k give an explicit optimal g (a certificate).

Arithmetic is float64 in coordinates normalised to x ∈ [0, 1], y ∈ [−1, 1]; a gate counts as passed within
1e-12 of those units (``TOLERANCE``), so the answer is exact for every tube whose width differs from the
critical ε of some piece count by more than that.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

TOLERANCE = 1e-12

Vertex = tuple[float, float]  # (slope a, value b at the polygon's reference x): ℓ(x) = a (x − x_ref) + b


@dataclass(frozen=True)
class _Constraint:
    """ℓ(x) ≥ y (sign = +1, a point on the tube's lower boundary) or ℓ(x) ≤ y (sign = −1, upper boundary)."""

    x: float
    y: float
    sign: int


class _Funnel:
    """Lines crossing a window and passing the gates added so far: a convex polygon in the dual plane.

    Vertices are rows (a, b) of a numpy array, ℓ(x) = a (x − x_ref) + b. Below a concave stretch of the tube every
    gate can add a vertex, so the polygon has O(m) vertices and each clip is vectorised.
    """

    def __init__(self, x_ref: float, constraints: list[_Constraint], slope_box: float, value_box: float) -> None:
        self.x_ref = x_ref
        self.vertices = np.array(
            [(-slope_box, -value_box), (slope_box, -value_box), (slope_box, value_box), (-slope_box, value_box)]
        )
        self.constraints: list[_Constraint] = []
        for c in constraints:
            self.add(c)

    def values(self, x: float) -> np.ndarray:
        return self.vertices[:, 0] * (x - self.x_ref) + self.vertices[:, 1]

    def value_range(self, x: float) -> tuple[float, float]:
        """min and max of ℓ(x) over the polygon."""
        v = self.values(x)
        return float(v.min()), float(v.max())

    def add(self, c: _Constraint, values: np.ndarray | None = None) -> None:
        """Clip by the half-plane sign·(ℓ(c.x) − c.y) ≥ −TOLERANCE (Sutherland–Hodgman on a convex polygon).

        ``values`` may pass ℓ(c.x) at the vertices when the caller has them already.
        """
        self.constraints.append(c)
        slack = c.sign * ((self.values(c.x) if values is None else values) - c.y) + TOLERANCE
        keep = slack >= 0
        if keep.all():
            return
        if not keep.any():
            self.vertices = self.vertices[:0]
            return
        v, n = self.vertices, len(keep)
        before = np.empty_like(keep)
        before[0], before[1:] = keep[-1], keep[:-1]
        starts = np.flatnonzero(keep & ~before)
        if len(starts) == 1:
            # Convex: the kept vertices are one cyclic run. Rotate it to the front, then add the two crossings.
            order = (np.arange(n) + starts[0]) % n
            kept = int(keep.sum())
            ends = np.array([order[kept - 1], order[-1]])  # last kept vertex, last dropped vertex
            nexts = np.array([order[kept], order[0]])
            t = slack[ends] / (slack[ends] - slack[nexts])
            self.vertices = np.vstack([v[order[:kept]], v[ends] + t[:, None] * (v[nexts] - v[ends])])
            return
        # Rounding can split the run on a (nearly) degenerate polygon: plain Sutherland–Hodgman then.
        nxt = (np.arange(n) + 1) % n
        k = np.flatnonzero(keep != keep[nxt])
        t = slack[k] / (slack[k] - slack[nxt[k]])
        rows = np.concatenate([v[keep], v[k] + t[:, None] * (v[nxt[k]] - v[k])])
        place = np.concatenate([np.flatnonzero(keep), k + 0.5])
        self.vertices = rows[np.argsort(place, kind="stable")]

    def extreme(self, x: float, lowest: bool) -> Vertex:
        """The vertex minimising (lowest) or maximising ℓ(x)."""
        v = self.values(x)
        a, b = self.vertices[int(np.argmin(v) if lowest else np.argmax(v))]
        return float(a), float(b)

    def interior(self) -> Vertex:
        """A feasible line: the mean of the vertices."""
        a, b = self.vertices.mean(axis=0)
        return float(a), float(b)


@dataclass(frozen=True)
class PWLApproximation:
    """An optimal continuous PWL g: ``pieces`` linear pieces with vertices (``x``, ``y``) from x_0 to x_m."""

    pieces: int
    x: np.ndarray
    y: np.ndarray

    def __call__(self, t: np.ndarray | float) -> np.ndarray:
        return np.interp(t, self.x, self.y)


def _validated(x: np.ndarray, y: np.ndarray, eps: float) -> tuple[np.ndarray, np.ndarray, float]:
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.ndim != 1 or x.shape != y.shape or x.shape[0] < 2:
        raise ValueError(f"samples: need two 1-D arrays of equal length >= 2, got shapes {x.shape} and {y.shape}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("samples: x and y must be finite")
    if not np.all(np.diff(x) > 0):
        raise ValueError("samples: x must be strictly increasing")
    if not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps: need a finite eps > 0, got {eps}")
    return x, y, float(eps)


def _normalised(x: np.ndarray, y: np.ndarray, eps: float) -> tuple[list[float], list[float], float, tuple]:
    """Affine change to x ∈ [0, 1], y ∈ [−1, 1] (piece counts are invariant under it)."""
    x0, span = x[0], x[-1] - x[0]
    mid = 0.5 * (y.max() + y.min())
    scale = max(0.5 * (y.max() - y.min()), eps)
    return ((x - x0) / span).tolist(), ((y - mid) / scale).tolist(), eps / scale, (x0, span, mid, scale)


def _line_at(line: Vertex, x_ref: float, x: float) -> float:
    return line[0] * (x - x_ref) + line[1]


def _box(xs: list[float], e: float) -> tuple[float, float]:
    """Bounds on |slope| and |ℓ(x_ref)| for the initial dual polygon (normalised units).

    A line through two gates has |slope| ≤ (2 + 2ε)/min Δx; the box is twice that, so it never binds a line that
    matters, and small enough that float64 vertices keep ~1e-12 absolute accuracy.
    """
    slope = 4.0 * (1.0 + e) / float(np.min(np.diff(xs))) + 1.0
    return slope, slope + 4.0 * (1.0 + e)


def _windows(xs: list[float], ys: list[float], e: float) -> tuple[list[tuple[Vertex, float]], tuple[Vertex, float]]:
    """Run the window method; returns the window lines ℓ*_k (with their reference x) and one final feasible line."""
    m = len(xs)
    lo = [v - e for v in ys]
    hi = [v + e for v in ys]
    box = _box(xs, e)
    funnel = _Funnel(xs[0], [_Constraint(xs[0], lo[0], 1), _Constraint(xs[0], hi[0], -1)], *box)
    windows: list[tuple[Vertex, float]] = []
    i = 1
    while i < m:
        values = funnel.values(xs[i])
        vmin, vmax = float(values.min()), float(values.max())
        if vmin <= hi[i] + TOLERANCE and vmax >= lo[i] - TOLERANCE:
            if vmin < lo[i]:
                funnel.add(_Constraint(xs[i], lo[i], 1), values)
            if vmax > hi[i]:
                funnel.add(_Constraint(xs[i], hi[i], -1))
            i += 1
            continue
        # Gate i is missed: every line of the funnel passes above it (tube turns down) or below it (turns up).
        above = vmin > hi[i]
        line = funnel.extreme(xs[i], lowest=above)
        windows.append((line, funnel.x_ref))
        near_side = 1 if above else -1  # the window starts at ℓ*'s last contact with this boundary
        touching = [
            c
            for c in funnel.constraints
            if c.sign == near_side and abs(_line_at(line, funnel.x_ref, c.x) - c.y) <= 1e3 * TOLERANCE
        ]
        if not touching or abs(line[0]) >= 0.5 * box[0]:
            raise ArithmeticError(f"min-link window at x = {xs[i]}: extreme line not supported by the tube")
        start = max(touching, key=lambda c: c.x)
        # Exit point: where ℓ* crosses the far boundary edge between gates i − 1 and i.
        edge = hi if above else lo
        gap_left = edge[i - 1] - _line_at(line, funnel.x_ref, xs[i - 1])
        gap_right = edge[i] - _line_at(line, funnel.x_ref, xs[i])
        t = min(max(gap_left / (gap_left - gap_right), 0.0), 1.0)
        exit_x = xs[i - 1] + t * (xs[i] - xs[i - 1])
        exit_y = _line_at(line, funnel.x_ref, exit_x)
        # Next funnel: lines crossing the window into the unreached side, then the near-side gates under it.
        constraints = [_Constraint(start.x, start.y, near_side), _Constraint(exit_x, exit_y, -near_side)]
        near = lo if above else hi
        constraints += [_Constraint(xs[j], near[j], near_side) for j in range(i) if start.x < xs[j] <= exit_x]
        funnel = _Funnel(start.x, constraints, *box)
    return windows, (funnel.interior(), funnel.x_ref)


def min_link_approximation(x: np.ndarray, y: np.ndarray, eps: float) -> PWLApproximation:
    """An optimal g: continuous PWL with the fewest pieces and sup |f̂ − g| ≤ ε on [x_0, x_m] (Imai & Iri 1986).

    The vertices of g are the crossings ℓ*_k ∩ ℓ*_{k+1} of consecutive window lines (each on its window, hence in
    the tube) and the final line's values at the ends.
    """
    x, y, eps = _validated(x, y, eps)
    xs, ys, e, (x0, span, mid, scale) = _normalised(x, y, eps)
    windows, final = _windows(xs, ys, e)
    lines = [*windows, final]
    vx = [0.0]
    for (l1, r1), (l2, r2) in pairwise(lines):
        # a1 (t − r1) + b1 = a2 (t − r2) + b2
        denom = l1[0] - l2[0]
        t = (l2[1] - l1[1] + l1[0] * r1 - l2[0] * r2) / denom if denom != 0 else vx[-1]
        vx.append(min(max(t, vx[-1]), 1.0))
    vx.append(1.0)
    vy = [_line_at(lines[0][0], lines[0][1], vx[0])]
    vy += [_line_at(line, ref, t) for (line, ref), t in zip(lines, vx[1:], strict=True)]
    gx = x0 + span * np.asarray(vx)
    gy = mid + scale * np.asarray(vy)
    return PWLApproximation(pieces=len(lines), x=gx, y=gy)


def min_link_pieces(x: np.ndarray, y: np.ndarray, eps: float) -> int:
    """N_f(ε): the fewest pieces of a continuous PWL g with sup_D |f̂ − g| ≤ ε (docs/mathematics.md §5)."""
    x, y, eps = _validated(x, y, eps)
    xs, ys, e, _ = _normalised(x, y, eps)
    return len(_windows(xs, ys, e)[0]) + 1


def min_pieces_discontinuous(x: np.ndarray, y: np.ndarray, eps: float) -> int:
    """Fewest runs of consecutive samples each stabbed by one line within ±ε (greedy longest run, optimal).

    A lower bound on N_f(ε): the pieces of any feasible continuous g split the samples into such runs.
    """
    x, y, eps = _validated(x, y, eps)
    xs, ys, e, _ = _normalised(x, y, eps)
    box = _box(xs, e)
    runs, i = 0, 0
    while i < len(xs):
        runs += 1
        funnel = _Funnel(xs[i], [_Constraint(xs[i], ys[i] - e, 1), _Constraint(xs[i], ys[i] + e, -1)], *box)
        i += 1
        while i < len(xs):
            vmin, vmax = funnel.value_range(xs[i])
            if vmin > ys[i] + e + TOLERANCE or vmax < ys[i] - e - TOLERANCE:
                break
            funnel.add(_Constraint(xs[i], ys[i] - e, 1))
            funnel.add(_Constraint(xs[i], ys[i] + e, -1))
            i += 1
    return runs


def sup_distance(x: np.ndarray, y: np.ndarray, gx: np.ndarray, gy: np.ndarray) -> float:
    """sup over [x_0, x_m] of |f̂ − ĝ| for two PWL functions given by vertices (both interpolated linearly).

    Exact: the difference is linear between consecutive points of the union of both vertex sets.
    """
    lo, hi = x[0], x[-1]
    inner = gx[(gx > lo) & (gx < hi)]
    t = np.union1d(x, inner)
    return float(np.max(np.abs(np.interp(t, x, y) - np.interp(t, gx, gy))))


def smooth_piece_estimate(x: np.ndarray, second_derivative: np.ndarray, eps: float) -> float:
    """Asymptotic N_f(ε) ≈ ∫_D √(|f″(x)| / (16 ε)) dx for smooth f as ε → 0.

    A piece of length h on which f″ ≈ const is within ε of f after shifting the chord (error f″h²/8) by half its
    error, so h = 4√(ε/|f″|) (docs/mathematics.md §5). Trapezoid rule on the given grid.
    """
    integrand = np.sqrt(np.abs(second_derivative) / (16.0 * eps))
    return float(np.trapezoid(integrand, x))
