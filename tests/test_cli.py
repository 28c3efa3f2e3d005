"""The ``relu1d`` command line: outputs, and one-line errors with exit code 2 on bad input."""

import json
import subprocess
import sys

import numpy as np
import pytest

from relu1d import count_regions, load_network

CLI = [sys.executable, "-m", "relu1d.cli"]


def _run(*args, cwd=None):
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=cwd, check=False)


def test_sample_then_count_json(tmp_path):
    path = tmp_path / "net.npz"
    assert _run("sample", "--widths", "8", "8", "--sigma-b", "1", "--seed", "4", "2", "-o", str(path)).returncode == 0
    out = _run("count", str(path), "--json")
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    result = count_regions(load_network(path))
    assert summary["linear_regions"] == result.linear_regions
    assert summary["activation_regions"] == result.activation_regions
    assert summary["knots_per_layer"] == result.knots_per_layer.tolist()
    assert summary["breakpoints"] == result.breakpoints.tolist()
    window = json.loads(_run("count", str(path), "--json", "--window", "-1", "1").stdout)
    assert window["linear_regions"] == result.restrict(-1, 1).linear_regions
    assert "linear regions" in _run("count", str(path)).stdout


def _write(path, **arrays):
    np.savez(path, **arrays)
    return str(path)


@pytest.mark.parametrize(
    ("maker", "message"),
    [
        (lambda p: (p.write_text("garbage"), str(p))[1], "not an .npz archive"),
        (lambda p: str(p.with_name("missing.npz")), "no such file"),
        (
            lambda p: _write(p, W1=np.array([[np.nan]]), b1=np.zeros(1), W2=np.ones((1, 1)), b2=np.zeros(1)),
            "NaN",
        ),
        (
            lambda p: _write(p, W1=np.ones((3, 1)), b1=np.zeros(3), W2=np.ones((1, 2)), b2=np.zeros(1)),
            "columns",
        ),
        (lambda p: _write(p, W1=np.ones((3, 1)), b1=np.zeros(3), W2=np.ones((1, 3))), "missing array b2"),
        (
            lambda p: _write(p, W1=np.ones((3, 2)), b1=np.zeros(3), W2=np.ones((1, 3)), b2=np.zeros(1)),
            "2 inputs",
        ),
    ],
)
def test_bad_network_files_give_one_line_and_exit_2(tmp_path, maker, message):
    out = _run("count", maker(tmp_path / "net.npz"))
    assert out.returncode == 2
    assert out.stdout == ""
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in out.stderr


def test_bad_window_and_bad_sample_values(tmp_path):
    path = tmp_path / "net.npz"
    _run("sample", "--widths", "4", "-o", str(path))
    out = _run("count", str(path), "--window", "1", "-1")
    assert out.returncode == 2 and "window" in out.stderr
    bad = tmp_path / "bad.npz"
    out = _run("sample", "--widths", "4", "--sigma-b", "-1", "-o", str(bad))
    assert out.returncode == 2 and "sigma_b" in out.stderr and not bad.exists()
    assert _run("sample", "--widths", "0", "-o", str(bad)).returncode == 2 and not bad.exists()


def test_demo_runs():
    out = _run("demo", "--width", "8", "--depths", "1", "2", "--networks", "5")
    assert out.returncode == 0 and "sum(n)+1" in out.stdout
