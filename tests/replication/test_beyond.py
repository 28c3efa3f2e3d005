"""Beyond the papers: the families' networks (sampling, residual wiring, weight laws), their counts against the
rational region walk, and the summaries against the theory they quote."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from relu1d.engine.count import count_graph
from relu1d.engine.oracles.walk import walk_regions
from relu1d.replication import beyond
from relu1d.theory import activations as theory
from tests.graphs import assert_same_regions

FAMILIES = {
    "relu": {"activation": "relu"},
    "leaky": {"activation": "leaky_relu", "negative_slope": 0.2},
    "abs": {"activation": "abs"},
    "relu6": {"activation": "relu6"},
    "hardtanh": {"activation": "hardtanh", "sigma_w2": 3.0},
    "uniform": {"activation": "relu", "weights": "uniform"},
    "residual": {"activation": "relu6", "residual": "one"},
    "residual_scaled": {"activation": "hardtanh", "residual": "inverse_sqrt_depth"},
}
SPECS = beyond.family_specs(FAMILIES)
CONFIG = {"widths": [2, 5], "depths": [1, 3], "networks": [6, 3], "sigma_b": 1.0, "seed": 3, "families": FAMILIES}


def _forward(spec: beyond.FamilySpec, graph, x: np.ndarray) -> np.ndarray:
    """The family's network written out from its Dense layers' parameters (not through the graph's ops)."""
    dense = [n.op for n in graph.nodes if type(n.op).__name__ == "Dense"]
    phi, depth = spec.activation, len(dense) - 1
    z = x[:, None] * dense[0].weight[:, 0] + dense[0].bias_
    for op in dense[1:-1]:
        branch = phi(z) @ op.weight.T + op.bias_  # the residual scale is folded into the branch's parameters
        z = branch if spec.residual == "none" else z + branch
    assert depth >= 1
    return (phi(z) @ dense[-1].weight.T + dense[-1].bias_)[:, 0]


@pytest.mark.parametrize("spec", SPECS, ids=[s.name for s in SPECS])
def test_counts_match_the_rational_walk_and_the_forward_pass(spec: beyond.FamilySpec) -> None:
    for index in range(4):
        graph = beyond.sample_graph(spec, 3, 3, 1.0, seed=11, index=index)
        result = count_graph(graph, np.zeros(1), np.ones(1), exact_fallback=False)
        assert_same_regions(result, walk_regions(graph, np.zeros(1), np.ones(1)))
        t = np.linspace(-8, 8, 101)
        np.testing.assert_allclose(result.evaluate(t), _forward(spec, graph, t), rtol=1e-9, atol=1e-9)


def test_sampling_is_seeded_per_network_and_follows_the_laws() -> None:
    spec = SPECS[0]
    a, b = (beyond.sample_graph(spec, 4, 2, 1.0, seed=5, index=1) for _ in range(2))
    for na, nb in zip(a.nodes, b.nodes, strict=True):
        if hasattr(na.op, "weight"):
            assert np.array_equal(na.op.weight, nb.op.weight)
    other = beyond.sample_graph(spec, 4, 2, 1.0, seed=5, index=2)
    assert not np.array_equal(a.nodes[3].op.weight, other.nodes[3].op.weight)
    # uniform weights: the same variance σ_w²/fan-in, bounded by √3 standard deviations
    uniform = next(s for s in SPECS if s.weights == "uniform")
    w = beyond.sample_graph(uniform, 400, 2, 1.0, seed=5, index=0).nodes[3].op.weight
    assert np.var(w) * 400 == pytest.approx(2.0, rel=0.02)
    assert np.max(np.abs(w)) <= np.sqrt(3 * 2.0 / 400)
    # a residual block: the branch carries α = 1/√depth
    scaled = next(s for s in SPECS if s.residual == "inverse_sqrt_depth")
    assert scaled.residual_scale(4) == 0.5
    assert scaled.theory_family(4, 1.0).residual_scale == 0.5


def test_summaries_quote_the_theory_and_the_counts() -> None:
    counts = pd.concat([beyond.count_family(CONFIG, name) for name in ("relu", "relu6", "residual")])
    cells, layers = beyond.cell_summary(counts, CONFIG), beyond.layer_summary(counts, CONFIG)
    assert len(cells) == 3 * 4 and len(layers) == 3 * 2 * (1 + 3)
    row = cells[(cells.family == "relu6") & (cells.width == 5) & (cells.depth == 3)].iloc[0]
    group = counts[(counts.family == "relu6") & (counts.width == 5) & (counts.depth == 3)]
    assert row.ratio == pytest.approx(group.linear_regions.mean() / 16)
    assert row.ratio_lo <= row.ratio <= row.ratio_hi
    law = theory.Family(theory.relu6(), 2.0, 1.0)
    assert row.ratio_predicted == pytest.approx(theory.expected_regions((5, 5, 5), law) / 16)
    # depth 1 is exact: ReLU6 units cross both kinks, every knot a breakpoint
    one = cells[(cells.family == "relu6") & (cells.depth == 1)]
    assert (one.ratio == (2 * one.width + 1) / (one.width + 1)).all()
    lay = layers[(layers.family == "relu6") & (layers.width == 5) & (layers.depth == 3) & (layers.layer == 2)].iloc[0]
    knots = np.stack(group.knots_per_layer.to_numpy())[:, 1] / 5
    assert lay.knots_per_neuron == pytest.approx(knots.mean())
    assert lay.knots_predicted == pytest.approx(theory.knots_per_neuron(2, law))
    res = layers[(layers.family == "residual") & (layers.layer == layers.depth)]
    np.testing.assert_allclose(res.kept_predicted, res.knots_predicted)  # the last layer's kinks reach f


@pytest.mark.parametrize(
    ("families", "message"),
    [
        ({"x": {"activation": "tanh"}}, "activation"),
        ({"x": {"activation": "leaky_relu"}}, "negative_slope"),
        ({"x": {"activation": "relu", "weights": "cauchy"}}, "weights"),
        ({"x": {"activation": "relu", "residual": "two"}}, "residual"),
        ({"x": {"activation": "relu", "sigma_w2": -1}}, "sigma_w2"),
    ],
)
def test_bad_families_are_named(families, message) -> None:
    with pytest.raises(ValueError, match=message):
        beyond.family_specs(families)


def test_cli_counts_a_family_or_fails_in_one_line_leaving_nothing(tmp_path) -> None:
    cli = [sys.executable, "-m", "relu1d.cli"]
    spec = json.dumps({**CONFIG, "widths": [2], "networks": 3})
    out = tmp_path / "relu6.parquet"
    done = subprocess.run(
        [*cli, "beyond-count", "--spec", spec, "--family", "relu6", "--output", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert len(pd.read_parquet(out)) == 3 * 2
    bad = tmp_path / "bad.parquet"
    for args in (["--spec", spec, "--family", "nope"], ["--spec", "{not json", "--family", "relu"]):
        done = subprocess.run(
            [*cli, "beyond-count", *args, "--output", str(bad)], capture_output=True, text=True, check=False
        )
        assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert not bad.exists()


def _layers(**overrides) -> pd.DataFrame:
    """Synthetic per-layer rows: one homogeneous and one bounded family, two widths, depth 2."""
    rows = []
    for family, act, homogeneous, flat, first in (
        ("leaky", "LeakyReLU(0.2)", True, False, 1.0),
        ("hard", "Hardtanh", False, True, 2.0),
    ):
        for width in (2, 64):
            for ell, pred in ((1, first), (2, 0.8 * first)):
                m = pred if ell == 1 or width == 64 else 0.5 * pred
                lo, hi = (m, m) if ell == 1 else (0.99 * m, 1.01 * m)
                rows.append(
                    dict(
                        family=family,
                        activation=act,
                        residual="none",
                        homogeneous=homogeneous,
                        keeps_every_kink=not flat,
                        width=width,
                        depth=2,
                        layer=ell,
                        knots_per_neuron=m,
                        knots_lo=lo,
                        knots_hi=hi,
                        knots_predicted=pred if ell == 1 or homogeneous is False else 1.0,
                        kept_per_neuron=m,
                        kept_lo=lo,
                        kept_hi=hi,
                        kept_predicted=pred,
                    )
                )
    table = pd.DataFrame(rows)
    for key, value in overrides.items():
        table[key] = value
    return table


def test_the_x_verdicts_read_the_widest_cells_and_name_the_deciding_row() -> None:
    from relu1d.replication import claims

    layers = _layers()
    # leaky: predicted 1 everywhere, measured 0.8 at width 64 in layer 2 → outside 1 ± 5%: not supported
    value, verdict = claims.x1_verdict(layers)
    assert verdict == "not supported" and "leaky" in value and "n=64" in value
    assert claims.x1_verdict(layers.assign(knots_predicted=np.where(layers.layer == 1, 1.0, 0.8)))[1] == "supported"
    assert claims.x2_verdict(layers)[1] == "supported"  # Hardtanh at width 64 equals its prediction
    wide = layers.assign(knots_lo=layers.knots_lo * 0.9, knots_hi=layers.knots_hi * 1.1)
    assert claims.x2_verdict(wide[wide.layer == 2].pipe(lambda t: pd.concat([layers[layers.layer == 1], t])))[1] == (
        "inconclusive"
    )
    # first layer not exactly two knots per neuron: not supported, whatever the rest
    broken = layers.copy()
    broken.loc[(broken.family == "hard") & (broken.layer == 1), "knots_lo"] = 1.9
    assert claims.x2_verdict(broken)[1] == "not supported"
    # X3: every knot of the leaky family is a breakpoint; losing 2% somewhere rejects
    assert claims.x3_verdict(layers)[1] == "supported"
    lossy = layers.copy()
    lossy.loc[lossy.family == "leaky", "kept_per_neuron"] *= 0.98
    assert claims.x3_verdict(lossy)[1] == "not supported"


def test_x4_and_x5_compare_ratios_with_the_model_and_with_he_relu() -> None:
    from relu1d.replication import claims

    def row(family, act, residual, width, ratio, pred, half=0.01, kinks=False):
        return dict(
            family=family,
            activation=act,
            residual=residual,
            sigma_w2=2.0,
            weights="gaussian",
            keeps_every_kink=kinks,
            width=width,
            depth=4,
            ratio=ratio,
            ratio_lo=ratio - half,
            ratio_hi=ratio + half,
            ratio_predicted=pred,
        )

    cells = pd.DataFrame(
        [
            row("relu", "ReLU", "none", 2, 0.5, 0.6),
            row("abs", "Abs", "none", 2, 0.9, 1.0, kinks=True),
            row("res", "ReLU", "one", 2, 0.7, 0.8),
            row("relu", "ReLU", "none", 512, 0.99, 1.0),
            row("abs", "Abs", "none", 512, 1.0, 1.0, kinks=True),
            row("res", "ReLU", "one", 512, 1.01, 1.0),
        ]
    )
    assert claims.x4_verdict(cells)[1] == "supported"
    assert claims.x4_verdict(cells.assign(ratio_predicted=1.2))[1] == "not supported"
    value, verdict = claims.x5_verdict(cells)
    assert verdict == "supported" and value.startswith("n=2, L=4: relu 0.500")
    worse = cells.copy()
    worse.loc[(worse.family == "res") & (worse.width == 2), ["ratio", "ratio_lo", "ratio_hi"]] = [0.3, 0.29, 0.31]
    assert claims.x5_verdict(worse)[1] == "not supported"
