"""The region walk along a line: one forward pass per activation region, exact in rational arithmetic.

An independent method for the graphs of ``relu1d.engine.graph`` (and the peer the batched engine is timed against):
under a fixed pattern (every activation's piece, every max pool's arg-max) each tensor is an affine form v + s·t of
the line parameter t. Starting at t → −∞ (or at a window's left end), the walk finds the nearest t where some unit's
form reaches a kink (or another line overtakes a max), moves there, and re-reads the pattern just right of it with a
forward pass that decides every unit lexicographically on (value, slope) (at −∞: (−slope, value)); a unit whose input
is constant at a kink takes the lower piece, and among equal maxima the lowest input index wins, as in the float
engine (docs/mathematics.md §7). Knots are the points where the pattern changes; breakpoints those where f′ changes.

``exact=True`` runs on ``fractions.Fraction`` (weights are float64, so dyadic rationals: the answer is the exact one
of the stored model); ``exact=False`` on float64, the textbook region walk, which reads each pattern a relative
``FLOAT_STEP`` past the event and so merges knots closer than that.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np

from relu1d.engine.graph import Activation, Affine, Graph, MaxPool, exact_array, param_like
from relu1d.engine.result import RegionCount, finite_knots
from relu1d.engine.scaling import float_or_inf


def walk_regions(
    graph: Graph,
    origin: np.ndarray,
    direction: np.ndarray,
    *,
    exact: bool = True,
    window: tuple[float, float] | None = None,
    classes: bool = False,
) -> RegionCount:
    """Regions of ``graph`` along origin + t·direction by walking from region to region (see the module docstring).

    ``window``: walk only the open interval (a, b) of t (the walk starts at a). ``classes``: also report where the
    output's arg-max changes.
    """
    num = (
        (lambda x: exact_array(np.asarray(x, dtype=np.float64)))
        if exact
        else (lambda x: np.asarray(x, dtype=np.float64))
    )
    a, d = num(origin), num(direction)
    start = None if window is None else (Fraction(float(window[0])) if exact else float(window[0]))
    stop = None if window is None else (Fraction(float(window[1])) if exact else float(window[1]))

    forms, pattern = _forward(graph, a, d, start, classes)
    slopes = [forms[-1][1].reshape(-1)]
    knots: list[Any] = []
    values: list[np.ndarray] = []
    is_bp: list[bool] = []
    per_unit: list[list[tuple[int, np.ndarray]]] = [[] for _ in graph.units]
    changes: list[Any] = []
    t0 = start
    while True:
        tn = _next_event(graph, forms, pattern, None if t0 is None else t0 + _step(t0, exact), classes)
        if tn is None or (stop is not None and tn >= stop):
            break
        # exact: the pattern just right of tn; float: at tn + a relative 1e-9 (rounding cannot decide "just right")
        new_forms, new_pattern = _forward(graph, a, d, tn + _step(tn, exact), classes)
        moved = [
            np.nonzero(np.asarray(p != q, dtype=bool).reshape(-1))[0] for p, q in zip(pattern, new_pattern, strict=True)
        ]
        n_units = len(graph.units)
        if any(m.shape[0] for m in moved[:n_units]):
            for u, m in enumerate(moved[:n_units]):
                if m.shape[0]:
                    per_unit[u].append((len(knots), m))
            v, s = new_forms[-1]
            new_s = s.reshape(-1)
            knots.append(tn)
            values.append((v + s * tn).reshape(-1))
            is_bp.append(bool(np.any(np.asarray(new_s != slopes[-1], dtype=bool))))
            slopes.append(new_s)
        if classes and moved[-1].shape[0]:
            changes.append(tn)
        forms, pattern, t0 = new_forms, new_pattern, tn

    scalar = math.prod(graph.output_shape) == 1
    to_float = np.vectorize(float_or_inf, otypes=[np.float64])
    vals = to_float(np.array(values, dtype=object)).reshape(len(knots), -1) if knots else np.zeros((0, len(slopes[0])))
    slps = to_float(np.array(slopes, dtype=object)).reshape(len(slopes), -1)
    with np.errstate(over="ignore", invalid="ignore"):  # f beyond float64's range: ±inf (or nan), the count exact
        f0 = graph.evaluate(np.asarray(origin, dtype=np.float64)[None])[0].reshape(-1)
    knot_index = tuple(np.array([k for k, m in lst for _ in range(m.shape[0])], dtype=np.int64) for lst in per_unit)
    knot_units = tuple(
        np.concatenate([m for _, m in lst]).astype(np.int64) if lst else np.zeros(0, np.int64) for lst in per_unit
    )
    result = RegionCount(
        widths=graph.unit_sizes,
        knots=finite_knots([float_or_inf(k) for k in knots]),
        is_breakpoint=np.array(is_bp, dtype=bool),
        values=vals[:, 0] if scalar else vals,
        slopes=slps[:, 0] if scalar else slps,
        knot_index=knot_index,
        knot_neurons=knot_units,
        f_at_zero=float(f0[0]) if scalar else f0,
        method="rational" if exact else "walk",
        layer_names=tuple(graph.nodes[i].name for i in graph.units),
        class_changes=np.array([float(c) for c in changes], dtype=np.float64) if classes and not scalar else None,
    )
    return result if window is None else result.restrict(float(window[0]), float(window[1]))


#: The float walk's step past an event, relative to max(1, |t|): knots closer than this are merged (as any float
#: region walk must), and the pattern is read there rather than "just right" of the event.
FLOAT_STEP = 1e-9


def _step(t: Any, exact: bool) -> Any:
    return 0 if exact else FLOAT_STEP * max(1.0, abs(float(t)))


def _sign(x: np.ndarray) -> np.ndarray:
    return np.asarray(x > 0, dtype=np.int8) - np.asarray(x < 0, dtype=np.int8)


def _forward(graph: Graph, a: np.ndarray, d: np.ndarray, at: Any, classes: bool) -> tuple:
    """Affine forms (v, s) of every node under the pattern just right of ``at`` (None: t → −∞), and that pattern
    (one array per unit node; with ``classes`` a last entry, the output's arg-max)."""
    forms: list[tuple[np.ndarray, np.ndarray]] = [(a[None], d[None])]
    pattern: list[np.ndarray] = []
    for i, node in enumerate(graph.nodes[1:], start=1):
        op, shape = node.op, graph.shapes[i]
        ins = [forms[j] for j in node.inputs]
        if isinstance(op, Affine):
            y = op.linear([np.concatenate([v, s]) for v, s in ins])
            v, s = y[:1], y[1:]
            c = op.bias(shape)
            if c is not None:
                v = v + param_like(np.broadcast_to(c, shape), v)
            forms.append((v, s))
        elif isinstance(op, Activation):
            v, s = ins[0]
            c, alpha, beta = (param_like(p, v) for p in op.params(shape))
            v, s = v.reshape(1, -1), s.reshape(1, -1)
            piece = np.zeros(v.shape, dtype=np.int64)
            for q in range(c.shape[0]):
                piece += _above(v - c[q], s, at)
            ap, bp = np.take_along_axis(alpha, piece, axis=0), np.take_along_axis(beta, piece, axis=0)
            forms.append(((ap * v + bp).reshape(1, *shape), (ap * s).reshape(1, *shape)))
            pattern.append(piece)
        elif isinstance(op, MaxPool):
            v, s = ins[0]
            idx = op.window.index
            cand = np.where(idx >= 0, idx, 0)
            best = _lex_max(v.reshape(-1)[cand], s.reshape(-1)[cand], idx >= 0, at)
            chosen = cand[np.arange(cand.shape[0]), best]
            forms.append(
                (v.reshape(1, -1)[:, chosen].reshape(1, *shape), s.reshape(1, -1)[:, chosen].reshape(1, *shape))
            )
            pattern.append(chosen)
        else:
            raise ValueError(f"node {node.name!r}: the walk cannot handle {op.describe()}")
    if classes:
        v, s = forms[-1]
        full = np.ones((1, v.size), dtype=bool)
        pattern.append(_lex_max(v.reshape(1, -1), s.reshape(1, -1), full, at))
    return forms, pattern


def _above(u: np.ndarray, s: np.ndarray, at: Any) -> np.ndarray:
    """Whether u + s·t > 0 just right of t = ``at`` (at None: as t → −∞)."""
    if at is None:
        return np.where(s != 0, _sign(s) < 0, _sign(u) > 0)
    val = u + s * at
    return np.where(val != 0, _sign(val) > 0, _sign(s) > 0)


def _lex_max(v: np.ndarray, s: np.ndarray, valid: np.ndarray, at: Any) -> np.ndarray:
    """Per row, the slot of the largest line just right of ``at`` (at −∞ when None): largest (value, slope), or
    (−slope, value) at −∞; the lowest slot among equals."""
    rows, w = v.shape
    first = -s if at is None else v + s * at
    second = v if at is None else s
    best = np.zeros(rows, dtype=np.int64)
    for o in range(rows):
        slots = [j for j in range(w) if valid[o, j]]
        top = slots[0]
        for j in slots[1:]:
            if first[o, j] > first[o, top] or (first[o, j] == first[o, top] and second[o, j] > second[o, top]):
                top = j
        best[o] = top
    return best


def _next_event(graph: Graph, forms: list, pattern: list, t0: Any, classes: bool) -> Any:
    """The nearest t > t0 (t0 None: any t) at which, under the current forms, some unit's input reaches a kink or a
    line overtakes a maximum; None when there is none."""
    best = None

    def consider(tau: np.ndarray, ok: np.ndarray) -> None:
        nonlocal best
        cands = tau[ok]
        if t0 is not None:
            cands = cands[np.asarray(cands > t0, dtype=bool)]
        if cands.size:
            m = cands.min()
            if best is None or m < best:
                best = m

    for i, node in enumerate(graph.nodes):
        op, shape = node.op, graph.shapes[i]
        if isinstance(op, Activation):
            v, s = forms[node.inputs[0]]
            c = param_like(op.params(shape)[0], v)
            v, s = v.reshape(1, -1), s.reshape(1, -1)
            nz = np.asarray(s != 0, dtype=bool)
            safe = np.where(nz, s, 1)
            for q in range(c.shape[0]):
                consider((c[q] - v) / safe, nz)
        elif isinstance(op, MaxPool):
            v, s = forms[node.inputs[0]]
            idx = op.window.index
            cand = np.where(idx >= 0, idx, 0)
            _overtakes(v.reshape(-1)[cand], s.reshape(-1)[cand], idx >= 0, forms[i], consider)
    if classes:
        v, s = forms[-1]
        _overtakes(v.reshape(1, -1), s.reshape(1, -1), np.ones((1, v.size), dtype=bool), forms[-1], consider)
    return best


def _overtakes(v: np.ndarray, s: np.ndarray, valid: np.ndarray, out_form: tuple, consider: Any) -> None:
    """Where a window's line with a larger slope meets the current maximum (the output's form)."""
    mv, ms = out_form[0].reshape(-1)[:, None], out_form[1].reshape(-1)[:, None]
    rate = s - ms
    ok = valid & np.asarray(rate > 0, dtype=bool)
    consider((mv - v) / np.where(ok, rate, 1), ok)
