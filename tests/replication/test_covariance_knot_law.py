"""Claim K5/K6 machinery: the cluster-bootstrap KS test, the knot-law tables, and the covariance stage's
exactly-known moments and bias fits."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from relu1d.engine.count import count_network
from relu1d.engine.network import sample_network
from relu1d.replication import knot_law
from relu1d.replication.claims import k5_verdict, k6_verdict
from relu1d.replication.covariance import (
    bias_rates,
    bonferroni_bound,
    covariance_tables,
    exact_moment_scores,
    pre_activations_with_slopes,
)
from relu1d.replication.ensemble import Cell
from relu1d.replication.knot_law import cluster_ks_test, knot_law_tables, ks_statistic


def _clustered_uniform(rng: np.random.Generator, networks: int, per: int, shift: float = 0.0) -> tuple:
    """Strongly dependent knots with an exactly uniform marginal: network j's points are (v_j + small noise) mod 1."""
    v = rng.random(networks)
    u = (v[:, None] + 0.02 * rng.standard_normal((networks, per)) + shift * rng.random((networks, per)) ** 2) % 1.0
    return u.ravel(), np.repeat(np.arange(networks), per)


def test_ks_statistic_matches_scipy():
    u = np.random.default_rng(0).random(500) ** 1.1
    assert ks_statistic(u) == pytest.approx(stats.kstest(u, "uniform").statistic, rel=1e-12)


def test_cluster_bootstrap_keeps_its_level_where_the_naive_ks_test_does_not():
    rng = np.random.default_rng(1)
    p_cluster, p_naive = [], []
    for r in range(40):
        u, net = _clustered_uniform(rng, 60, 30)
        p_cluster.append(cluster_ks_test(u, net, 60, key=f"null{r}", n_boot=199)[1])
        p_naive.append(stats.kstest(u, "uniform").pvalue)
    assert np.mean(np.array(p_naive) < 0.05) > 0.8  # the dependence ruins the i.i.d. test
    assert np.mean(np.array(p_cluster) < 0.05) <= 0.15  # 5% nominal; ≤ 6/40 allows for binomial noise


def test_cluster_bootstrap_detects_a_wrong_law_and_is_deterministic():
    rng = np.random.default_rng(2)
    u = rng.random(3000) ** 1.3  # not uniform: D ≈ 0.1
    net = rng.integers(0, 100, size=u.size)
    d, p, detectable = cluster_ks_test(u, net, 100, key="alt", n_boot=199)
    assert d > 0.05 and p == pytest.approx(1 / 200)
    assert cluster_ks_test(u, net, 100, key="alt", n_boot=199) == (d, p, detectable)
    assert 0 < detectable < d  # rejected: the distance is beyond the test's resolution
    # a network without knots is still a resampling unit
    assert np.isfinite(cluster_ks_test(u, net, 150, key="alt", n_boot=99)[1])


@pytest.mark.parametrize("sparse_cost", [0, 10**9])  # 0: always the sparse product; 10⁹: always the dense one
def test_weighted_bins_is_exact_by_either_route(monkeypatch, sparse_cost):
    rng = np.random.default_rng(3)
    per_bin = rng.poisson(0.3, (70, 64)).astype(np.float64)
    weights = rng.multinomial(70, np.full(70, 1 / 70), size=50).astype(np.float64)
    monkeypatch.setattr(knot_law, "SPARSE_COST", sparse_cost)
    expected = np.cumsum(weights.astype(np.int64) @ per_bin.astype(np.int64), axis=1).T  # integer arithmetic
    assert np.array_equal(knot_law._weighted_bins(per_bin, weights), expected)


def test_first_layer_knots_follow_the_cauchy_law_exactly_and_histograms_integrate():
    cell = Cell("k6", (6, 6), 1.0, 400, 11)
    rows = []
    for i in range(cell.networks):
        result = count_network(cell.network(i))
        for layer, (pos, idx) in enumerate(zip(result.knot_positions, result.knot_index, strict=True), start=1):
            rows.append(pd.DataFrame({"index": i, "layer": layer, "position": pos, "knot": idx}))
    knots = pd.concat(rows, ignore_index=True)
    tests, hists = knot_law_tables(knots, 6, 2, 1.0, cell.networks, key="k6-test", level=0.025)
    first = tests[tests["layer"] == 1].iloc[0]
    assert first["knots_per_neuron"] == 1.0 and first["p_value"] > 0.001
    # the resolution at 2400 knots of 400 networks: a few hundredths, and coarser at a stricter level
    assert (tests["level"] == 0.025).all() and 0.01 < first["ks_d_detectable"] < 0.1
    pit = hists[(hists["axis"] == "pit") & (hists["layer"] == 1)]
    assert np.sum(pit["density"] * (pit["hi"] - pit["lo"])) == pytest.approx(1.0)
    assert np.allclose(pit["law"], 1.0)
    window = hists[(hists["axis"] == "window") & (hists["layer"] == 2)]
    assert np.all(window["se"] > 0) and np.sum(window["law"] * (window["hi"] - window["lo"])) < 1


def test_slopes_are_the_derivative_of_the_pre_activations():
    net = sample_network((5, 7, 3), 1.0, seed=4)
    x = np.array([-2.3, 0.1, 1.7])
    h = 1e-7
    for (_, dz), (zp, _), (zm, _) in zip(
        pre_activations_with_slopes(net, x),
        pre_activations_with_slopes(net, x + h),
        pre_activations_with_slopes(net, x - h),
        strict=True,
    ):
        assert np.allclose(dz, (zp - zm) / (2 * h), rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match="one-input"):
        pre_activations_with_slopes(sample_network((4,), 1.0, seed=1, n_in=2), x)


def test_exact_moments_pass_and_a_wrong_recursion_fails():
    tables = covariance_tables(Cell("covariance", (16, 16, 16), 1.0, 600, 9), np.array([-30.0, -1.0, 0.0, 0.5, 4.0]))
    z = exact_moment_scores(tables["kernel"], tables["derivatives"])
    assert len(z) == 3 * 5 + 2 * 3 * 5
    assert z.abs().max() < bonferroni_bound(len(z))
    # the same data against a recursion that forgets one σ_b² per layer is rejected
    diag = tables["kernel"][tables["kernel"]["diagonal"]]
    wrong = (diag["mc"] - (diag["analytic"] - 1.0 * (diag["layer"] - 1))) / diag["se"]
    assert wrong.abs().max() > bonferroni_bound(len(z))


def test_bias_rates_recover_a_known_exponent_and_verdicts_follow_the_rules():
    widths = np.array([16, 64, 256, 1024])
    bias = pd.DataFrame(
        {
            "width": np.tile(widths, 2),
            "layer": np.repeat([1, 2], 4),
            "corr_error": np.concatenate([np.zeros(4), -0.8 / widths]),
            "se": np.concatenate([np.full(4, 1e-3), 0.01 / widths]),
        }
    )
    rates = bias_rates(bias)
    deep = rates.set_index("layer").loc[2]
    assert deep["exponent"] == pytest.approx(-1.0) and deep["widths_resolved"] == 4 and deep["sign"] == -4
    assert rates.set_index("layer").loc[1, "widths_resolved"] == 0
    ok = pd.Series(np.random.default_rng(3).standard_normal(200))
    assert k5_verdict(ok, rates)[1] == "supported"
    assert k5_verdict(pd.concat([ok, pd.Series([9.0])]), rates)[1] == "not supported"
    flat = rates.assign(exponent_lo=-0.5, exponent_hi=0.4)
    assert k5_verdict(ok, flat)[1] == "inconclusive"

    tests = pd.DataFrame(
        {"width": 64, "networks": 100, "layer": [1, 2], "knots_per_neuron": 1.0, "ks_d": [0.004, 0.006], "p_value": 0.5}
    )
    assert k6_verdict(tests)[1] == "supported"
    assert k6_verdict(tests.assign(p_value=[0.5, 0.001]))[1] == "inconclusive"
    assert k6_verdict(tests.assign(p_value=[0.5, 0.001], ks_d=[0.004, 0.05]))[1] == "not supported"
