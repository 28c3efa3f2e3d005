"""The timing harness every measurement uses: the machine it runs on, the benchmark networks, best-of and paired
timings, and the floor a count is compared with (one matrix product per layer with the count's own shapes)."""

from __future__ import annotations

import datetime
import os
import platform
import time
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from relu1d.engine.count import count_network
from relu1d.engine.network import Network, sample_network
from relu1d.engine.result import RegionCount

#: The networks every benchmark uses for (width, depth): seed (SEED, width, depth), He init.
SEED = 2025


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


def timed_count(net: Network, repeats: int, budget: float) -> tuple[RegionCount, float]:
    """Count ``net`` once untimed (keeping the result; numba's kernels and the reusable buffers are then warm),
    then time up to ``repeats`` counts within ``budget`` seconds; returns the result and the best wall time."""
    result = count_network(net)
    return result, best_of(lambda: count_network(net), repeats, budget)


def benchmark_network(width: int, depth: int, sigma_b: float = 1.0) -> Network:
    """The network every benchmark uses for (width, depth): He init, seed (SEED, width, depth)."""
    return sample_network([width] * depth, sigma_b, seed=(SEED, width, depth))


def knots_entering_layers(result: RegionCount) -> list[int]:
    """B_{ℓ−1}, the distinct knots entering each hidden layer ℓ (1 for the first: the engine's anchor at 0)."""
    return [1, *np.cumsum(result.knots_per_layer)[:-1].tolist()]


#: The floor a count is compared with, in words (the report's performance section and the tables quote it).
FLOOR_DEFINITION = (
    "one float64 matrix product per hidden layer, a matrix with one row per knot entering the layer and one column"
    " per input of the layer times the layer's transposed weights, into a preallocated result"
)


def product_floor(net: Network, knots_before: Iterable[int], xp: Any = np) -> Callable[[], None]:
    """The floor of a count (``FLOOR_DEFINITION``): one product per hidden layer, a B_{ℓ−1} × n_{ℓ−1} matrix times
    Wᵀ, as a callable (``xp``: numpy, or cupy for the GPU floor; the caller synchronises a device).

    Along a line every pre-activation is affine between knots, so one product per layer carries everything a
    count needs (the engine's is the jump product ΔS·Wᵀ; values follow by prefix sums, docs/mathematics.md §2.2).
    The product is written into a preallocated array, as the engine writes into reused buffers: the floor is the
    arithmetic alone, without faulting in fresh pages for every result.
    """
    rng = np.random.default_rng(0)
    mats = []
    for b, w in zip(knots_before, net.weights[:-1], strict=True):
        rows = max(b, 1)
        mats.append((xp.asarray(rng.standard_normal((rows, w.shape[1]))), xp.asarray(np.ascontiguousarray(w.T)),
                     xp.empty((rows, w.shape[0]))))  # fmt: skip

    def run() -> None:
        for h, wt, out in mats:
            xp.matmul(h, wt, out=out)

    return run
