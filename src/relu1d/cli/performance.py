"""The counter measured on this machine, and the report's tables of it."""

from __future__ import annotations

import argparse
from pathlib import Path

from relu1d.cli.common import positive_float, positive_int


def _cmd_performance(args: argparse.Namespace) -> int:
    from threadpoolctl import threadpool_limits

    from relu1d.bench import measurements as perf
    from relu1d.bench.tables import write_measurements
    from relu1d.bench.timing import machine

    info = machine()
    out = Path(args.output_dir)
    with threadpool_limits(args.blas_threads):
        rows = [
            perf.count_time_row(w, d, args.sigma_b, args.repeats, args.budget, threads)
            for d in args.depths
            for w in args.widths
            for threads in (1, None)
        ]
        memory = [perf.memory_row(w, args.memory_depth, args.sigma_b) for w in args.memory_widths]
        peers = [
            row
            for d in args.peer_depths
            for w in args.peer_widths
            for row in perf.peer_rows(
                w, d, args.sigma_b, args.repeats, args.budget, args.grid_budget, args.walk_budget, args.walk_regions
            )
        ]
        gpu = perf.gpu_rows(args.gpu_width, args.gpu_depth, args.sigma_b, args.repeats)
    parallel = perf.parallel_rows(args.parallel_networks, args.parallel_width, args.parallel_depth, args.sigma_b)
    tables = {"count_time": rows, "memory": memory, "parallel": parallel, "peers": peers, "gpu": gpu}
    for name, table in tables.items():
        write_measurements(table, out / f"{name}.csv", info)
        print(f"{name}:")
        for row in table:
            print("  " + ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()))
    return 0


def _cmd_performance_tables(args: argparse.Namespace) -> int:
    from relu1d.bench.tables import write_performance_tables

    write_performance_tables(args.measurements, args.benchmarks, args.output_dir)
    print(f"wrote performance tables to {args.output_dir}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:

    perf = sub.add_parser("performance", help="measure count time vs the product floor, peak memory, 2-process speedup")
    perf.add_argument("--widths", nargs="+", type=positive_int, default=[256, 512, 1024])
    perf.add_argument("--depths", nargs="+", type=positive_int, default=[2, 4, 8])
    perf.add_argument("--repeats", type=positive_int, default=3, help="count/floor timing pairs (default 3)")
    perf.add_argument("--budget", type=positive_float, default=10.0, help="seconds after which repeats stop")
    perf.add_argument("--memory-widths", nargs="+", type=positive_int, default=[256, 512, 1024])
    perf.add_argument("--memory-depth", type=positive_int, default=4)
    perf.add_argument("--parallel-networks", type=positive_int, default=2000)
    perf.add_argument("--parallel-width", type=positive_int, default=16)
    perf.add_argument("--parallel-depth", type=positive_int, default=4)
    perf.add_argument("--peer-widths", nargs="+", type=positive_int, default=[256, 1000])
    perf.add_argument("--peer-depths", nargs="+", type=positive_int, default=[4])
    perf.add_argument("--grid-budget", type=positive_float, default=8.0, help="longest grid run made (s, default 8)")
    perf.add_argument("--walk-budget", type=positive_float, default=10.0, help="longest full walk made (s)")
    perf.add_argument("--walk-regions", type=positive_int, default=300, help="regions walked when extrapolating")
    perf.add_argument("--gpu-width", type=positive_int, default=4096, help="the GPU row's network (with a GPU)")
    perf.add_argument("--gpu-depth", type=positive_int, default=8)
    perf.add_argument("--sigma-b", type=float, default=1.0)
    perf.add_argument("--blas-threads", type=positive_int, default=None, help="BLAS threads (default: all)")
    perf.add_argument(
        "--output-dir", required=True, help="writes count_time, memory, parallel, peers and gpu .csv files"
    )
    perf.set_defaults(func=_cmd_performance)

    ptab = sub.add_parser("performance-tables", help="the report's performance tables from measurements + benchmarks")
    ptab.add_argument("--measurements", required=True, help="directory written by relu1d performance")
    ptab.add_argument("--benchmarks", nargs="+", required=True, help="Snakemake benchmark files (.tsv)")
    ptab.add_argument("--output-dir", required=True)
    ptab.set_defaults(func=_cmd_performance_tables)
