"""Stages 1–2 in the package: cells, seed manifests with SHA-256, regeneration, parallel counting to Parquet."""

import json

import numpy as np
import pandas as pd
import pytest

from relu1d import count_regions, sample_network
from relu1d.replication.counting import (
    SECONDS_PER_PROCESS,
    _chunk_size,
    count_manifest,
    count_processes,
    estimated_cell_seconds,
    estimated_count_mb,
    proven_networks,
    write_parquet,
)
from relu1d.replication.ensemble import (
    Cell,
    cells_from_config,
    parameter_sha256,
    read_manifest,
    verified_networks,
    write_manifest,
)


def test_cell_ids_keys_and_seeds_are_stable():
    cell = Cell("exp", (4, 4), 1.0, 3, 7)
    assert cell.id == "exp__4x4__sb1"
    assert Cell("exp", (4, 4), 0.001, 3, 7).id == "exp__4x4__sb0.001"
    assert cell.seed_entropy(2) == [7, cell.key, 2]
    # The network is the one sample_network draws from that entropy, bit for bit.
    net = sample_network((4, 4), 1.0, seed=cell.seed_entropy(2))
    assert parameter_sha256(cell.network(2)) == parameter_sha256(net)
    assert Cell("exp", (4, 4), 1.0, 3, 8).network(0).weights[0][0, 0] != cell.network(0).weights[0][0, 0]


def test_parameter_hash_sees_every_bit():
    net = sample_network([3, 3], 1.0, seed=1)
    arrays = {k: v.copy() for k, v in net.arrays().items()}
    arrays["b2"][1] = np.nextafter(arrays["b2"][1], np.inf)
    from relu1d import network_from_arrays

    assert parameter_sha256(network_from_arrays(arrays)) != parameter_sha256(net)


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        (dict(experiment="a b", widths=(2,), sigma_b=1.0, networks=1, seed=0), "experiment name"),
        (dict(experiment="a", widths=(2, 0), sigma_b=1.0, networks=1, seed=0), "widths"),
        (dict(experiment="a", widths=(2,), sigma_b=-1.0, networks=1, seed=0), "sigma_b"),
        (dict(experiment="a", widths=(2,), sigma_b=1.0, networks=0, seed=0), "networks"),
    ],
)
def test_invalid_cells_are_rejected(cell, message):
    with pytest.raises(ValueError, match=message):
        Cell(**cell)


def test_cells_from_config_grid_architectures_and_alignment():
    config = {
        "experiments": {
            "grid": {"depths": [1, 2], "widths": [4, 8], "networks": [10, 5], "sigma_b": [0.0, 1.0], "seed": 1},
            "arch": {"architectures": [[8, 4], [4, 8]], "networks": 3, "seed": 2},
        }
    }
    cells = cells_from_config(config)
    assert len(cells) == 2 * 2 * 2 + 2
    assert cells["grid__8x8__sb0"].networks == 5
    assert cells["arch__4x8__sb1"].widths == (4, 8)
    config["experiments"]["grid"]["networks"] = [1, 2, 3]
    with pytest.raises(ValueError, match=r"experiments\.grid\.networks"):
        cells_from_config(config)


def test_cells_from_config_total_neurons_compares_depths_at_equal_n():
    config = {
        "experiments": {
            "lines": {"depths": [1, 2, 4], "total_neurons": [8, 16], "networks": [3, 2], "seed": 1, "n_in": 6}
        }
    }
    cells = cells_from_config(config)
    assert sorted(c.widths for c in cells.values()) == sorted([(8,), (16,), (4, 4), (8, 8), (2,) * 4, (4,) * 4])
    assert {c.n_neurons for c in cells.values()} == {8, 16}
    assert cells["lines__4x4x4x4__sb1__in6"].networks == 2 and cells["lines__4x4x4x4__sb1__in6"].n_in == 6
    config["experiments"]["lines"]["total_neurons"] = [6]
    config["experiments"]["lines"]["networks"] = 3
    with pytest.raises(ValueError, match="total_neurons 6 is not divisible by depth 4"):
        cells_from_config(config)


def test_manifest_round_trip_and_hash_check(tmp_path):
    cell = Cell("exp", (5, 3), 0.5, 4, 11)
    path = tmp_path / "m.json"
    write_manifest(cell, path)
    back, hashes = read_manifest(path)
    assert back == cell and len(hashes) == 4
    assert [i for i, _ in verified_networks(path)] == [0, 1, 2, 3]
    data = json.loads(path.read_text())
    data["networks"][2]["sha256"] = "0" * 64
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match="network 2 regenerates with SHA-256"):
        list(verified_networks(path))
    path.write_text("{not json")
    with pytest.raises(ValueError, match="malformed manifest"):
        read_manifest(path)


def test_count_manifest_matches_direct_counts_and_is_identical_across_process_counts(tmp_path):
    cell = Cell("exp", (12, 12, 12), 1.0, 24, 5)
    manifest = tmp_path / "m.json"
    write_manifest(cell, manifest)
    counts1, knots1 = count_manifest(manifest, processes=1, progress=False)
    counts2, knots2 = count_manifest(manifest, processes=2, progress=False)
    for i in range(cell.networks):
        direct = count_regions(cell.network(i))
        row = counts1.iloc[i]
        assert row["index"] == i
        assert row["linear_regions"] == direct.linear_regions
        assert list(row["knots_per_layer"]) == direct.knots_per_layer.tolist()
        mine = knots1[knots1["index"] == i]
        assert np.array_equal(np.unique(mine["position"]), direct.knots)
        assert set(mine.loc[mine["is_breakpoint"], "position"]) == set(direct.breakpoints)
    for name, (a, b) in {"counts": (counts1, counts2), "knots": (knots1, knots2)}.items():
        write_parquet(a, tmp_path / f"{name}1.parquet")
        write_parquet(b, tmp_path / f"{name}2.parquet")
        assert (tmp_path / f"{name}1.parquet").read_bytes() == (tmp_path / f"{name}2.parquet").read_bytes()
    back = pd.read_parquet(tmp_path / "counts1.parquet")
    assert back["linear_regions"].tolist() == counts1["linear_regions"].tolist()


@pytest.mark.gpu
def test_gpu_backend_counts_equal_cpu_counts(tmp_path):
    cupy = pytest.importorskip("cupy")
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            pytest.skip("no CUDA device")
    except cupy.cuda.runtime.CUDARuntimeError:
        pytest.skip("no CUDA device")
    cell = Cell("gpu", (64, 64, 64), 1.0, 12, 3)
    manifest = tmp_path / "m.json"
    write_manifest(cell, manifest)
    cpu, _ = count_manifest(manifest, progress=False)
    gpu, _ = count_manifest(manifest, backend="cupy", progress=False)
    columns = ["linear_regions", "activation_regions", "knots_per_layer", "breakpoints_per_layer"]
    assert (
        cpu[columns]
        .map(lambda v: list(v) if hasattr(v, "__len__") else v)
        .equals(gpu[columns].map(lambda v: list(v) if hasattr(v, "__len__") else v))
    )


def test_unknown_backend_is_a_clean_error(tmp_path):
    manifest = tmp_path / "m.json"
    write_manifest(Cell("b", (2,), 1.0, 1, 0), manifest)
    with pytest.raises(ValueError, match="backend"):
        count_manifest(manifest, backend="tpu", progress=False)


def test_counting_in_process_leaves_the_callers_blas_threads_alone(tmp_path):
    from threadpoolctl import threadpool_info, threadpool_limits

    manifest = tmp_path / "manifest.json"
    write_manifest(Cell("blas", (4, 4), 1.0, 3, 1), manifest)
    with threadpool_limits(2):
        before = [lib["num_threads"] for lib in threadpool_info()]
        count_manifest(manifest, processes=1, progress=False)
        assert [lib["num_threads"] for lib in threadpool_info()] == before


def test_a_count_job_gets_one_process_per_half_minute_of_work():
    """The default config's short cells get one process (and share the cores with other jobs), its wide deep cells
    several; the estimate grows with networks, depth, width and proofs."""
    small = Cell("e", (16, 16), 1.0, 200, 1)
    wide = Cell("e", (1024,) * 8, 1.0, 100, 1)
    assert count_processes(small, 16, prove=4) == 1 and count_processes(wide, 2, prove=4) == 2
    assert 1 < count_processes(wide, 16, prove=4) < 16
    assert estimated_cell_seconds(small, 4) < SECONDS_PER_PROCESS < estimated_cell_seconds(wide, 4)
    assert estimated_cell_seconds(wide, 0) < estimated_cell_seconds(wide, 4)
    for bigger in (
        Cell("e", (16, 16), 1.0, 2000, 1),
        Cell("e", (16,) * 4, 1.0, 200, 1),
        Cell("e", (64, 64), 1.0, 200, 1),
    ):
        assert estimated_cell_seconds(bigger, 4) > estimated_cell_seconds(small, 4)
    assert proven_networks(small, 4) == 200 and proven_networks(wide, 4) == 4


def test_the_networks_of_a_long_cell_go_to_the_pool_one_at_a_time():
    """In a cell of seconds-long networks each is its own pool task, so the first (proven, costlier) networks run on
    different workers; a cell of millisecond networks is handed out in about eight chunks per process."""
    assert _chunk_size(Cell("e", (2048,) * 8, 1.0, 52, 1), 2, prove=4) == 1
    assert _chunk_size(Cell("e", (512,) * 8, 1.0, 200, 1), 16, prove=4) == 1
    assert _chunk_size(Cell("e", (16, 16), 1.0, 2000, 1), 2, prove=4) == 2000 // 16


def test_a_count_job_asks_for_the_memory_of_its_proofs():
    """The count rule's memory estimate covers a 2048 × 8 proof (6.0 GB resident, measured) in each process that
    proves at once, and grows with width, depth and processes."""
    deep = Cell("e", (2048,) * 8, 1.0, 52, 1)
    assert estimated_count_mb(deep, 1, prove=4) > 6000
    assert estimated_count_mb(deep, 2, prove=4) > 2 * 6000
    assert estimated_count_mb(deep, 16, prove=4) < 16 * 6000  # at most `prove` processes hold a proof at once
    small = Cell("e", (16, 16), 1.0, 200, 1)
    assert estimated_count_mb(small, 1, prove=4) < estimated_count_mb(small, 2, prove=4) < 1000
    assert estimated_count_mb(Cell("e", (1024,) * 8, 1.0, 100, 1), 1, prove=4) < estimated_count_mb(deep, 1, prove=4)


def test_every_unproven_row_names_its_reason(tmp_path, monkeypatch):
    """A count beyond the cell's proof budget says "not run" and why; a proven one has an empty reason."""
    from relu1d.replication import counting

    manifest = tmp_path / "m.json"
    write_manifest(Cell("r", (6, 6), 1.0, 3, 5), manifest)
    monkeypatch.setattr(counting, "PROVE_ALL_BELOW_WORK", 0.0)  # every proof over budget: only the first is run
    counts, _ = count_manifest(manifest, progress=False, prove=1)
    assert counts["proven"].tolist() == [True, False, False]
    assert counts["unproven_reason"].iloc[0] == ""
    assert all(r.startswith("not run: proof work") and "beyond the first 1 of its cell" in r
               for r in counts["unproven_reason"].iloc[1:])  # fmt: skip
    assert counts["uncertified_decisions"].tolist()[1:] == [-1, -1]
