"""Multiprocessing speedup of the count stage: ``relu1d.counting.count_manifest`` with 2 processes vs 1.

Writes a manifest of many small networks (default 2000 of width 16, depth 4, σ_b = 1) to a temporary folder
and times the project's own parallel path — ``count_manifest(manifest, processes=P)``: regenerate and
hash-check every network, count it, build both tables; a ``spawn`` pool with one BLAS thread per worker —
end to end (pool start-up included), best of ``--repeats``. Checks that the tables are identical. Goal:
≥ 1.8× with 2 processes. Usage: ``python benchmarks/parallel.py [--networks 2000 --width 16 --depth 4]``,
``--quick`` for a smoke run. On a machine shared with other work the speedup is bounded by the idle cores.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from _common import SEED, best_of, machine_header

from relu1d.counting import count_manifest
from relu1d.ensemble import Cell, write_manifest

GOAL = 1.8


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", type=int, default=2000)
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--depth", type=int, default=4)
    parser.add_argument("--sigma-b", type=float, default=1.0)
    parser.add_argument("--processes", type=int, default=2, help="compared with 1 process (default 2)")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="smoke run: 200 networks, one repeat")
    args = parser.parse_args()
    if args.quick:
        args.networks, args.repeats = 200, 1

    machine_header("multiprocessing speedup of count_manifest (benchmarks/parallel.py)")
    cell = Cell("bench_parallel", (args.width,) * args.depth, args.sigma_b, args.networks, SEED)
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"# {args.networks} networks, widths {list(cell.widths)}, sigma_b = {args.sigma_b}, seed {SEED}")
    print(f"# end-to-end count_manifest time (spawn pool start-up included), best of {args.repeats}")
    print(f"# goal: speedup >= {GOAL}x with 2 processes; {usable} usable cores here")
    with tempfile.TemporaryDirectory() as tmp:
        manifest = Path(tmp) / "manifest.json"
        write_manifest(cell, manifest)
        tables: dict[int, tuple] = {}

        def run(processes: int) -> None:
            tables[processes] = count_manifest(manifest, processes=processes, progress=False)

        start = time.perf_counter()
        t_one = best_of(lambda: run(1), args.repeats)
        t_par = best_of(lambda: run(args.processes), args.repeats)
        same = all(a.equals(b) for a, b in zip(tables[1], tables[args.processes], strict=True))
        speedup = t_one / t_par
        print(f"{'processes':>9} {'seconds':>9} {'ms/network':>10} {'speedup':>8}")
        print(f"{1:>9} {t_one:>9.3f} {1e3 * t_one / args.networks:>10.3f} {1.0:>8.2f}")
        print(f"{args.processes:>9} {t_par:>9.3f} {1e3 * t_par / args.networks:>10.3f} {speedup:>8.2f}")
        met = "yes" if speedup >= GOAL else "no"
        goal_line = f"goal >= {GOAL}x met: {met}" if args.processes == 2 else "goal is stated for 2 processes"
        print(f"# tables identical: {same}; {goal_line}; total {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
