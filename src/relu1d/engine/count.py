"""The engine's two entries: a 1-D ``Network`` over ℝ, and any graph along a line (docs/mathematics.md §2, §7).

Both rescale the model exactly by powers of two (``relu1d.engine.scaling``), run the one propagation
(``relu1d.engine.propagation.line.propagate``) and prove the count a posteriori when asked (``prove``;
``relu1d.engine.proof`` for a network, ``relu1d.engine.graph_proof`` for a graph). A count the proof leaves open, or
one with a decision inside or near its tolerance band, is recounted in rational arithmetic when that is affordable
(``relu1d.engine.fallback``: ``relu1d.engine.oracles.exact``, the region walk of ``relu1d.engine.oracles.walk``; a
network's such count is first given to its proof). Users call ``relu1d.count_regions``.

Definitions (docs/mathematics.md §2): **activation regions** = #distinct knots + 1; **linear regions** =
#breakpoints + 1, over all of ℝ or over an open window (a, b) (``RegionCount.restrict``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from relu1d.engine.decisions import DEFAULT_RTOL, checked_line, checked_rtol, checked_window
from relu1d.engine.fallback import affordable, checked_prove, settling_work, wants_proof
from relu1d.engine.graph import Graph, graph_from_network
from relu1d.engine.graph_proof import certify_graph_count, graph_certificate
from relu1d.engine.network import Network
from relu1d.engine.oracles.exact import count_regions_exact
from relu1d.engine.oracles.walk import walk_regions
from relu1d.engine.proof import Certificate, certify_count, refine_open_segments
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
    prove: bool | str = False,
) -> RegionCount:
    """Count the linear and activation regions of a 1-D-input network exactly over ℝ.

    ``xp``: array module to compute with (numpy by default; cupy for the GPU; ``array_api_strict`` in tests).
    ``window``: if given, the result is restricted to the open interval (a, b) (see ``RegionCount.restrict``).
    ``prove``: True runs the a-posteriori proof of the count (``relu1d.engine.proof``; ``method == "proven"`` when it
    succeeds), "auto" when it is expected within ``relu1d.engine.fallback.PROVE_SECONDS``, False not by itself.
    ``exact_fallback``: when some float decision fell inside its tolerance band or near it (a degenerate or
    near-degenerate network), settle the count: by the proof when it succeeds, else by a rational recount
    (``method == "rational"``) when that is affordable (``relu1d.engine.fallback``). ``open_decisions`` says what a
    proof that ran left open.

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
    rtol, window, prove = checked_rtol(rtol), checked_window(window), checked_prove(prove)
    scaled, exponent = normalised_network(net)
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # a value beyond range raises FloatRangeError below
            result = propagate(graph_from_network(scaled), np.zeros(1), np.ones(1), rtol, xp=xp)
        result = replace(result, layer_names=())  # a network's layers are numbered, as in its rational count
    except FloatRangeError:
        if not exact_fallback or not affordable(net, net.n_neurons):
            raise
        result = _from_exact(scaled)
    knots = result.knots.shape[0]
    if result.method == "float64" and (
        wants_proof(prove, scaled, knots) or (exact_fallback and not result.certified and affordable(scaled, knots))
    ):
        recount = (lambda: _from_exact(scaled)) if exact_fallback and affordable(scaled, knots) else None
        result = _settled(result, _network_certificate(scaled, result), recount)
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
    prove: bool | str = False,
) -> RegionCount:
    """Regions of ``graph`` along origin + t·direction over all t ∈ ℝ (or on the open ``window`` of t).

    Knots are listed per unit node (activation or max pooling) in graph order; ``RegionCount.widths`` are those nodes'
    sizes and ``layer_names`` their names. ``classes``: also find where the arg-max of the output changes
    (``RegionCount.class_changes``; not part of the proof). ``prove`` as for ``count_network``: the proof is
    ``relu1d.engine.graph_proof``, and the decisions it leaves open are settled by the rational region walk
    (``relu1d.engine.oracles.walk``) when ``exact_fallback`` and that is affordable. Without a proof, a count with a
    near or weak decision is settled by the walk alone when affordable (the pipeline's graph counts, until it proves
    them).
    """
    origin, direction = checked_line(origin, direction, graph.input_shape)
    rtol, window, prove = checked_rtol(rtol), checked_window(window), checked_prove(prove)
    scaled, exponent = normalised_graph(graph)

    def walk() -> RegionCount:
        return walk_regions(scaled, origin, direction, exact=True, classes=classes, window=window)

    try:
        with np.errstate(over="ignore", invalid="ignore"):  # a value beyond range raises FloatRangeError below
            result = propagate(scaled, origin, direction, rtol, classes=classes, window=window)
        if window is not None:  # the propagation may list knots beyond the window: what is proven is inside it
            result = result.restrict(*window)
    except FloatRangeError:
        if not exact_fallback or not affordable(graph, sum(graph.unit_sizes)):
            raise
        result = walk()
    knots = result.knots.shape[0]
    walkable = exact_fallback and affordable(graph, knots)
    if result.method == "float64":
        if wants_proof(prove, graph, knots):
            cert = certify_graph_count(scaled, origin, direction, result, window)
            result = _settled(result, cert, walk if walkable else None)
        elif walkable and not result.certified:
            result = _settled(result, None, walk)
    return result.in_units_of_f(exponent)


#: Work ((knots + 1) × weights, ``relu1d.engine.fallback.settling_work``) from which a network is proven as its graph:
#: below it the networks' own proof is faster (one core, 2026-12-08: 256 × 4, 2·10⁸, 0.06 s against 0.09 s;
#: 256 × 8, 9·10⁸, 0.26 s against 0.18 s; 1024 × 4 2.4 s against 1.3 s).
GRAPH_PROOF_FROM_WORK = 5e8


def prove_count(net: Network, result: RegionCount) -> Certificate:
    """A proof of ``result``, a count over ℝ of the 1-D network ``net``, by whichever route works: a rational count is
    exact by construction; a float one is proven a posteriori (``_network_certificate``), and where that leaves a
    decision open (coincident knots of degenerate networks) and a rational recount is affordable
    (``relu1d.engine.fallback.affordable``), the recount decides: proven when its counts (knots, knots and
    breakpoints per layer) equal the float ones."""
    if result.method == "rational":
        return Certificate(0, 0, 0, 0, tuple(int(c) for c in result.knots_per_layer),
                           int(result.breakpoints.shape[0]), agrees=True, method="rational")  # fmt: skip
    net = normalised_network(net)[0]  # the same knots and decisions at unit scale (relu1d.engine.scaling)
    cert = _network_certificate(net, result)
    if cert.certified or not affordable(net, result.knots.shape[0]):
        return cert
    exact = count_regions_exact(net)
    agrees = (
        len(exact.knots) == result.knots.shape[0]
        and tuple(exact.knots_per_layer) == tuple(int(c) for c in result.knots_per_layer)
        and tuple(exact.breakpoints_per_layer) == tuple(int(c) for c in result.breakpoints_per_layer)
    )
    return Certificate(cert.decisions, 0, 0, 0, tuple(exact.knots_per_layer), len(exact.breakpoints),
                       agrees=agrees, method="rational")  # fmt: skip


def _network_certificate(net: Network, result: RegionCount) -> Certificate:
    """The a-posteriori proof of a network's float count (``net`` at unit scale): the proof of any graph
    (``relu1d.engine.graph_proof``) on the network's graph; where it leaves a sign decision open, the segments that hold
    one are redone by the networks' refined pass, which recovers each layer's rounding
    (``relu1d.engine.proof.refine_open_segments``; should a refined gate differ from the pattern the first proof read,
    the networks' own proof, ``relu1d.engine.proof.certify_count``, redoes everything); with every hidden bias 0, the
    networks' proof at once (its homogeneous case: every knot at 0). Below ``GRAPH_PROOF_FROM_WORK`` the networks'
    own proof runs alone: the same checks, faster where every product is small (the graph proof's fixed costs per
    node, ~2 ms, exceed what sharing its products saves)."""
    knots = np.asarray(result.knots, dtype=np.float64)
    if not any(np.any(b) for b in net.biases[:-1]) or settling_work(net, knots.shape[0]) < GRAPH_PROOF_FROM_WORK:
        return certify_count(net, result)
    cert, opened = graph_certificate(graph_from_network(net), np.zeros(1), np.ones(1), result)
    if cert.certified or not (cert.safe_range and cert.sign_failures):
        return cert
    return refine_open_segments(net, knots, cert, opened) or certify_count(net, result)


def _settled(result: RegionCount, cert: Certificate | None, recount: Callable[[], RegionCount] | None) -> RegionCount:
    """``result`` marked proven when ``cert`` proves it, else the exact ``recount`` when there is one (with the float
    decision counts), else ``result`` with the decisions the proof left open."""
    if cert is not None and cert.certified:
        return replace(result, method="proven", open_decisions=0)
    if recount is not None:
        exact = recount()
        return replace(exact, near_decisions=result.near_decisions, weak_decisions=result.weak_decisions,
                       open_decisions=0)  # fmt: skip
    return result if cert is None else replace(result, open_decisions=cert.open_decisions)


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


__all__ = ["count_graph", "count_network", "prove_count"]
