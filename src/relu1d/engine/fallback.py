"""When a count is settled exactly: one cost model for the automatic proof or rational recount.

A count with a tolerance-resolved or weak decision (or one that leaves float64's range) is settled by the
a-posteriori proof (``relu1d.engine.proof``) or a rational recount (``relu1d.engine.oracles.exact`` for a network,
the region walk of ``relu1d.engine.oracles.walk`` for a graph) when that is expected to take at most
``SETTLE_SECONDS``. The cost model: work = (knots + 1) × ``forward_work`` (every segment through one forward pass),
over the measured work per second of the oracle that would run.
"""

from __future__ import annotations

import math

from relu1d.engine.graph import Conv, Dense, Graph
from relu1d.engine.network import Network

#: The time the automatic settling of one count may take, about.
SETTLE_SECONDS = 1.0

#: Units of work per second, about: the rational network count (the proof costs less) measured 0.25–0.6 s per 10⁶
#: (e.g. 32 × 8 at 1.6·10⁶ in 0.5 s); the rational region walk of a graph 7 µs per unit on a small residual CNN and
#: 8–23 µs on small graphs (2026-12-07).
#: The a-posteriori proofs (benchmarks/proof_cost.py, 2026-12-07, one core): a network's 2.8–4·10⁹/s at widths
#: 256–1024 (1024 × 4: 1.3·10¹⁰ in 3–4.6 s), a convolutional graph's 2.5·10⁸/s (LeNet on a segment: 7·10⁸ in 3.3 s).
WORK_PER_SECOND = {"rational": 2_000_000, "walk": 200_000, "network proof": 2_500_000_000, "graph proof": 250_000_000}

#: The time ``prove="auto"`` lets a proof take, about: it proves every count whose proof is expected within it.
PROVE_SECONDS = 10.0


def forward_work(model: Network | Graph) -> int:
    """Multiply-adds of one forward pass: Σ n_ℓ n_{ℓ−1} for a network; for a graph its dense and convolution nodes'
    multiply-adds plus one per element of every other node."""
    if isinstance(model, Network):
        return sum(w.size for w in model.weights)
    work = 0
    for i, node in enumerate(model.nodes):
        size = math.prod(model.shapes[i])
        op = node.op
        if isinstance(op, Dense):
            work += size * op.weight.shape[1]
        elif isinstance(op, Conv):
            work += size * math.prod(op.weight.shape[1:])
        else:
            work += size
    return work


def settling_work(model: Network | Graph, knots: int) -> int:
    """(knots + 1) × ``forward_work``: every segment of the count through one forward pass."""
    return (knots + 1) * forward_work(model)


def affordable(model: Network | Graph, knots: int) -> bool:
    """Whether settling a count of ``knots`` knots exactly is expected within ``SETTLE_SECONDS`` (a network by the
    rational count, any other graph by the rational region walk)."""
    rate = WORK_PER_SECOND["rational" if isinstance(model, Network) else "walk"]
    return settling_work(model, knots) <= SETTLE_SECONDS * rate


def provable(model: Network | Graph, knots: int) -> bool:
    """Whether the a-posteriori proof of a count of ``knots`` knots (``relu1d.engine.proof``,
    ``relu1d.engine.graph_proof``: a few forward passes with bounds over every segment) is expected within
    ``PROVE_SECONDS``."""
    rate = WORK_PER_SECOND["network proof" if isinstance(model, Network) else "graph proof"]
    return settling_work(model, knots) <= PROVE_SECONDS * rate


def checked_prove(prove: bool | str) -> bool | str:
    """``prove`` as the count doors take it: True (always prove), False (never), or "auto" (when ``provable``)."""
    if prove is True or prove is False or prove == "auto":
        return prove
    raise ValueError(f'prove: expected True, False or "auto", got {prove!r}')


def wants_proof(prove: bool | str, model: Network | Graph, knots: int) -> bool:
    """Whether a count of ``knots`` knots is to be proven under ``prove`` (``checked_prove``)."""
    return prove is True or (prove == "auto" and provable(model, knots))


__all__ = [
    "PROVE_SECONDS",
    "SETTLE_SECONDS",
    "WORK_PER_SECOND",
    "affordable",
    "checked_prove",
    "forward_work",
    "provable",
    "settling_work",
    "wants_proof",
]
