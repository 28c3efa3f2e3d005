"""Time to count one network, and the same run's matrix-product floor, on one BLAS thread and on all.

Prints, per architecture and thread count, our count time and the floor (``relu1d.bench.timing.FLOOR_DEFINITION``:
one product per layer with the knot counts B_ℓ this network produced), measured in the same process in
alternating pairs, and their ratio (best count / best floor, with the range of the ratio within one pair),
against the goals of ``relu1d.bench.goals``.
The measurement is ``relu1d.bench.measurements.count_time_row`` (the pipeline's performance stage uses it too).
Usage: ``python benchmarks/count_time.py`` (full grid: widths 256 512 1024 2048 × depths 2 4 6 8 10, ~10 minutes
on 2 cores), ``--quick`` (smoke run), or e.g. ``--widths 1024 --depths 4 8 --repeats 3``; ``--csv FILE`` also
writes the rows.
"""

from __future__ import annotations

import argparse
import time

from relu1d.bench.goals import goals_text
from relu1d.bench.measurements import count_time_row
from relu1d.bench.tables import write_measurements
from relu1d.bench.timing import FLOOR_DEFINITION, SEED, machine_header


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", nargs="+", type=int, default=[256, 512, 1024, 2048])
    parser.add_argument("--depths", nargs="+", type=int, default=[2, 4, 6, 8, 10])
    parser.add_argument("--repeats", type=int, default=3, help="count/floor timing pairs (default 3)")
    parser.add_argument(
        "--budget", type=float, default=10.0, help="stop repeating a measurement after this many seconds (default 10)"
    )
    parser.add_argument("--sigma-b", type=float, default=1.0)
    parser.add_argument(
        "--threads", nargs="+", type=int, default=[1, 0], help="BLAS threads per measurement, 0 = all (default: 1 0)"
    )
    parser.add_argument("--csv", help="also write the rows (with the machine description) to this CSV file")
    parser.add_argument("--quick", action="store_true", help="smoke run: widths 256 512, depths 2 4, one repeat")
    args = parser.parse_args()
    if args.quick:
        args.widths, args.depths, args.repeats = [256, 512], [2, 4], 1

    machine_header("count time vs the product floor (benchmarks/count_time.py)")
    print(f"# networks: He init, sigma_b = {args.sigma_b}, seed ({SEED}, width, depth); {args.repeats} pairs")
    print(f"# floor: {FLOOR_DEFINITION}; same shapes, same BLAS threads, same process")
    print("# count and floor timed alternately; ratio = best count / best floor, lo-hi = its range within a pair")
    print(
        f"# goals: 1 thread {goals_text('count_time_one_thread')}; all threads {goals_text('count_time_all_cores')}"
        " (none stated below)"
    )
    print(
        f"{'width':>6} {'depth':>5} {'threads':>7} {'knots':>7} {'count s':>9} {'floor s':>9} {'ratio':>6} "
        f"{'lo-hi':>11} {'goal':>6} {'met':>4}"
    )
    rows = []
    start = time.perf_counter()
    for depth in args.depths:
        for width in args.widths:
            for threads in args.threads:
                row = count_time_row(width, depth, args.sigma_b, args.repeats, args.budget, threads or None)
                rows.append(row)
                goal = "-" if row["goal"] is None else f"{row['goal']:.2f}"
                met = "-" if row["met"] is None else ("yes" if row["met"] else "no")
                print(
                    f"{width:>6} {depth:>5} {row['threads']:>7} {row['knots']:>7} {row['count_s']:>9.3f} "
                    f"{row['floor_s']:>9.3f} {row['ratio']:>6.2f} {row['ratio_lo']:>5.2f}-{row['ratio_hi']:<5.2f} "
                    f"{goal:>6} {met:>4}",
                    flush=True,
                )
    met = sum(r["met"] is True for r in rows)
    stated = sum(r["met"] is not None for r in rows)
    print(f"# goals met in {met} of {stated} rows with a goal; total {time.perf_counter() - start:.0f} s")
    if args.csv:
        write_measurements(rows, args.csv)


if __name__ == "__main__":
    main()
