"""Networks with known region counts (Arora, Basu, Mianjy & Mukherjee, ICLR 2018).

The zig-zag hᵃ of A's Lemma B.1 / Thm 3.2 (SCIENCE.md, A2), with equal spacing: flat on (−∞, 0], p + 1
alternating monotone pieces between 0 and M on [0, M] (breakpoints at jM/(p+1)), then the linear
continuation of the last piece. With M = p + 1 every breakpoint, value and slope is an integer, so the float64
network *is* the zig-zag exactly. As one hidden layer of width p + 1:

    h(x) = Σ_{j=0}^{p} c_j ReLU(x − j),   c_0 = p + 1,  c_j = 2(p + 1)(−1)^j  (j ≥ 1).

The k-fold composition h∘…∘h is a depth-k network of widths (p+1, …, p+1) with (p+1)^k pieces on [0, M].
"""

from __future__ import annotations

import numpy as np

from relu1d.network import Network


def _zigzag_layer(p: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(input weights, biases, output weights) of one zig-zag block with p + 1 pieces on [0, p + 1]."""
    if p < 1:
        raise ValueError(f"zigzag: p must be >= 1, got {p}")
    width = p + 1
    out = np.array([width] + [2 * width * (-1) ** j for j in range(1, width)], dtype=np.float64)
    return np.ones((width, 1)), -np.arange(width, dtype=np.float64), out


def zigzag_power(p: int, k: int) -> Network:
    """hᵃ composed k times (k ≥ 1), equal spacing, M = p + 1: k hidden layers of width p + 1."""
    if k < 1:
        raise ValueError(f"zigzag_power: k must be >= 1, got {k}")
    w_in, b, c = _zigzag_layer(p)
    weights = [w_in] + [w_in @ c[None, :] for _ in range(k - 1)] + [c[None, :]]
    biases = [b] * k + [np.zeros(1)]
    return Network(weights, biases)


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
