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
    proof = json.loads(_run("count", str(path), "--json", "--prove").stdout)
    assert proof["proven"] is True and proof["method"] == "proven"
    assert proof["linear_regions"] == result.linear_regions
    assert "proven             True" in _run("count", str(path), "--prove", "--window", "-1", "1").stdout


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


def test_pipeline_commands_and_their_errors(tmp_path):
    manifest = tmp_path / "m.json"
    ok = _run(
        "ensemble",
        "--experiment",
        "e",
        "--widths",
        "6",
        "6",
        "--sigma-b",
        "1",
        "--networks",
        "5",
        "--seed",
        "3",
        "-o",
        str(manifest),
    )
    assert ok.returncode == 0, ok.stderr
    counts, knots = tmp_path / "c.parquet", tmp_path / "k.parquet"
    assert _run("count-ensemble", str(manifest), "--counts", str(counts), "--knots", str(knots)).returncode == 0
    same = _run("compare-counts", "--reference", str(counts), "--other", str(counts), "-o", str(tmp_path / "ok.txt"))
    assert same.returncode == 0 and (tmp_path / "ok.txt").exists()

    # A manifest whose recorded hash does not match: one line, exit 2, no output files.
    data = json.loads(manifest.read_text())
    data["networks"][1]["sha256"] = "f" * 64
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    out = _run("count-ensemble", str(bad), "--counts", str(tmp_path / "c2.parquet"), "--knots", str(tmp_path / "k2.pq"))
    errors = [line for line in out.stderr.replace("\r", "\n").splitlines() if "error" in line]
    assert out.returncode == 2 and len(errors) == 1 and "SHA-256" in errors[0]  # beside the progress bar
    assert not (tmp_path / "c2.parquet").exists() and not (tmp_path / "k2.pq").exists()

    # Count tables that disagree.
    import pandas as pd

    from relu1d.replication.counting import write_parquet

    table = pd.read_parquet(counts)
    table.loc[2, "linear_regions"] += 1
    write_parquet(table, tmp_path / "c3.parquet")
    differ = _run("compare-counts", "--reference", str(counts), "--other", str(tmp_path / "c3.parquet"))
    assert differ.returncode == 2 and "1 of 5 networks differ" in differ.stderr

    # Stage 4 (K6) on these counts; then its errors.
    law = _run(
        "knot-law",
        "--counts",
        str(counts),
        "--knots",
        str(knots),
        "--tests",
        str(tmp_path / "t.csv"),
        "--histograms",
        str(tmp_path / "h.csv"),
    )
    assert law.returncode == 0, law.stderr
    assert len(pd.read_csv(tmp_path / "t.csv")) == 2 and (tmp_path / "h.csv").exists()
    mismatch = _run(
        "knot-law",
        "--counts",
        str(counts),
        str(counts),
        "--knots",
        str(knots),
        "--tests",
        str(tmp_path / "t2.csv"),
        "--histograms",
        str(tmp_path / "h2.csv"),
    )
    assert mismatch.returncode == 2 and "2 count tables but 1 knot tables" in mismatch.stderr
    assert not (tmp_path / "t2.csv").exists() and not (tmp_path / "h2.csv").exists()


def test_covariance_stage_writes_three_tables_or_none(tmp_path):
    outs = [tmp_path / f"{name}.csv" for name in ("kernel", "derivatives", "bias")]
    common = ["covariance", "--width", "8", "--depth", "3", "--sigma-b", "1", "--networks", "12", "--seed", "1"]
    flags = ["--output", str(outs[0]), "--derivatives", str(outs[1]), "--bias", str(outs[2])]
    ok = _run(*common, "--grid", "-1", "0", "2", *flags)
    assert ok.returncode == 0, ok.stderr
    assert all(p.exists() for p in outs)
    rates = _run("covariance-rates", str(outs[2]), "-o", str(tmp_path / "rates.csv"))
    assert rates.returncode == 0 and (tmp_path / "rates.csv").exists()
    for p in outs:
        p.unlink()
    bad = _run(*common, "--grid", "1", "1", *flags)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "grid" in bad.stderr
    assert not any(p.exists() for p in outs)


def test_design_from_pilot_counts(tmp_path):
    import pandas as pd

    from relu1d.replication.counting import read_counts
    from relu1d.replication.stats import cell_summary, networks_for_half_width

    tables = []
    for width in ("32", "64"):
        manifest = tmp_path / f"m{width}.json"
        made = _run("ensemble", "--experiment", "pilot", "--widths", width, width, "--sigma-b", "1", "--networks", "12",
                    "--seed", "9", "-o", str(manifest))  # fmt: skip
        assert made.returncode == 0, made.stderr
        tables.append(tmp_path / f"c{width}.parquet")
        counted = _run("count-ensemble", str(manifest), "--counts", str(tables[-1]), "--knots", str(tmp_path / "k.pq"))
        assert counted.returncode == 0, counted.stderr
    out = _run(
        "design", *map(str, tables), "--widths", "32", "128", "--half-width", "0.01", "-o", str(tmp_path / "d.csv")
    )
    assert out.returncode == 0, out.stderr
    design = pd.read_csv(tmp_path / "d.csv").set_index("width")
    # Two pilot cells: the fitted law passes through both, so at width 32 the design is the pilot's own SD's.
    sd32 = cell_summary(read_counts([tables[0]]))["ratio_relative_sd"].item()
    assert design.loc[32, "relative_sd"] == pytest.approx(sd32)
    assert design.loc[32, "networks"] == networks_for_half_width(sd32, 0.01)
    assert "networks per cell" in out.stdout


def test_claims_inputs_are_one_mapping_and_bad_names_are_named(tmp_path):
    out_csv = tmp_path / "claims.csv"
    common = ("--experiment", "equal_width", "--lines-experiment", "lines", "-o", str(out_csv))
    unknown = _run("claims", "cells=a.csv", "nonsense=b.csv", *common)
    assert unknown.returncode == 2 and "nonsense" in unknown.stderr and len(unknown.stderr.strip().splitlines()) == 1
    assert "missing inputs" in unknown.stderr and "counts" in unknown.stderr
    malformed = _run("claims", "cells", *common)
    assert malformed.returncode == 2 and "NAME=PATH" in malformed.stderr
    assert not out_csv.exists()


def test_named_paths_keep_order_and_repeat_names():
    from relu1d.cli.report import named_paths

    assert named_paths(["counts=a", "cells=c", "counts=b"]) == {"counts": ["a", "b"], "cells": ["c"]}
    with pytest.raises(ValueError, match="NAME=PATH"):
        named_paths(["counts="])


def test_pipeline_command_without_the_pipeline_extra_says_so_in_one_line(tmp_path):
    code = (
        "import sys; sys.modules['pandas'] = None\n"  # as on the base install: importing pandas fails
        "from relu1d.cli import main\n"
        "sys.exit(main(['convergence', 'x.parquet', '--cells', 'c', '--layers', 'l', '--rates', 'r']))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "needs the pipeline extra" in out.stderr and "pandas" in out.stderr


def test_count_a_model_along_a_line(tmp_path):
    """``count MODEL --line A.npy B.npy`` for .npz and .onnx files; bad models and points: one line, exit 2."""
    pytest.importorskip("onnx")
    from relu1d.models import count_regions
    from tests.models.test_onnx import handmade

    rng = np.random.default_rng(5)
    a, b = tmp_path / "a.npy", tmp_path / "b.npy"
    np.save(a, rng.normal(size=6))
    np.save(b, rng.normal(size=6))
    model = tmp_path / "model.onnx"
    model.write_bytes(handmade().SerializeToString())
    out = _run("count", str(model), "--line", str(a), str(b), "--window", "0", "1", "--json", "--classes")
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    expected = count_regions(str(model), np.load(a), np.load(b), window=(0.0, 1.0), classes=True)
    assert summary["linear_regions"] == expected.linear_regions
    assert summary["knots_per_node"] == dict(zip(expected.layer_names, expected.knots_per_layer.tolist(), strict=True))
    assert summary["class_changes"] == expected.class_changes.tolist()
    assert "knots at act" in _run("count", str(model), "--line", str(a), str(b)).stdout

    net = tmp_path / "net.npz"
    _run("sample", "--widths", "5", "5", "--n-in", "6", "-o", str(net))
    assert json.loads(_run("count", str(net), "--line", str(a), str(b), "--json").stdout)["linear_regions"] >= 1

    bad = tmp_path / "sigmoid.onnx"
    bad.write_bytes(handmade(op="Sigmoid").SerializeToString())
    nan = tmp_path / "nan.npy"
    np.save(nan, np.full(6, np.nan))
    for args, message in [
        ((str(bad), "--line", str(a), str(b)), "unsupported operation Sigmoid at node 'act'"),
        ((str(model),), "--line"),
        ((str(model), "--line", str(a), str(nan)), "NaN"),
        ((str(model), "--line", str(a), str(tmp_path / "none.npy")), "none.npy"),
        ((str(net), "--classes"), "--classes needs --line"),
    ]:
        out = _run("count", *args)
        lines = out.stderr.strip().splitlines()
        assert out.returncode == 2 and len(lines) == 1 and message in lines[0], out.stderr


def test_count_proves_an_onnx_lenet_along_a_line(tmp_path):
    """``count model.onnx --line a.npy b.npy --prove``: a LeNet (convolutions, ReLU, max pooling, dense layers) proven
    a posteriori; the hand-made graph of every ONNX operator, whose PReLU → Abs changes two units at one knot (which
    the proof leaves open), recounted exactly; ``--no-prove --no-exact-fallback`` runs no proof (a count with a weak
    decision is otherwise settled by one)."""
    pytest.importorskip("onnx")
    torch = pytest.importorskip("torch")
    from tests.models.test_onnx import handmade

    torch.manual_seed(0)
    lenet = torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(4, 8, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(32, 16), torch.nn.ReLU(), torch.nn.Linear(16, 10),
    ).eval()  # fmt: skip
    rng = np.random.default_rng(11)
    for name, shape in (("lenet", (1, 14, 14)), ("handmade", (6,))):
        model = tmp_path / f"{name}.onnx"
        if name == "lenet":
            torch.onnx.export(lenet.double(), (torch.zeros(1, *shape, dtype=torch.float64),), str(model), dynamo=False)
        else:
            model.write_bytes(handmade().SerializeToString())
        a, b = tmp_path / f"{name}-a.npy", tmp_path / f"{name}-b.npy"
        np.save(a, rng.normal(size=shape))
        np.save(b, rng.normal(size=shape))
        out = _run("count", str(model), "--line", str(a), str(b), "--window", "0", "1", "--prove", "--json")
        assert out.returncode == 0, out.stderr
        summary = json.loads(out.stdout)
        method = "proven" if name == "lenet" else "rational"
        assert summary["proven"] and summary["open_decisions"] == 0 and summary["method"] == method, summary
        assert summary["linear_regions"] > 1
        text = _run("count", str(model), "--line", str(a), str(b), "--no-prove", "--no-exact-fallback").stdout
        assert "proven             False  (proof not run)" in text
