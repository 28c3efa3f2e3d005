"""Rational ground truth: the region structure of a network in exact arithmetic (small networks only).

float64 weights are dyadic rationals, so a network stored in a file has one exact answer. This module
computes it exactly (Python integers and ``fractions.Fraction``) by an independent method: every neuron's
pre-activation is kept as an explicit list of affine pieces (slope, intercept), integer numerators over one
denominator per layer, on a common partition of ℝ; ReLU splits a piece at its root when the root lies
strictly inside, and the gate on each open interval is the sign of z at an interior sample point.
Definitions are those of ``relu1d.engine.propagation`` (docs/mathematics.md §2). Cost grows like (#intervals)·Σ n_ℓ
n_{ℓ−1} big-integer operations: ~0.03 s for a 16×16×16×16 network.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from relu1d.engine.decisions import checked_line
from relu1d.engine.network import Network


@dataclass(frozen=True)
class ExactCount:
    """Exact counterpart of ``relu1d.RegionCount`` (points and values are Fractions).

    ``knot_positions[ℓ]`` / ``knot_neurons[ℓ]``: every gate change of a layer-(ℓ+1) neuron, sorted by
    (position, neuron). ``slopes``: f′ on the len(knots) + 1 segments between consecutive knots.
    """

    widths: tuple[int, ...]
    knots: tuple[Fraction, ...]
    breakpoints: tuple[Fraction, ...]
    values: tuple[Fraction, ...]
    slopes: tuple[Fraction, ...]
    knot_positions: tuple[tuple[Fraction, ...], ...]
    knot_neurons: tuple[tuple[int, ...], ...]
    window: tuple[Fraction, Fraction] | None = None

    @property
    def linear_regions(self) -> int:
        return len(self.breakpoints) + 1

    @property
    def activation_regions(self) -> int:
        return len(self.knots) + 1

    @property
    def knots_per_layer(self) -> tuple[int, ...]:
        return tuple(len(p) for p in self.knot_positions)

    @property
    def knots_per_neuron(self) -> tuple[tuple[int, ...], ...]:
        return tuple(
            tuple(sum(1 for j in nrn if j == i) for i in range(n))
            for nrn, n in zip(self.knot_neurons, self.widths, strict=True)
        )

    @property
    def breakpoints_per_layer(self) -> tuple[int, ...]:
        bps = set(self.breakpoints)
        return tuple(len(bps & set(p)) for p in self.knot_positions)

    def restrict(self, a: float | Fraction, b: float | Fraction) -> ExactCount:
        """Keep only what lies in the open window (a, b)."""
        a, b = Fraction(a), Fraction(b)
        keep = [i for i, t in enumerate(self.knots) if a < t < b]
        lo, hi = (keep[0], keep[-1] + 1) if keep else (sum(1 for t in self.knots if t <= a),) * 2
        inside = [[k for k, t in enumerate(p) if a < t < b] for p in self.knot_positions]
        return ExactCount(
            widths=self.widths,
            knots=self.knots[lo:hi],
            breakpoints=tuple(t for t in self.breakpoints if a < t < b),
            values=self.values[lo:hi],
            slopes=self.slopes[lo : hi + 1],
            knot_positions=tuple(tuple(p[k] for k in ks) for p, ks in zip(self.knot_positions, inside, strict=True)),
            knot_neurons=tuple(tuple(n[k] for k in ks) for n, ks in zip(self.knot_neurons, inside, strict=True)),
            window=(a, b),
        )


def _fractions(a: np.ndarray) -> list:
    """Exact conversion of a float64 array (nested lists of Fractions)."""
    if a.ndim == 1:
        return [Fraction(float(v)) for v in a]
    return [_fractions(row) for row in a]


def _interior_point(lo: Fraction | None, hi: Fraction | None) -> Fraction:
    """A point strictly inside (lo, hi); None stands for ∓∞."""
    if lo is None and hi is None:
        return Fraction(0)
    if lo is None:
        return hi - 1
    if hi is None:
        return lo + 1
    return (lo + hi) / 2


def count_regions_exact(
    net: Network,
    origin: Sequence[float] | None = None,
    direction: Sequence[float] | None = None,
) -> ExactCount:
    """Exact region structure of ``net`` over ℝ (n_in = 1), or along the line origin + t·direction."""
    weights = [_fractions(w) for w in net.weights]
    biases = [_fractions(b) for b in net.biases]
    if origin is not None or direction is not None:
        if origin is None or direction is None:
            raise ValueError("line: give both origin and direction")
        origin, direction = checked_line(np.ravel(origin), np.ravel(direction), (net.n_in,))
        a = [Fraction(float(v)) for v in origin]
        v = [Fraction(float(d)) for d in direction]
        w1 = weights[0]
        biases[0] = [
            sum((wij * aj for wij, aj in zip(row, a, strict=True)), bi) for row, bi in zip(w1, biases[0], strict=True)
        ]
        weights[0] = [[sum((wij * vj for wij, vj in zip(row, v, strict=True)), Fraction(0))] for row in w1]
    elif net.n_in != 1:
        raise ValueError(f"count_regions_exact: the network has {net.n_in} inputs; give a line")
    return count_rational_parameters(weights, biases)


def count_rational_parameters(weights: list[list[list[Fraction]]], biases: list[list[Fraction]]) -> ExactCount:
    """Exact region structure over ℝ of the one-input network with these rational parameters (W¹ of shape n₁ × 1,
    …, output 1 × n_L): for networks whose intended weights are not floats (e.g. zig-zags with any rational a).

    Pieces are kept as integer numerators over one denominator per layer (Python integers, exact; a Fraction
    per operation would spend its time in gcds): z = (W·D_w)(P·D_p) + (b·D_w)·D_p over D_w·D_p.
    """
    widths = tuple(len(b) for b in biases[:-1])
    points: list[Fraction] = []  # partition of ℝ; intervals are (points[k-1], points[k])
    pieces = _Pieces(slope=[[1]], icept=[[0]], den=1)  # per input neuron, per interval: x itself
    layer_changes: list[list[tuple[Fraction, int]]] = []
    all_knots: set[Fraction] = set()
    for w, b in zip(weights[:-1], biases[:-1], strict=True):
        z = _affine_map(w, b, pieces)
        points, z = _split_at_roots(points, z)
        bounds = [None, *points, None]
        samples = [_interior_point(bounds[k], bounds[k + 1]) for k in range(len(points) + 1)]
        # sign of z at x = p/q (q > 0, den > 0) is the sign of slope·p + icept·q
        gates = [
            [a * x.numerator + c * x.denominator > 0 for a, c, x in zip(si, ci, samples, strict=True)]
            for si, ci in zip(z.slope, z.icept, strict=True)
        ]
        changes = sorted((points[k], i) for i, gi in enumerate(gates) for k in range(len(points)) if gi[k] != gi[k + 1])
        layer_changes.append(changes)
        all_knots.update(t for t, _ in changes)
        pieces = _Pieces(
            slope=[[a if g else 0 for a, g in zip(si, gi, strict=True)] for si, gi in zip(z.slope, gates, strict=True)],
            icept=[[c if g else 0 for c, g in zip(ci, gi, strict=True)] for ci, gi in zip(z.icept, gates, strict=True)],
            den=z.den,
        )

    f = _affine_map(weights[-1], biases[-1], pieces)
    f_slope, f_icept = f.slope[0], f.icept[0]
    breakpoints = [points[k] for k in range(len(points)) if f_slope[k] != f_slope[k + 1]]
    if not set(breakpoints) <= all_knots:  # f is affine wherever the activation pattern is constant
        raise AssertionError("exact engine: a breakpoint of f is not a knot")
    knots = sorted(all_knots)
    index = {t: k for k, t in enumerate(points)}  # interval k lies just left of points[k]
    values = tuple((f_slope[index[t]] * t + f_icept[index[t]]) / f.den for t in knots)
    slopes = (*tuple(Fraction(f_slope[index[t]], f.den) for t in knots), Fraction(f_slope[-1], f.den))
    return ExactCount(
        widths=widths,
        knots=tuple(knots),
        breakpoints=tuple(breakpoints),
        values=values,
        slopes=slopes,
        knot_positions=tuple(tuple(t for t, _ in c) for c in layer_changes),
        knot_neurons=tuple(tuple(i for _, i in c) for c in layer_changes),
    )


@dataclass(frozen=True)
class _Pieces:
    """Affine pieces z = (slope·x + icept)/den of every neuron (rows) on every interval (columns); integers."""

    slope: list[list[int]]
    icept: list[list[int]]
    den: int


def _affine_map(w: list[list[Fraction]], b: list[Fraction], pieces: _Pieces) -> _Pieces:
    """Pieces of z_i = Σ_j w_ij h_j + b_i on every interval of the current partition, exactly."""
    rows = [[Fraction(v) for v in row] for row in w]
    bias = [Fraction(v) for v in b]
    d_w = math.lcm(*(v.denominator for row in rows for v in row), *(v.denominator for v in bias))
    w_int = [[v.numerator * (d_w // v.denominator) for v in row] for row in rows]
    b_int = [v.numerator * (d_w // v.denominator) * pieces.den for v in bias]
    n_intervals = len(pieces.slope[0])
    slope, icept = [], []
    for row, bi in zip(w_int, b_int, strict=True):
        terms = [(wij, sj, cj) for wij, sj, cj in zip(row, pieces.slope, pieces.icept, strict=True) if wij]
        slope.append([sum(wij * sj[k] for wij, sj, _ in terms) for k in range(n_intervals)])
        icept.append([bi + sum(wij * cj[k] for wij, _, cj in terms) for k in range(n_intervals)])
    return _Pieces(slope=slope, icept=icept, den=d_w * pieces.den)


def _split_at_roots(points: list[Fraction], z: _Pieces) -> tuple[list[Fraction], _Pieces]:
    """Refine the partition with every root that lies strictly inside an interval; pieces are inherited."""
    bounds = [None, *points, None]
    roots = set()
    for si, ci in zip(z.slope, z.icept, strict=True):
        for k, (a, c) in enumerate(zip(si, ci, strict=True)):
            if a:
                r = Fraction(-c, a)  # the common denominator cancels
                lo, hi = bounds[k], bounds[k + 1]
                if (lo is None or lo < r) and (hi is None or r < hi):
                    roots.add(r)
    if not roots:
        return points, z
    new_points = sorted(set(points) | roots)
    # interval of the old partition that contains each new interval: count old points left of its right end
    old = set(points)
    parent = [0]
    for p in new_points:
        parent.append(parent[-1] + (1 if p in old else 0))
    return new_points, _Pieces(
        slope=[[si[k] for k in parent] for si in z.slope], icept=[[ci[k] for k in parent] for ci in z.icept], den=z.den
    )
