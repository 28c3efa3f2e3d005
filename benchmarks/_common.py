"""Shared by the benchmark scripts: the machine header every script prints, and best-of timing."""

from __future__ import annotations

import datetime
import os
import platform
import time
from collections.abc import Callable

import numpy as np
from threadpoolctl import threadpool_info

from relu1d import count_regions
from relu1d.breakpoints import RegionCount
from relu1d.network import Network

#: The networks every benchmark uses for (width, depth): the same seeds in every script, so "same networks".
SEED = 2025


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


def machine_header(title: str) -> None:
    """Print the header every benchmark starts with (lines start with '#')."""
    logical = os.cpu_count() or 0
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else logical
    load = " ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    now = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    print(f"# relu1d benchmark: {title}")
    print(f"# {now} on {platform.node()} ({platform.system()} {platform.release()})")
    print(f"# CPU: {cpu_model()}; {logical} logical cores, {usable} usable; load average {load}")
    print(f"# python {platform.python_version()}, numpy {np.__version__}; BLAS: {blas_description()}")
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
