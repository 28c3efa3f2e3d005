"""Stages 3–5 in the package: bootstrap statistics, rate fits, the NNGP recursion and numbers.tex."""

import numpy as np
import pandas as pd
import pytest
from scipy import integrate

from relu1d.replication.bootstrap import bootstrap_mean
from relu1d.replication.claims import (
    first_layer_exact,
    k1_verdict,
    k2_verdict,
    k3_verdict,
    k4_verdict,
    scaling_verdict,
)
from relu1d.replication.covariance import covariance_tables
from relu1d.replication.ensemble import Cell
from relu1d.replication.numbers import macros, spelled
from relu1d.replication.plotting import latex_text
from relu1d.replication.stats import (
    bias_summary,
    cell_summary,
    delta_rates,
    fit_exponential,
    fit_power_law,
    layer_summary,
    model_regions,
    network_design,
    networks_for_half_width,
    probe_rates,
    probe_summary,
    survival_model,
    width_from_which,
    window_regions,
)
from relu1d.theory.gaussian_process import nngp_kernel, relu_expectation, variance


def test_bootstrap_mean_is_deterministic_and_covers():
    x = np.random.default_rng(0).normal(10.0, 2.0, size=400)
    a, b = bootstrap_mean(x, "key"), bootstrap_mean(x, "key")
    assert a == b
    assert a.lo < a.mean < a.hi
    # The percentile interval agrees with the normal one to within a few percent of its width here.
    assert abs((a.hi - a.lo) - 2 * 1.96 * a.se) < 0.1 * (a.hi - a.lo)
    const = bootstrap_mean(np.full(10, 3.0), "c")
    assert (const.mean, const.lo, const.hi, const.se) == (3.0, 3.0, 3.0, 0.0)
    with pytest.raises(ValueError):
        bootstrap_mean(np.array([]), "e")


def test_fit_power_law_recovers_exponent():
    x = 2.0 ** np.arange(2, 10)
    y = 3.0 * x**-0.5
    fit = fit_power_law(x, y, 0.01 * y)
    assert fit["alpha"] == pytest.approx(-0.5, abs=1e-9)
    assert fit["alpha_lo"] <= -0.5 <= fit["alpha_hi"]
    assert np.isnan(fit_power_law(x[:2], y[:2], y[:2])["alpha"])


def test_fit_exponential_recovers_decay():
    x = np.arange(2.0, 12.0, 2.0)
    y = 5.0 * 2.0**-x
    fit = fit_exponential(x, y, 0.01 * y)
    assert fit["decay"] == pytest.approx(np.log(2), abs=1e-9)
    assert fit["decay_lo"] <= np.log(2) <= fit["decay_hi"]
    noisy = y * np.exp(np.random.default_rng(1).normal(0, 0.3, x.size))
    wide = fit_exponential(x, noisy, 0.01 * noisy)  # scatter ≫ stated errors: the CI is residual-scaled
    assert wide["decay_hi"] - wide["decay_lo"] > 0.05


def test_survival_model():
    assert survival_model([4, 2, 3], 1) == pytest.approx((1 - 2**-2) * (1 - 2**-3))
    assert survival_model([4, 2, 3], 3) == 1.0


def _counts_frame():
    rows = []
    for width, regions in ((4, [5, 4, 5, 5]), (8, [9, 9, 8, 9])):
        for i, r in enumerate(regions):
            rows.append(
                {
                    "cell": f"e__{width}__sb1",
                    "experiment": "e",
                    "index": i,
                    "widths": [width],
                    "depth": 1,
                    "sum_n": width,
                    "sigma_b": 1.0,
                    "linear_regions": r,
                    "activation_regions": r,
                    "knots_per_layer": [r - 1],
                    "breakpoints_per_layer": [r - 1],
                    "method": "float64",
                    "certified": True,
                    # network 0 proven, 1 checked and left open, the rest not checked
                    "proof": ["first-order", "refined", "none", "none"][i],
                    "proven": i == 0,
                    "uncertified_decisions": [0, 3, -1, -1][i],
                }
            )
    return pd.DataFrame(rows)


def _two_layers(counts):
    """The same counts as networks of two hidden layers of the same width."""
    return counts.assign(
        widths=[[w[0], w[0]] for w in counts["widths"]],
        depth=2,
        sum_n=2 * counts["sum_n"],
        linear_regions=counts["linear_regions"] + counts["sum_n"],  # the same deficit below Σn + 1
        knots_per_layer=[[k[0], k[0]] for k in counts["knots_per_layer"]],
        breakpoints_per_layer=[[k[0], k[0]] for k in counts["breakpoints_per_layer"]],
        cell=counts["cell"] + "_deep",
    )


def test_k1_rejects_a_deviation_that_grows_with_width():
    cells = pd.DataFrame(
        {
            "cell": [f"c{n}" for n in (8, 16, 32, 64)],
            "experiment": "e",
            "sigma_b": 1.0,
            "depth": 2,
            "width": [8, 16, 32, 64],
            "sum_n": [16, 32, 64, 128],
            "ratio": 0.999,
            "ratio_lo": 0.995,
            "ratio_hi": 1.0,
            "mean_activation_regions": 30.0,
        }
    )
    rates = pd.DataFrame(
        [{"experiment": "e", "sigma_b": 1.0, "depth": 2, "alpha": 0.5, "alpha_lo": 0.2, "alpha_hi": 0.8, "points": 4}]
    )
    value, verdict = k1_verdict(cells, rates, "e")
    assert verdict == "not supported" and "α = 0.50 [0.20, 0.80] (4 cells)" in value
    assert k1_verdict(cells, rates.assign(alpha=-0.5, alpha_lo=-0.8, alpha_hi=-0.2), "e")[1] == "supported"


def test_k2_prints_the_row_that_decides_and_k3_reads_informative_pairs_with_bias():
    cells = pd.DataFrame({"cell": ["a", "z"], "experiment": "e", "sigma_b": [1.0, 0.0], "width": [64, 64]})
    layers = pd.DataFrame(
        {
            "cell": ["a", "a", "a", "z"],
            "depth": 3,
            "layer": [1, 2, 3, 1],
            "width": 64,
            # layer 3 is nearest 1 by its point estimate, but its interval reaches farthest out of the band
            "knots_per_neuron": [1.0, 1.015, 1.005, 1.0],
            "knots_per_neuron_lo": [1.0, 1.01, 0.95, 1.0],
            "knots_per_neuron_hi": [1.0, 1.019, 1.06, 1.0],
            "survival": [0.9, 0.995, 0.5, 0.0],
            "survival_lo": [0.85, 0.99, 0.45, 0.0],
            "survival_hi": [0.95, 1.0, 0.55, 0.0],
            "survival_model": [0.88, 0.999, 0.9, 0.5],
        }
    )
    value, verdict = k2_verdict(layers[layers["cell"] == "a"], cells, True, "e")
    assert "ℓ=3: 1.0050 [0.9500, 1.0600]" in value and verdict == "inconclusive"
    totals = pd.Series(1000, index=pd.MultiIndex.from_tuples([("a", 1), ("a", 2), ("a", 3), ("z", 1)]))
    value, verdict = k3_verdict(layers, totals, cells)
    # layer 3 is the last layer (no model); the σ_b = 0 cell is left out; layer 2 has π ≈ 1 and is counted apart
    assert "model inside CI in 1/1 (100.0%)" in value and "π_ℓ ≈ 1: 1/1 inside" in value
    assert verdict == "supported"
    assert k3_verdict(layers, totals, cells.assign(sigma_b=1.0))[1] == "inconclusive"  # 1 of 2 inside: 50%


def test_cell_and_layer_summaries():
    cells = cell_summary(_counts_frame())
    assert cells["proof_checked"].tolist() == [2, 2] and cells["proven"].tolist() == [1, 1]
    assert cells["max_open_decisions"].tolist() == [3, 3] and cells["proven_refined"].tolist() == [0, 0]
    assert np.allclose(cells["proven_fraction"], 0.5) and (cells["proven_fraction_lo"] < 0.5).all()
    row = cells.set_index("cell").loc["e__4__sb1"]
    assert row["mean_regions"] == pytest.approx(4.75)
    assert row["ratio"] == pytest.approx(4.75 / 5)
    assert row["delta"] == pytest.approx((4.75 - 5) / 4)
    assert row["ratio_lo"] <= row["ratio"] <= row["ratio_hi"]
    layers = layer_summary(_counts_frame())
    assert layers.loc[layers["cell"] == "e__8__sb1", "knots_per_neuron"].item() == pytest.approx(7.75 / 8)
    assert (layers["survival"] == 1.0).all()
    assert row["ratio_half_width"] == pytest.approx((row["ratio_hi"] - row["ratio_lo"]) / 2)
    assert row["ratio_relative_sd"] == pytest.approx(np.std([5, 4, 5, 5], ddof=1) / 5)
    rates = delta_rates(cells)
    assert list(rates.columns[:3]) == ["experiment", "sigma_b", "depth"]
    # δ(8) = −1/32 has a CI reaching below −1%, so no width qualifies (NaN), whatever width 4 does.
    assert np.isnan(rates["width_delta_within_1pct"].item())


def test_width_from_which_needs_every_wider_cell():
    widths = np.array([64, 2, 8, 32, 16])
    assert width_from_which(widths, np.array([True, False, False, True, True])) == 16
    assert width_from_which(widths, np.array([True, False, True, False, True])) == 64  # 32 fails again
    assert width_from_which(widths, np.ones(5, bool)) == 2
    assert np.isnan(width_from_which(widths, np.array([False, True, True, True, True])))


def test_network_design_hits_the_half_width():
    # z·s/h = 10 (z = 1.95996 at 95%) → 100 networks.
    assert networks_for_half_width(0.05 / 1.96, 0.005) == 100
    assert networks_for_half_width(0.0, 0.01) == 2
    with pytest.raises(ValueError):
        networks_for_half_width(0.1, 0.0)
    # Pilot SD 3.2·n^(−1/2) at depth 2 from width 32 on (width 4 is ignored), none at depth 1; the design
    # extrapolates the fit to wider cells.
    pilot = pd.DataFrame(
        {
            "depth": [1, 1, 2, 2, 2, 2],
            "width": [64, 256, 4, 64, 256, 1024],
            "sigma_b": 1.0,
            "ratio_relative_sd": [0.0, 0.0, 0.3, 0.4, 0.2, 0.1],
        }
    )
    design = network_design(pilot, [256, 4096], 0.005).set_index(["depth", "width"])
    assert design.loc[(2, 256), "sd_exponent"] == pytest.approx(-0.5)
    assert design.loc[(2, 4096), "relative_sd"] == pytest.approx(0.05)
    assert design.loc[(2, 4096), "networks"] == np.ceil((1.959964 * 0.05 / 0.005) ** 2)
    assert design.loc[(1, 4096), "networks"] == 2


def test_nngp_kernel_layer_one_diagonal_and_symmetry():
    x = np.array([-1e6, -3.0, 0.0, 0.5, 1e6])
    assert np.allclose(nngp_kernel(x, x[::-1], 1, 0.7), 0.49 + 2 * x * x[::-1])
    for layer in (1, 2, 5, 8):
        assert np.allclose(nngp_kernel(x, x, layer, 0.7), variance(x, layer, 0.7), rtol=1e-14)
        assert np.allclose(nngp_kernel(x, x[::-1], layer, 0.7), nngp_kernel(x[::-1], x, layer, 0.7))
    assert nngp_kernel(0.0, 0.0, 3, 0.0) == 0.0  # σ_b = 0 at x = 0: the zero process
    with pytest.raises(ValueError):
        nngp_kernel(x, x, 0, 1.0)


def test_relu_expectation_against_numeric_integration():
    q, q2, c = 2.0, 0.5, -0.6
    cov = np.array([[q, c], [c, q2]])
    inv, det = np.linalg.inv(cov), np.linalg.det(cov)

    def integrand(v, u):
        w = np.array([u, v])
        return u * v * np.exp(-0.5 * w @ inv @ w) / (2 * np.pi * np.sqrt(det))

    numeric, _ = integrate.dblquad(integrand, 0, 12, 0, 12, epsabs=1e-12)
    assert relu_expectation(np.array(q), np.array(q2), np.array(c)) == pytest.approx(numeric, rel=1e-7)


def test_covariance_monte_carlo_layer_one_is_unbiased():
    tables = covariance_tables(Cell("covariance", (64, 64), 1.0, 200, 3), np.array([-2.0, 0.0, 1.0]))
    kernel = tables["kernel"]
    assert len(kernel) == 2 * 6 and len(tables["derivatives"]) == 2 * 2 * 3 and len(tables["bias"]) == 2
    assert kernel["z"].abs().max() < 5  # layer 1 is exact, layer 2 carries O(1/n) bias only
    diag = kernel[kernel["diagonal"]]
    assert np.allclose(diag["corr_mc"], 1.0) and np.all(diag["corr_z"] == 0)


def test_macros_and_latex_text():
    assert spelled(12) == "OneTwo"
    tex = macros({"RatioDepthOne": "1.00", "A": "x"})
    assert tex.splitlines()[1:] == ["\\newcommand{\\A}{x}", "\\newcommand{\\RatioDepthOne}{1.00}"]
    with pytest.raises(ValueError):
        macros({"Depth1": "x"})
    assert latex_text("σ_b 95% ab_cd") == "$\\sigma _{b}$ 95\\% ab\\_cd"  # identifiers keep their underscore


def test_model_regions_and_window_regions():
    layers = pd.DataFrame(
        {"cell": ["c", "c"], "width": [4, 2], "knots_per_neuron": [1.0, 0.5], "survival_model": [0.75, 1.0]}
    )
    assert model_regions(layers).set_index("cell").loc["c", "model_regions"] == pytest.approx(1 + 4 * 0.75 + 1)
    knots = pd.DataFrame(
        {
            "index": [0, 0, 0, 2],
            "knot": [0, 0, 1, 0],  # knot 0 of network 0 is shared by two gate changes
            "position": [0.5, 0.5, 3.0, -0.2],
            "is_breakpoint": [True, True, True, False],
        }
    )
    assert window_regions(knots, 3, 1.0).tolist() == [2, 1, 1]
    assert window_regions(knots, 3, 10.0).tolist() == [3, 1, 1]


def test_bias_summary_and_claim_verdicts():
    counts = _counts_frame()
    knots = {
        cell: pd.DataFrame({"index": [0], "knot": [0], "position": [0.1], "is_breakpoint": [True]})
        for cell in counts["cell"].unique()
    }
    table = bias_summary(counts, knots, [1.0])
    assert table["mean_regions_M1"].tolist() == [1.25, 1.25]  # one network of four has a breakpoint inside
    assert k4_verdict(counts.assign(sigma_b=0.0, linear_regions=2))[1] == "supported"
    assert k4_verdict(counts.assign(sigma_b=0.0))[1] == "not supported"
    # K1 reads depths ≥ 2: one hidden layer has exactly n + 1 regions by construction
    assert k1_verdict(cell_summary(counts), delta_rates(cell_summary(counts)), "e") == (
        "depth 1 excluded; no cells of depth ≥ 2",
        "inconclusive",
    )
    deep = _two_layers(counts)
    value, verdict = k1_verdict(cell_summary(deep), delta_rates(cell_summary(deep)), "e")
    assert verdict == "inconclusive" and "L=2, n=8" in value  # 4 networks: the CI straddles the margin
    exact = deep.assign(linear_regions=deep["sum_n"] + 1)
    assert k1_verdict(cell_summary(exact), delta_rates(cell_summary(exact)), "e")[1] == "supported"
    five = exact.assign(linear_regions=5)
    assert k1_verdict(cell_summary(five), delta_rates(cell_summary(five)), "e")[1] == "not supported"
    assert first_layer_exact(counts.assign(knots_per_layer=[[w[0]] for w in counts["widths"]]))
    assert not first_layer_exact(counts)


def test_latex_text_escapes_in_one_pass():
    assert latex_text(r"{2: 600} \ ℝ") == r"\{2: 600\} \textbackslash{} $\mathbb{R}$"
    assert latex_text("ρ ∝ N^β") == r"$\rho$ $\propto$ N$^{\beta }$"


def test_latex_text_typesets_super_and_subscripts():
    assert latex_text("2^{−n_k}") == "2$^{-n_k}$"
    assert latex_text("n^a, k^(k²)") == "n$^{a}$, k$^{k^2}$"
    assert latex_text("π_ℓ = Π_{k>ℓ}") == r"$\pi _{\ell}$ = $\Pi$$_{k>\ell}$"
    assert latex_text("E[X_{ℓ,i}] and main_experiment") == r"E[X$_{\ell,i}$] and main\_experiment"
    assert "^" not in latex_text("2^(k−1)(w₁+1)w₂⋯w_k").replace("$^{", "")
    with pytest.raises(ValueError, match="no LaTeX form for 'ж'"):
        latex_text("a ж b")


def _probe_counts(density_per_neuron, exponent=1.0, networks=400):
    """Synthetic probe columns: depth L, N neurons; ρ = c_L·N^exponent on a unit-length segment, d = 1/(2ρ)."""
    rng = np.random.default_rng(0)
    rows = []
    for depth, c in density_per_neuron.items():
        for n in (64, 128, 256, 512, 1024, 2048):
            rho = c * n**exponent
            for i in range(networks):
                regions = 1 + rng.poisson(rho)
                rows.append(
                    {
                        "cell": f"l__{depth}x{n}",
                        "experiment": "l",
                        "index": i,
                        "widths": [n // depth] * depth,
                        "depth": depth,
                        "sum_n": n,
                        "sigma_b": 1.0,
                        "probe_length": 1.0,
                        "probe_regions": regions,
                        "probe_distance": rng.exponential(1 / (2 * rho)) if i else np.inf,
                    }
                )
    return pd.DataFrame(rows)


def test_probe_summary_rates_and_h1_h2_verdicts():
    def predicted(summary):  # what the Kac–Rice prediction would say if it matched depth 1
        return summary.assign(
            density_predicted=0.05 * summary["sum_n"], distance_predicted=1 / (2 * 0.05 * summary["sum_n"])
        )

    probes = probe_summary(_probe_counts({1: 0.05, 4: 0.05}))
    assert probes[["density_predicted", "distance_predicted"]].isna().all().all()  # no manifests: no prediction
    probes = predicted(probes)
    row = probes.set_index("cell").loc["l__1x64"]
    assert row["affine_networks"] == 1  # the d = inf network is counted, not averaged
    assert row["density_lo"] <= row["density"] <= row["density_hi"]
    assert row["density_per_neuron"] == pytest.approx(0.05, rel=0.15)
    assert row["distance_times_n"] == pytest.approx(10.0, rel=0.4)
    rates = probe_rates(probes)
    assert rates["density_exponent"].to_numpy() == pytest.approx(1.0, abs=0.05)
    # a network without breakpoints makes the distance claim inconclusive, whatever the rest says
    assert scaling_verdict(probes, rates, "l", "H2")[1] == "inconclusive"
    assert scaling_verdict(probes.assign(affine_networks=0), rates, "l", "H2")[1] == "supported"
    h1 = scaling_verdict(probes, rates, "l", "H1")
    assert h1[1] == "supported" and "L=4" in h1[0] and "N=2048" in h1[0]
    deep_is_sparse = predicted(probe_summary(_probe_counts({1: 0.05, 4: 0.01})))
    rates = probe_rates(deep_is_sparse)
    assert scaling_verdict(deep_is_sparse, rates, "l", "H1")[1] == "not supported"
    superlinear = predicted(probe_summary(_probe_counts({1: 0.002, 4: 0.002}, exponent=1.5)))
    rates = probe_rates(superlinear)
    assert scaling_verdict(superlinear, rates, "l", "H1")[1] == "not supported"
    assert scaling_verdict(probes, rates, "other", "H1")[1] == "inconclusive"
    h1_without_prediction = scaling_verdict(probes.assign(density_predicted=np.nan), probe_rates(probes), "l", "H1")
    assert h1_without_prediction[1] == "inconclusive"


def test_kac_rice_along_a_line_is_the_first_layer_law_exactly():
    # layer 1 along a line at distance d: knots at −(w·x₀ + b)/(w·u), a Cauchy law of scale √(d² + σ_b²·n_in/2)
    from relu1d import count_regions, sample_network
    from relu1d.engine.lines import restrict_to_line
    from relu1d.replication.probes import probe_geometry
    from relu1d.theory.gaussian_process import line_knot_fraction, line_knot_scale

    n_in, width = 6, 4000
    start, end = np.array([1.5, -0.5, 0.3, 2.0, 0.0, -1.0]), np.array([-1.0, 0.5, 0.8, 1.0, 1.5, 0.2])
    distance, lo, hi = probe_geometry(start, end)
    u = (end - start) / np.linalg.norm(end - start)
    assert distance == pytest.approx(np.linalg.norm(start - (start @ u) * u))
    net = sample_network([width], 1.0, seed=(3, 1), n_in=n_in)
    knots = count_regions(restrict_to_line(net, start, u)).knots + (start @ u)  # τ from the line's nearest point
    scale = line_knot_scale(distance, 1, 1.0, n_in)
    for a, b in ((lo, hi), (-scale, scale), (hi, hi + 5)):
        p = float(line_knot_fraction(np.asarray(a), np.asarray(b), scale))
        measured = np.mean((knots > a) & (knots < b))
        assert abs(measured - p) < 4 * np.sqrt(p * (1 - p) / width)


def test_save_table_typesets_long_tables_as_longtable_and_fits_wide_ones(tmp_path):
    from relu1d.replication.plotting import LONG_TABLE_ROWS, save_table

    short = pd.DataFrame({"width": [16, 32], "ratio": [1.0, 2.5]})
    save_table(short, tmp_path, "short", "A short table.")
    tex = (tmp_path / "short.tex").read_text()
    assert "\\begin{table}" in tex and "\\label{tab:short}" in tex
    assert "\\resizebox{\\linewidth}" in tex and "longtable" not in tex  # scaled only when wider than the line
    long = pd.DataFrame({"cell": range(LONG_TABLE_ROWS + 1)})
    save_table(long, tmp_path, "long", "A long table.")
    tex = (tmp_path / "long.tex").read_text()
    assert "\\begin{longtable}" in tex and "\\label{tab:long}" in tex and "\\begin{table}" not in tex
    assert pd.read_csv(tmp_path / "long.csv")["cell"].tolist() == list(range(LONG_TABLE_ROWS + 1))


def test_proof_numbers_count_all_cells_and_the_deciding_ones():
    from relu1d.replication.numbers import DECIDING_WIDTH, proof_numbers

    cells = cell_summary(_counts_frame())
    wide = cells.assign(width=[DECIDING_WIDTH // 2, DECIDING_WIDTH], depth=2)
    out = proof_numbers(wide, "e")
    assert (out["CheckedNetworks"], out["ProvenNetworks"]) == ("4", "2")
    assert (out["DecidingCheckedNetworks"], out["DecidingProvenNetworks"], out["DecidingCells"]) == ("2", "1", "1")
    assert out["DecidingNetworks"] == str(int(wide["networks"].iloc[1]))
    none = proof_numbers(wide, "other")
    assert none["DecidingCells"] == "0" and "decide K1" not in none["ProofClaim"]
    assert none["DecidingProofSentence"].startswith("This configuration has no cell of width")
    assert out["ProofClaim"].endswith(f", 1 of the {out['DecidingNetworks']} in the cells that decide K1, K2 and K6")
    assert out["OpenDecisionsSentence"] == "No checked network left more than 3 decisions open."
    checked_all = int(wide["proof_checked"].sum()) == int(wide["networks"].sum())
    expected = "Proofs were run on all" if checked_all else "Proofs were run on 4 of"
    assert out["ProofCoverageSentence"].startswith(expected)
