"""Time to count one network, and the same run's matrix-product floor.

Prints, per architecture, our count time and the time numpy takes for the very matrix products the
engine performs (H·Wᵀ and ΔS·Wᵀ with the knot counts B_ℓ this network produced), measured in the same
process, and their ratio. Usage: ``python benchmarks/count_time.py [--widths 1024 --depths 4 8 --repeats 3]``.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

from relu1d import count_regions, sample_network


def _best_of(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def gemm_floor(net, knots_before: list[int], repeats: int) -> float:
    """Time of the two products per layer with the engine's shapes (B_{ℓ−1} × n_{ℓ−1}) · (n_{ℓ−1} × n_ℓ)."""
    rng = np.random.default_rng(0)
    mats = [
        (rng.standard_normal((max(b, 1), w.shape[1])), np.ascontiguousarray(w.T))
        for b, w in zip(knots_before, net.weights[:-1], strict=True)
    ]

    def run():
        for h, wt in mats:
            h @ wt
            h @ wt

    return _best_of(run, repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", nargs="+", type=int, default=[256, 512, 1024])
    parser.add_argument("--depths", nargs="+", type=int, default=[4])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sigma-b", type=float, default=1.0)
    args = parser.parse_args()
    machine = platform.processor() or platform.machine()
    print(f"machine: {machine}, numpy {np.__version__}, python {platform.python_version()}")
    print(f"{'width':>6} {'depth':>5} {'regions':>8} {'count s':>8} {'GEMM s':>8} {'ratio':>6}")
    for depth in args.depths:
        for width in args.widths:
            net = sample_network([width] * depth, args.sigma_b, seed=(2025, width, depth))
            result = count_regions(net)
            t_count = _best_of(lambda net=net: count_regions(net), args.repeats)
            per_layer = result.knots_per_layer
            knots_before = [1, *np.cumsum(per_layer)[:-1].tolist()]  # distinct knots entering each layer
            t_gemm = gemm_floor(net, knots_before, args.repeats)
            ratio = t_count / t_gemm
            print(f"{width:>6} {depth:>5} {result.linear_regions:>8} {t_count:>8.3f} {t_gemm:>8.3f} {ratio:>6.1f}")


if __name__ == "__main__":
    main()
