"""relu1d.bench: the measurement rows, their CSV files and the report's tables (no timing is asserted)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from relu1d import count_regions
from relu1d.bench import measurements, tables, timing
from relu1d.bench.goals import goal_for


def test_count_time_row_measures_the_benchmark_network():
    row = measurements.count_time_row(48, 2, repeats=1, threads=1)
    assert row["knots"] == count_regions(timing.benchmark_network(48, 2)).knots.shape[0]
    assert row["threads"] == 1 and row["count_s"] > 0 and row["floor_s"] > 0
    assert row["ratio"] == pytest.approx(row["count_s"] / row["floor_s"])
    assert row["pairs"] == 1 and row["ratio_lo"] == row["ratio_hi"] == pytest.approx(row["ratio"])
    assert row["goal"] is None and row["met"] is None  # no goal below width 512
    assert measurements.count_time_row(48, 2, repeats=1)["threads"] == measurements.blas_threads()
    one, every = "count_time_one_thread", "count_time_all_cores"
    assert (goal_for(one, 512).bound, goal_for(one, 1024).bound, goal_for(one, 2048).bound) == (1.5, 1.15, 1.15)
    assert goal_for(every, 512) is None and goal_for(every, 1024).bound == 1.25


def test_paired_times_alternate_and_stop_at_the_budget():
    calls = []
    first, second = timing.paired_times(lambda: calls.append("count"), lambda: calls.append("floor"), repeats=3)
    assert calls == ["count", "floor"] * 3 and len(first) == len(second) == 3
    calls.clear()
    timing.paired_times(lambda: calls.append("count"), lambda: calls.append("floor"), repeats=5, budget=0.0)
    assert calls == ["count", "floor"]  # one pair at least, then the budget is spent


def test_the_floor_is_one_product_per_layer_with_the_engine_shapes():
    net = timing.benchmark_network(24, 3)
    shapes = []

    class Recorder:  # numpy, recording the shapes of every product
        asarray, empty = staticmethod(np.asarray), staticmethod(np.empty)

        @staticmethod
        def matmul(a, b, out):
            shapes.append((a.shape, b.shape, out.shape))
            return np.matmul(a, b, out=out)

    timing.product_floor(net, [1, 30, 55], Recorder)()
    assert shapes == [((1, 1), (1, 24), (1, 24)), ((30, 24), (24, 24), (30, 24)), ((55, 24), (24, 24), (55, 24))]


def test_memory_row_traces_at_least_the_knot_arrays():
    row = measurements.memory_row(64, 3)
    assert row["knots"] > 0
    # the engine holds the values and slope jumps at the knots: at least two B x n arrays at the last layer
    assert row["peak_over_bound"] > 1.5


def test_parallel_rows_compare_one_and_two_processes():
    rows = measurements.parallel_rows(networks=6, width=4, depth=2, repeats=1)
    assert [r["processes"] for r in rows] == [1, 2]
    assert rows[0]["speedup"] == 1.0 and rows[1]["goal"] == goal_for("parallel").bound
    assert all(r["tables_identical"] for r in rows)


def test_measurements_round_trip_with_the_machine(tmp_path):
    rows = [{"width": 8, "ratio": 1.5, "met": True}, {"width": 16, "ratio": 2.5, "met": False}]
    info = timing.machine()
    assert {"cpu", "numpy", "numba", "blas", "date", "load"} <= set(info)
    tables.write_measurements(rows, tmp_path / "m.csv", info)
    table, read_info = tables.read_measurements(tmp_path / "m.csv")
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
    costs = tables.stage_costs(files)
    assert costs["rule"].tolist() == ["count", "claims"]
    count = costs.iloc[0]
    assert (count["jobs"], count["wall_s"], count["cpu_s"], count["max_rss_mb"]) == (2, 15.0, 27.5, 500.0)
    assert pd.isna(costs.iloc[1]["max_rss_mb"])
    with pytest.raises(ValueError, match="not a Snakemake benchmark file"):
        bad = tmp_path / "bad.tsv"
        bad.write_text("x\ty\n1\t2\n")
        tables.stage_costs([bad])


def test_performance_tables_from_measurements(tmp_path):
    measured = tmp_path / "perf"
    info = timing.machine()
    tables.write_measurements([measurements.count_time_row(32, 2, repeats=1)], measured / "count_time.csv", info)
    tables.write_measurements([measurements.memory_row(32, 2)], measured / "memory.csv", info)
    tables.write_measurements(measurements.parallel_rows(4, 4, 2, repeats=1), measured / "parallel.csv", info)
    peers = measurements.peer_rows(16, 2, repeats=1, grid_budget=0.1, walk_budget=0.1, regioncam=False)
    tables.write_measurements(peers, measured / "peers.csv", info)
    tables.write_measurements([{"width": 64, "depth": 2, "device": "none"}], measured / "gpu.csv", info)
    bench = _benchmark_file(tmp_path / "results" / "benchmarks" / "count" / "c.tsv", 2.0, 3.0, 100)
    tables.write_performance_tables(measured, [bench], tmp_path / "tables")
    for name in ("performance_count", "performance_memory", "performance_parallel", "performance_peers",
                 "performance_gpu", "stage_costs"):  # fmt: skip
        tex = (tmp_path / "tables" / f"{name}.tex").read_text()
        assert f"\\label{{tab:{name}}}" in tex
    # counts stay integers where a skipped peer leaves gaps
    peers_tex = (tmp_path / "tables" / "performance_peers.tex").read_text()
    assert f"16 & 2 & ours (exact, float64), 1 thread & {peers[0]['regions']} & 0 & " in peers_tex
    assert pd.read_csv(tmp_path / "tables" / "performance_peers.csv")["regions"].dropna().tolist() == [
        r["regions"] for r in peers if r["regions"] is not None
    ]
    assert "numba" in (tmp_path / "tables" / "performance_count.tex").read_text()  # the machine is named
    from relu1d.bench.goals import goals_text
    from relu1d.replication.plotting import latex_text

    # the captions state the goals of relu1d.bench.goals
    caption = (tmp_path / "tables" / "performance_count.tex").read_text()
    assert latex_text(goals_text("count_time_one_thread")) in caption
    assert latex_text(goals_text("count_time_all_cores")) in caption
    assert latex_text(timing.FLOOR_DEFINITION) in caption


def test_peer_rows_compare_every_method_with_the_exact_count():
    rows = measurements.peer_rows(24, 2, repeats=1, grid_budget=0.2, walk_budget=0.2, walk_regions=10)
    methods = [r["method"] for r in rows]
    assert methods[0] == "ours (exact, float64), 1 thread" and methods[1].startswith("ours (exact, float64), ")
    # the product floor of the same count, on one thread and on all: each against ours on as many
    assert methods[2] == "floor (float64 products), 1 thread" and methods[3].startswith("floor (float64 products), ")
    for ours, floor in ((rows[0], rows[2]), (rows[1], rows[3])):
        assert floor["regions"] is None and floor["x_ours"] == pytest.approx(floor["seconds"] / ours["seconds"])
    rows = [rows[1], *rows[4:]]  # ours on every thread, then the peers against it
    if rows[1]["regions"] is not None:  # regioncam installed (pipeline extra): once per core count of ours
        assert [r["method"] for r in rows[1:3]] == ["regioncam (float32)"] * 2
        assert rows[1]["seconds"] == rows[2]["seconds"] and rows[1]["x_ours"] >= 0
        assert "x the floor on 1" in rows[1]["note"]
        del rows[2]
    methods = [r["method"] for r in rows]
    assert methods[1].startswith("regioncam") and methods[2].startswith("grid") and methods[3] == "walk"
    net = timing.benchmark_network(24, 2)
    exact = count_regions(net)
    lo, hi = exact.knots.min() - 1.0, exact.knots.max() + 1.0
    assert rows[0]["regions"] == exact.restrict(lo, hi).activation_regions and rows[0]["diff"] == 0
    assert rows[0]["x_ours"] == 1.0
    grid = rows[2]
    assert grid["goal"] == goal_for("grid").bound and grid["met"] == (grid["x_ours"] >= goal_for("grid").bound)
    assert grid["diff"] <= 0  # a grid only misses regions
    assert rows[3]["diff"] == 0  # the walk agrees with the exact count where it walked
    if rows[1]["regions"] is not None:  # regioncam installed (pipeline extra)
        assert rows[1]["goal"] is None  # no goal below width 1000
        assert abs(rows[1]["diff"]) <= 2


def test_peer_rows_without_regioncam_say_so():
    rows = measurements.peer_rows(8, 2, repeats=1, grid_budget=0.1, walk_budget=0.1, regioncam=False)
    assert rows[4]["regions"] is None and rows[4]["seconds"] is None and rows[4]["note"] == "skipped"


def test_device_row_runs_the_engine_on_a_namespace_against_its_floor():
    # numpy stands in for cupy: the same code path as the GPU benchmark, minus the device
    row = measurements.device_row(timing.benchmark_network(32, 3), np, lambda: None, repeats=1)
    assert (row["width"], row["depth"]) == (32, 3)
    assert row["counts_identical"] is True
    assert row["device_over_floor"] == pytest.approx(row["device_s"] / row["device_floor_s"])
    assert row["linear_regions"] == count_regions(timing.benchmark_network(32, 3)).linear_regions
    assert (
        measurements.device_row(timing.benchmark_network(8, 2), np, lambda: None, repeats=1, cpu=False)["cpu_s"] is None
    )


def test_gpu_rows_skip_cleanly_without_a_device():
    if measurements.cuda_namespace() is not None:
        pytest.skip("a CUDA device is present")
    (row,) = measurements.gpu_rows(64, 2)
    assert row["width"] == 64 and "not measured" in row["device"] and "device_s" not in row


def test_goals_are_data_and_their_text_is_built_from_them():
    from relu1d.bench.goals import GOALS, Goal, goals_text

    ratio = goal_for("count_time_all_cores", 1024)
    assert ratio.met(1.25) and not ratio.met(1.2501) and goal_for("count_time_one_thread", 256) is None
    assert goal_for("parallel").met(1.8) and not goal_for("parallel").met(1.79)
    assert (
        goals_text("count_time_one_thread")
        == "count / floor <= 1.15 at width >= 1024; count / floor <= 1.5 at width >= 512"
    )
    assert goal_for("regioncam", 1024).bound == 1.8 and goal_for("regioncam_per_core", 1024).bound == 1.0
    assert Goal("speedup", 1.8, True).text() == "speedup >= 1.8"
    assert all(goals for goals in GOALS.values())


def test_gpu_measured_reads_whether_a_count_was_timed(tmp_path) -> None:
    from relu1d.bench.tables import gpu_measured

    none = tmp_path / "none.csv"
    none.write_text('# host: h\nwidth,depth,device\n4096,8,"none (no CUDA device): not measured"\n')
    timed = tmp_path / "timed.csv"
    timed.write_text("# host: h\nwidth,depth,device,device_s\n4096,8,H200,0.5\n")
    assert not gpu_measured(none)
    assert gpu_measured(timed)
