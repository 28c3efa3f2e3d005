"""The engine's two entries: a 1-D ``Network`` over ℝ, and any graph along a line (docs/mathematics.md §2, §7).

Both rescale the model exactly by powers of two (``relu1d.engine.scaling``), run the one propagation
(``relu1d.engine.propagation.line.propagate``) and, when a decision was taken inside or near its tolerance band and
settling it is affordable (``relu1d.engine.fallback``), settle the count exactly: a network by the a-posteriori proof
or the rational count (``relu1d.engine.proof``, ``relu1d.engine.oracles.exact``), a graph by the rational region walk
(``relu1d.engine.oracles.walk``). Users call ``relu1d.count_regions``.

Definitions (docs/mathematics.md §2): **activation regions** = #distinct knots + 1; **linear regions** =
#breakpoints + 1, over all of ℝ or over an open window (a, b) (``RegionCount.restrict``).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from relu1d.engine.decisions import DEFAULT_RTOL, checked_line, checked_rtol, checked_window
from relu1d.engine.fallback import affordable
from relu1d.engine.graph import Graph, graph_from_network
from relu1d.engine.network import Network
from relu1d.engine.oracles.exact import count_regions_exact
from relu1d.engine.oracles.walk import walk_regions
from relu1d.engine.proof import certify_count
from relu1d.engine.propagation.line import propagate
from relu1d.engine.result import FloatRangeError, RegionCount, finite_knots
from relu1d.engine.scaling import float_or_inf, normalised_graph, normalised_network


def count_network(
    net: Network,
    *,
    rtol: float = DEFAULT_RTOL,
    xp: Any = None,
    window: tuple[float, float] | None = None,
    exact_fallback: bool = True,
) -> RegionCount:
    """Count the linear and activation regions of a 1-D-input network exactly over ℝ.

    ``xp``: array module to compute with (numpy by default; cupy for the GPU; ``array_api_strict`` in tests).
    ``window``: if given, the result is restricted to the open interval (a, b) (see ``RegionCount.restrict``).
    ``exact_fallback``: when some float decision fell inside its tolerance band or near it (a degenerate or
    near-degenerate network) and settling it is affordable, settle the count: by the a-posteriori proof of the float
    answer when it succeeds (``method == "proven"``; milliseconds at that size), else by a rational recount
    (``method == "rational"``; ~0.1–1 s).

    The count runs on ``relu1d.engine.scaling.normalised_network(net)``, the same network with every layer
    rescaled exactly by a power of two (bit-identical knots, values 2^−E times f's), so weights of any magnitude
    float64 holds count as well as unit ones. A count that still leaves float64's range is recounted in rational
    arithmetic when small enough, else raises ``FloatRangeError`` (a ``ValueError``).
    """
    if not isinstance(net, Network):
        raise TypeError(f"count_network: expected a relu1d.Network, got {type(net).__name__}")
    if net.n_in != 1:
        raise ValueError(
            f"count_network: the network has {net.n_in} inputs; restrict it to a line first (relu1d.engine.lines)"
        )
    rtol, window = checked_rtol(rtol), checked_window(window)
    scaled, exponent = normalised_network(net)
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # a value beyond range raises FloatRangeError below
            result = propagate(graph_from_network(scaled), np.zeros(1), np.ones(1), rtol, xp=xp)
        result = replace(result, layer_names=())  # a network's layers are numbered, as in its rational count
    except FloatRangeError:
        if not exact_fallback or not affordable(net, net.n_neurons):
            raise
        result = _from_exact(scaled)
    if exact_fallback and not result.certified and affordable(scaled, result.knots.shape[0]):
        result = _proven_or_exact(scaled, result)
    result = result.in_units_of_f(exponent)
    return result if window is None else result.restrict(*window)


def count_graph(
    graph: Graph,
    origin: np.ndarray,
    direction: np.ndarray,
    *,
    rtol: float = DEFAULT_RTOL,
    window: tuple[float, float] | None = None,
    exact_fallback: bool = True,
    classes: bool = False,
) -> RegionCount:
    """Regions of ``graph`` along origin + t·direction over all t ∈ ℝ (or on the open ``window`` of t).

    Knots are listed per unit node (activation or max pooling) in graph order; ``RegionCount.widths`` are those nodes'
    sizes and ``layer_names`` their names. ``classes``: also find where the arg-max of the output changes
    (``RegionCount.class_changes``). A count with a tolerance-resolved decision is recounted by the rational region
    walk when that is affordable (``relu1d.engine.fallback``).
    """
    origin, direction = checked_line(origin, direction, graph.input_shape)
    rtol, window = checked_rtol(rtol), checked_window(window)
    scaled, exponent = normalised_graph(graph)
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # a value beyond range raises FloatRangeError below
            result = propagate(scaled, origin, direction, rtol, classes=classes, window=window)
    except FloatRangeError:
        if not exact_fallback or not affordable(graph, sum(graph.unit_sizes)):
            raise
        result = walk_regions(scaled, origin, direction, exact=True, classes=classes, window=window)
    if exact_fallback and not result.certified and affordable(graph, result.knots.shape[0]):
        exact = walk_regions(scaled, origin, direction, exact=True, classes=classes, window=window)
        result = replace(exact, near_decisions=result.near_decisions, weak_decisions=result.weak_decisions)
    result = result.in_units_of_f(exponent)
    return result if window is None else result.restrict(*window)


def _proven_or_exact(net: Network, result: RegionCount) -> RegionCount:
    """``result`` marked proven when ``relu1d.engine.proof.certify_count`` proves its knots, per-layer gate changes
    and breakpoints (docs/mathematics.md §2.3), else the rational recount (with the float decision counts)."""
    if certify_count(net, result).certified:
        return replace(result, method="proven")
    return replace(_from_exact(net), near_decisions=result.near_decisions, weak_decisions=result.weak_decisions)


def _from_exact(net: Network) -> RegionCount:
    """A ``RegionCount`` built from the rational engine (positions rounded to float64 at the very end)."""
    ex = count_regions_exact(net)
    index = {t: k for k, t in enumerate(ex.knots)}
    bps = set(ex.breakpoints)
    knots = finite_knots([float_or_inf(t) for t in ex.knots])
    return RegionCount(
        widths=net.widths,
        knots=knots,
        is_breakpoint=np.array([t in bps for t in ex.knots], dtype=bool),
        values=np.array([float_or_inf(v) for v in ex.values], dtype=np.float64),
        slopes=np.array([float_or_inf(v) for v in ex.slopes], dtype=np.float64),
        knot_index=tuple(np.array([index[t] for t in p], dtype=np.int64) for p in ex.knot_positions),
        knot_neurons=tuple(np.array(n, dtype=np.int64) for n in ex.knot_neurons),
        f_at_zero=float(net(0.0)[0]),
        method="rational",
    )


__all__ = ["count_graph", "count_network"]
