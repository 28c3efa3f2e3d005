"""The Snakemake workflow end to end at toy size: config validation, determinism across core counts, and
recovery from a run killed during counting. (The full smoke pipeline with figures and the PDF runs in .ci/run.)"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SNAKEMAKE = [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile")]


SMALL = {
    "main_experiment": "equal_width",
    "experiments": {
        "equal_width": {"depths": [2], "widths": [6, 24], "networks": [60, 30], "seed": 5},
        "arch": {"architectures": [[24, 6, 24]], "networks": 20, "seed": 6},
        "lines": {"n_in": 5, "depths": [1, 2], "total_neurons": [8, 16], "networks": 6, "seed": 8},
    },
    "certification": {"networks_per_cell": 1},
    "covariance": {
        "widths": [8],
        "networks": 10,
        "depth": 2,
        "sigma_b": 1.0,
        "grid": [-1.0, 0.0, 2.0],
        "seed": 7,
        "knot_experiment": "equal_width",
    },
    "constructions": {
        "a1_pieces": [2, 3],
        "a1_functions": 2,
        "zigzag": [[1, 2]],
        "rational_a": ["1/2"],
        "rational_k": 1,
        "tradeoff_k": [2],
        "tradeoff_count_up_to": 0,
        "seed": 9,
    },
    "sparsity": {
        "targets": ["abs"],
        "hidden": ["4"],
        "seeds": 1,
        "epochs": [0, 1],
        "sample_points": 65,
        "sigma_b": 1.0,
        "learning_rate": 0.01,
        "seed": 10,
    },
    "training": {
        "hidden": ["4x4"],
        "seeds": 1,
        "epochs": [0, 1],
        "lines": 2,
        "sigma_b": 0.001,
        "learning_rate": 0.001,
        "batch_size": 64,
        "seed": 11,
    },
    "bias_ablation": {"experiment": "arch", "windows": [1.0]},
    "lines": {"experiment": "lines"},
    "beyond": {
        "widths": [3],
        "depths": [2],
        "networks": 3,
        "sigma_b": 1.0,
        "seed": 12,
        "families": {"relu6": {"activation": "relu6"}},
    },
    "beyond_lines": {
        "architectures": ["dense", "conv"],
        "depths": [1],
        "total_neurons": [64, 128, 192],
        "networks": 2,
        "segments": 1,
        "sigma_b": 0.001,
        "seed": 13,
    },
    "beyond_plane": {
        "hidden": "4x4",
        "epochs": 1,
        "learning_rate": 0.001,
        "batch_size": 64,
        "sigma_b": 0.001,
        "size": 1.5,
        "seed": 14,
    },
    "performance": {
        "widths": [16],
        "depths": [2],
        "repeats": 1,
        "memory_widths": [16],
        "memory_depth": 2,
        "parallel_networks": 4,
        "parallel_width": 4,
        "parallel_depth": 2,
        "peer_widths": [16],
        "peer_depths": [2],
        "grid_budget": 0.2,
        "walk_budget": 0.2,
        "gpu_width": 16,
        "gpu_depth": 2,
    },
}


def _workdir(tmp_path: Path, name: str, config: dict) -> Path:
    work = tmp_path / name
    work.mkdir()
    (work / "config.yaml").write_text(yaml.safe_dump(config))
    return work


def _snakemake(work: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*SNAKEMAKE, "--directory", str(work), *args], capture_output=True, text=True, check=False, **kwargs
    )


def _count_files(work: Path) -> dict[str, bytes]:
    files = sorted((work / "results" / "counts").glob("*.parquet")) + sorted(
        (work / "results" / "knots").glob("*.parquet")
    )
    return {f"{p.parent.name}/{p.name}": p.read_bytes() for p in files}


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda c: c["experiments"]["equal_width"].update(widths=[0, 4]), "widths"),
        (lambda c: c["experiments"]["equal_width"].update(sigma_b=[-1.0]), "sigma_b"),
        (lambda c: c["experiments"]["equal_width"].update(networks=[1, 2, 3]), "networks"),
        (lambda c: c.update(use_gpu="yes"), "use_gpu"),
        (lambda c: c.update(seeds=3), "seeds"),
        (lambda c: c["covariance"].update(grid=[1.0]), "grid"),
        (lambda c: c["bias_ablation"].update(experiment="nope"), "bias_ablation.experiment"),
        (lambda c: c["covariance"].update(knot_experiment="arch"), "covariance.knot_experiment"),
        (lambda c: c["constructions"].update(rational_a=["1/0"]), "rational_a"),
        (lambda c: c["lines"].update(experiment="arch"), "lines.experiment"),
        (lambda c: c.update(main_experiment="arch"), "main_experiment"),
        (lambda c: c["certification"].update(networks_per_cell=-1), "networks_per_cell"),
        (lambda c: c.pop("certification"), "certification"),
        (lambda c: c.pop("main_experiment"), "main_experiment"),
        (lambda c: c["sparsity"].update(targets=["cos"]), "targets"),
        (lambda c: c["training"].update(hidden=["64x0"]), "hidden"),
        (lambda c: c["training"].update(learning_rate=0), "learning_rate"),
        (lambda c: c["experiments"]["lines"].update(total_neurons=[9]), "not divisible by depth 2"),
        (lambda c: c["experiments"]["lines"].update(widths=[4]), "lines"),
        (lambda c: c["performance"].update(widths=[0]), "widths"),
        (lambda c: c["performance"].update(parallel_networks=1), "parallel_networks"),
        (lambda c: c["performance"].update(grid_budget=0), "grid_budget"),
        (lambda c: c["beyond"]["families"].update(bad={"activation": "tanh"}), "activation"),
        (lambda c: c["beyond"]["families"].update(leaky={"activation": "leaky_relu"}), "negative_slope"),
        (lambda c: c["beyond"].update(networks=[3, 3]), "beyond.networks"),
        (lambda c: c["beyond"].update(sigma_b=0), "sigma_b"),
        (lambda c: c["beyond_lines"].update(depths=[1, 2]), "beyond_lines: conv: 64 neurons"),
        (lambda c: c["beyond_lines"].update(architectures=["lstm"]), "architectures"),
        (lambda c: c["beyond_plane"].update(hidden="4x"), "hidden"),
        (lambda c: c.pop("beyond_plane"), "beyond_plane"),
    ],
)
def test_bad_config_fails_before_any_job(tmp_path, edit, message):
    config = yaml.safe_load(yaml.safe_dump(SMALL))
    edit(config)
    work = _workdir(tmp_path, "bad", config)
    out = _snakemake(work, "--cores", "1")
    assert out.returncode != 0
    assert message in out.stdout + out.stderr
    assert not (work / "results").exists()


def test_counts_identical_across_core_counts_and_after_a_killed_run(tmp_path):
    one = _workdir(tmp_path, "one", SMALL)
    two = _workdir(tmp_path, "two", SMALL)
    for work, cores in ((one, "1"), (two, "2")):
        out = _snakemake(work, "--cores", cores, "convergence")
        assert out.returncode == 0, out.stderr[-3000:]
    reference = _count_files(one)
    assert len(reference) == 2 * 7  # count + knot table of each of the 7 cells
    assert reference == _count_files(two)
    assert (one / "results/stats/convergence_cells.csv").read_bytes() == (
        two / "results/stats/convergence_cells.csv"
    ).read_bytes()

    # Kill the whole run (SIGKILL to snakemake and its jobs) while a count job is running, then rerun.
    slow = yaml.safe_load(yaml.safe_dump(SMALL))
    slow["experiments"]["equal_width"]["networks"] = [60, 30]
    slow["experiments"]["equal_width"]["widths"] = [6, 24]
    slow["experiments"]["slow"] = {"depths": [4], "widths": [96], "networks": 2000, "seed": 9}
    killed = _workdir(tmp_path, "killed", slow)
    proc = subprocess.Popen(
        [*SNAKEMAKE, "--directory", str(killed), "--cores", "2", "convergence"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    log = killed / "results/logs/count/slow__96x96x96x96__sb1.log"
    deadline = time.monotonic() + 120
    while not (log.exists() and "slow" in log.read_text()) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (killed / "results/counts/slow__96x96x96x96__sb1.parquet").exists()
    assert _snakemake(killed, "--unlock").returncode == 0
    # Resume as the default profile does (rerun-incomplete): a job killed beside the slow one may have its files but
    # not Snakemake's record that it finished.
    out = _snakemake(killed, "--cores", "2", "--rerun-incomplete", "convergence")
    assert out.returncode == 0, out.stderr[-3000:]
    rerun = _count_files(killed)
    assert {k: v for k, v in rerun.items() if "slow" not in k} == reference
    assert "counts/slow__96x96x96x96__sb1.parquet" in rerun
