"""relu1d.performance: the measurement rows, their CSV files and the report's tables (no timing is asserted)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from relu1d import count_regions
from relu1d import performance as perf


def test_count_time_row_measures_the_benchmark_network():
    row = perf.count_time_row(48, 2, repeats=1)
    assert row["knots"] == count_regions(perf.benchmark_network(48, 2)).knots.shape[0]
    assert row["count_s"] > 0 and row["gemm_s"] > 0
    assert row["ratio"] == pytest.approx(row["count_s"] / row["gemm_s"])
    assert row["pairs"] == 1 and row["ratio_lo"] == row["ratio_hi"] == pytest.approx(row["ratio"])
    assert row["goal"] is None and row["met"] is None  # no goal below width 512
    assert perf.ratio_goal(512) == 2.0 and perf.ratio_goal(1024) == 1.25 and perf.ratio_goal(2048) == 1.25


def test_paired_times_alternate_and_stop_at_the_budget():
    calls = []
    first, second = perf.paired_times(lambda: calls.append("count"), lambda: calls.append("floor"), repeats=3)
    assert calls == ["count", "floor"] * 3 and len(first) == len(second) == 3
    calls.clear()
    perf.paired_times(lambda: calls.append("count"), lambda: calls.append("floor"), repeats=5, budget=0.0)
    assert calls == ["count", "floor"]  # one pair at least, then the budget is spent


def test_gemm_products_multiply_the_engine_shapes():
    net = perf.benchmark_network(24, 3)
    shapes = []

    class Recorder:  # numpy, recording the shapes of every product
        asarray, empty = staticmethod(np.asarray), staticmethod(np.empty)

        @staticmethod
        def matmul(a, b, out):
            shapes.append((a.shape, b.shape, out.shape))
            return np.matmul(a, b, out=out)

    perf.gemm_products(net, [1, 30, 55], Recorder)()
    assert (
        shapes
        == [((1, 1), (1, 24), (1, 24))] * 2
        + [((30, 24), (24, 24), (30, 24))] * 2
        + [((55, 24), (24, 24), (55, 24))] * 2
    )


def test_memory_row_traces_at_least_the_knot_arrays():
    row = perf.memory_row(64, 3)
    assert row["knots"] > 0
    # the engine holds the values and slope jumps at the knots: at least two B x n arrays at the last layer
    assert row["peak_over_bound"] > 1.5


def test_parallel_rows_compare_one_and_two_processes():
    rows = perf.parallel_rows(networks=6, width=4, depth=2, repeats=1)
    assert [r["processes"] for r in rows] == [1, 2]
    assert rows[0]["speedup"] == 1.0 and rows[1]["goal"] == perf.PARALLEL_GOAL
    assert all(r["tables_identical"] for r in rows)


def test_measurements_round_trip_with_the_machine(tmp_path):
    rows = [{"width": 8, "ratio": 1.5, "met": True}, {"width": 16, "ratio": 2.5, "met": False}]
    info = perf.machine()
    assert {"cpu", "numpy", "numba", "blas", "date", "load"} <= set(info)
    perf.write_measurements(rows, tmp_path / "m.csv", info)
    table, read_info = perf.read_measurements(tmp_path / "m.csv")
    assert read_info == info
    assert table.to_dict("records") == rows


def _benchmark_file(path, seconds, cpu, rss):
    path.parent.mkdir(parents=True, exist_ok=True)
    header = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
    path.write_text(header + f"{seconds}\t0:00:01\t{rss}\t1\t1\t1\t0\t0\t50\t{cpu}\n")
    return path


def test_stage_costs_sum_per_rule(tmp_path):
    bench = tmp_path / "results" / "benchmarks"
    files = [
        _benchmark_file(bench / "count" / "a.tsv", 10.0, 18.0, 300),
        _benchmark_file(bench / "count" / "b.tsv", 5.0, 9.5, 500),
        _benchmark_file(bench / "claims.tsv", 1.0, 0.8, "-"),  # Snakemake writes '-' where it measured nothing
    ]
    costs = perf.stage_costs(files)
    assert costs["rule"].tolist() == ["count", "claims"]
    count = costs.iloc[0]
    assert (count["jobs"], count["wall_s"], count["cpu_s"], count["max_rss_mb"]) == (2, 15.0, 27.5, 500.0)
    assert pd.isna(costs.iloc[1]["max_rss_mb"])
    with pytest.raises(ValueError, match="not a Snakemake benchmark file"):
        bad = tmp_path / "bad.tsv"
        bad.write_text("x\ty\n1\t2\n")
        perf.stage_costs([bad])


def test_performance_tables_from_measurements(tmp_path):
    measured = tmp_path / "perf"
    info = perf.machine()
    perf.write_measurements([perf.count_time_row(32, 2, repeats=1)], measured / "count_time.csv", info)
    perf.write_measurements([perf.memory_row(32, 2)], measured / "memory.csv", info)
    perf.write_measurements(perf.parallel_rows(4, 4, 2, repeats=1), measured / "parallel.csv", info)
    bench = _benchmark_file(tmp_path / "results" / "benchmarks" / "count" / "c.tsv", 2.0, 3.0, 100)
    perf.write_performance_tables(measured, [bench], tmp_path / "tables")
    for name in ("performance_count", "performance_memory", "performance_parallel", "stage_costs"):
        tex = (tmp_path / "tables" / f"{name}.tex").read_text()
        assert f"\\label{{tab:{name}}}" in tex
    assert "numba" in (tmp_path / "tables" / "performance_count.tex").read_text()  # the machine is named
