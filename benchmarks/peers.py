"""Our exact count against the peer methods, on the same networks and the same window.

For each network (He init, σ_b = 1, seed (2025, width, depth) as in count_time.py) the window is
[min knot − 1, max knot + 1] of the exact count, so it holds every knot and the exact activation-region count
on it is the count over ℝ. On that window:

* **regioncam** (PyPI ``regioncam``, Rust, float32): ``Regioncam1D(size)`` covers [−size/2, size/2]; a first
  1 × 1 linear layer shifts it onto the window; then every layer (``linear`` takes x @ W + b, so Wᵀ) and
  ``relu``. Its count is ``num_edges`` (the intervals between the window ends and the splits, i.e. activation
  regions on the window). Weights are converted to float32 outside the timer.
* **grid** (``relu1d.baselines.grid_count``, float64): the grid size is doubled from 1024 points until the
  one-to-one knot recall (``knot_recall``) reaches 99%. Runs that would exceed ``--grid-budget`` seconds are
  not made: the grid size needed is then *predicted* from the exact knots (a grid interval holding k knots
  shows one change — an optimistic model, it ignores changes that cancel) and its time extrapolated linearly
  in the number of points from the largest grid actually run (marked "extrapolated").
* **walk** (``relu1d.baselines.walk_count``): one forward pass per region. If the whole walk would exceed
  ``--walk-budget`` seconds it is run on a sub-window holding the first ``--walk-regions`` regions, checked
  there, and its time per region extrapolated to all regions (marked "extrapolated").

Goals printed: faster than regioncam at width ≥ 1000; ≥ 100× faster than the grid counter at 99% recall.
Usage: ``python benchmarks/peers.py`` (widths 256 1000 2000 × depths 4 8: several minutes on 2 cores),
``--quick`` for a smoke run. Needs ``pip install -e ".[bench]"`` for regioncam (skipped with a note otherwise).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from relu1d import count_regions
from relu1d.baselines import grid_count, knot_recall, walk_count
from relu1d.performance import SEED, benchmark_network, best_of, machine_header, timed_count

RECALL_TARGET = 0.99
REGIONCAM_GOAL_WIDTH = 1000
GRID_GOAL = 100.0


def regioncam_count(net, lo: float, hi: float, repeats: int, budget: float) -> tuple[int, float]:
    """(activation regions regioncam finds on [lo, hi], best time); raises if regioncam is unusable."""
    import regioncam

    weights = [np.ascontiguousarray(w.T, dtype=np.float32) for w in net.weights]
    biases = [np.ascontiguousarray(b, dtype=np.float32) for b in net.biases]
    shift_w, shift_b = np.ones((1, 1), dtype=np.float32), np.array([0.5 * (lo + hi)], dtype=np.float32)
    out: list[int] = []

    def run() -> None:
        rc = regioncam.Regioncam1D(hi - lo)  # covers [-(hi-lo)/2, (hi-lo)/2]
        rc.linear(shift_w, shift_b)  # ... moved onto [lo, hi]
        for w, b in zip(weights[:-1], biases[:-1], strict=True):
            rc.linear(w, b)
            rc.relu()
        rc.linear(weights[-1], biases[-1])
        out.append(int(rc.num_edges))

    seconds = best_of(run, repeats, budget)
    return out[-1], seconds


def predicted_recall(knots: np.ndarray, lo: float, hi: float, points: int) -> float:
    """Recall a grid of ``points`` would reach if every grid interval holding knots showed exactly one change."""
    spacing = (hi - lo) / (points - 1)
    cells = np.unique(np.ceil((knots - lo) / spacing))  # interval (x_{i-1}, x_i] holding each knot
    return knot_recall(knots, lo + (cells - 0.5) * spacing, spacing)


def grid_search(net, knots: np.ndarray, lo: float, hi: float, budget: float) -> dict:
    """Double the grid until 99% recall or the budget; extrapolate beyond it (see the module docstring)."""
    points, runs = 1024, []
    while True:
        start = time.perf_counter()
        grid = grid_count(net, lo, hi, points)
        seconds = time.perf_counter() - start
        recall = knot_recall(knots, grid.change_positions, grid.spacing)
        runs.append((points, seconds, grid.activation_regions, recall))
        if recall >= RECALL_TARGET:
            return {
                "points": points,
                "seconds": seconds,
                "count": grid.activation_regions,
                "recall": recall,
                "extrapolated": False,
                "runs": runs,
            }
        if 2 * seconds > budget:
            break
        points *= 2
    needed = points
    while predicted_recall(knots, lo, hi, needed) < RECALL_TARGET and needed < 2**62:
        needed *= 2
    return {
        "points": needed,
        "seconds": seconds * needed / points,
        "count": grid.activation_regions,
        "recall": recall,
        "extrapolated": True,
        "runs": runs,
        "model_check": (points, recall, predicted_recall(knots, lo, hi, points)),
    }


def walk_measure(net, result, lo: float, hi: float, regions: int, budget: float) -> dict:
    """Walk a sub-window of ``regions`` regions; the whole window too if that fits in ``budget`` seconds."""
    knots = result.knots
    total = knots.shape[0] + 1
    sub_hi = hi if total <= regions else 0.5 * (knots[regions - 1] + knots[regions])
    start = time.perf_counter()
    count = walk_count(net, lo, sub_hi)
    seconds = time.perf_counter() - start
    expected = result.restrict(lo, sub_hi).activation_regions
    if sub_hi == hi or seconds / count * total > budget:
        return {
            "count": count,
            "expected": expected,
            "seconds": seconds * total / count,
            "extrapolated": sub_hi != hi,
            "walked": count,
        }
    start = time.perf_counter()
    count = walk_count(net, lo, hi)
    return {
        "count": count,
        "expected": total,
        "seconds": time.perf_counter() - start,
        "extrapolated": False,
        "walked": count,
    }


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
    parser.add_argument("--quick", action="store_true", help="smoke run: widths 64 256, depth 4, small budgets")
    args = parser.parse_args()
    if args.quick:
        args.widths, args.depths, args.repeats = [64, 256], [4], 1
        args.grid_budget, args.walk_budget, args.walk_regions = 1.0, 2.0, 100

    machine_header("exact count vs regioncam, grid counter and region walk (benchmarks/peers.py)")
    print(
        f"# networks: He init, sigma_b = {args.sigma_b}, seed ({SEED}, width, depth); window [min knot-1, max knot+1]"
    )
    print("# 'regions' = activation regions on the window; 'diff' = theirs - ours; 'x ours' = their time / our time")
    print(
        f"# goals: faster than regioncam at width >= {REGIONCAM_GOAL_WIDTH} (x ours > 1); "
        f">= {GRID_GOAL:.0f}x faster than the grid counter at {RECALL_TARGET:.0%} knot recall"
    )
    count_regions(benchmark_network(128, 2))  # warm-up: imports and numba's kernels are not part of any timing
    header = f"{'width':>5} {'depth':>5} {'method':<22} {'regions':>8} {'diff':>6} {'seconds':>10} {'x ours':>9}  note"
    print(header)
    verdicts: list[str] = []
    for depth in args.depths:
        for width in args.widths:
            net = benchmark_network(width, depth, args.sigma_b)
            result, ours = timed_count(net, args.repeats, args.budget)
            knots = result.knots
            lo, hi = float(knots.min()) - 1.0, float(knots.max()) + 1.0
            ref = result.restrict(lo, hi).activation_regions
            tag = f"{width:>5} {depth:>5}"

            def row(method: str, count: int, seconds: float, note: str = "", tag: str = tag, ref: int = ref) -> float:
                ratio = seconds / ours  # noqa: B023  (ours of this network, used immediately)
                print(f"{tag} {method:<22} {count:>8} {count - ref:>+6} {seconds:>10.4g} {ratio:>9.3g}  {note}")
                return ratio

            row("ours (exact, float64)", ref, ours, f"window [{lo:.6g}, {hi:.6g}], certified={result.certified}")

            if args.no_regioncam:
                print(f"{tag} {'regioncam':<22} skipped (--no-regioncam)")
            else:
                try:
                    count, seconds = regioncam_count(net, lo, hi, args.repeats, args.budget)
                except ImportError:
                    print(f"{tag} {'regioncam':<22} not installed (pip install -e '.[bench]'): skipped")
                except Exception as err:  # a size or input it cannot handle: say why, go on
                    print(f"{tag} {'regioncam':<22} failed: {type(err).__name__}: {err}")
                else:
                    ratio = row("regioncam (float32)", count, seconds, "1 thread (Rust)")
                    if width >= REGIONCAM_GOAL_WIDTH:
                        met = "yes" if ratio > 1 else "no"
                        verdicts.append(f"{width}x{depth} faster than regioncam: {met} (their/our time {ratio:.2f})")

            grid = grid_search(net, knots, lo, hi, args.grid_budget)
            runs = ", ".join(f"{p}:{r:.3f}" for p, _, _, r in grid["runs"])
            note = f"{grid['points']} points, recall {grid['recall']:.3f}; runs (points:recall) {runs}"
            if grid["extrapolated"]:
                p, actual, model = grid["model_check"]
                note = (
                    f"EXTRAPOLATED to {grid['points']:.3g} points (predicted >= {RECALL_TARGET:.0%} recall; "
                    f"largest run {p} points: recall {actual:.3f}, model {model:.3f}); count at {p} points"
                )
            ratio = row("grid @99% recall (f64)", grid["count"], grid["seconds"], note)
            met = "yes" if ratio >= GRID_GOAL else "no"
            how = ", extrapolated" if grid["extrapolated"] else ""
            verdicts.append(f"{width}x{depth} >= {GRID_GOAL:.0f}x faster than grid: {met} ({ratio:.3g}x{how})")

            walk = walk_measure(net, result, lo, hi, args.walk_regions, args.walk_budget)
            agree = "agrees" if walk["count"] == walk["expected"] else f"DIFFERS (exact {walk['expected']})"
            if walk["extrapolated"]:
                note = f"EXTRAPOLATED from {walk['walked']} regions walked ({agree} there); count shown is there"
                row("walk", walk["count"], walk["seconds"], note, ref=walk["expected"])
            else:
                row("walk", walk["count"], walk["seconds"], agree)
    print("# verdicts:")
    for line in verdicts:
        print(f"#   {line}")


if __name__ == "__main__":
    main()
