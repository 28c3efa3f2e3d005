"""Statistics of the convergence stage (pipeline stage 3; docs/claims.md K1–K3; docs/mathematics.md §6).

Every mean carries a 95% percentile-bootstrap CI over networks (the network is the independent unit; resampling
is seeded from the cell id, so results are deterministic). Rates are fitted by weighted least squares with a
t-based CI on the exponent.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats as sps

from relu1d.engine.network import architecture_name
from relu1d.replication.bootstrap import CONFIDENCE, N_BOOTSTRAP, MeanCI, bootstrap_mean, percentile_interval, rng_for
from relu1d.replication.ensemble import Cell
from relu1d.replication.probes import predicted_cell_statistics
from relu1d.theory.gaussian_process import survival_model

#: |δ| below which a cell counts as converged for the "width at which |δ| < 1%" of claim K1.
DELTA_SMALL = 0.01


def _cell_columns(cell: str, first: pd.Series) -> dict[str, object]:
    """The identifying columns of a cell's summary row, from its first network's row (width −1: unequal widths)."""
    widths = [int(n) for n in first["widths"]]
    return {
        "cell": cell,
        "experiment": first["experiment"],
        "depth": int(first["depth"]),
        "width": widths[0] if len(set(widths)) == 1 else -1,
        "widths": architecture_name(widths),
        "sum_n": int(first["sum_n"]),
        "sigma_b": float(first["sigma_b"]),
    }


def cell_summary(counts: pd.DataFrame) -> pd.DataFrame:
    """Per cell: E[R] with CI, the ratio E[R]/(Σn+1) and δ = (E[R] − 1 − Σn)/Σn with CIs (claim K1).

    Both are affine in E[R], so their CIs are the mean's CI mapped through the same map.
    """
    rows = []
    for cell, group in counts.groupby("cell", sort=True):
        first = group.iloc[0]
        sum_n = int(first["sum_n"])
        regions = bootstrap_mean(group["linear_regions"].to_numpy(), f"{cell}/linear_regions")
        activation = bootstrap_mean(group["activation_regions"].to_numpy(), f"{cell}/activation_regions")
        rows.append(
            {
                **_cell_columns(cell, first),
                "networks": regions.n,
                "mean_regions": regions.mean,
                "se_regions": regions.se,
                "lo_regions": regions.lo,
                "hi_regions": regions.hi,
                "mean_activation_regions": activation.mean,
                "ratio": regions.mean / (sum_n + 1),
                "ratio_lo": regions.lo / (sum_n + 1),
                "ratio_hi": regions.hi / (sum_n + 1),
                "ratio_half_width": (regions.hi - regions.lo) / 2 / (sum_n + 1),
                "ratio_relative_sd": float(group["linear_regions"].std(ddof=1)) / (sum_n + 1),
                "delta": (regions.mean - 1 - sum_n) / sum_n,
                "delta_lo": (regions.lo - 1 - sum_n) / sum_n,
                "delta_hi": (regions.hi - 1 - sum_n) / sum_n,
                "certified_fraction": float(group["certified"].mean()),
                **proof_columns(group),
            }
        )
    return pd.DataFrame(rows)


def proof_columns(group: pd.DataFrame) -> dict[str, object]:
    """How a cell's counts are known to be exact (docs/mathematics.md §2.3): networks proven, by which method,
    among those checked, with the exact (Clopper–Pearson) 95% CI of the proven fraction of checked networks,
    and the most decisions any checked network left open."""
    checked = group[group["proof"] != "none"]
    proven = int(checked["proven"].sum())
    out: dict[str, object] = {
        "proof_checked": len(checked),
        "proven": proven,
        "proven_rational": int((checked["proof"] == "rational").sum()),
        "proven_refined": int((checked["proven"] & (checked["proof"] == "refined")).sum()),
        "max_open_decisions": int(checked["uncertified_decisions"].max()) if len(checked) else 0,
    }
    if len(checked):
        ci = sps.binomtest(proven, len(checked)).proportion_ci(confidence_level=CONFIDENCE)
        out.update(proven_fraction=proven / len(checked), proven_fraction_lo=ci.low, proven_fraction_hi=ci.high)
    else:
        out.update(proven_fraction=np.nan, proven_fraction_lo=np.nan, proven_fraction_hi=np.nan)
    return out


def layer_summary(counts: pd.DataFrame) -> pd.DataFrame:
    """Per cell and layer ℓ: knots created per neuron E[X_{ℓ,i}] (K2) and the fraction surviving as breakpoints (K3).

    The survival fraction is a ratio of sums over networks (total breakpoints / total knots of layer ℓ); its CI
    resamples networks (knots of one network are not independent), widened to at least the exact binomial one.
    """
    rows = []
    for cell, group in counts.groupby("cell", sort=True):
        widths = list(group.iloc[0]["widths"])
        knots = np.stack(group["knots_per_layer"].to_numpy()).astype(np.float64)
        survived = np.stack(group["breakpoints_per_layer"].to_numpy()).astype(np.float64)
        rng = rng_for(f"{cell}/survival")
        boot = rng.integers(0, knots.shape[0], size=(N_BOOTSTRAP, knots.shape[0]))
        for ell, width in enumerate(widths, start=1):
            per_neuron = bootstrap_mean(knots[:, ell - 1] / width, f"{cell}/X/{ell}")
            k, s = knots[:, ell - 1], survived[:, ell - 1]
            total = k.sum()
            with np.errstate(invalid="ignore", divide="ignore"):
                frac_boot = s[boot].sum(axis=1) / k[boot].sum(axis=1)
            lo, hi = np.nan, np.nan
            if total > 0:
                # Percentile bootstrap over networks, widened to the Clopper–Pearson interval of the pooled
                # fraction: the bootstrap collapses to [1, 1] when every knot of every network survived.
                lo, hi = percentile_interval(frac_boot)
                exact = sps.binomtest(int(s.sum()), int(total)).proportion_ci(confidence_level=CONFIDENCE)
                lo, hi = min(lo, exact.low), max(hi, exact.high)
            rows.append(
                {
                    "cell": cell,
                    "depth": len(widths),
                    "layer": ell,
                    "width": width,
                    "knots_per_neuron": per_neuron.mean,
                    "knots_per_neuron_lo": per_neuron.lo,
                    "knots_per_neuron_hi": per_neuron.hi,
                    "survival": s.sum() / total if total > 0 else np.nan,
                    "survival_lo": lo,
                    "survival_hi": hi,
                    "survival_model": survival_model(widths, ell),
                }
            )
    return pd.DataFrame(rows)


def _fit_log_linear(t: np.ndarray, y: np.ndarray, se_y: np.ndarray, confidence: float) -> dict[str, float]:
    """Weighted least squares of log y = a + b·t, weights 1/Var(log y) with Var(log y) ≈ (se_y/y)²: (a, b, CI of b)
    with a Student t interval (k − 2 degrees of freedom, residual-scaled when the scatter exceeds the errors).
    NaN coefficients with fewer than 3 usable points."""
    t, y, se_y = (np.asarray(a, dtype=np.float64) for a in (t, y, se_y))
    ok = np.isfinite(t) & (y > 0) & np.isfinite(se_y) & (se_y > 0)
    k = int(ok.sum())
    if k < 3:
        return {"a": np.nan, "b": np.nan, "b_lo": np.nan, "b_hi": np.nan, "k": k}
    ly = np.log(y[ok])
    w = (y[ok] / se_y[ok]) ** 2
    design = np.column_stack([np.ones(k), t[ok]])
    sw = np.sqrt(w)
    coef, *_ = np.linalg.lstsq(design * sw[:, None], ly * sw, rcond=None)
    resid = (ly - design @ coef) * sw
    scale = float(resid @ resid) / (k - 2)
    cov = np.linalg.inv((design * w[:, None]).T @ design) * max(scale, 1.0)
    half = sps.t.ppf(0.5 + confidence / 2, k - 2) * np.sqrt(cov[1, 1])
    return {
        "a": float(coef[0]),
        "b": float(coef[1]),
        "b_lo": float(coef[1] - half),
        "b_hi": float(coef[1] + half),
        "k": k,
    }


def fit_power_law(x: np.ndarray, y: np.ndarray, se_y: np.ndarray, confidence: float = CONFIDENCE) -> dict[str, float]:
    """y = c·x^α: weighted least squares of log y on log x (``_fit_log_linear``); α with its CI, log c, points."""
    x = np.asarray(x, dtype=np.float64)
    fit = _fit_log_linear(np.log(np.where(x > 0, x, np.nan)), y, se_y, confidence)
    return {"alpha": fit["b"], "alpha_lo": fit["b_lo"], "alpha_hi": fit["b_hi"], "log_c": fit["a"], "points": fit["k"]}


def fit_exponential(x: np.ndarray, y: np.ndarray, se_y: np.ndarray, confidence: float = CONFIDENCE) -> dict[str, float]:
    """y = c·e^(−κx): weighted least squares of log y on x; κ with its CI. The K3 survival model predicts that the
    region deficit of narrow networks decays like 2^(−n), κ = ln 2 per unit of width (docs/mathematics.md §4)."""
    fit = _fit_log_linear(x, y, se_y, confidence)
    return {"decay": -fit["b"], "decay_lo": -fit["b_hi"], "decay_hi": -fit["b_lo"]}


def delta_rates(cells: pd.DataFrame) -> pd.DataFrame:
    """Per experiment, σ_b > 0 and depth (equal-width cells): fitted rates |δ| ∝ width^α and −δ ∝ e^(−κ·width)
    from the cells whose δ CI lies below 0 (the region deficit of narrow networks).

    A power law of |δ| across a change of sign would fit |δ| through a zero it cannot have; so the fits use one
    sign, the deficit, and the cells whose CI lies above 0 are counted in ``cells_other_sign``. Cells whose CI
    contains 0 carry no sign and no log; they are counted in ``cells_unresolved``. With fewer than three cells of
    the fitted sign the fit is not made (NaN).
    """
    rows = []
    eq = cells[(cells["width"] > 0) & (cells["sigma_b"] > 0)]
    for (experiment, sigma_b, depth), group in eq.groupby(["experiment", "sigma_b", "depth"], sort=True):
        deficit = group[group["delta_hi"] < 0]
        se = (deficit["se_regions"] / deficit["sum_n"]).to_numpy()
        width, size = deficit["width"].to_numpy(), -deficit["delta"].to_numpy()
        fit = fit_power_law(width, size, se)
        decay = fit_exponential(width, size, se)  # the survival model's law for the deficit
        excess = group["delta_lo"] > 0
        largest = group.loc[group["width"].idxmax()]
        inside = (group["delta_lo"] >= -DELTA_SMALL) & (group["delta_hi"] <= DELTA_SMALL)
        rows.append(
            {
                "experiment": experiment,
                "sigma_b": float(sigma_b),
                "depth": int(depth),
                **fit,
                **decay,
                "cells_resolved": len(deficit),
                "cells_other_sign": int(excess.sum()),
                "cells_unresolved": len(group) - len(deficit) - int(excess.sum()),
                "largest_width": int(largest["width"]),
                "delta_at_largest": float(largest["delta"]),
                "delta_lo_at_largest": float(largest["delta_lo"]),
                "delta_hi_at_largest": float(largest["delta_hi"]),
                "width_delta_within_1pct": width_from_which(group["width"].to_numpy(), inside.to_numpy()),
                "ratio_half_width_at_largest": float(largest["ratio_half_width"]),
            }
        )
    return pd.DataFrame(rows)


def width_from_which(widths: np.ndarray, holds: np.ndarray) -> float:
    """Smallest width w such that ``holds`` is true for every cell of width ≥ w; NaN if it fails at the largest."""
    order = np.argsort(widths)
    widths, holds = np.asarray(widths)[order], np.asarray(holds, dtype=bool)[order]
    if holds.size == 0 or not holds[-1]:
        return float("nan")
    failing = np.flatnonzero(~holds)
    return float(widths[failing[-1] + 1] if failing.size else widths[0])


def networks_for_half_width(relative_sd: float, half_width: float, confidence: float = CONFIDENCE) -> int:
    """Networks N = ⌈(z·s/h)²⌉ so that the normal-approximation CI of a mean with per-network standard deviation s
    (here of R/(Σn+1)) has half-width ≤ h; z is the two-sided ``confidence`` quantile (1.96 at 95%)."""
    if not (relative_sd >= 0 and half_width > 0):
        raise ValueError(f"networks_for_half_width: need sd >= 0 and half_width > 0, got {relative_sd}, {half_width}")
    z = sps.norm.ppf(0.5 + confidence / 2)
    return max(2, int(np.ceil((z * relative_sd / half_width) ** 2)))


def network_design(
    cells: pd.DataFrame,
    widths: list[int],
    half_width: float,
    confidence: float = CONFIDENCE,
    fit_min_width: int = 32,
) -> pd.DataFrame:
    """Networks per (depth, width) for a ratio CI half-width ≤ ``half_width``, from a pilot's cell summary.

    Per depth the pilot's per-network SD of R/(Σn+1) is fitted as s(n) = c·n^a (least squares in log-log over the
    pilot's equal-width cells of width ≥ ``fit_min_width`` with s > 0: narrower cells are in the extinction regime
    and follow another law); widths inside or outside the pilot range are read off the fit, so a small pilot at
    moderate widths designs a study at large ones. Depth 1 has s = 0 (R = n + 1 exactly): N = 2.
    """
    rows = []
    eq = cells[(cells["width"] >= fit_min_width) & (cells["sigma_b"] > 0)]
    for depth, group in eq.groupby("depth", sort=True):
        ok = group[group["ratio_relative_sd"] > 0]
        if len(ok) >= 2:
            slope, intercept = np.polyfit(np.log(ok["width"]), np.log(ok["ratio_relative_sd"]), 1)
        else:
            slope, intercept = 0.0, -np.inf
        for width in widths:
            sd = float(np.exp(intercept + slope * np.log(width)))
            rows.append(
                {
                    "depth": int(depth),
                    "width": int(width),
                    "sd_exponent": float(slope),
                    "relative_sd": sd,
                    "networks": networks_for_half_width(sd, half_width, confidence),
                }
            )
    return pd.DataFrame(rows)


def model_regions(layers: pd.DataFrame) -> pd.DataFrame:
    """Per cell, the K2 × K3 assembly: E[R] ≈ 1 + Σ_ℓ n_ℓ·E[X_{ℓ,i}]·π_ℓ with measured E[X_{ℓ,i}] and the survival
    model π_ℓ = Π_{k>ℓ}(1 − 2^{−n_k}) (paper K, proof; docs/mathematics.md §4). It ignores knots shared by two layers
    and correlations between blocking events, which is what the comparison with measured E[R] tests.
    """
    terms = layers.assign(term=layers["width"] * layers["knots_per_neuron"] * layers["survival_model"])
    return (1.0 + terms.groupby("cell", sort=True)["term"].sum()).rename("model_regions").reset_index()


def window_regions(knots: pd.DataFrame, networks: int, half_width: float) -> np.ndarray:
    """Linear regions of each network on the open window (−M, M): distinct breakpoints inside it, plus one."""
    inside = knots[knots["is_breakpoint"] & (knots["position"].abs() < half_width)]
    per_network = inside.groupby("index")["knot"].nunique()
    return per_network.reindex(range(networks), fill_value=0).to_numpy() + 1


def bias_summary(counts: pd.DataFrame, knots_by_cell: dict[str, pd.DataFrame], windows: list[float]) -> pd.DataFrame:
    """Claim K4 and the σ_b sweep: per cell, E[R] over ℝ and on each window (−M, M), with bootstrap CIs, and the
    median |breakpoint position|.

    Over ℝ the σ_b > 0 cells must agree: scaling every bias by c > 0 maps f(x) to c·f(x/c) (positive
    homogeneity of ReLU), which moves the breakpoints by the factor c and keeps their number.
    """
    rows = []
    for cell, group in counts.groupby("cell", sort=True):
        first, knots = group.iloc[0], knots_by_cell[cell]
        over_r = bootstrap_mean(group["linear_regions"].to_numpy(), f"{cell}/linear_regions")
        breakpoints = knots.loc[knots["is_breakpoint"]].drop_duplicates(["index", "knot"])["position"].abs()
        row = {
            **_cell_columns(cell, first),
            "networks": len(group),
            "max_regions": int(group["linear_regions"].max()),
            "mean_regions": over_r.mean,
            "lo_regions": over_r.lo,
            "hi_regions": over_r.hi,
            "median_abs_breakpoint": float(breakpoints.median()) if len(breakpoints) else np.nan,
        }
        for m in windows:
            inside = bootstrap_mean(window_regions(knots, len(group), m), f"{cell}/window/{m!r}")
            row |= {
                f"mean_regions_M{m:g}": inside.mean,
                f"lo_regions_M{m:g}": inside.lo,
                f"hi_regions_M{m:g}": inside.hi,
            }
        rows.append(row)
    return pd.DataFrame(rows)


#: The N-scaled column of each H1/H2 statistic and the power of N it is scaled by: ρ/N (H1 predicts it flat in N)
#: and E[d]·N (H2).
LINE_SCALED = {"density": ("density_per_neuron", -1), "distance": ("distance_times_n", 1)}


def line_scaling_columns(name: str, ci: MeanCI, n: int) -> dict[str, float]:
    """A statistic of claims H1/H2 (``density`` or ``distance``) as table columns: mean, standard error and CI,
    then mean and CI scaled by N = ``n`` as ``LINE_SCALED`` says."""
    column, power = LINE_SCALED[name]
    out = {name: ci.mean, f"{name}_se": ci.se, f"{name}_lo": ci.lo, f"{name}_hi": ci.hi}
    scaled = (ci.mean / n, ci.lo / n, ci.hi / n) if power < 0 else (ci.mean * n, ci.lo * n, ci.hi * n)
    return out | dict(zip((column, f"{column}_lo", f"{column}_hi"), scaled, strict=True))


def probe_summary(counts: pd.DataFrame, cells: Mapping[str, Cell] | None = None) -> pd.DataFrame:
    """Per cell, the probe statistics of claims H1/H2 (Hanin & Rolnick 2019, Thm 1 and Cor. 2), with bootstrap CIs:

    * ρ = E[(R_seg − 1)/|a′ − a|], breakpoints per unit length on the segment between two random inputs, and ρ/N,
      beside the ρ our Kac–Rice derivation predicts for the same probes (``probes.predicted_probe_statistics``;
      ``cells`` gives each cell's seeds; NaN for a cell it lacks and for σ_b = 0, where the knots coincide);
    * E[d], the mean distance along the line from a random input a to the nearest breakpoint (a proxy: it bounds
      the Euclidean distance to the nearest region boundary from above), and E[d]·N, beside its prediction.

    Networks without any breakpoint (d = ∞; e.g. σ_b = 0 in 1-D) are left out of E[d] and counted in
    ``affine_networks``.
    """
    rows = []
    for cell, group in counts.groupby("cell", sort=True):
        first = group.iloc[0]
        n = int(first["sum_n"])
        density = bootstrap_mean(
            ((group["probe_regions"] - 1) / group["probe_length"]).to_numpy(), f"{cell}/probe_density"
        )
        predicted = (
            predicted_cell_statistics(cells[cell], group["index"].to_numpy())
            if cells and cell in cells and float(first["sigma_b"]) > 0  # σ_b = 0: the knots coincide, no law
            else np.full((len(group), 2), np.nan)
        )
        finite_rows = np.isfinite(group["probe_distance"].to_numpy())  # E[d] is over networks with a breakpoint
        distances = group["probe_distance"].to_numpy()
        finite = distances[np.isfinite(distances)]
        distance = bootstrap_mean(finite, f"{cell}/probe_distance") if finite.size else MeanCI(*[np.nan] * 4, 0)
        rows.append(
            {
                **_cell_columns(cell, first),
                "networks": len(group),
                "mean_probe_length": float(group["probe_length"].mean()),
                **line_scaling_columns("density", density, n),
                "density_predicted": float(predicted[:, 0].mean()),
                "density_per_neuron_predicted": float(predicted[:, 0].mean()) / n,
                **line_scaling_columns("distance", distance, n),
                "distance_predicted": float(predicted[finite_rows, 1].mean()) if finite_rows.any() else np.nan,
                "affine_networks": int(distances.size - finite.size),
            }
        )
    return pd.DataFrame(rows)


def probe_rates(probes: pd.DataFrame) -> pd.DataFrame:
    """Per experiment, σ_b > 0 and depth (equal widths): fitted exponents ρ ∝ N^β (H1 predicts β = 1) and
    E[d] ∝ N^γ (H2 predicts γ = −1), weighted by the bootstrap standard errors."""
    rows = []
    eq = probes[(probes["width"] > 0) & (probes["sigma_b"] > 0)]
    for (experiment, sigma_b, depth), group in eq.groupby(["experiment", "sigma_b", "depth"], sort=True):
        n = group["sum_n"].to_numpy()
        density = fit_power_law(n, group["density"].to_numpy(), group["density_se"].to_numpy())
        distance = fit_power_law(n, group["distance"].to_numpy(), group["distance_se"].to_numpy())
        rows.append(
            {
                "experiment": experiment,
                "sigma_b": float(sigma_b),
                "depth": int(depth),
                "cells": len(group),
                "density_exponent": density["alpha"],
                "density_exponent_lo": density["alpha_lo"],
                "density_exponent_hi": density["alpha_hi"],
                "density_log_c": density["log_c"],
                "distance_exponent": distance["alpha"],
                "distance_exponent_lo": distance["alpha_lo"],
                "distance_exponent_hi": distance["alpha_hi"],
                "distance_log_c": distance["log_c"],
            }
        )
    return pd.DataFrame(rows)
