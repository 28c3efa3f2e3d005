"""When a count is settled exactly: the budgets of the automatic proof or rational recount, and their work measures.

A count with a tolerance-resolved or weak decision is settled, when its work is within budget, by the a-posteriori
proof (``relu1d.engine.certify``) or a rational recount (``relu1d.engine.exact`` for networks, the region walk of
``relu1d.engine.walk`` for graphs).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from relu1d.engine.graph import Conv, Dense, Graph

if TYPE_CHECKING:
    from relu1d.engine.network import Network
    from relu1d.engine.result import RegionCount

#: Largest rational workload (float knots × Σ n_ℓ n_{ℓ−1}) the automatic exact fallback takes on: ~1 s
#: (measured 0.25–0.6 s per 10⁶, e.g. 32×8 at 1.6·10⁶ in 0.5 s).
EXACT_FALLBACK_BUDGET = 2_000_000


def count_work(net: Network, result: RegionCount) -> int:
    """The work of recounting or proving ``result``: (knots + 1) × Σ n_ℓ n_{ℓ−1} (every segment through every
    weight), the unit of ``EXACT_FALLBACK_BUDGET`` and of the pipeline's proof budget."""
    return (result.knots.shape[0] + 1) * sum(w.size for w in net.weights)


#: Largest rational workload (regions × multiply-adds of one forward pass) the automatic recount takes on: ~1.5 s
#: (measured 7 µs per unit of work on a small residual CNN).
WALK_FALLBACK_BUDGET = 200_000


def forward_work(graph: Graph) -> int:
    """Multiply-adds of one forward pass (mixing operations) plus one per element of every other node."""
    work = 0
    for i, node in enumerate(graph.nodes):
        size = math.prod(graph.shapes[i])
        op = node.op
        if isinstance(op, Dense):
            work += size * op.weight.shape[1]
        elif isinstance(op, Conv):
            work += size * math.prod(op.weight.shape[1:])
        else:
            work += size
    return work
