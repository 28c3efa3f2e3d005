"""Peak memory of one exact count against the B × n float64 bound.

For each network (He init, σ_b = 1, seed (2025, width, depth) as in the other scripts) prints the peak of
memory traced by ``tracemalloc`` while ``count_regions`` runs (numpy reports its array buffers to tracemalloc;
the engine's reusable buffers are released before each count, so the count allocates all it uses) and the size
of one B × n float64 array, B = total distinct knots of f, n = width. The engine holds three such arrays (the
previous layer's values, the jumps, which the jump product overwrites row by row, and this layer's values, where
the merged layer is then built in place; each with room for the new knots), so about three are expected.
The measurement is ``relu1d.bench.measurements.memory_row``.
Usage: ``python benchmarks/memory.py [--widths 256 512 1024 2048 --depths 4]``, ``--quick`` for a smoke run.
"""

from __future__ import annotations

import argparse

from relu1d.bench.measurements import memory_row
from relu1d.bench.tables import write_measurements
from relu1d.bench.timing import SEED, machine_header


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", nargs="+", type=int, default=[256, 512, 1024, 2048])
    parser.add_argument("--depths", nargs="+", type=int, default=[4])
    parser.add_argument("--sigma-b", type=float, default=1.0)
    parser.add_argument("--csv", help="also write the rows (with the machine description) to this CSV file")
    parser.add_argument("--quick", action="store_true", help="smoke run: widths 256 512, depth 2")
    args = parser.parse_args()
    if args.quick:
        args.widths, args.depths = [256, 512], [2]

    machine_header("peak memory of one count vs B x n float64 (benchmarks/memory.py)")
    print(f"# networks: He init, sigma_b = {args.sigma_b}, seed ({SEED}, width, depth); peak traced by tracemalloc")
    print("# B = distinct knots of f (all layers), n = width; bound = B * n * 8 bytes")
    print(f"{'width':>6} {'depth':>5} {'B':>7} {'B*n*8 MiB':>10} {'peak MiB':>9} {'peak/bound':>10} {'seconds':>8}")
    rows = []
    for depth in args.depths:
        for width in args.widths:
            row = memory_row(width, depth, args.sigma_b)
            rows.append(row)
            print(
                f"{width:>6} {depth:>5} {row['knots']:>7} {row['bound_mib']:>10.1f} {row['peak_mib']:>9.1f} "
                f"{row['peak_over_bound']:>10.2f} {row['count_s']:>8.2f}",
                flush=True,
            )
    if args.csv:
        write_measurements(rows, args.csv)


if __name__ == "__main__":
    main()
