"""The cupy path of the engine: count time on the GPU vs the CPU, and vs the GPU's own matrix-product floor.

``count_regions(net, xp=cupy)`` runs the same array-API code on the device. For one network (default width
4096, depth 8, σ_b = 1, seed (2025, width, depth) as in the other scripts) prints the GPU count time (after
a warm-up run: CUDA context and kernel compilation excluded; results copied back to numpy included), the
time cupy takes for the engine's two float64 matrix products per layer with the same shapes (the GPU floor),
the CPU count time in the same run, and whether every integer count agrees. The measurement is
``relu1d.bench.measurements.gpu_rows`` (the pipeline's performance stage uses it too). Prints "no GPU/cupy: skipped"
and exits 0 when cupy or a CUDA device is absent.
Usage: ``python benchmarks/gpu.py [--width 4096 --depth 8] [--no-cpu]``, ``--quick`` (width 1024, depth 4),
``--csv FILE`` to also write the row.
"""

from __future__ import annotations

import argparse
import sys

from relu1d.bench.measurements import gpu_rows
from relu1d.bench.tables import write_measurements
from relu1d.bench.timing import SEED, machine_header


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=4096)
    parser.add_argument("--depth", type=int, default=8)
    parser.add_argument("--sigma-b", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-cpu", action="store_true", help="skip the CPU count (minutes at width 4096 on few cores)")
    parser.add_argument("--csv", help="also write the row (with the machine description) to this CSV file")
    parser.add_argument("--quick", action="store_true", help="smoke run: width 1024, depth 4, one repeat")
    args = parser.parse_args()
    if args.quick:
        args.width, args.depth, args.repeats = 1024, 4, 1

    machine_header("cupy count vs CPU and the GPU GEMM floor (benchmarks/gpu.py)")
    print(f"# network: widths [{args.width}] x {args.depth}, sigma_b = {args.sigma_b}, seed ({SEED}, width, depth)")
    rows = gpu_rows(args.width, args.depth, args.sigma_b, args.repeats, cpu=not args.no_cpu)
    row = rows[0]
    if "device_s" not in row:
        print("no GPU/cupy: skipped")
    else:
        print(f"# GPU: {row['device']}")
        print(f"{'backend':>8} {'knots':>7} {'linear':>7} {'seconds':>9} {'x GPU floor':>11}")
        knots, linear = row["knots"], row["linear_regions"]
        print(f"{'gpu':>8} {knots:>7} {linear:>7} {row['device_s']:>9.3f} {row['device_over_floor']:>11.2f}")
        print(f"{'floor':>8} {'':>7} {'':>7} {row['device_floor_s']:>9.3f} {1.0:>11.2f}")
        if row["cpu_s"] is None:
            print("# CPU count skipped (--no-cpu)")
        else:
            cpu_over_floor = row["cpu_s"] / row["device_floor_s"]
            print(f"{'cpu':>8} {'':>7} {'':>7} {row['cpu_s']:>9.3f} {cpu_over_floor:>11.2f}")
            print(
                f"# GPU speedup over CPU: {row['cpu_over_device']:.1f}x; "
                f"integer counts identical: {row['counts_identical']}"
            )
    if args.csv:
        write_measurements(rows, args.csv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
