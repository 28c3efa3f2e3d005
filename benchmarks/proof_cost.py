"""What a proof costs: count time, proof time and their ratio, and peak memory, per network size and per model.

For He networks (σ_b = 1, seed (2025, width, depth) as in the other scripts) counted over ℝ, and for the LeNet and
the residual CNN of ``benchmarks/models.py`` counted on the segment between two inputs (t ∈ (0, 1)), one process:

- **count**: the float count alone (``prove=False``, no fallback), best of ``--repeats``;
- **proof**: what ``prove=True`` runs: for a network ``relu1d.engine.count.prove_count`` (the proof of any graph,
  ``relu1d.engine.graph_proof``, on the network's graph, and the networks' refined proof where it leaves a sign
  decision open), for a model ``relu1d.engine.graph_proof.certify_graph_count``;
- **network proof**: ``relu1d.engine.proof.certify_count`` alone, the networks' own proof (first order, refined where
  that leaves a decision open), for comparison;

each with its ratio to the count and its peak memory traced by ``tracemalloc`` (numpy reports its buffers; torch's
convolution buffers are not traced), and whether it proved the count. Usage:
``python benchmarks/proof_cost.py [--widths 256 1024] [--depths 2 4 8] [--repeats 3] [--threads 1] [--no-models]``.
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np

from relu1d.bench.timing import SEED, benchmark_network, machine_header
from relu1d.engine.count import count_graph, count_network, prove_count
from relu1d.engine.graph_proof import certify_graph_count
from relu1d.engine.proof import certify_count
from relu1d.engine.propagation.dense import free_workspace
from relu1d.engine.scaling import normalised_graph, normalised_network

MIB = 2.0**20
WINDOW = (0.0, 1.0)  # a model on the segment from a to b


def measured(fn: Callable[[], object], repeats: int) -> tuple[object, float, float]:
    """(result, best seconds of ``repeats`` runs, peak MiB traced during one more run)."""
    best, result = np.inf, None
    for _ in range(repeats):
        free_workspace()
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    free_workspace()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    fn()
    peak = (tracemalloc.get_traced_memory()[1] - base) / MIB
    tracemalloc.stop()
    return result, best, peak


def row(name: str, knots: int, count: tuple, proofs: dict[str, tuple]) -> None:
    _, count_s, count_mib = count
    cells = [f"{name:>14} {knots:>6} {count_s:>8.3f} {count_mib:>8.1f}"]
    for cert, seconds, mib in proofs.values():
        if cert is None:
            cells.append(f"{'-':>8} {'-':>6} {'-':>8} {'-':>6}")
        else:
            cells.append(f"{seconds:>8.3f} {seconds / count_s:>6.1f} {mib / max(count_mib, 1e-9):>8.2f} "
                         f"{'yes' if cert.certified else 'NO':>6}")  # fmt: skip
    print("  ".join(cells), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", nargs="+", type=int, default=[256, 1024])
    parser.add_argument("--depths", nargs="+", type=int, default=[2, 4, 8])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch and BLAS threads")
    parser.add_argument("--no-models", action="store_true", help="networks only (no torch)")
    args = parser.parse_args()
    from threadpoolctl import threadpool_limits

    threadpool_limits(args.threads)
    machine_header("count vs proof time and memory (benchmarks/proof_cost.py)")
    print(f"# networks: He init, sigma_b = 1, seed ({SEED}, width, depth), over R; models: segment t in (0, 1)")
    print("# ratio = proof s / count s; mem = proof peak / count peak (tracemalloc); proven = the proof succeeded")
    head = f"{'model':>14} {'knots':>6} {'count s':>8} {'cnt MiB':>8}"
    for label in ("proof", "network proof"):
        head += f"  {label + ' s':>8} {'ratio':>6} {'mem':>8} {'proven':>6}"
    print(head)
    count_network(benchmark_network(128, 2))  # numba kernels compiled outside the timings
    for depth in args.depths:
        for width in args.widths:
            net = benchmark_network(width, depth)
            count = measured(lambda n=net: count_network(n, exact_fallback=False), args.repeats)
            result, scaled = count[0], normalised_network(net)[0]
            proofs = {
                "proof": measured(lambda s=scaled, r=result: prove_count(s, r), args.repeats),
                "network": measured(lambda s=scaled, r=result: certify_count(s, r), args.repeats),
            }
            row(f"{width}x{depth}", result.knots.shape[0], count, proofs)
    if args.no_models:
        return
    import torch

    import relu1d

    torch.set_num_threads(args.threads)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from models import ResNet, lenet

    rng = np.random.default_rng(2026)
    a, b = rng.normal(size=(2, 1, 28, 28))
    for name, build in (("lenet", lenet), ("resnet", ResNet)):
        torch.manual_seed(0)
        graph = relu1d.to_graph(build().eval(), a.shape)
        count = measured(lambda g=graph: count_graph(g, a, b - a, window=WINDOW, exact_fallback=False), args.repeats)
        scaled = normalised_graph(graph)[0]
        proof = measured(lambda s=scaled, r=count[0]: certify_graph_count(s, a, b - a, r, WINDOW), args.repeats)
        row(name, count[0].knots.shape[0], count, {"proof": proof, "network": (None, 0.0, 0.0)})


if __name__ == "__main__":
    main()
