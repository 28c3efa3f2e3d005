"""Beyond the papers along lines (X6–X7) and the plane picture: the architectures' networks against torch's forward
pass, their counts against the rational region walk, the statistics and verdicts on constructed tables, and our
knots against regioncam's partition."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from relu1d.engine.count import count_graph
from relu1d.engine.oracles.walk import walk_regions
from relu1d.replication import architectures as arch
from relu1d.replication import plane
from relu1d.replication.claims import architecture_verdict
from tests.graphs import assert_matches_forward, assert_same_regions

torch = pytest.importorskip("torch")
CONFIG = {
    "architectures": list(arch.ARCHITECTURES),
    "depths": [1, 2],
    "total_neurons": [128, 256, 512],
    "networks": 3,
    "segments": 2,
    "sigma_b": 0.5,
    "seed": 4,
}


def _torch_forward(graph, architecture: str):
    """The network written in torch from the graph's parameters only (convolutions by torch, not by our ops)."""
    ops = [n.op for n in graph.nodes if hasattr(n.op, "weight")]
    residual = architecture.endswith("_residual")

    def forward(x: np.ndarray) -> np.ndarray:
        z = torch.as_tensor(x, dtype=torch.float64)
        for ell, op in enumerate(ops[:-1]):
            w, b = torch.tensor(op.weight), torch.tensor(op.bias_)
            h = torch.relu(z) if ell else z
            if architecture.startswith("conv"):
                branch = torch.nn.functional.conv2d(h, w, b, padding=arch.PADDING)
            else:
                branch = h @ w.T + b
            z = z + branch if residual and ell else branch
        h = torch.relu(z).reshape(z.shape[0], -1)
        return (h @ torch.tensor(ops[-1].weight).T + torch.tensor(ops[-1].bias_)).numpy()

    return forward


@pytest.mark.parametrize("architecture", arch.ARCHITECTURES)
def test_networks_match_torch_and_the_rational_walk(architecture: str) -> None:
    images = arch.digits_test_images(CONFIG["seed"])
    for depth in (1, 2):
        graph = arch.architecture_graph(architecture, 64 * depth, depth, 0.5, seed=1, index=depth)
        (i, j), *_ = arch.segment_pairs(images.shape[0], 1, 1, depth)
        a, b = images[i].reshape(graph.input_shape), images[j].reshape(graph.input_shape)
        result = count_graph(graph, a, b - a, window=(-0.5, 1.5), exact_fallback=False)
        assert_matches_forward(result, _torch_forward(graph, architecture), a, b - a, window=(-0.5, 1.5))
        assert_same_regions(result, walk_regions(graph, a, b - a, exact=True, window=(-0.5, 1.5)))
        assert result.widths == (64 * depth // depth,) * depth
        assert len(graph.nodes[-1].op.bias_) == arch.CLASSES


def test_he_initialisation_and_residual_scale() -> None:
    graph = arch.architecture_graph("conv_residual", 64 * 4 * 8, 4, 0.5, seed=2, index=0)
    convs = [n.op for n in graph.nodes if type(n.op).__name__ == "Conv"]
    assert [c.weight.shape for c in convs] == [(8, 1, 3, 3)] + [(8, 8, 3, 3)] * 3
    # branches carry α = 1/√L on top of He's variance 2/(channels·9)
    assert np.var(convs[1].weight) * 8 * 9 * 4 == pytest.approx(2.0, rel=0.25)
    assert np.var(convs[0].weight) * 9 == pytest.approx(2.0, rel=0.6)
    dense = arch.architecture_graph("dense", 2048, 1, 0.5, seed=2, index=0)
    assert np.var(dense.nodes[1].op.weight) * arch.PIXELS == pytest.approx(2.0, rel=0.02)
    again = arch.architecture_graph("dense", 2048, 1, 0.5, seed=2, index=0)
    assert np.array_equal(dense.nodes[1].op.weight, again.nodes[1].op.weight)


def test_cells_that_cannot_be_built_are_named() -> None:
    assert arch.units_per_layer("conv", 512, 2) == 256
    with pytest.raises(ValueError, match="64-unit channels"):
        arch.units_per_layer("conv", 192, 2)
    with pytest.raises(ValueError, match="architecture"):
        arch.units_per_layer("lstm", 64, 1)
    with pytest.raises(ValueError, match="beyond_lines: conv: 128 neurons"):
        arch.check_config(CONFIG | {"depths": [4]})


def test_every_cell_counts_network_i_on_the_same_segments() -> None:
    images = arch.digits_test_images(CONFIG["seed"])
    counts = pd.concat([arch.count_architecture(CONFIG, a, images) for a in ("dense", "conv")])
    assert len(counts) == 2 * 3 * 2 * 3 * 2
    lengths = counts.groupby(["index", "segment"])["length"].nunique()
    assert (lengths == 1).all()  # the same image pair, whatever the cell
    assert (counts["segment_regions"] >= 1).all() and (counts["segment_knots"] >= counts["segment_regions"] - 1).all()
    assert (counts["distance"] > 0).all()


def _synthetic_counts(exponent: float, noise: float = 0.02) -> pd.DataFrame:
    """Segments whose ρ is exactly 0.08·N^exponent up to ±noise, distances 5/N: a known answer for the fits."""
    rng = np.random.default_rng(0)
    rows = []
    for architecture in ("dense", "conv"):
        for depth in (1, 2):
            for n in (256, 512, 1024, 2048):
                for index in range(8):
                    for segment in range(3):
                        length = 3.0
                        density = 0.08 * n**exponent * (1 + noise * rng.standard_normal())
                        rows.append(
                            {
                                "architecture": architecture,
                                "depth": depth,
                                "neurons": n,
                                "units_per_layer": n // depth,
                                "index": index,
                                "segment": segment,
                                "length": length,
                                "segment_regions": 1 + density * length,
                                "distance": 5.0 / n * (1 + noise * rng.standard_normal()),
                                "certified": True,
                            }
                        )
    return pd.DataFrame(rows)


def test_summary_fits_and_verdicts_on_known_answers() -> None:
    cells = arch.cell_summary(_synthetic_counts(1.0))
    assert len(cells) == 2 * 2 * 4
    row = cells.iloc[0]
    assert row["networks"] == 8 and row["segments"] == 24
    assert row["density_lo"] <= row["density"] <= row["density_hi"]
    assert row["density_per_neuron"] == pytest.approx(0.08, rel=0.02)
    assert row["distance_times_n"] == pytest.approx(5.0, rel=0.02)
    fits = arch.rates(cells)
    np.testing.assert_allclose(fits["density_exponent"], 1.0, atol=0.02)
    np.testing.assert_allclose(fits["distance_exponent"], -1.0, atol=0.02)
    assert architecture_verdict(cells, fits, "X6")[1] == "supported"
    assert architecture_verdict(cells, fits, "X7")[1] == "supported"
    # ρ ∝ N^0.7 rejects X6; a segment without breakpoints leaves X7 inconclusive
    slow = arch.cell_summary(_synthetic_counts(0.7))
    assert architecture_verdict(slow, arch.rates(slow), "X6")[1] == "not supported"
    affine = _synthetic_counts(1.0)
    affine.loc[0, "distance"] = math.inf
    cells = arch.cell_summary(affine)
    assert cells["affine_segments"].sum() == 1
    value, verdict = architecture_verdict(cells, arch.rates(cells), "X7")
    assert verdict == "inconclusive" and "conv: exponents L=1" in value
    # noisy cells give wide CIs: inconclusive, not supported
    noisy = arch.cell_summary(_synthetic_counts(1.0, noise=1.5))
    assert architecture_verdict(noisy, arch.rates(noisy), "X6")[1] == "inconclusive"


def test_dense_prediction_is_the_kac_rice_law_on_image_segments() -> None:
    images = arch.digits_test_images(CONFIG["seed"])
    small = CONFIG | {"architectures": ["dense"], "total_neurons": [128], "depths": [1], "networks": 40}
    (rho, _), *_ = arch.predicted_dense(small, images).values()
    # one layer: every neuron has one knot, at −b/(w·d) on the line; counted, the mean density agrees
    counts = arch.count_architecture(small, "dense", images)
    measured = arch.cell_summary(counts)
    assert measured["density"].iloc[0] == pytest.approx(rho, rel=0.1)


def test_distances_and_crossings_in_the_plane() -> None:
    square = np.array([[[0, 0], [1, 0]], [[1, 0], [1, 1]], [[1, 1], [0, 1]], [[0, 1], [0, 0]]], dtype=float)
    d = plane.segment_distances(np.array([[0.5, 0.5], [2.0, 0.0], [0.5, -0.1]]), square)
    np.testing.assert_allclose(d, [0.5, 1.0, 0.1])
    assert plane.crossings(np.array([-1.0, 0.5]), np.array([2.0, 0.5]), square) == 2
    assert plane.crossings(np.array([0.2, 0.5]), np.array([0.8, 0.5]), square) == 0


def test_our_knots_lie_on_regioncam_edges() -> None:
    pytest.importorskip("regioncam")
    spec = {"hidden": "12x12", "epochs": 3, "learning_rate": 0.01, "batch_size": 64, "sigma_b": 0.001}
    tables = plane.plane_study(spec | {"size": 1.5, "seed": 3})
    sides, knots = tables["sides"], tables["knots"]
    assert len(tables["images"]["label"].unique()) == 3
    assert (sides["knots"] > 0).all() and sides["knots"].sum() == len(knots)
    assert (sides["regioncam_crossings"] == sides["knots"]).all()
    assert sides["max_relative_distance"].max() < 1e-5  # float32 against float64
    assert knots["t"].between(0, 1, inclusive="neither").all()


def test_command_rejects_a_cell_without_whole_channels(tmp_path) -> None:
    out = tmp_path / "conv.parquet"
    spec = json.dumps(CONFIG | {"total_neurons": [96, 128, 256]})
    run = subprocess.run(
        [sys.executable, "-m", "relu1d.cli", "beyond-lines", "--spec", spec, "--architecture", "conv", "--output",
         str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "96 neurons" in run.stderr
    assert not out.exists()


def test_report_numbers_quote_the_largest_n_and_the_plane() -> None:
    from relu1d.replication.numbers import beyond_lines_numbers

    cells = arch.cell_summary(_synthetic_counts(1.0))
    sides = pd.DataFrame(
        {
            "knots": [3, 4, 5],
            "regioncam_crossings": [3, 4, 5],
            "max_distance": [1e-7, 3e-7, 2e-7],
            "max_relative_distance": [1e-8, 4e-8, 2e-8],
            "test_accuracy": [0.9] * 3,
        }
    )
    numbers = beyond_lines_numbers(cells, sides)
    largest = cells[cells["neurons"] == 2048]
    assert numbers["LinesArchMaxN"] == "2{,}048" and numbers["LinesArchSegments"] == str(16 * 24)
    assert float(numbers["LinesArchRhoMax"]) == pytest.approx(largest["density_per_neuron"].max(), rel=1e-3)
    assert numbers["PlaneKnots"] == "12" and numbers["PlaneMaxDistance"] == r"3.0\cdot10^{-7}"
    assert numbers["PlaneAccuracyPercent"] == "90.0" and numbers["LinesArchCertifiedPercent"] == "100.0"
