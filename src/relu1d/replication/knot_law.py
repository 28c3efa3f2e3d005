"""Where the knots fall: layer-ℓ knot positions against the Kac–Rice density (docs/mathematics.md §4, claim K6).

In the infinite-width limit a layer-ℓ neuron's knots (zeros of its pre-activation) have the density
ρ_ℓ(x) = √(qp − c²)/(πq), a Cauchy law of scale σ_b·√(ℓ/2) (``relu1d.theory.gaussian_process``), and
∫ρ_ℓ = 1. Its CDF maps the knots to u = F_ℓ(x) ∈ (0, 1), uniform under the law: the transformed axis shows the
tails, where a raw histogram would not. Layer 1 is exactly Cauchy at any width (x = −b/w with b, w independent
centred Gaussians).

Knots of one network are dependent (they share the layers below), so the network is the resampling unit: the
Kolmogorov–Smirnov statistic D = sup |F̂ − U| of the pooled u's gets its p-value from a cluster bootstrap of the
centred process sup |F̂* − F̂| (resampling networks; valid for any within-network dependence), and histogram bars
get ratio-estimator standard errors over networks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from relu1d.replication.bootstrap import N_BOOTSTRAP, rng_for
from relu1d.theory.gaussian_process import knot_cdf

PIT_BINS = 40
#: Half-width and bins of the bounded-window view (in x, for σ_b = 1 the scales σ_b·√(ℓ/2) are 0.7–2).
WINDOW = 6.0
WINDOW_BINS = 48
#: Grid of the bootstrap KS statistic (``cluster_ks_test``).
KS_GRID = 4096


def ks_statistic(u: np.ndarray) -> float:
    """D = sup_t |F̂(t) − t| of a sample u in [0, 1] against Uniform(0, 1) (both sides of every jump)."""
    u = np.sort(np.asarray(u, dtype=np.float64))
    m = u.size
    if m == 0:
        return float("nan")
    i = np.arange(1, m + 1)
    return float(max(np.max(i / m - u), np.max(u - (i - 1) / m)))


def cluster_ks_test(
    u: np.ndarray,
    network: np.ndarray,
    networks: int,
    key: str,
    n_boot: int = N_BOOTSTRAP,
    grid: int = KS_GRID,
    level: float = 0.05,
) -> tuple[float, float, float]:
    """(D, p, D*): the KS distance of the pooled sample to Uniform(0, 1), a cluster-bootstrap p-value, and the
    test's resolution at ``level``: D* = the (1 − level) quantile of the bootstrap sup-deviations, the smallest
    distance from the law that the test rejects about half the time (its power at D* is about ½).

    The test statistic is the KS distance on the grid t_k = k/``grid`` (k = 1 … grid − 1), D_g = max_k |F̂(t_k) − t_k|
    (D_g ≤ D ≤ D_g + 1/grid + the largest ECDF jump, so nothing is lost at these sample sizes). Replicate b reweights
    network j by w_bj ~ Multinomial(N, 1/N) (networks without knots included), F*_b(t) = Σ_j w_bj c_j(t)/Σ_j w_bj c_j(1)
    with c_j(t) the number of network j's knots ≤ t, and p = (1 + #{max_k |F*_b(t_k) − F̂(t_k)| ≥ D_g})/(B + 1).
    The returned D is the exact KS distance (``ks_statistic``), the effect size the report quotes.
    """
    u = np.asarray(u, dtype=np.float64)
    network = np.asarray(network, dtype=np.int64)
    if u.size == 0:
        return float("nan"), float("nan"), float("nan")
    t = np.arange(1, grid) / grid
    per_bin = np.zeros((networks, grid))  # per_bin[j, k] = #{network j's u in (t_{k−1}, t_k]}; last column: the rest
    np.add.at(per_bin, (network, np.minimum(np.searchsorted(t, u, side="left"), grid - 1)), 1.0)
    cum_hat = np.cumsum(per_bin.sum(axis=0))
    f_hat = cum_hat[:-1] / cum_hat[-1]
    d_grid = np.max(np.abs(f_hat - t))
    rng = rng_for(key)
    weights = rng.multinomial(networks, np.full(networks, 1.0 / networks), size=n_boot).astype(np.float64)
    cum = _weighted_bins(per_bin, weights)  # cum[k, b] = Σ_j w_bj c_j(t_k); last row: Σ_j w_bj c_j(1)
    deviation = cum[:-1]  # |F*_b(t_k) − F̂(t_k)|, computed in place (the array is grid × B)
    with np.errstate(invalid="ignore", divide="ignore"):
        deviation /= cum[-1]
    deviation -= f_hat[:, None]
    np.abs(deviation, out=deviation)
    sup = np.nan_to_num(np.max(deviation, axis=0), nan=np.inf)
    p_value = (1 + int(np.count_nonzero(sup >= d_grid))) / (n_boot + 1)
    return ks_statistic(u), p_value, float(np.quantile(sup, 1 - level))


#: A sparse product costs about this many dense multiply-adds per nonzero (scipy's CSR kernel against BLAS).
SPARSE_COST = 16


def _weighted_bins(per_bin: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """cum[k, b] = Σ_{j, k' ≤ k} per_bin[j, k'] · weights[b, j]: the bootstrap's weighted cumulative counts, grid × B.

    The product goes through a sparse kernel where per_bin is sparse (narrow networks: few knots in 4,096 bins).
    Every entry is an integer below 2⁵³, so both routes and the running sums are exact: the route changes nothing.
    The running sum adds whole rows in place (numpy's cumsum along axis 0 of a C array is ~10× slower).
    """
    if np.count_nonzero(per_bin) * SPARSE_COST < per_bin.size:
        cum = np.ascontiguousarray(sparse.csr_array(per_bin.T) @ weights.T)
    else:
        cum = per_bin.T @ weights.T
    for k in range(1, cum.shape[0]):
        cum[k] += cum[k - 1]
    return cum


def _binned_fraction(
    values: np.ndarray, network: np.ndarray, networks: int, edges: np.ndarray, total_per_network: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Fraction of all knots in each bin, Σ_j c_jb / Σ_j t_j, with its ratio-estimator SE over networks."""
    bins = np.searchsorted(edges, values, side="right") - 1
    inside = (bins >= 0) & (bins < edges.size - 1)
    counts = np.zeros((networks, edges.size - 1))
    np.add.at(counts, (network[inside], bins[inside]), 1.0)
    total = total_per_network.sum()
    frac = counts.sum(axis=0) / total
    resid = counts - frac[None, :] * total_per_network[:, None]
    se = np.sqrt(networks / max(networks - 1, 1) * np.sum(resid**2, axis=0)) / total
    return frac, se


def knot_law_tables(
    knots: pd.DataFrame, width: int, depth: int, sigma_b: float, networks: int, key: str, level: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per layer of one equal-width cell: the KS test of the knots against the Kac–Rice law at ``level`` per layer,
    with its resolution D* (``tests``), and histograms on the transformed axis u = F_ℓ(x) and on the window
    (−WINDOW, WINDOW) against the law (``histograms``)."""
    tests, hists = [], []
    ident = {"width": width, "depth": depth, "sigma_b": sigma_b, "networks": networks}
    for layer in range(1, depth + 1):
        sel = knots[knots["layer"] == layer]
        x = sel["position"].to_numpy(np.float64)
        net = sel["index"].to_numpy(np.int64)
        u = knot_cdf(x, layer, sigma_b)
        d, p, detectable = cluster_ks_test(u, net, networks, f"{key}/layer{layer}", level=level)
        tests.append(
            ident
            | {
                "layer": layer,
                "knots": int(x.size),
                "knots_per_neuron": x.size / (networks * width),
                "ks_d": d,
                "p_value": p,
                "level": level,
                "ks_d_detectable": detectable,
            }
        )
        per_net = np.bincount(net, minlength=networks).astype(np.float64)
        if x.size == 0:
            continue
        for axis, values, edges in (
            ("pit", u, np.linspace(0.0, 1.0, PIT_BINS + 1)),
            ("window", x, np.linspace(-WINDOW, WINDOW, WINDOW_BINS + 1)),
        ):
            frac, se = _binned_fraction(values, net, networks, edges, per_net)
            width_bin = np.diff(edges)
            law = np.diff(edges) if axis == "pit" else np.diff(knot_cdf(edges, layer, sigma_b))
            hists.append(
                pd.DataFrame(
                    ident
                    | {
                        "layer": layer,
                        "axis": axis,
                        "lo": edges[:-1],
                        "hi": edges[1:],
                        "density": frac / width_bin,
                        "se": se / width_bin,
                        "law": law / width_bin,
                    }
                )
            )
    return pd.DataFrame(tests), pd.concat(hists, ignore_index=True) if hists else pd.DataFrame()
