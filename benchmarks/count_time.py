"""Time to count one network, and the same run's matrix-product floor.

Prints, per architecture, our count time and the time numpy takes for the very matrix products the
engine performs (H·Wᵀ and ΔS·Wᵀ with the knot counts B_ℓ this network produced), measured in the same
process, and their ratio, against the goals (≤ 1.25× at width ≥ 1024, ≤ 2× at width 512).
Usage: ``python benchmarks/count_time.py`` (full grid: widths 256 512 1024 2048 × depths 2 4 6 8 10, a few
minutes on 2 cores), ``--quick`` (smoke run), or e.g. ``--widths 1024 --depths 4 8 --repeats 3``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _common import SEED, best_of, machine_header, timed_count
from threadpoolctl import threadpool_limits

from relu1d import sample_network

#: (smallest width, largest allowed count/GEMM ratio), tightest first.
GOALS = ((1024, 1.25), (512, 2.0))


def goal_for(width: int) -> float | None:
    """The ratio goal for a width (None: no goal stated)."""
    for min_width, ratio in GOALS:
        if width >= min_width:
            return ratio
    return None


def gemm_floor(net, knots_before: list[int], repeats: int, budget: float = float("inf")) -> float:
    """Time of the two products per layer with the engine's shapes, H·Wᵀ and ΔS·Wᵀ with H, ΔS (B_{ℓ−1} × n_{ℓ−1}).

    H and ΔS are two different matrices, as in the engine: multiplying one matrix twice would time its second
    product from cache (a 3000 × 1024 float64 matrix fits the 32 MiB L3 of the machine we measured on).
    """
    rng = np.random.default_rng(0)
    mats = [
        (rng.standard_normal((max(b, 1), w.shape[1])), rng.standard_normal((max(b, 1), w.shape[1])), w.T)
        for b, w in zip(knots_before, net.weights[:-1], strict=True)
    ]

    def run():
        for h, jump, wt in mats:
            h @ wt
            jump @ wt

    return best_of(run, repeats, budget)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", nargs="+", type=int, default=[256, 512, 1024, 2048])
    parser.add_argument("--depths", nargs="+", type=int, default=[2, 4, 6, 8, 10])
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs (default 3)")
    parser.add_argument(
        "--budget", type=float, default=10.0, help="stop repeating a measurement after this many seconds (default 10)"
    )
    parser.add_argument("--sigma-b", type=float, default=1.0)
    parser.add_argument("--blas-threads", type=int, default=None, help="limit BLAS threads (default: BLAS default)")
    parser.add_argument("--quick", action="store_true", help="smoke run: widths 256 512, depths 2 4, one repeat")
    args = parser.parse_args()
    if args.quick:
        args.widths, args.depths, args.repeats = [256, 512], [2, 4], 1

    with threadpool_limits(args.blas_threads):
        machine_header("count time vs the GEMM floor (benchmarks/count_time.py)")
        print(f"# networks: He init, sigma_b = {args.sigma_b}, seed ({SEED}, width, depth); best of {args.repeats}")
        print("# GEMM floor: the engine's two matrix products per layer, same shapes, same process")
        print("# goals: count/GEMM <= 1.25x at width >= 1024, <= 2x at width 512 (none stated at 256)")
        print(
            f"{'width':>6} {'depth':>5} {'knots':>7} {'count s':>9} {'GEMM s':>9} {'ratio':>6} {'goal':>6} {'met':>4}"
        )
        met = missed = 0
        start = time.perf_counter()
        for depth in args.depths:
            for width in args.widths:
                net = sample_network([width] * depth, args.sigma_b, seed=(SEED, width, depth))
                result, t_count = timed_count(net, args.repeats, args.budget)
                per_layer = result.knots_per_layer
                knots_before = [1, *np.cumsum(per_layer)[:-1].tolist()]  # distinct knots entering each layer
                t_gemm = gemm_floor(net, knots_before, args.repeats, args.budget)
                ratio = t_count / t_gemm
                goal = goal_for(width)
                verdict = "-" if goal is None else ("yes" if ratio <= goal else "no")
                met += verdict == "yes"
                missed += verdict == "no"
                goal_s = "-" if goal is None else f"{goal:.2f}"
                print(
                    f"{width:>6} {depth:>5} {result.knots.shape[0]:>7} {t_count:>9.3f} {t_gemm:>9.3f} "
                    f"{ratio:>6.2f} {goal_s:>6} {verdict:>4}",
                    flush=True,
                )
        print(f"# goals met in {met} of {met + missed} rows with a goal; total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
