"""Measurements on file and the report's performance tables: CSV files that start with ``# key: value`` lines
describing the machine, turned with the pipeline's per-rule ``benchmark:`` files into CSV + LaTeX tables."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from relu1d.bench.goals import goals_text
from relu1d.bench.timing import FLOOR_DEFINITION, machine

if TYPE_CHECKING:
    import pandas as pd


def write_measurements(rows: list[dict], path: str | os.PathLike, info: dict[str, str] | None = None) -> None:
    """A CSV of measurement rows, after ``# key: value`` lines describing the machine (atomic)."""
    import pandas as pd

    from relu1d.engine.io import atomic_output

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


def gpu_measured(path: str | os.PathLike) -> bool:
    """Whether the GPU measurement file holds a timed count (else it records only that no CUDA device was there)."""
    table, _ = read_measurements(path)
    return "device_s" in table.columns and bool(table["device_s"].notna().any())


def stage_costs(benchmark_files: Iterable[str | os.PathLike]) -> pd.DataFrame:
    """Per rule, from Snakemake ``benchmark:`` files (results/benchmarks/<rule>[/<wildcards>].tsv): jobs, wall
    time summed, CPU time summed (user + system of the job's processes as Snakemake last read them: it reads at
    intervals, up to 30 s, so a lower bound), largest peak RSS."""
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


#: Per measurement file (results/performance/<name>.csv): the report table it becomes, its caption (before the
#: machine line) and its column names.
TABLES = {
    "count_time": (
        "performance_count",
        f"Exact count time of one He network (sigma_b = 1) against the floor: {FLOOR_DEFINITION}, with the same"
        " shapes and the same BLAS threads, timed in alternating pairs in the same process; count / floor = best"
        " count / best floor, lo-hi = the range of the ratio within one pair. Goals: one thread"
        f" {goals_text('count_time_one_thread')}; all threads {goals_text('count_time_all_cores')}.",
        {"count_s": "count s", "floor_s": "floor s", "ratio": "count / floor", "ratio_lo": "lo", "ratio_hi": "hi"},
    ),
    "memory": (
        "performance_memory",
        "Peak memory of one count traced by tracemalloc (reusable buffers released first) against one"
        " B x n float64 array, B = distinct knots, n = width.",
        {"bound_mib": "B x n x 8 MiB", "peak_mib": "peak MiB", "peak_over_bound": "peak / bound", "count_s": "count s"},
    ),
    "parallel": (
        "performance_parallel",
        "The count stage (count_manifest: regenerate and hash-check, count, build the tables; pool start-up"
        " included) on many small networks, 1 process vs 2, timed alternately. Machine ceiling: what 2 processes"
        " gain at that moment on the same counts in an already started pool (no start-up, no IPC); efficiency ="
        f" speedup / ceiling. Goal: {goals_text('parallel')}.",
        {
            "ms_per_network": "ms / network",
            "machine_speedup": "machine ceiling",
            "tables_identical": "tables identical",
        },
    ),
    "peers": (
        "performance_peers",
        "Our exact count against the peers on one He network each, on the window [min knot - 1, max knot + 1]"
        " (it holds every knot): regioncam (float32, Rust), the dense-grid counter at the grid size reaching 99%"
        " one-to-one knot recall, the region walk (one forward pass per region); floor: the products alone of the"
        f" same count ({FLOOR_DEFINITION}), which regioncam's notes compare it with. regions: what the method"
        " counted (the walk: on the part walked), diff: that minus the exact count there, x ours: its time / ours."
        f" Goals: regioncam (one thread) against ours on all threads {goals_text('regioncam')}, against ours on one"
        f" {goals_text('regioncam_per_core')}; grid {goals_text('grid')}.",
        {"x_ours": "x ours"},
    ),
    "gpu": (
        "performance_gpu",
        "The cupy path (count_regions(net, xp=cupy)) on one He network: count time on the GPU against the"
        f" floor on the same GPU ({FLOOR_DEFINITION}), the CPU count time in the same run, and whether every"
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
    """The report's performance tables (CSV + LaTeX via ``relu1d.replication.plotting.save_table``) from the CSV
    files of ``relu1d performance`` in ``measurements`` and the pipeline's benchmark files."""
    import pandas as pd

    from relu1d.replication.plotting import save_table

    for source, (name, caption, columns) in TABLES.items():
        table, info = read_measurements(Path(measurements) / f"{source}.csv")
        for column in _COUNT_COLUMNS & set(table.columns):  # counts with gaps stay integers (pandas' Int64)
            table[column] = table[column].astype("Int64")
        # a free-text note column wraps in a paragraph column: unwrapped, it shrank the whole table below 7 pt
        layout = None
        if "note" in table.columns:
            numeric = pd.api.types.is_numeric_dtype
            layout = "".join("p{3.4cm}" if c == "note" else "r" if numeric(table[c]) else "l" for c in table)
        save_table(
            table.rename(columns=columns),
            out,
            name,
            f"{caption} {_machine_caption(info)}",
            digits=3,
            column_format=layout,
        )
    costs = stage_costs(benchmark_files).rename(
        columns={"wall_s": "wall s (sum)", "cpu_s": "CPU s (sum)", "max_rss_mb": "max RSS MB"}
    )
    caption = (
        "Cost of the pipeline's computing rules in this run, from their Snakemake benchmark files (wall and CPU"
        " time summed over a rule's jobs; peak resident memory of its largest job). Snakemake reads a job's CPU time"
        " at intervals (30 s once the job has run a while), so the seconds after its last reading are missing: the"
        " CPU column is a lower bound (wall s x threads an upper one)."
    )
    save_table(costs, out, "stage_costs", caption, digits=4)


#: The measurement files ``relu1d performance`` writes, and every table of the report's performance section.
MEASUREMENTS = tuple(TABLES)
PERFORMANCE_TABLES = (*(name for name, _, _ in TABLES.values()), "stage_costs")
