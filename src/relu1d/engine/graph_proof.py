"""A-posteriori proof of a graph's count along a line: the checks of ``relu1d.engine.proof`` for every operation.

A count of a graph along x(t) = a + t·d (``relu1d.engine.count.count_graph``) lists knots t̃₀ < … < t̃_{B−1} (floats,
hence exact points), the unit (activation or max-pooling node) and element whose piece changes at each, and which
knots are breakpoints. This module proves such an answer, or names the decisions it cannot settle, with float64
arithmetic and the forward error bound of a sum of products (Higham, *Accuracy and Stability of Numerical Algorithms*,
2nd ed., Thm 3.5), |fl(Σ xᵢyᵢ) − Σ xᵢyᵢ| ≤ γ_k Σ|xᵢyᵢ| for k terms in any order (docs/mathematics.md §2.3):

1. **Brackets and segments** as in ``relu1d.engine.proof`` (``bracket_points``): a bracket around each knot, segment k
   between knots k−1 and k, read at one point m_k inside it. On a window (lo, hi) its ends close the outer segments.
2. **Forms.** Under segment k's pattern (every activation's piece, every max pool's arg-max, read off its values at
   m_k) every tensor is affine in t: value z̃ at a point m and slope s̃, with rigorous bounds e_z, e_s per entry and
   n_z, n_s ≥ the Euclidean norm of the whole tensor's error. The input is a + m·d (bound γ₂(|a| + |m d|)), slope d
   (exact). A dense node y = W·x + c (k = n + 1 roundings per output) gives, by Cauchy–Schwarz on the carried error
   and on the rounding γ_k(|W||x̃| + |c|), e_y,i = ‖W_i‖(n_x + γ_k‖x̃‖) + γ_k|c_i| and n_y = σ̄·n_x +
   γ_k(‖W‖_F‖x̃‖ + ‖c‖), σ̄ ≥ ‖W‖₂ proven by ``relu1d.engine.proof.spectral_norm_bound`` (``WeightNorms``): one
   product, the values and slopes. Any other affine node y = L(x) + c of k terms per output gives
   e_y = (|L|(e_x + γ_k|x̃|) + γ_k|c|)·(1 + 2γ_{k+3}) and e_sy = |L|(e_s + γ_k|s̃|)·(1 + 2γ_{k+3}), with |L| the
   operation with absolute weights (convolution, per-channel scaling) or L itself (sums, averages, reshapes,
   concatenation); an activation's piece y = αz + β adds γ₂(|αz̃| + |β|) unless it is exact (α ∈ {0, ±1}, β = 0); a max
   pool passes its arg-max's forms on. The norms are carried through every node (``_carried_norms``, ``_least``).
   A form is read at another point m′ with bound e_z + e_s|δ|(1 + u) + γ₃(|z̃| + |s̃||δ|), δ = fl(m′ − m), inflated
   (``relu1d.engine.proof.Forms.at``).
3. **Decisions.** A unit's pattern is the set of strict signs of its *decision forms*: z − c_q for each kink c_q of an
   activation (positive on the pieces above it), z_j − z_a for each other slot j of a max pool's window (negative;
   a the arg-max). The sign, knot and radius checks of ``relu1d.engine.proof.sign_checks`` run on them unchanged,
   unit by unit in graph order: every stretch keeps its pattern, each bracket holds exactly one change of one decision
   form (one element's piece moves to a neighbouring piece, or one arg-max moves from a to b: z_b − z_a changes sign,
   and every other slot stays below both), and its root lies within ρ of t̃. A structural zero (value and bound both
   0) holds for a max pool's decision (an exact tie of two identical forms), as for a ReLU's off gate.
4. **Jumps.** f′ on the two sides of knot j are the output slopes of segments j and j + 1: a difference beyond their
   bounds proves a breakpoint. Where it is not, the jump is Δ·g, Δ the change of the changing unit's output slope and g
   the derivative of the output with respect to that element under the common downstream pattern, from a one-hot
   pass with bounds: g̃ = e_g = 0 (no path), or Δ = 0 exactly (an activation's two pieces of equal slope), proves no
   breakpoint; Δ and g proven nonzero prove one; anything else is an open decision.

5. **Ties and blocks.** A change that an exact tie forces at another unit's knot (ReLU → max pool: a window of zeros
   leaves the tie when one entry turns on) is proven from the tied side by continuity (``_tie_exemptions``,
   ``_forced_by_tie``); two changes of one unit at one knot (duplicated units) and kinks composed at one point without
   a tie (PReLU → Abs) are left open. Segments are independent: they are proven in blocks of bounded memory. Every
   tensor's forms are held once per *row* of consecutive segments on which it is one affine form (a row ends at the
   knots of the units before it: ``_partition``, ``_Tensor.on``), so an affine node's product is taken once per
   row, as the count's dense step multiplies only what changed; a unit's decisions are checked on every segment from
   its row's forms, and a max pool, whose decision forms depend on the arg-max, reads them on every segment.

The class changes of ``classes=True`` are not part of the proof. The bounds assume no underflow: every nonzero
operand lies in [2⁻⁴⁰⁰, 2⁴⁰⁰] — the parameters, every node's forms, the inputs of a sum or concatenation once aligned
by their powers of two, and the one-hot pass's derivatives and bounds (an underflow to 0 would pass for an exact zero)
— else the count is not certifiable (``safe_range``); so is a graph whose activation pieces do not meet exactly (the
tie and jump arguments need f continuous). A convolution is evaluated as a sum
of products per output (torch's float64 CPU kernels are im2col + GEMM; numpy's fallback is a tensor dot), to which the
bound applies.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np

from relu1d.engine.graph import Activation, Affine, AvgPool, Concat, Conv, Dense, Graph, MaxPool, Reshape, Scale, Sum
from relu1d.engine.kernels import proof as proof_kernels
from relu1d.engine.progress import Progress
from relu1d.engine.proof import (
    SAFE_MAX,
    SAFE_MIN,
    UNIT_ROUNDOFF,
    BracketPoints,
    Certificate,
    Forms,
    OpenSegments,
    WeightNorms,
    bracket_points,
    gamma,
    holds,
    in_safe_range,
    root_radius,
    row_norms,
    sign_checks,
)
from relu1d.engine.result import RegionCount


def certify_graph_count(
    graph: Graph,
    origin: np.ndarray,
    direction: np.ndarray,
    result: RegionCount,
    window: tuple[float, float] | None = None,
    *,
    block_bytes: int | None = None,
    progress: bool | None = None,
) -> Certificate:
    """Prove (or fail to prove) that ``result`` is the exact count of ``graph`` along origin + t·direction
    (``graph_certificate``, its certificate alone)."""
    return graph_certificate(graph, origin, direction, result, window, block_bytes=block_bytes, progress=progress)[0]


def graph_certificate(
    graph: Graph,
    origin: np.ndarray,
    direction: np.ndarray,
    result: RegionCount,
    window: tuple[float, float] | None = None,
    *,
    block_bytes: int | None = None,
    progress: bool | None = None,
) -> tuple[Certificate, OpenSegments]:
    """Prove (or fail to prove) that ``result`` is the exact count of ``graph`` along origin + t·direction, over ℝ or
    over the open ``window`` of t (by default ``result.window``): its knots (one change of one unit element in each
    bracket, and the changes exact ties force with it), the unit and element of each, the knots per unit node and the
    breakpoints. Method and bounds: the module docstring (docs/mathematics.md §2.3).

    Segments are independent: they are proven in blocks (neighbours share one segment) whose forms take about
    ``block_bytes`` (default ``BLOCK_BYTES``), so the proof's memory is bounded whatever the number of knots. A proof
    that runs past two seconds shows a progress bar on stderr (``relu1d.engine.progress``; ``progress``: None, on
    terminals only; False, never; True, always). Run it on the graph that was counted (``count_graph`` counts
    ``relu1d.engine.scaling.normalised_graph(graph)``, which has the same knots). Also returns what the proof left
    open (``relu1d.engine.proof.OpenSegments``: the segments with an open sign decision and their neighbours within
    their block, each unit's pattern there (> 0), the changes found at each knot and their radii ρ), from which a
    network's refined pass redoes those segments (``relu1d.engine.proof.refine_open_segments``)."""
    origin = np.asarray(origin, dtype=np.float64).reshape(graph.input_shape)
    direction = np.asarray(direction, dtype=np.float64).reshape(graph.input_shape)
    knots = np.asarray(result.knots, dtype=np.float64)
    n_knots = int(knots.shape[0])
    points = bracket_points(knots, result.window if window is None else window)
    safe = in_safe_range(origin, direction, knots, *_parameters(graph)) and all(
        _exactly_continuous(node.op) for node in graph.nodes if isinstance(node.op, Activation)
    )
    rows = block_rows(graph, BLOCK_BYTES if block_bytes is None else block_bytes)
    norms = _operator_norms(graph)
    offsets = range(0, max(n_knots, 1), rows)
    shown = Progress(len(offsets), "proof (blocks of segments)", progress)
    blocks = []
    for first in offsets:
        last = min(first + rows, n_knots)
        block = _certify_block(graph, norms, origin, direction, knots[first:last], points.block(first, last))
        blocks.append(block)
        shown.update(len(blocks))
    shown.close()
    flip_unit = np.concatenate([b.flip_unit for b in blocks])
    flip_element = np.concatenate([b.flip_element for b in blocks])
    is_breakpoint = np.concatenate([b.is_breakpoint for b in blocks])
    first = np.nonzero(flip_unit >= 0)[0]
    forced = [(k + offset, unit, e) for b, offset in zip(blocks, offsets, strict=True) for k, unit, e in b.forced]
    changes = sorted(
        [*zip(first.tolist(), flip_unit[first].tolist(), flip_element[first].tolist(), strict=True), *forced]
    )
    breakpoints_listed, changes_listed = _candidate(result)
    # a segment two blocks share must have one pattern in both (each block proves its own side of it)
    seams = sum(
        not all(np.array_equal(x, y) for x, y in zip(left.edges[1], right.edges[0], strict=True))
        for left, right in itertools.pairwise(blocks)
    )
    rows = np.concatenate([b.open_rows + offset for b, offset in zip(blocks, offsets, strict=True)])
    rows, first_seen = np.unique(rows, return_index=True)  # a segment two blocks share: its first block's
    opened = OpenSegments(
        rows,
        [np.concatenate([b.open_gates[u] for b in blocks])[first_seen] for u in range(len(graph.units))],
        flip_unit,
        flip_element,
        np.concatenate([b.rho for b in blocks]),
        other_failures=sum(b.other_failures for b in blocks),
    )
    return Certificate(
        decisions=sum(b.decisions for b in blocks),
        sign_failures=sum(b.sign_failures for b in blocks),
        knot_failures=sum(b.knot_failures for b in blocks) + int(np.count_nonzero(~points.fits)) + seams,
        jump_failures=sum(b.jump_failures for b in blocks),
        knots_per_layer=tuple(sum(1 for _, u, _ in changes if u == unit) for unit in range(len(graph.units))),
        breakpoints=int(np.count_nonzero(is_breakpoint)),
        agrees=changes == changes_listed and bool(np.array_equal(is_breakpoint, breakpoints_listed)),
        safe_range=bool(safe and all(b.safe_range for b in blocks)),
    ), opened


#: Memory the forms of one block of segments may take, about (``certify_graph_count``). Measured on one core
#: (2026-12-08): a proof's traced peak 0.2–0.5× its count's with 16–32 MiB, 1.5–3× with 256 MiB, in about the same
#: time (LeNet and the residual CNN a little faster: their blocks fit the caches).
BLOCK_BYTES = 32 * 2**20


def block_rows(graph: Graph, budget: int) -> int:
    """Segments per block: the forms hold about 24 float64 per entry of the largest node per segment (values,
    slopes, bounds, their stacked copies and the decision forms of a unit), at least 64."""
    largest = max(math.prod(shape) for shape in graph.shapes)
    return max(64, budget // (24 * 8 * largest))


@dataclass(frozen=True)
class _Block:
    """What one block of segments established: per knot of the block (local indices) the unit and element of its
    first change (−1: none) and whether it is a breakpoint; the changes forced by ties (local knot, unit, element);
    the patterns of its first and last segment (per unit), which it shares with its neighbours; the failed and checked
    decisions; whether every operand stayed in the safe range; the segments with an open sign decision and their
    neighbours (local indices) and each unit's pattern there (> 0), the radius ρ of each knot, and the open sign
    decisions of no one segment (an arg-max's near its root)."""

    flip_unit: np.ndarray
    flip_element: np.ndarray
    is_breakpoint: np.ndarray
    forced: list[tuple[int, int, int]]
    edges: tuple[list[np.ndarray], list[np.ndarray]]
    decisions: int
    sign_failures: int
    knot_failures: int
    jump_failures: int
    safe_range: bool
    open_rows: np.ndarray
    open_gates: list[np.ndarray]
    rho: np.ndarray
    other_failures: int


def _partition(boundary: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows of consecutive segments, a new row after every knot j with ``boundary[j]``: per segment its row, and per
    row its middle segment (where its forms are read)."""
    run = np.concatenate([[0], np.cumsum(boundary)])
    starts = np.concatenate([[0], np.nonzero(boundary)[0] + 1])
    ends = np.concatenate([starts[1:], [run.shape[0]]])
    return run, (starts + ends - 1) // 2


def _certify_block(
    graph: Graph,
    norms: dict[int, WeightNorms],
    origin: np.ndarray,
    direction: np.ndarray,
    knots: np.ndarray,
    points: BracketPoints,
) -> _Block:
    """Every check of the module docstring for the segments of ``points`` and the knots between them.

    Every tensor's forms are held once per row of consecutive segments on which it is one affine form (between the
    knots of the units before it: ``_Tensor.run``), so that an affine node's product is taken once per row, and a
    unit's decisions are checked on every segment from its row's forms: about the count's work (its dense step
    multiplies only what changed), at the price of bounds that grow a little with the distance to the row's
    middle."""
    n_knots = int(knots.shape[0])
    safe = True
    knot_failures = 0
    remaining = [len(c) for c in graph.consumers()]
    every = _partition(np.ones(n_knots, dtype=bool))
    one_row = _partition(np.zeros(n_knots, dtype=bool))  # the input is one affine form: a row for every segment
    forms: dict[int, _Tensor] = {0: _input_forms(origin, direction, points.mid, *one_row)}
    patterns: dict[int, np.ndarray] = {}
    differs = np.zeros(n_knots, dtype=np.int64)  # elements of the first unit (in graph order) changing at each knot
    flip_unit = np.full(n_knots, -1, dtype=np.int64)
    flip_element = np.full(n_knots, -1, dtype=np.int64)
    columns = (np.full(n_knots, -1, dtype=np.int64), np.full(n_knots, -1, dtype=np.int64))
    jump_of_piece = np.zeros(n_knots, dtype=bool)  # the changing unit's output slope changes (Δ ≠ 0)
    tie_side = np.full(n_knots, -1, dtype=np.int64)  # the side whose check a forced change replaced (−1: none)
    forced: list[tuple[int, int, int]] = []  # (knot, unit, element) of every change forced by a tie
    rho = np.full(n_knots, np.inf)
    sign_failures = decisions = other_failures = 0
    row_failures = np.zeros(n_knots + 1, dtype=np.int64)
    for i, node in enumerate(graph.nodes[1:], start=1):
        op = node.op
        ins = [forms[j] for j in node.inputs]
        for j in node.inputs:
            remaining[j] -= 1
            if remaining[j] == 0 and j != len(graph.nodes) - 1:
                del forms[j]
        if isinstance(op, Affine):  # on the rows of all its inputs' together, one product per row
            rows = _partition(np.logical_or.reduce([x.boundaries() for x in ins]))
            ins = [x.on(*rows, points.mid) for x in ins]
            safe &= all(_aligned_in_range(op, [x.flat()[kind] for x in ins]) for kind in range(4))
            forms[i] = _affine_forms(op, ins, graph, i, norms)
            safe &= forms[i].in_safe_range()
            continue
        if not isinstance(op, (Activation, MaxPool)):
            raise ValueError(f"node {node.name!r}: no proof covers {op.describe()}")
        unit = graph.units.index(i)
        forms_here = _unit(op, ins[0], graph.shapes[i], points.mid, every)
        decision, pattern = forms_here.decision, forms_here.pattern
        patterns[i], forms[i] = pattern, forms_here.output
        below = flip_unit >= 0
        struct, exempt = _tie_exemptions(forms_here, np.nonzero(below)[0])
        if n_knots:
            change = pattern[:-1] != pattern[1:]
            count = np.count_nonzero(change, axis=1)
            here = np.nonzero((count > 0) & ~below)[0]
            element = np.argmax(change[here], axis=1)
            flip_unit[here], flip_element[here], differs[here] = unit, element, count[here]
            left, right, steps, jumps = forms_here.flips(pattern[here, element], pattern[here + 1, element], element)
            columns[0][here], columns[1][here] = left, right
            jump_of_piece[here] = jumps
            knot_failures += int(np.count_nonzero(~steps))
            for j in np.nonzero((count > 0) & below)[0]:
                changed = np.nonzero(change[j])[0]
                if _forced_by_tie(forms_here, struct, int(j), changed, exempt, tie_side):
                    forced.extend((int(j), unit, int(e)) for e in changed)
                else:
                    knot_failures += 1
        safe &= forms_here.safe
        flips_here = flip_unit == unit
        here = np.nonzero(flips_here)[0]
        rho[here] = root_radius(decision, forms_here.run[here], columns[0][here], knots[here])
        if isinstance(op, MaxPool):
            failed_near, checked = _arg_max_near_root(forms_here, here, flip_element[here], columns, knots, rho, exempt)
            sign_failures += failed_near
            other_failures += failed_near
            decisions += checked
        failed, checked = sign_checks(decision, forms_here.want, points, knots, flips_here, columns, below, rho,
                                      exempt=exempt, form_of=forms_here.run)  # fmt: skip
        sign_failures += int(failed.sum())
        row_failures += failed
        decisions += checked
    knot_failures += int(np.count_nonzero(differs != 1))
    output = forms[len(graph.nodes) - 1].on(*every, points.mid)
    simple = differs == 1
    jump_failures, is_breakpoint, jumps_safe = _jump_checks(
        graph, output, patterns, flip_unit, flip_element, jump_of_piece, simple, tie_side
    )
    safe &= jumps_safe
    # copies: a view would keep the block's every pattern alive (5 MB a block at width 1024, depth 8)
    edges = ([patterns[i][0].copy() for i in graph.units], [patterns[i][-1].copy() for i in graph.units])
    open_ = row_failures > 0
    open_rows = np.nonzero(open_ | np.r_[open_[1:], False] | np.r_[False, open_[:-1]])[0]
    open_gates = [patterns[i][open_rows] > 0 for i in graph.units]
    return _Block(flip_unit, flip_element, is_breakpoint, forced, edges, decisions + 3 * n_knots, sign_failures,
                  knot_failures, jump_failures, bool(safe), open_rows, open_gates, rho, other_failures)  # fmt: skip


@dataclass(frozen=True)
class _Tensor:
    """One node's forms, held per row of consecutive segments on which the node is one affine function of t: values z̃
    (read at the row's point ``at``), slopes s̃, and their bounds, each of shape (rows, *node shape); per row
    n_z, n_s ≥ the Euclidean norm of the whole node's error (‖z − z̃‖₂, ‖s − s̃‖₂), which a dense node turns into its
    entries' bounds (module docstring, step 2); ``run``: the row of every segment."""

    z: np.ndarray
    s: np.ndarray
    e_z: np.ndarray
    e_s: np.ndarray
    n_z: np.ndarray
    n_s: np.ndarray
    run: np.ndarray
    at: np.ndarray

    def flat(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        rows = self.z.shape[0]
        return tuple(x.reshape(rows, -1) for x in (self.z, self.s, self.e_z, self.e_s))  # type: ignore[return-value]

    def in_safe_range(self) -> bool:
        """Every finite nonzero value and bound lies in [2⁻⁴⁰⁰, 2⁴⁰⁰] (``relu1d.engine.proof``)."""
        return all(proof_kernels.magnitude_range(x, SAFE_MIN, SAFE_MAX) for x in self.flat()) and in_safe_range(
            self.n_z, self.n_s
        )

    def boundaries(self) -> np.ndarray:
        """Per knot, whether its two segments lie in different rows."""
        return self.run[1:] != self.run[:-1]

    def on(self, run: np.ndarray, middle: np.ndarray, mid: np.ndarray) -> _Tensor:
        """These forms on finer rows (``_partition``: each new row inside one of these), read at their middle
        segments' points: the form of the row that holds it, its value there with ``Forms.at``'s bound, the slope and
        its bound as they are; the norms likewise."""
        if np.array_equal(run, self.run):
            return self
        rows, shape = middle.shape[0], self.z.shape[1:]
        old = self.run[middle]
        z, s, e_z, e_s = self.flat()
        value, bound = Forms(z, s, e_z, e_s, self.at).at(old, mid[middle])
        return _Tensor(value.reshape(rows, *shape), s[old].reshape(rows, *shape), bound.reshape(rows, *shape),
                       e_s[old].reshape(rows, *shape), self.value_norms(old, mid[middle]), self.n_s[old], run,
                       mid[middle])  # fmt: skip

    def value_norms(self, rows: np.ndarray, t: np.ndarray) -> np.ndarray:
        """n_z of the forms of ``rows`` read at t: as ``Forms.at`` bounds each entry, with ‖·‖ for |·|; a row read at
        its own point keeps its n_z."""
        delta = np.abs(t - self.at[rows])
        n_z = self.n_z[rows] + self.n_s[rows] * delta * (1.0 + 2.0 * UNIT_ROUNDOFF)
        z, s = self.z.reshape(self.z.shape[0], -1), self.s.reshape(self.s.shape[0], -1)
        n_z = (n_z + gamma(3) * (row_norms(z)[rows] + row_norms(s)[rows] * delta)) * (1.0 + 2.0 * gamma(6))
        return np.where(delta == 0, self.n_z[rows], n_z)

    def like(self, z: np.ndarray, s: np.ndarray, e_z: np.ndarray, e_s: np.ndarray, n_z: np.ndarray,
             n_s: np.ndarray) -> _Tensor:  # fmt: skip
        """Other forms on these rows."""
        return _Tensor(z, s, e_z, e_s, n_z, n_s, self.run, self.at)


def _exactly_continuous(op: Activation) -> bool:
    """Whether the activation's pieces meet exactly at every kink, α_q c_q + β_q = α_{q+1} c_q + β_{q+1} in rational
    arithmetic (the graph checks it to 1e-12 only; the tie and jump arguments need f continuous)."""
    kinks, alpha, beta = (np.asarray(x, dtype=np.float64) for x in (op.kinks, op.slopes, op.intercepts))
    shape = np.broadcast_shapes(kinks.shape[1:], alpha.shape[1:], beta.shape[1:])
    for q in range(kinks.shape[0]):
        c = np.broadcast_to(kinks[q], shape).reshape(-1)
        sides = [(np.broadcast_to(alpha[p], shape).reshape(-1), np.broadcast_to(beta[p], shape).reshape(-1))
                 for p in (q, q + 1)]  # fmt: skip
        for k in range(c.shape[0]):
            at = Fraction(float(c[k]))
            left, right = (Fraction(float(a[k])) * at + Fraction(float(b[k])) for a, b in sides)
            if left != right:
                return False
    return True


def _parameters(graph: Graph) -> list[np.ndarray]:
    """Every float parameter of the graph's operations (checked to lie in the safe range)."""
    out = []
    for node in graph.nodes:
        op = node.op
        for name in ("weight", "bias_", "scale", "shift", "kinks", "slopes", "intercepts"):
            value = getattr(op, name, None)
            if isinstance(value, np.ndarray):
                out.append(value)
    return out


def _input_forms(
    origin: np.ndarray, direction: np.ndarray, mid: np.ndarray, run: np.ndarray, middle: np.ndarray
) -> _Tensor:
    """x(m) = a + m·d on the rows (``run``, ``middle``: ``_partition``), read at m = the middle segments' points, with
    two roundings per entry; the slope d is exact."""
    mid = mid[middle]
    m = mid.reshape(-1, *([1] * origin.ndim))
    z = origin + m * direction
    e_z = gamma(2) * (np.abs(origin) + np.abs(m) * np.abs(direction)) * (1.0 + 2.0 * gamma(3))
    s = np.array(np.broadcast_to(direction, z.shape))
    return _Tensor(z, s, e_z, np.zeros(z.shape), row_norms(e_z), np.zeros(z.shape[0]), run, mid)


def _terms(op: Affine, graph: Graph, i: int) -> int:
    """k: at most how many roundings make one output of ``op`` (products summed, the bias, a division)."""
    if isinstance(op, Dense):
        return op.weight.shape[1] + 1
    if isinstance(op, Conv):
        return math.prod(op.weight.shape[1:]) + 1
    if isinstance(op, AvgPool):
        return op.window.index.shape[1] + 1
    if isinstance(op, Scale):
        return 2
    if isinstance(op, Sum):
        return op.n_inputs
    if isinstance(op, (Reshape, Concat)):
        return 0
    raise ValueError(f"node {graph.nodes[i].name!r}: no proof covers {op.describe()}")


def _absolute(op: Affine) -> Affine:
    """The operation with absolute weights, |L| (a mixing one: dense, convolution); others are L's own |·|."""
    return replace(op, weight=np.abs(op.weight), bias_=None)  # type: ignore[type-var]


def _abs_linear(op: Affine, xs: list[np.ndarray]) -> np.ndarray:
    """|L| applied to nonnegative arrays."""
    if isinstance(op, (Dense, Conv)):
        return _absolute(op).linear(xs)
    return op.positive(xs)


def _aligned_in_range(op: Affine, ins: list[np.ndarray]) -> bool:
    """Whether the inputs of a sum or concatenation stay in the safe range once aligned by their powers of two (an
    aligned input that underflowed to 0 would pass for an exact zero; module docstring)."""
    powers = getattr(op, "powers", None)
    if powers is None:
        return True
    for x, power in zip(ins, powers, strict=True):
        magnitude = np.abs(x[np.isfinite(x) & (x != 0)])
        if power and magnitude.size:
            low, high = np.ldexp(float(magnitude.min()), power), np.ldexp(float(magnitude.max()), power)
            if not SAFE_MIN <= low and high <= SAFE_MAX:
                return False
    return True


def _operator_norms(graph: Graph) -> dict[int, WeightNorms]:
    """The norms of every dense node's weight (``relu1d.engine.proof.WeightNorms``), by node index."""
    return {i: WeightNorms.of(node.op.weight) for i, node in enumerate(graph.nodes) if isinstance(node.op, Dense)}


def _dense_forms(op: Dense, x: _Tensor, norms: WeightNorms) -> _Tensor:
    """Forms of y = x·Wᵀ + c (on the last axis) and their bounds from the input's error norms (module docstring,
    step 2; ``WeightNorms.entry_bounds`` per entry, ``WeightNorms.norm_bound`` for the whole output, with P input
    vectors per segment: ‖c‖ counts √P times). No product with |W|: the values and slopes are the one product."""
    rows = x.z.shape[0]
    both = op.linear([np.concatenate([x.z, x.s])])
    z, s = both[:rows], both[rows:]
    c = op.bias(z.shape[1:])
    lead = (rows, *([1] * (z.ndim - 1)))  # a per-segment number against every entry
    x_vec, s_vec = (row_norms(v.reshape(-1, v.shape[-1])).reshape(*v.shape[:-1], 1) for v in (x.z, x.s))
    e_z = norms.entry_bounds(x.n_z.reshape(lead), x_vec, c)
    e_s = norms.entry_bounds(x.n_s.reshape(lead), s_vec)
    c_norm = 0.0
    if c is not None:
        z = z + c
        c_norm = math.sqrt(math.prod(z.shape[1:-1])) * float(row_norms(c.reshape(1, -1))[0])
    n_z = norms.norm_bound(x.n_z, row_norms(x.z), c_norm)
    return x.like(z, s, e_z, e_s, n_z, norms.norm_bound(x.n_s, row_norms(x.s)))


def _affine_forms(op: Affine, ins: list[_Tensor], graph: Graph, i: int, norms: dict[int, WeightNorms]) -> _Tensor:
    """Forms of y = L(x) + c and their bounds (module docstring, step 2): a dense node by ``_dense_forms``; any other
    in one call of L for values and slopes and one of |L| for their bounds, with the error norms carried through
    (``_carried_norms``)."""
    if isinstance(op, Dense):
        return _dense_forms(op, ins[0], norms[i])
    k = _terms(op, graph, i)
    g = gamma(k)
    rows = ins[0].z.shape[0]
    both = op.linear([np.concatenate([x.z, x.s]) for x in ins])
    if k == 0:  # reshapes and concatenations move numbers only
        bounds = op.linear([np.concatenate([x.e_z, x.e_s]) for x in ins])
    else:
        operands = [np.concatenate([x.e_z + g * np.abs(x.z), x.e_s + g * np.abs(x.s)]) for x in ins]
        bounds = _abs_linear(op, operands) * (1.0 + 2.0 * gamma(k + 3))
    z, s, e_z, e_s = both[:rows], both[rows:], bounds[:rows], bounds[rows:]
    c = op.bias(graph.shapes[i])
    if c is not None:
        z = z + c
        e_z = e_z + g * np.abs(c) * (1.0 + 2.0 * gamma(k + 3))
    return ins[0].like(z, s, e_z, e_s, *_least(*_carried_norms(op, ins, k), e_z, e_s))


def _least(n_z: np.ndarray | None, n_s: np.ndarray | None, e_z: np.ndarray, e_s: np.ndarray) -> tuple:
    """The error norms of a node: the lesser of those carried (``n_z``, ``n_s``; None: none) and the norms of its
    entries' bounds (these are 0 where every entry is exact, e.g. a layer of gates all off)."""
    n_ez, n_es = row_norms(e_z), row_norms(e_s)
    return (n_ez, n_es) if n_z is None else (np.minimum(n_z, n_ez), np.minimum(n_s, n_es))


def _carried_norms(op: Affine, ins: list[_Tensor], k: int) -> tuple:
    """(n_z, n_s) of a node that is not dense: a reshape keeps its input's; a concatenation or a sum of inputs
    aligned by 2^{p_j} has Σ_j 2^{p_j}(n_j + γ_k‖x̃_j‖) (its rounding: γ_k Σ|x_j| per entry); a per-channel scaling
    max|a|(n_x + γ₂‖x̃‖) + γ₂‖c‖; any other (convolution, average pooling) none (None, None): the norms of its
    entries' bounds (``_least``). Unlike those, these do not grow by √size after a dense node, whose entries' bounds
    each hold the input's whole error norm."""
    grow = 1.0 + 2.0 * gamma(k + 3 + len(ins))
    if isinstance(op, Reshape):
        return ins[0].n_z, ins[0].n_s
    if isinstance(op, (Sum, Concat)):
        powers = op.powers or (0,) * len(ins)
        g = gamma(k) if isinstance(op, Sum) else 0.0
        n_z = sum(np.ldexp(x.n_z + g * row_norms(x.z), p) for x, p in zip(ins, powers, strict=True)) * grow
        n_s = sum(np.ldexp(x.n_s + g * row_norms(x.s), p) for x, p in zip(ins, powers, strict=True)) * grow
        return n_z, n_s
    if isinstance(op, Scale):
        a = float(np.max(np.abs(op.scale)))
        shift = op.bias(ins[0].z.shape[1:])
        c = 0.0 if shift is None else float(row_norms(np.broadcast_to(shift, ins[0].z.shape[1:])[None])[0])
        g = gamma(2)
        n_z = (a * (ins[0].n_z + g * row_norms(ins[0].z)) + g * c) * grow
        return n_z, (a * (ins[0].n_s + g * row_norms(ins[0].s))) * grow
    return None, None


@dataclass(frozen=True)
class _UnitForms:
    """A unit node on every segment. ``decision``: its decision forms (``Forms``; ``width`` columns per element), held
    per row of its input (``run``: the row of every segment), ``want``: their wanted signs on every segment (True:
    positive), ``pattern``: (segments, elements) pieces or arg-max slots,
    ``output``: its output forms. ``flips(left, right, element)``: for an element whose pattern changes at a knot,
    the decision column that changes sign on the left and on the right segment, whether the change is one step (to a
    neighbouring piece; an arg-max's always is) and whether the unit's output slope changes with it (Δ ≠ 0; an
    arg-max's does, its decision form having a proven root). ``safe``: whether the decision and output forms lie in
    the safe range (a ReLU's decision forms are its input's, checked where they were made)."""

    decision: Forms
    want: np.ndarray
    pattern: np.ndarray
    output: _Tensor
    flips: Callable[[np.ndarray, np.ndarray, np.ndarray], tuple]
    width: int
    run: np.ndarray
    safe: bool


def _unit(
    op: Activation | MaxPool, x: _Tensor, shape: tuple[int, ...], mid: np.ndarray, every: tuple[np.ndarray, np.ndarray]
) -> _UnitForms:
    """The decision and output forms of a unit node (``_UnitForms``): an activation's on its input's rows (its output
    on those rows split where its pattern changes), a max pool's on every segment (``every``: ``_partition``'s rows
    of one segment each), since its decision forms depend on the arg-max."""
    if isinstance(op, Activation):
        return _activation(op, x, shape, mid)
    return _max_pool(op, x.on(*every, mid), shape)


def _arg_max_near_root(
    unit: _UnitForms,
    knots_here: np.ndarray,
    elements: np.ndarray,
    columns: tuple[np.ndarray, np.ndarray],
    knots: np.ndarray,
    rho: np.ndarray,
    exempt: tuple[dict, dict],
) -> tuple[int, int]:
    """The knot check of an arg-max that moves from slot a to slot b at knot j (failed and checked decisions).

    Unlike a gate, another slot c may overtake a (or b) inside the bracket after (or before) the root t* of z_b − z_a
    without changing the maximum, so its column is not checked at the bracket's far end (``exempt``) but at t*:
    z_c − z_a < 0 on the left and z_c − z_b < 0 on the right, within ρ of t̃. With the stretch checks and the changing
    column's far-end check this proves max = z_a up to t* and z_b after it."""
    if knots_here.size == 0:
        return 0, 0
    w = unit.width
    failed = checked = 0
    for side in (0, 1):
        rows = knots_here + side
        value, bound = unit.decision.at(rows, knots[knots_here], reach=rho[knots_here])
        for q, (j, o) in enumerate(zip(knots_here.tolist(), elements.tolist(), strict=True)):
            cols = np.setdiff1d(np.arange(o * w, (o + 1) * w), columns[side][j])
            exempt[side][j] = np.union1d(exempt[side].get(j, cols[:0]), cols)
            want = np.where(unit.want[rows[q], cols], 1.0, -1.0)
            failed += int(np.count_nonzero(~holds(value[q, cols], bound[q, cols], want)))
            checked += cols.shape[0]
    return failed, checked


def _tie_exemptions(unit: _UnitForms, knots: np.ndarray) -> tuple[np.ndarray, tuple[dict, dict]]:
    """Structural zeros of a unit's decision forms (value, slope and bounds all 0: two identical forms, an input ≡
    its kink), and for each of ``knots`` (whose change lies in an earlier unit) the columns whose check within ρ of t̃
    an exact tie replaces, per side (left, right): knot → columns.

    A column ≡ 0 on one side of the knot, of an element whose pattern is the same on both sides (so the column is the
    same difference of the same forms), has by continuity the value 0 at t* on the other side too. There its form is
    affine from t* to its stretch, whose far end the stretch checks prove of the wanted strict sign: the sign holds on
    the whole open side, and the check near t̃ (which 0 at t* would fail) is not needed. The structural zeros are
    returned per row of the decision forms (``_UnitForms.run``)."""
    decision = unit.decision
    struct = (decision.z == 0) & (decision.s == 0) & (decision.e_z == 0) & (decision.e_s == 0)
    exempt: tuple[dict, dict] = ({}, {})
    if not struct.any():
        return struct, exempt
    same = np.repeat(unit.pattern[knots] == unit.pattern[knots + 1], unit.width, axis=1)
    for side, (tied, other) in enumerate(((knots + 1, knots), (knots, knots + 1))):
        only = struct[unit.run[tied]] & ~struct[unit.run[other]] & same
        for q in np.nonzero(only.any(axis=1))[0]:
            exempt[side][int(knots[q])] = np.nonzero(only[q])[0]
    return struct, exempt


def _forced_by_tie(
    unit: _UnitForms,
    struct: np.ndarray,
    knot: int,
    elements: np.ndarray,
    exempt: tuple[dict, dict],
    tie_side: np.ndarray,
) -> bool:
    """Whether the changes of ``elements`` of a unit at ``knot``, whose first change lies in an earlier unit, are
    forced by an exact tie, and if so exempt their columns on the other side (``_tie_exemptions``).

    A change is forced when its changing decision column is a structural zero on one side, the left say (the same
    side for every forced change at the knot): the two forms that column compares (z_b and z_a of an arg-max, or z and
    its kink) are equal up to t*. Every decision form of the element on the right then has at t* the value of one on
    the left, which the left's checks near t̃ prove of the right sign (0 for the tied one), and the stretch check at
    its far end does the rest, as in ``_tie_exemptions``. The knot's jump is read under the right side's downstream
    pattern, where the tied forms have separated (``tie_side``)."""
    sides = set()
    for e in elements:
        left, right = unit.pattern[knot, e], unit.pattern[knot + 1, e]
        col_left, col_right, step, _ = (int(np.asarray(v).reshape(-1)[0]) for v in unit.flips(
            np.array([left]), np.array([right]), np.array([e])))  # fmt: skip
        if not step:
            return False
        if struct[unit.run[knot], col_left]:
            sides.add(1)
        elif struct[unit.run[knot + 1], col_right]:
            sides.add(0)
        else:
            return False
    if len(sides) != 1:
        return False
    side = sides.pop()
    if tie_side[knot] not in (-1, side):
        return False
    tie_side[knot] = side
    columns = (elements[:, None] * unit.width + np.arange(unit.width)[None, :]).reshape(-1)
    exempt[side][knot] = np.union1d(exempt[side].get(knot, columns[:0]), columns)
    return True


def _activation(op: Activation, x: _Tensor, shape: tuple[int, ...], mid: np.ndarray) -> _UnitForms:
    """Decision forms z − c_q (column element·r + q) on the input's rows, wanted positive on the pieces above kink q;
    the pieces on every segment, read from its row's forms at its point (``kernels.proof.pieces``); the output on the
    input's rows split where the pieces change."""
    z, s, e_z, e_s = x.flat()
    rows, m = z.shape
    kinks, alpha, beta = op.params(shape)  # (r, m), (r + 1, m), (r + 1, m)
    r = kinks.shape[0]
    segments = x.run.shape[0]
    pattern = np.empty((segments, m), dtype=np.int64)
    proof_kernels.pieces(z, s, x.at, x.run, mid, np.ascontiguousarray(kinks, dtype=np.float64), pattern)
    relu = op is Activation.relu()
    if relu:
        decision = Forms(z, s, e_z, e_s, x.at)
        want = pattern > 0
    else:
        value = z[:, :, None] - kinks.T[None]
        exact_kink = kinks.T[None] == 0
        e_value = (e_z[:, :, None] + np.where(exact_kink, 0.0, UNIT_ROUNDOFF * np.abs(value))) * (1.0 + 2.0 * gamma(2))
        decision = Forms(value.reshape(rows, m * r), np.repeat(s, r, axis=1), e_value.reshape(rows, m * r),
                         np.repeat(e_s, r, axis=1), x.at)  # fmt: skip
        want = (pattern[:, :, None] > np.arange(r)[None, None, :]).reshape(segments, m * r)
    run, middle = _partition(x.boundaries() | np.any(pattern[1:] != pattern[:-1], axis=1))
    piece = pattern[middle]  # each output row's pieces
    if relu:
        output, safe = _relu_output(x, run, middle, mid, piece > 0, shape)
    else:
        out = x.on(run, middle, mid)
        z, s, e_z, e_s = out.flat()
        a, b = alpha[piece, np.arange(m)], beta[piece, np.arange(m)]
        inexact = ~(np.isin(np.abs(a), (0.0, 1.0)) & (b == 0))
        y, sy = a * z + b, a * s
        round_y = np.where(inexact, gamma(2) * (np.abs(a * z) + np.abs(b)), 0.0)
        e_y = (np.abs(a) * e_z + round_y) * (1.0 + 2.0 * gamma(4))
        e_sy = (np.abs(a) * e_s + np.where(inexact, UNIT_ROUNDOFF * np.abs(sy), 0.0)) * (1.0 + 2.0 * gamma(3))
        # |a∘err + rounding| entrywise: the norms grow by max|α| plus the roundings' norm
        top = float(np.max(np.abs(alpha)))
        n_y = (top * out.n_z + row_norms(round_y)) * (1.0 + 2.0 * gamma(4))
        n_sy = (top * out.n_s + row_norms(np.where(inexact, UNIT_ROUNDOFF * np.abs(sy), 0.0))) * (1.0 + 2.0 * gamma(3))
        output = out.like(*(v.reshape(-1, *shape) for v in (y, sy, e_y, e_sy)), *_least(n_y, n_sy, e_y, e_sy))
        safe = decision.in_safe_range() and output.in_safe_range()

    def flips(left: np.ndarray, right: np.ndarray, element: np.ndarray) -> tuple:
        column = element * r + np.minimum(left, right)
        return column, column, np.abs(left - right) == 1, alpha[left, element] != alpha[right, element]

    return _UnitForms(decision, want, pattern, output, flips, r, x.run, safe)


def _relu_output(
    x: _Tensor, run: np.ndarray, middle: np.ndarray, mid: np.ndarray, on: np.ndarray, shape: tuple[int, ...]
) -> tuple[_Tensor, bool]:
    """A ReLU's output on the rows (``run``, ``middle``), its gates ``on`` per row: ``x.on`` and the gates applied in
    one pass (``kernels.proof.relu_at``); the norms are the lesser of those carried (``_Tensor.on``) and the norms of
    the entries' bounds. Also whether its values and bounds lie in the safe range."""
    z, s, e_z, e_s = x.flat()
    rows, old = middle.shape[0], x.run[middle]
    out = [np.empty((rows, z.shape[1])) for _ in range(4)]
    squares = np.empty((rows, 2))
    fine = proof_kernels.relu_at(z, s, e_z, e_s, x.at, old, mid[middle], on, UNIT_ROUNDOFF, gamma(3), gamma(6),
                                 SAFE_MIN, SAFE_MAX, *out, squares)  # fmt: skip
    n_z = x.value_norms(old, mid[middle])
    grow = 1.0 + gamma(z.shape[1] + 4)
    n_z, n_s = np.minimum(n_z, np.sqrt(squares[:, 0]) * grow), np.minimum(x.n_s[old], np.sqrt(squares[:, 1]) * grow)
    output = _Tensor(*(v.reshape(rows, *shape) for v in out), n_z, n_s, run, mid[middle])
    return output, bool(fine) and in_safe_range(n_z, n_s)


def _max_pool(op: MaxPool, x: _Tensor, shape: tuple[int, ...]) -> _UnitForms:
    """Decision forms z_j − z_a for every slot j of every window (column output·w + j), wanted negative; the arg-max
    a's own column and padding slots hold trivially (−1, exact)."""
    z, s, e_z, e_s = x.flat()
    rows = z.shape[0]
    index = op.window.index  # (outputs, w), −1: padding
    outputs, w = index.shape
    valid = index >= 0
    slot_of = np.maximum(index, 0)
    gathered = [v[:, slot_of] for v in (z, s, e_z, e_s)]  # (rows, outputs, w)
    top = np.argmax(np.where(valid[None], gathered[0], -np.inf), axis=2)  # the lowest slot among equal maxima
    pick = [np.take_along_axis(v, top[:, :, None], axis=2) for v in gathered]  # (rows, outputs, 1)
    d = gathered[0] - pick[0]
    ds = gathered[1] - pick[1]
    e_d = (gathered[2] + pick[2] + UNIT_ROUNDOFF * np.abs(d)) * (1.0 + 2.0 * gamma(3))
    e_ds = (gathered[3] + pick[3] + UNIT_ROUNDOFF * np.abs(ds)) * (1.0 + 2.0 * gamma(3))
    trivial = ~valid[None] | (np.arange(w)[None, None, :] == top[:, :, None])
    d, ds, e_d, e_ds = (np.where(trivial, fill, v) for v, fill in ((d, -1.0), (ds, 0.0), (e_d, 0.0), (e_ds, 0.0)))
    decision = Forms(*(v.reshape(rows, outputs * w) for v in (d, ds, e_d, e_ds)), x.at)
    want = np.zeros((rows, outputs * w), dtype=bool)
    # the output's errors are some of the input's, each at most ``repeats`` times (windows that overlap)
    repeats = math.sqrt(float(np.max(np.bincount(index[valid]))))
    grow = 1.0 + gamma(4)  # the square root's and the product's roundings
    output = x.like(*(v[:, :, 0].reshape(rows, *shape) for v in pick),
                    *_least(x.n_z * repeats * grow, x.n_s * repeats * grow, pick[2], pick[3]))  # fmt: skip

    def flips(left: np.ndarray, right: np.ndarray, element: np.ndarray) -> tuple:
        # left of the knot slot ``right`` overtakes ``left``: its decision z_right − z_left turns positive
        return element * w + right, element * w + left, np.ones(left.shape, dtype=bool), np.ones(left.shape, dtype=bool)

    safe = decision.in_safe_range() and output.in_safe_range()
    return _UnitForms(decision, want, top, output, flips, w, x.run, safe)


def _jump_checks(
    graph: Graph,
    output: _Tensor,
    patterns: dict[int, np.ndarray],
    flip_unit: np.ndarray,
    flip_element: np.ndarray,
    jump_of_piece: np.ndarray,
    simple: np.ndarray,
    tie_side: np.ndarray,
) -> tuple[int, np.ndarray, bool]:
    """Open jump decisions and the proven breakpoint flags (module docstring, step 4). The downstream pattern of
    knot j is segment j's, or segment j + 1's where a change forced by a tie on the left is read there
    (``tie_side``). Also whether the one-hot pass stayed in the safe range."""
    n_knots = flip_unit.shape[0]
    is_breakpoint = np.zeros(n_knots, dtype=bool)
    if n_knots == 0:
        return 0, is_breakpoint, True
    _, s, _, e_s = output.flat()
    diff = s[1:] - s[:-1]
    bound = (e_s[1:] + e_s[:-1]) * (1.0 + 8.0 * UNIT_ROUNDOFF)
    is_breakpoint = simple & np.any(np.abs(diff) > bound, axis=1)
    again = np.nonzero(simple & ~is_breakpoint)[0]
    failed = np.zeros(n_knots, dtype=bool)
    safe = True
    if again.size:
        # The jump is Δ·g. Δ ≠ 0 wherever the changing piece's slope differs: the knot check proved the decision
        # form's sign change, so its slope (the input's, or s_b − s_a of an arg-max) is nonzero.
        rows = again + np.maximum(tie_side[again], 0)
        g, e_g, safe = _one_hot_pass(graph, patterns, flip_unit[again], flip_element[again], rows)
        no_path = np.all((g == 0) & (e_g == 0), axis=1)
        path = np.any(np.abs(g) > e_g, axis=1)
        changes = jump_of_piece[again]
        is_breakpoint[again] = path & changes
        failed[again] = ~(path & changes) & ~(no_path | ~changes)
    return int(np.count_nonzero(failed)), is_breakpoint, safe


def _one_hot_pass(
    graph: Graph, patterns: dict[int, np.ndarray], units: np.ndarray, elements: np.ndarray, segments: np.ndarray
) -> tuple[np.ndarray, np.ndarray, bool]:
    """g = ∂(output)/∂(element ``elements[q]`` of unit ``units[q]``) under the pattern of segment ``segments[q]``,
    with a bound e_g: a forward pass of one-hot rows. Each node holds only the rows that can be nonzero there (injected
    at or before it, and not yet exactly 0: a max pool that selects another slot, a gate that is off). Also whether
    every nonzero g and bound stayed in the safe range."""
    rows = segments.shape[0]
    safe = True
    vals: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}  # node → (g, e, rows held), rows ascending
    remaining = [len(c) for c in graph.consumers()]
    last = len(graph.nodes) - 1
    for i, node in enumerate(graph.nodes):
        shape, op = graph.shapes[i], node.op
        if i == 0:
            vals[0] = (np.zeros((0, *shape)), np.zeros((0, *shape)), np.zeros(0, dtype=np.int64))
            continue
        ins = [vals[j] for j in node.inputs]
        for j in node.inputs:
            remaining[j] -= 1
            if remaining[j] == 0 and j != last:
                del vals[j]
        held = functools.reduce(np.union1d, [r for _, _, r in ins])
        if isinstance(op, (Activation, MaxPool)):
            held = np.union1d(held, np.nonzero(units == graph.units.index(i))[0])
        ins = [_held_as(x, held) for x in ins]
        if held.size == 0:
            vals[i] = (np.zeros((0, *shape)), np.zeros((0, *shape)), held)
            continue
        if isinstance(op, Affine):
            k = _terms(op, graph, i)
            safe &= _aligned_in_range(op, [x for x, _ in ins]) and _aligned_in_range(op, [e for _, e in ins])
            g = op.linear([x for x, _ in ins])
            if k == 0:
                e = op.linear([e for _, e in ins])
            else:
                e = _abs_linear(op, [e + gamma(k) * np.abs(x) for x, e in ins]) * (1.0 + 2.0 * gamma(k + 3))
        else:
            size = math.prod(shape)
            x, e_x = (v.reshape(held.size, -1) for v in ins[0])
            pattern = patterns[i][segments[held]]
            if isinstance(op, Activation):
                a = op.params(shape)[1][pattern, np.arange(size)]
                g = a * x
                exact = np.isin(np.abs(a), (0.0, 1.0))
                e = (np.abs(a) * e_x + np.where(exact, 0.0, UNIT_ROUNDOFF * np.abs(g))) * (1.0 + 2.0 * gamma(3))
            else:
                slot = op.window.index[np.arange(size)[None, :], pattern]  # the arg-max's input entry
                g, e = np.take_along_axis(x, slot, axis=1), np.take_along_axis(e_x, slot, axis=1)
            here = np.nonzero(units[held] == graph.units.index(i))[0]
            g[here], e[here] = 0.0, 0.0
            g[here, elements[held[here]]] = 1.0
            alive = np.any(g != 0, axis=1) | np.any(e != 0, axis=1)
            g, e, held = g[alive].reshape(-1, *shape), e[alive].reshape(-1, *shape), held[alive]
        # an underflow to 0 would fake "no path", a subnormal rounding a nonzero g (module docstring)
        safe &= all(proof_kernels.magnitude_range(x.reshape(1, -1), SAFE_MIN, SAFE_MAX) for x in (g, e))
        vals[i] = (g, e, held)
    g, e = _held_as(vals[last], np.arange(rows))
    return g.reshape(rows, -1), e.reshape(rows, -1), bool(safe)


def _held_as(value: tuple[np.ndarray, np.ndarray, np.ndarray], rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A node's (g, e) on ``rows`` (ascending, a superset of the rows it holds; the others are 0)."""
    g, e, held = value
    if held.shape == rows.shape:
        return g, e
    out_g, out_e = np.zeros((rows.size, *g.shape[1:])), np.zeros((rows.size, *g.shape[1:]))
    at = np.searchsorted(rows, held)
    out_g[at], out_e[at] = g, e
    return out_g, out_e


def _candidate(result: RegionCount) -> tuple[np.ndarray, list[tuple[int, int, int]]]:
    """What the proof must establish of ``result``: its breakpoint flags and every change it lists, as sorted
    (knot, unit, element) triples (unit: an index into ``graph.units``)."""
    changes = [
        (int(k), unit, int(e))
        for unit, (idx, elem) in enumerate(zip(result.knot_index, result.knot_neurons, strict=True))
        for k, e in zip(idx.tolist(), elem.tolist(), strict=True)
    ]
    return np.asarray(result.is_breakpoint, dtype=bool), sorted(changes)


__all__ = ["BracketPoints", "certify_graph_count", "graph_certificate"]
