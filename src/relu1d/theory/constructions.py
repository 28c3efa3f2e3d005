"""Networks with known region counts (Arora, Basu, Mianjy & Mukherjee, ICLR 2018).

**A1 (Thm 2.2).** A continuous piecewise-linear f: ℝ → ℝ with p pieces, breakpoints t_1 < … < t_{p−1} and slopes
s_0, …, s_{p−1}, is one hidden layer of p ReLUs:

    f(x) = f(t_1) − s_0·ReLU(t_1 − x) + s_1·ReLU(x − t_1) + Σ_{i=2}^{p−1} (s_i − s_{i−1})·ReLU(x − t_i),

p − 1 of them when the left end piece is flat (s_0 = 0; mirrored when the right one is). Conversely one hidden
layer of w units has at most w + 1 pieces, so a p-piece function needs at least p − 1 units.

**A2 (Lemma B.1, Thm 3.2).** The zig-zag hᵃ for a = (a_0, …, a_p) in the open simplex: flat on (−∞, 0], then p + 1
monotone pieces alternating between 0 and M on [0, M], piece j on [t_j, t_{j+1}] with t_j = M·(a_0 + … + a_{j−1})
and slope (−1)^j/a_j, then the linear continuation of the last piece. As one hidden layer of width p + 1:

    h(x) = Σ_{j=0}^{p} c_j ReLU(x − t_j),   c_0 = 1/a_0,  c_j = (−1)^j/a_j − (−1)^{j−1}/a_{j−1}.

The k-fold composition is a depth-k network of widths (p+1, …, p+1) with (p+1)^k pieces on [0, M]. The float64
network *is* the zig-zag exactly when every a_j·M and 1/a_j is a dyadic float (equal spacing with M = p + 1, or
a_j powers of two). For other a the rounded float network is a slightly different function — its peaks may pass M
and its valleys 0, and the exact count of the rounded network then exceeds (p+1)^k — so ``zigzag_rational`` gives
the exact rational parameters, counted by ``relu1d.engine.oracles.exact.count_rational_parameters``.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from relu1d.engine.network import Network


def pwl_network(breakpoints: Sequence[float], slopes: Sequence[float], value_at_first: float) -> Network:
    """A1: the one-hidden-layer network computing the continuous PWL function with these ``breakpoints`` (sorted,
    p − 1 ≥ 1 of them), the p ``slopes`` of its pieces from left to right, and f(breakpoints[0]) = ``value_at_first``.

    p units, or p − 1 when an end piece is flat (module docstring). Exact in float64 when the data are dyadic.
    """
    t = np.asarray(breakpoints, dtype=np.float64)
    s = np.asarray(slopes, dtype=np.float64)
    if t.ndim != 1 or t.size < 1 or s.shape != (t.size + 1,):
        raise ValueError(f"pwl_network: need p - 1 >= 1 breakpoints and p slopes, got {t.size} and {s.size}")
    if not (np.all(np.isfinite(t)) and np.all(np.isfinite(s)) and np.isfinite(value_at_first)):
        raise ValueError("pwl_network: breakpoints, slopes and value must be finite")
    if np.any(np.diff(t) <= 0):
        raise ValueError("pwl_network: breakpoints must be strictly increasing")
    if s[0] == 0 or s[-1] != 0:  # anchor at the left; a flat left piece costs no unit
        kinks = np.diff(s)[1:]
        w_in = [-1.0, 1.0] + [1.0] * kinks.size
        bias = [t[0], -t[0], *(-t[1:])]
        out = [-s[0], s[1], *kinks]
        if s[0] == 0:
            w_in, bias, out = w_in[1:], bias[1:], out[1:]
        w1 = np.array(w_in)[:, None]
        return Network([w1, np.array(out)[None, :]], [np.array(bias), np.array([float(value_at_first)])])
    # a flat right piece: mirror x ↦ −x, build it with a flat left piece, and mirror the input weights back
    mirrored = pwl_network(-t[::-1], -s[::-1], _value_at(t, s, value_at_first, t[-1]))
    return Network([-mirrored.weights[0], mirrored.weights[1]], list(mirrored.biases))


def _value_at(t: np.ndarray, s: np.ndarray, value_at_first: float, x: float) -> float:
    """f(x) for x ≥ t[0] of the PWL function of ``pwl_network``'s arguments."""
    edges = np.append(t, np.inf)
    value = float(value_at_first)
    for i in range(t.size):
        value += s[i + 1] * (min(x, edges[i + 1]) - t[i]) if x > t[i] else 0.0
    return value


def min_units_one_hidden_layer(pieces: int) -> int:
    """A1 lower bound: one hidden layer of w units has ≤ w + 1 pieces, so a p-piece function needs ≥ p − 1."""
    return max(int(pieces) - 1, 0)


def _zigzag_layer(lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(input weights, biases, output weights) of one block whose pieces on [0, M = Σ lengths] have these
    lengths: t_j = lengths_0 + … + lengths_{j−1}, slope of piece j = (−1)^j·M/lengths_j (a = lengths/M)."""
    height = float(np.sum(lengths))
    slopes = (-1.0) ** np.arange(lengths.size) * height / lengths
    starts = np.concatenate([[0.0], np.cumsum(lengths)[:-1]])
    return np.ones((lengths.size, 1)), -starts, np.diff(slopes, prepend=0.0)


def _compose(lengths: np.ndarray, k: int) -> Network:
    if k < 1:
        raise ValueError(f"zigzag: k must be >= 1, got {k}")
    w_in, b, c = _zigzag_layer(lengths)
    weights = [w_in] + [w_in @ c[None, :] for _ in range(k - 1)] + [c[None, :]]
    return Network(weights, [b] * k + [np.zeros(1)])


def zigzag(a: Sequence[float], k: int, height: float = 1.0) -> Network:
    """hᵃ composed k times (k ≥ 1) on [0, M = ``height``]: k hidden layers of width len(a) = p + 1."""
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 1 or a.size < 2 or np.any(a <= 0) or not np.isclose(a.sum(), 1.0, rtol=0, atol=1e-12):
        raise ValueError(f"zigzag: a must be >= 2 positive numbers summing to 1, got {a.tolist()}")
    if not (np.isfinite(height) and height > 0):
        raise ValueError(f"zigzag: M must be a positive number, got {height}")
    return _compose(a * height, k)


def zigzag_rational(a: Sequence[Fraction | int], k: int, height: Fraction | int = 1) -> tuple[list, list]:
    """hᵃ composed k times with exact rational parameters (weights, biases as nested Fractions), for
    ``relu1d.engine.oracles.exact.count_rational_parameters``: the zig-zag itself for any rational a in the simplex."""
    a = [Fraction(v) for v in a]
    height = Fraction(height)
    if len(a) < 2 or any(v <= 0 for v in a) or sum(a) != 1 or height <= 0 or k < 1:
        raise ValueError(
            f"zigzag_rational: need >= 2 positive a summing to 1, M > 0 and k >= 1, got {a}, {height}, {k}"
        )
    slopes = [(-1) ** j / v for j, v in enumerate(a)]
    out = [slopes[0]] + [slopes[j] - slopes[j - 1] for j in range(1, len(a))]
    starts = [height * sum(a[:j], Fraction(0)) for j in range(len(a))]
    first = [[Fraction(1)] for _ in a]
    inner = [list(out) for _ in a]
    weights = [first] + [inner] * (k - 1) + [[list(out)]]
    biases = [[-t for t in starts]] * k + [[Fraction(0)]]
    return weights, biases


def zigzag_power(p: int, k: int) -> Network:
    """hᵃ composed k times, equal spacing a_j = 1/(p + 1) and M = p + 1: every parameter an integer."""
    if p < 1:
        raise ValueError(f"zigzag: p must be >= 1, got {p}")
    return _compose(np.ones(p + 1), k)


def zigzag_interval(p: int) -> tuple[float, float]:
    """The interval [0, M] on which the zig-zag maps onto itself (M = p + 1)."""
    return 0.0, float(p + 1)


def zigzag_pieces_on_interval(p: int, k: int) -> int:
    """Pieces of hᵃ∘…∘hᵃ (k times) on [0, M]: (p + 1)^k (A, Lemma B.1)."""
    return (p + 1) ** k


def zigzag_pieces_on_line(p: int, k: int) -> int:
    """Pieces of the k-fold composition over all of ℝ.

    The flat piece on (−∞, 0] adds one. Past M the last piece continues: for even p it rises above M, where h
    keeps rising, so the composition stays affine through M; for odd p it falls below 0, where the next h is
    flat, so for k ≥ 2 there is one more breakpoint at M and a flat tail.
    """
    extra = 1 if (p % 2 == 1 and k >= 2) else 0
    return (p + 1) ** k + 1 + extra
