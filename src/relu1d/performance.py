"""Performance of the exact counter, measured: count time against the same process's matrix-product floor,
peak memory against the B × n bound, the speedup of the multiprocessing count stage, and the pipeline's own
per-rule benchmark files, each with the machine it ran on.

Shared by the scripts in ``benchmarks/`` (which print these rows) and the pipeline's performance stage
(``workflow/rules/performance.smk``: ``relu1d performance`` writes the CSV files, ``relu1d performance-tables``
turns them and the rules' ``benchmark:`` files into the report's tables). A CSV starts with ``# key: value``
lines describing the machine.
"""

from __future__ import annotations

import datetime
import os
import platform
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from relu1d.baselines import grid_count, knot_recall, regioncam_count, regioncam_layers, walk_count
from relu1d.breakpoints import RegionCount, count_regions, free_workspace
from relu1d.network import Network, sample_network

if TYPE_CHECKING:
    import pandas as pd

#: The networks every benchmark uses for (width, depth): seed (SEED, width, depth), He init.
SEED = 2025
#: (smallest width, largest allowed count / GEMM-floor ratio), tightest first (issue: performance).
RATIO_GOALS = ((1024, 1.25), (512, 2.0))
#: Speedup of the count stage with 2 processes over 1, on many small networks.
PARALLEL_GOAL = 1.8
MIB = 2**20


def cpu_model() -> str:
    """CPU model name from /proc/cpuinfo (Linux), else what ``platform`` knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_description() -> str:
    """numpy's BLAS as built and as loaded (threadpoolctl): library, version, architecture, threads."""
    from threadpoolctl import threadpool_info

    parts = []
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        parts.append(f"built with {blas.get('name', '?')} {blas.get('version', '?')}")
    except Exception:  # numpy < 1.26 or an unusual build
        pass
    for lib in threadpool_info():
        if lib.get("user_api") == "blas":
            arch = lib.get("architecture") or ""
            parts.append(
                f"loaded {lib.get('internal_api')} {lib.get('version')} {arch} {lib.get('num_threads')} threads".strip()
            )
    return "; ".join(parts) or "unknown"


def machine() -> dict[str, str]:
    """What the measurements depend on: date, host, CPU, usable cores, load, Python, numpy, numba, BLAS."""
    try:
        import numba

        numba_version = numba.__version__
    except ImportError:
        numba_version = "absent (array-API passes)"
    logical = os.cpu_count() or 0
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else logical
    load = " ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "host": f"{platform.node()} ({platform.system()} {platform.release()})",
        "cpu": f"{cpu_model()}; {logical} logical cores, {usable} usable",
        "load": load,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba_version,
        "blas": blas_description(),
    }


def machine_header(title: str) -> None:
    """Print the header every benchmark script starts with (lines start with '#')."""
    info = machine()
    print(f"# relu1d benchmark: {title}")
    print(f"# {info['date']} on {info['host']}")
    print(f"# CPU: {info['cpu']}; load average {info['load']}")
    print(f"# python {info['python']}, numpy {info['numpy']}, numba {info['numba']}; BLAS: {info['blas']}")
    print("# every ratio below is measured in this one run, on the same networks")


def best_of(fn: Callable[[], object], repeats: int, budget: float = float("inf")) -> float:
    """Smallest wall time of up to ``repeats`` calls; stops early once ``budget`` seconds have been spent."""
    best, spent = float("inf"), 0.0
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - start
        best, spent = min(best, elapsed), spent + elapsed
        if spent >= budget:
            break
    return best


def timed_count(net: Network, repeats: int, budget: float) -> tuple[RegionCount, float]:
    """Count ``net`` once untimed (keeping the result; numba's kernels and the reusable buffers are then warm),
    then time up to ``repeats`` counts within ``budget`` seconds; returns the result and the best wall time."""
    result = count_regions(net)
    return result, best_of(lambda: count_regions(net), repeats, budget)


def benchmark_network(width: int, depth: int, sigma_b: float = 1.0) -> Network:
    """The network every benchmark uses for (width, depth): He init, seed (SEED, width, depth)."""
    return sample_network([width] * depth, sigma_b, seed=(SEED, width, depth))


def ratio_goal(width: int) -> float | None:
    """The count / GEMM-floor goal for a width (None: no goal stated)."""
    for min_width, ratio in RATIO_GOALS:
        if width >= min_width:
            return ratio
    return None


def knots_entering_layers(result: RegionCount) -> list[int]:
    """B_{ℓ−1}, the distinct knots entering each hidden layer ℓ (1 for the first: the engine's anchor at 0)."""
    return [1, *np.cumsum(result.knots_per_layer)[:-1].tolist()]


def gemm_products(net: Network, knots_before: Iterable[int], xp: Any = np) -> Callable[[], None]:
    """The engine's two products per layer, H·Wᵀ and ΔS·Wᵀ with H, ΔS of shape B_{ℓ−1} × n_{ℓ−1}, as a callable
    (``xp``: numpy, or cupy for the GPU floor; the caller synchronises a device).

    H and ΔS are two different matrices, as in the engine: multiplying one matrix twice would time its second
    product from cache (a 3000 × 1024 float64 matrix fits a 32 MiB L3). The products are written into
    preallocated arrays, as the engine writes into reused buffers: the floor is the arithmetic alone, without
    faulting in fresh pages for every result.
    """
    rng = np.random.default_rng(0)
    mats = []
    for b, w in zip(knots_before, net.weights[:-1], strict=True):
        rows = max(b, 1)
        h, jump = (xp.asarray(rng.standard_normal((rows, w.shape[1]))) for _ in range(2))
        outs = (xp.empty((rows, w.shape[0])), xp.empty((rows, w.shape[0])))
        mats.append((h, jump, xp.asarray(np.ascontiguousarray(w.T)), outs))

    def run() -> None:
        for h, jump, wt, (z, dz) in mats:
            xp.matmul(h, wt, out=z)
            xp.matmul(jump, wt, out=dz)

    return run


def paired_times(
    first: Callable[[], object], second: Callable[[], object], repeats: int, budget: float = float("inf")
) -> tuple[list[float], list[float]]:
    """Wall times of ``first`` and ``second`` run alternately, up to ``repeats`` pairs (at least one; stops once
    ``budget`` seconds are spent): each pair sees the same machine state, so a load spike on this shared machine
    slows both members of a pair instead of one side of a ratio."""
    times: tuple[list[float], list[float]] = ([], [])
    spent = 0.0
    for _ in range(max(1, repeats)):
        for fn, out in zip((first, second), times, strict=True):
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
            spent += out[-1]
        if spent >= budget:
            break
    return times


def count_time_row(width: int, depth: int, sigma_b: float = 1.0, repeats: int = 3, budget: float = 10.0) -> dict:
    """Our count time for one benchmark network and the GEMM floor of the same shapes, measured now in
    alternating pairs (after one untimed count that gives the knot counts B_ℓ and warms the buffers).

    ``ratio`` = best count time / best floor time; ``ratio_lo``, ``ratio_hi``: the smallest and largest ratio
    within one pair, the run-to-run spread of the measurement.
    """
    net = benchmark_network(width, depth, sigma_b)
    result = count_regions(net)
    floor = gemm_products(net, knots_entering_layers(result))
    counts, floors = paired_times(lambda: count_regions(net), floor, repeats, budget)
    pair_ratios = [c / f for c, f in zip(counts, floors, strict=True)]
    goal = ratio_goal(width)
    ratio = min(counts) / min(floors)
    return {
        "width": width,
        "depth": depth,
        "knots": int(result.knots.shape[0]),
        "pairs": len(counts),
        "count_s": min(counts),
        "gemm_s": min(floors),
        "ratio": ratio,
        "ratio_lo": min(pair_ratios),
        "ratio_hi": max(pair_ratios),
        "goal": goal,
        "met": None if goal is None else bool(ratio <= goal),
    }


def memory_row(width: int, depth: int, sigma_b: float = 1.0) -> dict:
    """Peak memory traced by tracemalloc during one count (reusable buffers released first, so the count
    allocates everything it uses) against one B × n float64 array, B = distinct knots of f, n = width."""
    net = benchmark_network(width, depth, sigma_b)
    count_regions(benchmark_network(128, 2))  # loads numba and its kernels: not the count's memory
    free_workspace()
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    start = time.perf_counter()
    result = count_regions(net)
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


#: Peer goals (issue: performance): faster than regioncam from this width on; this many times faster than the
#: dense-grid counter at ``RECALL_TARGET`` knot recall.
REGIONCAM_GOAL_WIDTH = 1000
GRID_GOAL = 100.0
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

    Rows: ours (best of ``repeats``), regioncam (float32, best of ``repeats``; skipped with a note when not
    installed or ``regioncam`` is False), the grid counter at 99% recall (:func:`grid_search`) and the walk
    (:func:`walk_measure`). ``regions``: what the method counted on the window (the walk: on the part walked);
    ``diff``: that minus the exact count on the same part; ``x_ours``: its time / our time; ``met``: the goal
    (regioncam at width ≥ 1000: x_ours > 1; grid: x_ours ≥ 100), None where none is stated.
    """
    net = benchmark_network(width, depth, sigma_b)
    result, ours = timed_count(net, repeats, budget)
    knots = result.knots
    lo, hi = float(knots.min()) - 1.0, float(knots.max()) + 1.0
    exact = result.restrict(lo, hi).activation_regions
    rows: list[dict] = []

    def add(method: str, regions: int | None, expected: int, seconds: float | None, goal: float | None, note: str):
        ratio = None if seconds is None else seconds / ours
        rows.append({
            "width": width, "depth": depth, "method": method, "regions": regions,
            "diff": None if regions is None else regions - expected, "seconds": seconds, "x_ours": ratio,
            "goal": goal, "met": None if goal is None or ratio is None else bool(ratio >= goal), "note": note,
        })  # fmt: skip

    add("ours (exact, float64)", exact, exact, ours, None, f"window [{lo:.4g}, {hi:.4g}]")
    goal = 1.0 if width >= REGIONCAM_GOAL_WIDTH else None
    if not regioncam:
        add("regioncam (float32)", None, exact, None, None, "skipped")
    else:
        try:
            layers = regioncam_layers(net)
            found: list[int] = []
            seconds = best_of(lambda: found.append(regioncam_count(net, lo, hi, layers)), repeats, budget)
            add("regioncam (float32)", found[-1], exact, seconds, goal, "1 thread (Rust)")
        except ImportError:
            add("regioncam (float32)", None, exact, None, None, "not installed (extra: bench)")
    grid = grid_search(net, knots, lo, hi, grid_budget)
    note = f"{grid['points']:.3g} points"
    if grid["extrapolated"]:
        note += f" predicted; time, count from {grid['run_points']} (recall {grid['run_recall']:.2f})"
    add("grid @ 99% recall (float64)", grid["count"], exact, grid["seconds"], GRID_GOAL, note)
    walk = walk_measure(net, result, lo, hi, walk_regions, walk_budget)
    note = f"time extrapolated from {walk['walked']} regions" if walk["extrapolated"] else "whole window"
    add("walk", walk["count"], walk["expected"], walk["seconds"], None, note)
    return rows


def _busy_counts(net: Network, counts: int) -> float:
    """Wall time of ``counts`` counts of ``net`` in this process (a unit of CPU-bound work, no IPC)."""
    start = time.perf_counter()
    for _ in range(counts):
        count_regions(net)
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
    it, build both tables; spawn pool start-up included) on one cell of small networks, 1 vs ``processes``,
    timed in alternating pairs (best of each); then ``machine_speedup`` measured on the same work, the
    ceiling the machine allows at that moment (``efficiency`` = speedup / that)."""
    from relu1d.counting import count_manifest
    from relu1d.ensemble import Cell, write_manifest

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
            "goal": PARALLEL_GOAL if p == processes else None,
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
    results copied back to numpy included), each ended by ``synchronize()``; ``device_floor_s``: the engine's two
    products per layer with the same shapes on the device (:func:`gemm_products`); ``cpu_s``: one numpy count
    in the same run and whether every integer count agrees (``cpu``: False skips it).
    """

    def device_count() -> RegionCount:
        result = count_regions(net, xp=xp)
        synchronize()
        return result

    result = device_count()  # warm-up
    t_device = best_of(device_count, repeats)
    floor = gemm_products(net, knots_entering_layers(result), xp)

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
        on_cpu = count_regions(net)
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


def write_measurements(rows: list[dict], path: str | os.PathLike, info: dict[str, str] | None = None) -> None:
    """A CSV of measurement rows, after ``# key: value`` lines describing the machine (atomic)."""
    import pandas as pd

    from relu1d.io import atomic_output

    header = "".join(f"# {key}: {value}\n" for key, value in (info or machine()).items())
    with atomic_output(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(header)
            pd.DataFrame(rows).to_csv(fh, index=False, float_format="%.6g")


def read_measurements(path: str | os.PathLike) -> tuple[pd.DataFrame, dict[str, str]]:
    """The rows and the machine description of a file written by :func:`write_measurements`."""
    import pandas as pd

    info = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.startswith("# "):
                break
            key, _, value = line[2:].rstrip("\n").partition(": ")
            info[key] = value
    return pd.read_csv(path, comment="#"), info


def stage_costs(benchmark_files: Iterable[str | os.PathLike]) -> pd.DataFrame:
    """Per rule, from Snakemake ``benchmark:`` files (results/benchmarks/<rule>[/<wildcards>].tsv): jobs, wall
    time summed, CPU time summed (user + system of the job's processes), largest peak RSS."""
    import pandas as pd

    rows = []
    for path in benchmark_files:
        path = Path(path)
        rule = path.parent.name if path.parent.name != "benchmarks" else path.stem
        table = pd.read_csv(path, sep="\t")
        if table.empty or not {"s", "cpu_time", "max_rss"} <= set(table.columns):
            raise ValueError(f"{path}: not a Snakemake benchmark file (need columns s, cpu_time, max_rss)")
        first = table.iloc[0]
        value = {key: float(pd.to_numeric(first[key], errors="coerce")) for key in ("s", "cpu_time", "max_rss")}
        rows.append({"rule": rule, "wall_s": value["s"], "cpu_s": value["cpu_time"], "max_rss_mb": value["max_rss"]})
    if not rows:
        raise ValueError("stage_costs: no benchmark files given")
    frame = pd.DataFrame(rows)
    return (
        frame.groupby("rule", sort=False)
        .agg(
            jobs=("wall_s", "size"), wall_s=("wall_s", "sum"), cpu_s=("cpu_s", "sum"), max_rss_mb=("max_rss_mb", "max")
        )
        .reset_index()
        .sort_values("cpu_s", ascending=False, kind="stable")
        .reset_index(drop=True)
    )


def _machine_caption(info: dict[str, str]) -> str:
    """One ASCII line naming the machine of a measurement (for a LaTeX caption)."""
    text = (
        f"Measured {info.get('date', '?')} on {info.get('cpu', '?')} (load {info.get('load', '?')}); "
        f"numpy {info.get('numpy', '?')}, numba {info.get('numba', '?')}; BLAS {info.get('blas', '?')}."
    )
    return text.encode("ascii", "replace").decode()


#: Caption (before the machine line) and column names of each performance table.
_TABLES = {
    "count_time": (
        "performance_count",
        "Exact count time of one He network (sigma_b = 1) against the time numpy takes for the engine's two matrix"
        " products per layer with the same shapes (two distinct matrices, preallocated results), timed in"
        " alternating pairs in the same process; count / floor = best count / best floor, lo-hi = the range of the"
        " ratio within one pair. Goals: <= 1.25 at width >= 1024, <= 2 at width 512.",
        {"count_s": "count s", "gemm_s": "GEMM floor s", "ratio": "count / floor", "ratio_lo": "lo", "ratio_hi": "hi"},
    ),
    "memory": (
        "performance_memory",
        "Peak memory of one count traced by tracemalloc (reusable buffers released first) against one"
        " B x n float64 array, B = distinct knots, n = width.",
        {"bound_mib": "B x n x 8 MiB", "peak_mib": "peak MiB", "peak_over_bound": "peak / bound", "count_s": "count s"},
    ),
    "parallel": (
        "performance_parallel",
        "The count stage (count_manifest: regenerate and hash-check, count, build the tables; spawn pool start-up"
        " included) on many small networks, 1 process vs 2, timed alternately. Machine ceiling: what 2 processes"
        " gain at that moment on the same counts in an already started pool (no start-up, no IPC); efficiency ="
        " speedup / ceiling. Goal: speedup >= 1.8.",
        {"ms_per_network": "ms / network", "machine_speedup": "machine ceiling"},
    ),
    "peers": (
        "performance_peers",
        "Our exact count against the peers on one He network each, on the window [min knot - 1, max knot + 1]"
        " (it holds every knot): regioncam (float32, Rust), the dense-grid counter at the grid size reaching 99%"
        " one-to-one knot recall, the region walk (one forward pass per region). regions: what the method counted"
        " (the walk: on the part walked), diff: that minus the exact count there, x ours: its time / ours."
        " Goals: faster than regioncam at width >= 1000 (x ours > 1), >= 100x faster than the grid.",
        {"x_ours": "x ours"},
    ),
    "gpu": (
        "performance_gpu",
        "The cupy path (count_regions(net, xp=cupy)) on one He network: count time on the GPU against the"
        " engine's two products per layer on the same GPU, the CPU count time in the same run, and whether every"
        " integer count agrees. Measured only where a CUDA device and cupy are present.",
        {
            "device_s": "GPU s",
            "device_floor_s": "GPU floor s",
            "device_over_floor": "GPU / floor",
            "cpu_s": "CPU s",
            "cpu_over_device": "CPU / GPU",
            "counts_identical": "counts identical",
        },
    ),
}


#: Integer columns that may have gaps (a peer not installed, no GPU): read back as floats otherwise.
_COUNT_COLUMNS = {"knots", "linear_regions", "regions", "diff"}


def write_performance_tables(
    measurements: str | os.PathLike, benchmark_files: Iterable[str | os.PathLike], out: str | os.PathLike
) -> None:
    """The report's performance tables (CSV + LaTeX via ``relu1d.plotting.save_table``) from the CSV files of
    ``relu1d performance`` in ``measurements`` and the pipeline's benchmark files."""
    from relu1d.plotting import save_table

    for source, (name, caption, columns) in _TABLES.items():
        table, info = read_measurements(Path(measurements) / f"{source}.csv")
        for column in _COUNT_COLUMNS & set(table.columns):  # counts with gaps stay integers (pandas' Int64)
            table[column] = table[column].astype("Int64")
        save_table(table.rename(columns=columns), out, name, f"{caption} {_machine_caption(info)}", digits=3)
    costs = stage_costs(benchmark_files).rename(
        columns={"wall_s": "wall s (sum)", "cpu_s": "CPU s (sum)", "max_rss_mb": "max RSS MB"}
    )
    caption = (
        "Cost of the pipeline's computing rules in this run, from their Snakemake benchmark files (wall and CPU"
        " time summed over a rule's jobs; peak resident memory of its largest job)."
    )
    save_table(costs, out, "stage_costs", caption, digits=4)
