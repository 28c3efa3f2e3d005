"""Multiprocessing speedup of the count stage: ``relu1d.replication.counting.count_manifest`` with 2 processes vs 1.

Writes a manifest of many small networks (default 2000 of width 16, depth 4, σ_b = 1) to a temporary folder
and times the project's own parallel path — ``count_manifest(manifest, processes=P)``: regenerate and
hash-check every network, count it, build both tables; a ``spawn`` pool with one BLAS thread per worker —
end to end (pool start-up included), best of ``--repeats``. Checks that the tables are identical. Goal (for
2 processes): ``relu1d.bench.goals``. The measurement is ``relu1d.bench.measurements.parallel_rows``.
Usage: ``python benchmarks/parallel.py [--networks 2000 --width 16 --depth 4]``, ``--quick`` for a smoke run.
On a machine shared with other work the speedup is bounded by the idle cores.
"""

from __future__ import annotations

import argparse
import os
import time

from relu1d.bench.goals import goal_for
from relu1d.bench.measurements import parallel_rows
from relu1d.bench.tables import write_measurements
from relu1d.bench.timing import SEED, machine_header


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", type=int, default=2000)
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--depth", type=int, default=4)
    parser.add_argument("--sigma-b", type=float, default=1.0)
    parser.add_argument("--processes", type=int, default=2, help="compared with 1 process (default 2)")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--csv", help="also write the rows (with the machine description) to this CSV file")
    parser.add_argument("--quick", action="store_true", help="smoke run: 200 networks, one repeat")
    args = parser.parse_args()
    if args.quick:
        args.networks, args.repeats = 200, 1

    machine_header("multiprocessing speedup of count_manifest (benchmarks/parallel.py)")
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"# {args.networks} networks, widths {[args.width] * args.depth}, sigma_b = {args.sigma_b}, seed {SEED}")
    print(f"# end-to-end count_manifest time (spawn pool start-up included), {args.repeats} alternating pairs")
    goal = goal_for("parallel")
    print(f"# goal: {goal.text()} with 2 processes; {usable} usable cores here")
    start = time.perf_counter()
    rows = parallel_rows(args.networks, args.width, args.depth, args.sigma_b, args.processes, args.repeats)
    print(f"{'processes':>9} {'seconds':>9} {'ms/network':>10} {'speedup':>8}")
    for row in rows:
        print(f"{row['processes']:>9} {row['seconds']:>9.3f} {row['ms_per_network']:>10.3f} {row['speedup']:>8.2f}")
    speedup = rows[-1]["speedup"]
    met = "yes" if goal.met(speedup) else "no"
    goal_line = f"goal {goal.text()} met: {met}" if args.processes == 2 else "goal is stated for 2 processes"
    print(f"# tables identical: {rows[0]['tables_identical']}; {goal_line}; total {time.perf_counter() - start:.0f} s")
    print(
        f"# machine ceiling now (the same counts in a started pool, no start-up or IPC): "
        f"{rows[-1]['machine_speedup']:.2f}x; efficiency {rows[-1]['efficiency']:.2f}"
    )
    if args.csv:
        write_measurements(rows, args.csv)


if __name__ == "__main__":
    main()
