"""Our exact count against the peer methods, on the same networks and the same window.

For each network (He init, σ_b = 1, seed (2025, width, depth) as in count_time.py) the window is
[min knot − 1, max knot + 1] of the exact count, so it holds every knot and the exact activation-region count
on it is the count over ℝ. The measurement is ``relu1d.bench.measurements.peer_rows`` (the pipeline's performance
stage uses it too); the methods are in ``relu1d.bench.peers``:

* **floor** (``relu1d.bench.timing.product_floor``): the matrix products alone of the same count, one per layer, on
  one BLAS thread and on all. regioncam's notes give its time over them: below 1, regioncam takes less time than
  one float64 product per layer, the arithmetic our count is built on (it skips only the rows with one nonzero).
* **regioncam** (PyPI ``regioncam``, Rust, float32; ``regioncam_count``): the window via a first 1 × 1 layer,
  then every layer and ``relu``; its ``num_edges`` are the activation regions on the window. Weights are
  converted to float32 outside the timer.
* **grid** (``grid_count``, float64): the grid size is doubled from 1024 points until the one-to-one knot recall
  (``knot_recall``) reaches 99%. Runs that would exceed ``--grid-budget`` seconds are not made: the grid size
  needed is then *predicted* from the exact knots (a grid interval holding k knots shows one change — an
  optimistic model, it ignores changes that cancel) and its time extrapolated linearly in the number of points
  from the largest grid actually run (the note says so).
* **walk** (``walk_count``): one forward pass per region. If the whole walk would exceed ``--walk-budget``
  seconds it is run on a sub-window holding the first ``--walk-regions`` regions, checked there, and its time
  per region extrapolated to all regions (the note says so).

The goals printed are those of ``relu1d.bench.goals``.
Usage: ``python benchmarks/peers.py`` (widths 256 1000 2000 × depths 4 8: several minutes on 2 cores),
``--quick`` for a smoke run, ``--csv FILE`` to also write the rows. Needs ``pip install -e ".[bench]"`` for
regioncam (skipped with a note otherwise).
"""

from __future__ import annotations

import argparse

from relu1d.bench.goals import goals_text
from relu1d.bench.measurements import RECALL_TARGET, peer_rows
from relu1d.bench.tables import write_measurements
from relu1d.bench.timing import SEED, machine_header


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--widths", nargs="+", type=int, default=[256, 1000, 2000])
    parser.add_argument("--depths", nargs="+", type=int, default=[4, 8])
    parser.add_argument("--sigma-b", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs for ours and regioncam")
    parser.add_argument("--budget", type=float, default=10.0, help="seconds after which repeats stop (default 10)")
    parser.add_argument("--grid-budget", type=float, default=8.0, help="longest grid run made (s, default 8)")
    parser.add_argument("--walk-budget", type=float, default=10.0, help="longest full walk made (s, default 10)")
    parser.add_argument("--walk-regions", type=int, default=300, help="regions walked when extrapolating")
    parser.add_argument("--no-regioncam", action="store_true")
    parser.add_argument("--csv", help="also write the rows (with the machine description) to this CSV file")
    parser.add_argument("--quick", action="store_true", help="smoke run: widths 64 256, depth 4, small budgets")
    args = parser.parse_args()
    if args.quick:
        args.widths, args.depths, args.repeats = [64, 256], [4], 1
        args.grid_budget, args.walk_budget, args.walk_regions = 1.0, 2.0, 100

    machine_header("exact count vs regioncam, grid counter and region walk (benchmarks/peers.py)")
    print(
        f"# networks: He init, sigma_b = {args.sigma_b}, seed ({SEED}, width, depth); window [min knot-1, max knot+1]"
    )
    print("# 'regions' = activation regions on the window; 'diff' = theirs - exact; 'x ours' = their time / our time")
    print(
        f"# goals: regioncam vs ours on all threads {goals_text('regioncam')}, vs ours on one"
        f" {goals_text('regioncam_per_core')}; grid counter at {RECALL_TARGET:.0%} knot recall "
        f"{goals_text('grid')}"
    )
    columns = f"{'width':>5} {'depth':>5} {'method':<33} {'regions':>8} {'diff':>6} {'seconds':>10} {'x ours':>9}"
    print(f"{columns} met  note")
    rows = []
    for depth in args.depths:
        for width in args.widths:
            for row in peer_rows(
                width, depth, args.sigma_b, args.repeats, args.budget, args.grid_budget, args.walk_budget,
                args.walk_regions, regioncam=not args.no_regioncam,
            ):  # fmt: skip
                rows.append(row)
                cells = [
                    "-" if row[key] is None else fmt.format(row[key])
                    for key, fmt in (("regions", "{:>8}"), ("diff", "{:>+6}"), ("seconds", "{:>10.4g}"))
                ]
                ratio = "-" if row["x_ours"] is None else f"{row['x_ours']:.3g}"
                met = "-" if row["met"] is None else ("yes" if row["met"] else "no")
                print(
                    f"{width:>5} {depth:>5} {row['method']:<33} {cells[0]:>8} {cells[1]:>6} {cells[2]:>10} "
                    f"{ratio:>9} {met:>3}  {row['note']}",
                    flush=True,
                )
    goals = [r for r in rows if r["met"] is not None]
    print(f"# peer goals met in {sum(r['met'] for r in goals)} of {len(goals)} rows with a goal")
    if args.csv:
        write_measurements(rows, args.csv)


if __name__ == "__main__":
    main()
