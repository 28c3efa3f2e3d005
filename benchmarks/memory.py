"""Peak memory of one exact count against the B × n float64 bound.

For each network (He init, σ_b = 1, seed (2025, width, depth) as in the other scripts) prints the peak of
memory traced by ``tracemalloc`` while ``count_regions`` runs (numpy reports its array buffers to tracemalloc;
the network itself is allocated before tracing starts) and the size of one B × n float64 array, B = total
distinct knots of f, n = width: the engine keeps values and slope jumps at the knots (two such arrays) plus
the per-layer products and masks, so a small constant multiple of it is expected.
Usage: ``python benchmarks/memory.py [--widths 256 512 1024 2048 --depths 4]``, ``--quick`` for a smoke run.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

from _common import SEED, machine_header

from relu1d import count_regions, sample_network

MIB = 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", nargs="+", type=int, default=[256, 512, 1024, 2048])
    parser.add_argument("--depths", nargs="+", type=int, default=[4])
    parser.add_argument("--sigma-b", type=float, default=1.0)
    parser.add_argument("--quick", action="store_true", help="smoke run: widths 256 512, depth 2")
    args = parser.parse_args()
    if args.quick:
        args.widths, args.depths = [256, 512], [2]

    machine_header("peak memory of one count vs B x n float64 (benchmarks/memory.py)")
    print(f"# networks: He init, sigma_b = {args.sigma_b}, seed ({SEED}, width, depth); peak traced by tracemalloc")
    print("# B = distinct knots of f (all layers), n = width; bound = B * n * 8 bytes")
    count_regions(sample_network([8, 8], 1.0, seed=0))  # warm-up: imports and caches are not the count's memory
    print(f"{'width':>6} {'depth':>5} {'B':>7} {'B*n*8 MiB':>10} {'peak MiB':>9} {'peak/bound':>10} {'seconds':>8}")
    for depth in args.depths:
        for width in args.widths:
            net = sample_network([width] * depth, args.sigma_b, seed=(SEED, width, depth))
            tracemalloc.start()
            tracemalloc.reset_peak()
            base = tracemalloc.get_traced_memory()[0]
            start = time.perf_counter()
            result = count_regions(net)
            seconds = time.perf_counter() - start
            peak = tracemalloc.get_traced_memory()[1] - base
            tracemalloc.stop()
            knots = result.knots.shape[0]
            bound = knots * width * 8
            print(
                f"{width:>6} {depth:>5} {knots:>7} {bound / MIB:>10.1f} {peak / MIB:>9.1f} "
                f"{peak / max(bound, 1):>10.2f} {seconds:>8.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
