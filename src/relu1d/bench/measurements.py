"""The measurements of the performance stage, one row (a dict) each: count time against the product floor, peak memory
against the B × n bound, the peers on one network, the speedup of the multiprocessing count stage, the GPU path.

Shared by the scripts in ``benchmarks/`` (which print the rows) and ``relu1d performance`` (which writes them for
the report's tables, ``relu1d.bench.tables``). Every row that has a goal (``relu1d.bench.goals``) says whether it
was met."""

from __future__ import annotations

import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from relu1d.bench.goals import Goal, goal_for
from relu1d.bench.peers import grid_count, knot_recall, regioncam_count, regioncam_layers, walk_count
from relu1d.bench.timing import (
    MIB,
    SEED,
    benchmark_network,
    best_of,
    knots_entering_layers,
    paired_times,
    product_floor,
    timed_count,
)
from relu1d.engine.count import count_network
from relu1d.engine.network import Network
from relu1d.engine.propagation.dense import free_workspace
from relu1d.engine.result import RegionCount


def blas_threads() -> int:
    """The BLAS threads numpy's products use now (threadpoolctl; 1 when it reports no BLAS)."""
    from threadpoolctl import threadpool_info

    return max([lib["num_threads"] for lib in threadpool_info() if lib.get("user_api") == "blas"] or [1])


def count_time_row(
    width: int, depth: int, sigma_b: float = 1.0, repeats: int = 3, budget: float = 10.0, threads: int | None = None
) -> dict:
    """Our count time for one benchmark network and the floor of the same shapes (``relu1d.bench.timing``:
    one product per layer), measured now in alternating pairs (after one untimed count that gives the knot
    counts B_ℓ and warms the buffers), with ``threads`` BLAS threads (None: all the BLAS has).

    ``ratio`` = best count time / best floor time; ``ratio_lo``, ``ratio_hi``: the smallest and largest ratio
    within one pair, the run-to-run spread of the measurement. The goal is the one-thread or the all-core one.
    """
    from threadpoolctl import threadpool_limits

    net = benchmark_network(width, depth, sigma_b)
    with threadpool_limits(threads, user_api="blas"):
        used = blas_threads()
        result = count_network(net)
        floor = product_floor(net, knots_entering_layers(result))
        counts, floors = paired_times(lambda: count_network(net), floor, repeats, budget)
    pair_ratios = [c / f for c, f in zip(counts, floors, strict=True)]
    goal = goal_for("count_time_one_thread" if used == 1 else "count_time_all_cores", width)
    ratio = min(counts) / min(floors)
    return {
        "width": width,
        "depth": depth,
        "threads": used,
        "knots": int(result.knots.shape[0]),
        "pairs": len(counts),
        "count_s": min(counts),
        "floor_s": min(floors),
        "ratio": ratio,
        "ratio_lo": min(pair_ratios),
        "ratio_hi": max(pair_ratios),
        "goal": None if goal is None else goal.bound,
        "met": None if goal is None else goal.met(ratio),
    }


def memory_row(width: int, depth: int, sigma_b: float = 1.0) -> dict:
    """Peak memory traced by tracemalloc during one count (reusable buffers released first, so the count
    allocates everything it uses) against one B × n float64 array, B = distinct knots of f, n = width."""
    net = benchmark_network(width, depth, sigma_b)
    count_network(benchmark_network(128, 2))  # loads numba and its kernels: not the count's memory
    free_workspace()
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    start = time.perf_counter()
    result = count_network(net)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    bound = result.knots.shape[0] * width * 8
    return {
        "width": width,
        "depth": depth,
        "knots": int(result.knots.shape[0]),
        "bound_mib": bound / MIB,
        "peak_mib": peak / MIB,
        "peak_over_bound": peak / max(bound, 1),
        "count_s": seconds,
    }


#: One-to-one knot recall at which the dense-grid counter is compared with ours (its time at that grid size).
RECALL_TARGET = 0.99


def predicted_recall(knots: np.ndarray, lo: float, hi: float, points: int) -> float:
    """Recall a grid of ``points`` on [lo, hi] would reach if every grid interval holding knots showed exactly one
    pattern change (optimistic: it ignores changes that cancel)."""
    spacing = (hi - lo) / (points - 1)
    cells = np.unique(np.ceil((knots - lo) / spacing))  # interval (x_{i-1}, x_i] holding each knot
    return knot_recall(knots, lo + (cells - 0.5) * spacing, spacing)


def grid_search(net: Network, knots: np.ndarray, lo: float, hi: float, budget: float) -> dict:
    """The dense-grid counter at the grid size reaching ``RECALL_TARGET`` one-to-one knot recall.

    The grid is doubled from 1024 points until the recall is reached or the next run would exceed ``budget``
    seconds; then the size needed is predicted from the exact knots (:func:`predicted_recall`) and the time
    extrapolated linearly in the number of points from the largest grid run (``extrapolated``: True).
    """
    points = 1024
    while True:
        start = time.perf_counter()
        grid = grid_count(net, lo, hi, points)
        seconds = time.perf_counter() - start
        recall = knot_recall(knots, grid.change_positions, grid.spacing)
        if recall >= RECALL_TARGET or 2 * seconds > budget:
            break
        points *= 2
    found = {"run_points": points, "run_recall": recall, "count": grid.activation_regions}
    if recall >= RECALL_TARGET:
        return found | {"points": points, "seconds": seconds, "extrapolated": False}
    needed = points
    while predicted_recall(knots, lo, hi, needed) < RECALL_TARGET and needed < 2**62:
        needed *= 2
    return found | {"points": needed, "seconds": seconds * needed / points, "extrapolated": True}


def walk_measure(net: Network, result: RegionCount, lo: float, hi: float, regions: int, budget: float) -> dict:
    """The region walk on [lo, hi]: whole when that fits in ``budget`` seconds, else on the sub-window of the first
    ``regions`` regions, checked there, with its time per region extrapolated to all (``extrapolated``: True)."""
    knots = result.knots
    total = knots.shape[0] + 1
    sub_hi = hi if total <= regions else 0.5 * (knots[regions - 1] + knots[regions])
    start = time.perf_counter()
    count = walk_count(net, lo, sub_hi)
    seconds = time.perf_counter() - start
    expected = result.restrict(lo, sub_hi).activation_regions
    if sub_hi != hi and seconds / count * total <= budget:
        start = time.perf_counter()
        count, sub_hi, expected = walk_count(net, lo, hi), hi, total
        seconds = time.perf_counter() - start
    return {
        "count": count,
        "expected": expected,
        "walked": count,
        "seconds": seconds if sub_hi == hi else seconds * total / count,
        "extrapolated": sub_hi != hi,
    }


def peer_rows(
    width: int,
    depth: int,
    sigma_b: float = 1.0,
    repeats: int = 3,
    budget: float = 10.0,
    grid_budget: float = 8.0,
    walk_budget: float = 10.0,
    walk_regions: int = 300,
    regioncam: bool = True,
) -> list[dict]:
    """Our exact count against the peers on one benchmark network, on the window [min knot − 1, max knot + 1]
    (it holds every knot, so the exact activation-region count there is the count over ℝ).

    Rows: ours on one and on all BLAS threads (best of ``repeats``), the product floor of the same count on one and
    on all (``FLOOR_DEFINITION``: the arithmetic a count is built on), regioncam (float32, best of ``repeats``;
    skipped with a note when not installed or ``regioncam`` is False; its notes give its time over the floor), the
    grid counter at 99% recall (:func:`grid_search`) and the walk (:func:`walk_measure`). ``regions``: what the
    method counted on the window (the walk: on the part walked); ``diff``: that minus the exact count on the same
    part; ``x_ours``: its time / our time (ours on all BLAS threads; the one-thread rows and regioncam also against
    ours on one); ``met``: the goal (``relu1d.bench.goals``), None where none is stated.
    """
    from threadpoolctl import threadpool_limits

    net = benchmark_network(width, depth, sigma_b)
    with threadpool_limits(1, user_api="blas"):
        result, ours_one = timed_count(net, repeats, budget)
        products = product_floor(net, knots_entering_layers(result))
        floor_one = best_of(products, repeats, budget)
    result, ours = timed_count(net, repeats, budget)
    floor = best_of(products, repeats, budget)
    cores = blas_threads()
    knots = result.knots
    lo, hi = float(knots.min()) - 1.0, float(knots.max()) + 1.0
    exact = result.restrict(lo, hi).activation_regions
    rows: list[dict] = []

    def add(method: str, regions: int | None, expected: int, seconds: float | None, goal: Goal | None, note: str,
            than: float = ours):  # fmt: skip
        ratio = None if seconds is None else seconds / than
        rows.append({
            "width": width, "depth": depth, "method": method, "regions": regions,
            "diff": None if regions is None else regions - expected, "seconds": seconds, "x_ours": ratio,
            "goal": None if goal is None else goal.bound,
            "met": None if goal is None or ratio is None else goal.met(ratio), "note": note,
        })  # fmt: skip

    window = f"window [{lo:.4g}, {hi:.4g}]"
    add("ours (exact, float64), 1 thread", exact, exact, ours_one, None, window, than=ours_one)
    add(f"ours (exact, float64), {cores} threads", exact, exact, ours, None, window)
    add("floor (float64 products), 1 thread", None, exact, floor_one, None, "one product per layer", than=ours_one)
    add(f"floor (float64 products), {cores} threads", None, exact, floor, None, "one product per layer")
    if not regioncam:
        add("regioncam (float32)", None, exact, None, None, "skipped")
    else:
        try:
            layers = regioncam_layers(net)
            found: list[int] = []
            seconds = best_of(lambda: found.append(regioncam_count(net, lo, hi, layers)), repeats, budget)
            for kind, than, under, versus in (
                ("regioncam_per_core", ours_one, floor_one, "1"), ("regioncam", ours, floor, str(cores))
            ):  # fmt: skip
                note = f"1 thread (Rust) vs ours on {versus}; {seconds / under:.2f} x the floor on {versus}"
                add("regioncam (float32)", found[-1], exact, seconds, goal_for(kind, width), note, than=than)
        except ImportError:
            add("regioncam (float32)", None, exact, None, None, "not installed (extra: bench)")
    grid = grid_search(net, knots, lo, hi, grid_budget)
    note = f"{grid['points']:.3g} points"
    if grid["extrapolated"]:
        note += f" predicted; time, count from {grid['run_points']} (recall {grid['run_recall']:.2f})"
    add("grid @ 99% recall (float64)", grid["count"], exact, grid["seconds"], goal_for("grid", width), note)
    walk = walk_measure(net, result, lo, hi, walk_regions, walk_budget)
    note = f"time extrapolated from {walk['walked']} regions" if walk["extrapolated"] else "whole window"
    add("walk", walk["count"], walk["expected"], walk["seconds"], None, note)
    return rows


def _busy_counts(net: Network, counts: int) -> float:
    """Wall time of ``counts`` counts of ``net`` in this process (a unit of CPU-bound work, no IPC)."""
    start = time.perf_counter()
    for _ in range(counts):
        count_network(net)
    return time.perf_counter() - start


def machine_speedup(net: Network, counts: int, processes: int = 2) -> float:
    """What ``processes`` processes can gain on this machine now: in a started spawn pool, the wall time of one
    worker counting ``net`` ``processes × counts`` times over that of ``processes`` workers counting it
    ``counts`` times each at once (no start-up, no IPC; a shared or contended virtual CPU shows here)."""
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        pool.starmap(_busy_counts, [(net, 1)] * processes, chunksize=1)  # imports and first counts: not timed
        start = time.perf_counter()
        pool.apply(_busy_counts, (net, processes * counts))
        serial = time.perf_counter() - start
        start = time.perf_counter()
        pool.starmap(_busy_counts, [(net, counts)] * processes, chunksize=1)
        return serial / (time.perf_counter() - start)


def parallel_rows(
    networks: int, width: int, depth: int, sigma_b: float = 1.0, processes: int = 2, repeats: int = 2
) -> list[dict]:
    """End-to-end time of the count stage (``count_manifest``: regenerate and hash-check every network, count
    it, build both tables; pool start-up included) on one cell of small networks, 1 vs ``processes``,
    timed in alternating pairs (best of each); then ``machine_speedup`` measured on the same work, the
    ceiling the machine allows at that moment (``efficiency`` = speedup / that)."""
    from relu1d.replication.counting import count_manifest
    from relu1d.replication.ensemble import Cell, write_manifest

    cell = Cell("bench_parallel", (width,) * depth, sigma_b, networks, SEED)
    with tempfile.TemporaryDirectory() as tmp:
        manifest = Path(tmp) / "manifest.json"
        write_manifest(cell, manifest)
        tables: dict[int, tuple] = {}

        def run(p: int) -> None:
            tables[p] = count_manifest(manifest, processes=p, progress=False)

        serial, parallel = paired_times(lambda: run(1), lambda: run(processes), repeats)
    seconds = {1: min(serial), processes: min(parallel)}
    same = all(a.equals(b) for a, b in zip(tables[1], tables[processes], strict=True))
    per_network = seconds[1] / networks
    ceiling = machine_speedup(benchmark_network(width, depth, sigma_b), max(1, int(0.5 / per_network)), processes)
    return [
        {
            "networks": networks,
            "width": width,
            "depth": depth,
            "processes": p,
            "seconds": seconds[p],
            "ms_per_network": 1e3 * seconds[p] / networks,
            "speedup": seconds[1] / seconds[p],
            "goal": goal_for("parallel", width).bound if p == processes else None,
            "machine_speedup": ceiling if p == processes else None,
            "efficiency": seconds[1] / seconds[p] / ceiling if p == processes else None,
            "tables_identical": same,
        }
        for p in (1, processes)
    ]


def cuda_namespace() -> Any:
    """cupy when it imports and a CUDA device answers, else None."""
    try:
        import cupy

        if cupy.cuda.runtime.getDeviceCount() < 1:
            return None
        cupy.zeros(1).sum()  # touches the device: fails here when the driver is unusable
        return cupy
    except Exception:  # no cupy, no driver, no device: all mean "no GPU path here"
        return None


def device_row(net: Network, xp: Any, synchronize: Callable[[], object], repeats: int = 3, cpu: bool = True) -> dict:
    """The engine on an array namespace ``xp`` (cupy for the GPU) against that device's floor and the CPU.

    ``device_s``: best of ``repeats`` counts after a warm-up (CUDA context and kernel compilation excluded,
    results copied back to numpy included), each ended by ``synchronize()``; ``device_floor_s``: one product per
    layer with the same shapes on the device (``relu1d.bench.timing.product_floor``); ``cpu_s``: one numpy count
    in the same run and whether every integer count agrees (``cpu``: False skips it).
    """

    def device_count() -> RegionCount:
        result = count_network(net, xp=xp)
        synchronize()
        return result

    result = device_count()  # warm-up
    t_device = best_of(device_count, repeats)
    floor = product_floor(net, knots_entering_layers(result), xp)

    def device_floor() -> None:
        floor()
        synchronize()

    device_floor()
    t_floor = best_of(device_floor, max(repeats, 3))
    row = {
        "width": net.widths[0],
        "depth": net.depth,
        "knots": int(result.knots.shape[0]),
        "linear_regions": result.linear_regions,
        "device_s": t_device,
        "device_floor_s": t_floor,
        "device_over_floor": t_device / t_floor,
        "cpu_s": None,
        "cpu_over_device": None,
        "counts_identical": None,
    }
    if cpu:
        start = time.perf_counter()
        on_cpu = count_network(net)
        row["cpu_s"] = time.perf_counter() - start
        row["cpu_over_device"] = row["cpu_s"] / t_device
        row["counts_identical"] = bool(
            on_cpu.linear_regions == result.linear_regions
            and on_cpu.activation_regions == result.activation_regions
            and np.array_equal(on_cpu.knots_per_layer, result.knots_per_layer)
            and np.array_equal(on_cpu.breakpoints_per_layer, result.breakpoints_per_layer)
        )
    return row


def gpu_rows(width: int, depth: int, sigma_b: float = 1.0, repeats: int = 3, cpu: bool = True) -> list[dict]:
    """:func:`device_row` on cupy for the benchmark network, with the device's name; one row saying it was
    skipped when there is no GPU or no cupy."""
    cp = cuda_namespace()
    if cp is None:
        return [{"width": width, "depth": depth, "device": "none (no CUDA device or no cupy, extra gpu): not measured"}]
    props = cp.cuda.runtime.getDeviceProperties(cp.cuda.Device().id)
    name = props["name"].decode() if isinstance(props["name"], bytes) else str(props["name"])
    device = f"{name}, {props['totalGlobalMem'] / 2**30:.0f} GiB; cupy {cp.__version__}"
    net = benchmark_network(width, depth, sigma_b)
    return [{"device": device} | device_row(net, cp, cp.cuda.Device().synchronize, repeats, cpu)]
