"""Exact power-of-two rescaling: every intermediate of a count near unit scale, whatever the weights' magnitude.

Piecewise-linear units with kinks at 0 are positively homogeneous, σ(2^k·z) = 2^k·σ(z), and multiplying a float64 by
a power of two is exact (away from overflow and subnormals), as is every later product, sum, square root and
comparison of the engine: they commute with it. So a model whose affine maps are divided by powers of two layer by
layer computes 2^−E·f with the same knots, gates and breakpoints, bit for bit, and its count is the original
model's. Dividing each layer's weights by the binary exponent of their largest entry keeps the intermediates near
unit scale, so weights of 2^±1000 per layer count as the unscaled model does. Where a rescaled parameter would
leave float64's normal range (a bias far smaller than its layer's products), the model is counted unscaled.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import replace
from typing import Any

import numpy as np

from relu1d.engine.graph import Activation, Concat, Conv, Dense, Graph, Node, Scale, Sum
from relu1d.engine.network import Network

#: A model is rescaled when some node's cumulative binary exponent exceeds this in magnitude (its products would
#: reach 2^±NEEDS_RESCALING times their inputs' scale); below it every count is taken on the model's own numbers.
#: Rescaling changes no bit of a count (tested), so this only saves its cost (~0.2 ms a count) where it is not needed.
NEEDS_RESCALING = 64


class _Inexact(Exception):
    """A rescaled parameter would not be exact."""


def exact_power_of_two(x: np.ndarray, exponent: int) -> np.ndarray | None:
    """x·2^exponent when that is exact for every entry (no overflow, no underflow into subnormals), else None."""
    if exponent == 0:
        return x
    with np.errstate(over="ignore", under="ignore"):
        y = np.ldexp(x, exponent)
    exact = np.all(np.isfinite(y)) and np.array_equal(np.ldexp(y, -exponent), x)
    return y if exact and not np.any((y != 0) & (np.abs(y) < np.finfo(np.float64).tiny)) else None


def float_or_inf(x: Any) -> float:
    """float(x) for a rational x; ±inf beyond float64's range (where float64 arithmetic would round it)."""
    try:
        return float(x)
    except OverflowError:
        return math.inf if x > 0 else -math.inf


def binary_exponent(x: np.ndarray) -> int:
    """e with 2^(e−1) ≤ max|x| < 2^e (0 for an all-zero array): x·2^−e has its largest entry in [1/2, 1)."""
    top = float(np.abs(x).max()) if x.size else 0.0
    return math.frexp(top)[1]


def _scaled(x: np.ndarray | None, exponent: int) -> np.ndarray | None:
    if x is None:
        return None
    y = exact_power_of_two(x, exponent)
    if y is None:
        raise _Inexact
    return y


def normalised_network(net: Network) -> tuple[Network, int]:
    """``(scaled, E)``: W_ℓ·2^−e_ℓ and b_ℓ·2^−E_ℓ with E_ℓ = e_1 + … + e_ℓ and e_ℓ = ``binary_exponent(W_ℓ)``, so
    z_ℓ is divided by 2^E_ℓ and scaled(x) = 2^−E·net(x) (E = E_{L+1}); ``(net, 0)`` where that is not exact or
    not needed (every |E_ℓ| ≤ ``NEEDS_RESCALING``)."""
    exps = [binary_exponent(w) for w in net.weights]
    if max(abs(e) for e in itertools.accumulate(exps)) <= NEEDS_RESCALING:
        return net, 0
    weights, biases, total = [], [], 0
    try:
        for w, b, e in zip(net.weights, net.biases, exps, strict=True):
            total += e
            weights.append(_scaled(w, -e))
            biases.append(_scaled(b, -total))
    except _Inexact:
        return net, 0
    return Network(weights, biases), total


def normalised_graph(graph: Graph) -> tuple[Graph, int]:
    """``(scaled, E)`` for a graph: every node's tensor divided by 2^{E_node}, scaled(x) = 2^−E·graph(x).

    Dense, convolution and per-channel scaling divide their weights by 2^e (e = ``binary_exponent``) and add e to the
    exponent of their input; biases and shifts are divided by the output's 2^E. A sum aligns inputs of different
    exponents with exact powers of two (``Sum.powers``, ``Concat.powers``); kinks and intercepts of an activation are
    divided by its input's 2^E (slopes are unchanged); pooling and reshapes keep the exponent (anything inexact, and
    every |E| ≤ ``NEEDS_RESCALING``, give ``(graph, 0)``).
    """
    exps: list[int] = []
    nodes: list[Node] = []
    try:
        for node in graph.nodes:
            op, ins = node.op, [exps[j] for j in node.inputs]
            e_in = ins[0] if ins else 0
            if isinstance(op, (Dense, Conv)):
                e = binary_exponent(op.weight)
                e_out = e_in + e
                op = replace(op, weight=_scaled(op.weight, -e), bias_=_scaled(op.bias_, -e_out))
            elif isinstance(op, Scale):
                e = binary_exponent(op.scale)
                e_out = e_in + e
                op = replace(op, scale=_scaled(op.scale, -e), shift=_scaled(op.shift, -e_out))
            elif isinstance(op, (Sum, Concat)):
                e_out = max(ins)
                powers = tuple(e - e_out for e in ins)
                if min(powers) < -1000:
                    raise _Inexact
                op = op if not any(powers) else replace(op, powers=powers)
            elif isinstance(op, Activation) and e_in and (np.any(op.kinks) or np.any(op.intercepts)):
                e_out = e_in
                op = replace(op, kinks=_scaled(op.kinks, -e_in), intercepts=_scaled(op.intercepts, -e_in))
            elif len(set(ins)) > 1:  # no other operation reads several tensors
                raise _Inexact
            else:
                e_out = e_in
            exps.append(e_out)
            nodes.append(node if op is node.op else Node(node.name, op, node.inputs))
    except _Inexact:
        return graph, 0
    if max(abs(e) for e in exps) <= NEEDS_RESCALING:
        return graph, 0
    return Graph(tuple(nodes)), exps[-1]


__all__ = ["binary_exponent", "exact_power_of_two", "float_or_inf", "normalised_graph", "normalised_network"]
