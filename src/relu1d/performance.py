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
    """Count ``net`` once (keeping the result), then time up to ``repeats − 1`` more counts within ``budget``
    seconds; returns the result and the best wall time."""
    start = time.perf_counter()
    result = count_regions(net)
    first = time.perf_counter() - start
    if repeats > 1 and first < budget:
        first = min(first, best_of(lambda: count_regions(net), repeats - 1, budget - first))
    return result, first


def benchmark_network(width: int, depth: int, sigma_b: float = 1.0) -> Network:
    """The network every benchmark uses for (width, depth): He init, seed (SEED, width, depth)."""
    return sample_network([width] * depth, sigma_b, seed=(SEED, width, depth))


def ratio_goal(width: int) -> float | None:
    """The count / GEMM-floor goal for a width (None: no goal stated)."""
    for min_width, ratio in RATIO_GOALS:
        if width >= min_width:
            return ratio
    return None


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
    knots_before = [1, *np.cumsum(result.knots_per_layer)[:-1].tolist()]  # distinct knots entering each layer
    counts, floors = paired_times(lambda: count_regions(net), gemm_products(net, knots_before), repeats, budget)
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


def parallel_rows(
    networks: int, width: int, depth: int, sigma_b: float = 1.0, processes: int = 2, repeats: int = 2
) -> list[dict]:
    """End-to-end time of the count stage (``count_manifest``: regenerate and hash-check every network, count
    it, build both tables; spawn pool start-up included) on one cell of small networks, 1 vs ``processes``."""
    from relu1d.counting import count_manifest
    from relu1d.ensemble import Cell, write_manifest

    cell = Cell("bench_parallel", (width,) * depth, sigma_b, networks, SEED)
    with tempfile.TemporaryDirectory() as tmp:
        manifest = Path(tmp) / "manifest.json"
        write_manifest(cell, manifest)
        tables: dict[int, tuple] = {}

        def run(p: int) -> None:
            tables[p] = count_manifest(manifest, processes=p, progress=False)

        seconds = {p: best_of(lambda p=p: run(p), repeats) for p in (1, processes)}
    same = all(a.equals(b) for a, b in zip(tables[1], tables[processes], strict=True))
    return [
        {
            "networks": networks,
            "width": width,
            "depth": depth,
            "processes": p,
            "seconds": seconds[p],
            "ms_per_network": 1e3 * seconds[p] / networks,
            "speedup": seconds[1] / seconds[p],
            "goal": PARALLEL_GOAL if p == 2 else None,
            "tables_identical": same,
        }
        for p in (1, processes)
    ]


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
        " included) on many small networks, 1 process vs 2. Goal: speedup >= 1.8.",
        {"ms_per_network": "ms / network"},
    ),
}


def write_performance_tables(
    measurements: str | os.PathLike, benchmark_files: Iterable[str | os.PathLike], out: str | os.PathLike
) -> None:
    """The report's performance tables (CSV + LaTeX via ``relu1d.plotting.save_table``) from the CSV files of
    ``relu1d performance`` in ``measurements`` and the pipeline's benchmark files."""
    from relu1d.plotting import save_table

    for source, (name, caption, columns) in _TABLES.items():
        table, info = read_measurements(Path(measurements) / f"{source}.csv")
        save_table(table.rename(columns=columns), out, name, f"{caption} {_machine_caption(info)}", digits=3)
    costs = stage_costs(benchmark_files).rename(
        columns={"wall_s": "wall s (sum)", "cpu_s": "CPU s (sum)", "max_rss_mb": "max RSS MB"}
    )
    caption = (
        "Cost of the pipeline's computing rules in this run, from their Snakemake benchmark files (wall and CPU"
        " time summed over a rule's jobs; peak resident memory of its largest job)."
    )
    save_table(costs, out, "stage_costs", caption, digits=4)
