"""Monte Carlo check of the covariance recursion at finite width (pipeline stage 4; docs/mathematics.md §3, claim K5).

For each network of an ensemble the pre-activations z^ℓ_i(x) on a grid of inputs, and their exact input
derivatives z′^ℓ_i(x) (forward mode; a grid point is a.s. not a knot), give per layer the neuron averages

    M^ℓ(x, x′) = (1/n_ℓ) Σᵢ z^ℓ_i(x) z^ℓ_i(x′),  C^ℓ(x) = (1/n_ℓ) Σᵢ z^ℓ_i(x) z′^ℓ_i(x),  P^ℓ(x) = (1/n_ℓ) Σᵢ z′^ℓ_i(x)²

Neurons of one network share the layer below, so the network is the independent unit: standard errors come from
the spread over networks. Two kinds of comparison:

* **exact at every width** — the variance M^ℓ(x, x) → 2x² + ℓσ_b², C^ℓ → 2x and P^ℓ → 2 (``theory.derivative_moments``:
  conditionally on layer ℓ−1 a pre-activation and its slope are exactly Gaussian). Their z-scores are N(0, 1) if the
  code and the recursion are right; they are tested jointly by the largest |z| against a Bonferroni bound, which is
  valid whatever the (strong) correlation between entries that share networks.
* **infinite-width limit** — off-diagonal entries on the correlation scale,
  r^ℓ(x, x′) = M^ℓ(x, x′)/√(M^ℓ(x,x)M^ℓ(x′,x′)), normalised by the Monte Carlo diagonal so that the common
  fluctuation of an ensemble's scale cancels. The deviation from K^ℓ(x, x′)/√(K^ℓ(x,x)K^ℓ(x′,x′)) is the
  finite-width bias; its standard error is a grouped jackknife over networks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

from relu1d.engine.network import Network
from relu1d.replication.ensemble import Cell
from relu1d.replication.stats import fit_power_law
from relu1d.theory.gaussian_process import derivative_moments, nngp_kernel, variance

#: Jackknife groups (networks are assigned by index mod this number).
JACKKNIFE_GROUPS = 50
#: Family-wise level of the joint test of the moments that are exact at every width.
FAMILY_LEVEL = 0.05


def pre_activations_with_slopes(net: Network, x: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per hidden layer (z^ℓ(x), ∂ₓz^ℓ(x)), each of shape (G, n_ℓ), for a one-input network.

    Forward-mode differentiation: z′^{ℓ+1} = W^{ℓ+1}(1{z^ℓ > 0} ⊙ z′^ℓ), z′¹ = W¹ — exact at every x off the knots.
    """
    if net.n_in != 1:
        raise ValueError(f"slopes along x need a one-input network, got n_in = {net.n_in}")
    h = np.asarray(x, dtype=np.float64).reshape(-1, 1)
    dh = np.ones_like(h)
    out = []
    for w, b in zip(net.weights[:-1], net.biases[:-1], strict=True):
        z, dz = h @ w.T + b, dh @ w.T
        out.append((z, dz))
        gate = z > 0
        h, dh = np.where(gate, z, 0.0), np.where(gate, dz, 0.0)
    return out


def network_moments(net: Network, grid: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(M, C, P) of one network: M of shape (L, G, G), C and P of shape (L, G) (module docstring)."""
    layers = pre_activations_with_slopes(net, grid)
    m = np.stack([z @ z.T / z.shape[1] for z, _ in layers])
    c = np.stack([np.mean(z * dz, axis=1) for z, dz in layers])
    p = np.stack([np.mean(dz * dz, axis=1) for _, dz in layers])
    return m, c, p


def _mean_se(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean over axis 0 and its standard error (NaN with one sample)."""
    n = samples.shape[0]
    se = samples.std(axis=0, ddof=1) / np.sqrt(n) if n > 1 else np.full(samples.shape[1:], np.nan)
    return samples.mean(axis=0), se


def _correlations(m: np.ndarray, iu: np.ndarray, ju: np.ndarray) -> np.ndarray:
    """M(x, x′)/√(M(x,x)M(x′,x′)) at the pairs (iu, ju), for every leading index."""
    d = np.sqrt(np.einsum("...ii->...i", m))
    return m[..., iu, ju] / (d[..., iu] * d[..., ju])


def _grouped_jackknife(moments: np.ndarray, statistic, groups: int) -> tuple[np.ndarray, np.ndarray]:
    """statistic(mean of moments) and its grouped-jackknife standard error over networks (axis 0)."""
    n = moments.shape[0]
    full = statistic(moments.mean(axis=0))
    g = min(groups, n)
    if g < 2:
        return full, np.full_like(full, np.nan)
    label = np.arange(n) % g
    total = moments.sum(axis=0)
    reps = np.stack(
        [statistic((total - moments[label == k].sum(axis=0)) / (n - np.count_nonzero(label == k))) for k in range(g)]
    )
    se = np.sqrt((g - 1) / g * np.sum((reps - reps.mean(axis=0)) ** 2, axis=0))
    return full, se


def covariance_tables(cell: Cell, grid: np.ndarray) -> dict[str, pd.DataFrame]:
    """Monte Carlo vs recursion for one cell: ``kernel`` (every layer and pair x ≤ x′), ``derivatives`` (C, P per
    layer and x) and ``bias`` (per layer, the off-diagonal correlation error averaged over pairs)."""
    grid = np.asarray(grid, dtype=np.float64)
    if grid.ndim != 1 or grid.size < 2 or np.unique(grid).size != grid.size or not np.all(np.isfinite(grid)):
        raise ValueError("grid: need at least two distinct finite inputs")
    per_net = [network_moments(cell.network(i), grid) for i in range(cell.networks)]
    m_all, c_all, p_all = (np.stack(a) for a in zip(*per_net, strict=True))
    (m, m_se), (c, c_se), (p, p_se) = _mean_se(m_all), _mean_se(c_all), _mean_se(p_all)
    layers = range(1, cell.depth + 1)
    iu, ju = np.triu_indices(grid.size)
    off = iu != ju
    analytic = np.stack([nngp_kernel(grid[iu], grid[ju], ell, cell.sigma_b) for ell in layers])  # (L, pairs)
    scale = np.stack(
        [np.sqrt(variance(grid[iu], ell, cell.sigma_b) * variance(grid[ju], ell, cell.sigma_b)) for ell in layers]
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        corr_analytic = np.where(scale > 0, analytic / scale, 0.0)

    def correlation_statistics(mean_m: np.ndarray) -> np.ndarray:
        """(L, pairs + 1): the MC correlations, then their error averaged over the off-diagonal pairs."""
        with np.errstate(divide="ignore", invalid="ignore"):
            r = _correlations(mean_m, iu, ju)
        return np.column_stack([r, (r - corr_analytic)[:, off].mean(axis=1)])

    stat, stat_se = _grouped_jackknife(m_all, correlation_statistics, JACKKNIFE_GROUPS)
    ident = {"width": cell.widths[0], "sigma_b": cell.sigma_b, "networks": cell.networks}
    kernel, derivs = [], []
    for ell in layers:
        mc, se = m[ell - 1][iu, ju], m_se[ell - 1][iu, ju]
        corr, corr_se = stat[ell - 1, :-1], np.where(off, stat_se[ell - 1, :-1], 0.0)  # diagonal: 1 by construction
        kernel.append(
            pd.DataFrame(
                ident
                | {
                    "layer": ell,
                    "x": grid[iu],
                    "x2": grid[ju],
                    "diagonal": ~off,
                    "mc": mc,
                    "se": se,
                    "analytic": analytic[ell - 1],
                    "z": _z(mc, analytic[ell - 1], se),
                    "corr_mc": corr,
                    "corr_se": corr_se,
                    "corr_analytic": corr_analytic[ell - 1],
                    "corr_z": np.where(off, _z(corr, corr_analytic[ell - 1], corr_se), 0.0),
                }
            )
        )
        _, c_theory, p_theory = derivative_moments(grid, ell, cell.sigma_b)
        for name, mean, sem, theory in (("cov_z_dz", c, c_se, c_theory), ("var_dz", p, p_se, p_theory)):
            derivs.append(
                pd.DataFrame(
                    ident
                    | {
                        "layer": ell,
                        "moment": name,
                        "x": grid,
                        "mc": mean[ell - 1],
                        "se": sem[ell - 1],
                        "analytic": theory,
                        "z": _z(mean[ell - 1], theory, sem[ell - 1]),
                    }
                )
            )
    bias = pd.DataFrame(
        ident | {"layer": list(layers), "pairs": int(off.sum()), "corr_error": stat[:, -1], "se": stat_se[:, -1]}
    )
    return {
        "kernel": pd.concat(kernel, ignore_index=True),
        "derivatives": pd.concat(derivs, ignore_index=True),
        "bias": bias,
    }


def _z(mc: np.ndarray, analytic: np.ndarray, se: np.ndarray) -> np.ndarray:
    """(mc − analytic)/se; 0 where se = 0 and the two agree exactly (e.g. σ_b = 0 at x = 0), ±inf where they do not."""
    mc, analytic, se = (np.asarray(a, dtype=np.float64) for a in (mc, analytic, se))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(mc == analytic, 0.0, (mc - analytic) / se)


def bonferroni_bound(entries: int, level: float = FAMILY_LEVEL) -> float:
    """|z| bound of a two-sided family-wise test of ``entries`` z-scores at ``level``: Φ⁻¹(1 − level/(2m))."""
    return float(sps.norm.isf(level / (2 * max(int(entries), 1))))


def exact_moment_scores(kernel: pd.DataFrame, derivatives: pd.DataFrame) -> pd.Series:
    """The z-scores of every moment that the recursion gives exactly at any width: the variances (kernel diagonal),
    Cov(z, z′) and Var z′."""
    return pd.concat([kernel.loc[kernel["diagonal"], "z"], derivatives["z"]], ignore_index=True)


def bias_rates(bias: pd.DataFrame) -> pd.DataFrame:
    """Per layer: the off-diagonal correlation error fitted as |error| = c·n^a over widths whose 95% interval
    excludes 0 (the finite-width bias; O(1/n), a = −1, is the expectation). Fewer than 3 such widths: NaN."""
    rows = []
    z = sps.norm.ppf(0.975)
    for layer, g in bias.groupby("layer", sort=True):
        resolved = g[(g["corr_error"].abs() > z * g["se"]) & (g["se"] > 0)]
        fit = fit_power_law(
            resolved["width"].to_numpy(), resolved["corr_error"].abs().to_numpy(), resolved["se"].to_numpy()
        )
        widest = g.loc[g["width"].idxmax()]
        rows.append(
            {
                "layer": int(layer),
                "exponent": fit["alpha"],
                "exponent_lo": fit["alpha_lo"],
                "exponent_hi": fit["alpha_hi"],
                "log_amplitude": fit["log_c"],
                "widths_resolved": len(resolved),
                "sign": int(np.sign(resolved["corr_error"]).sum()) if len(resolved) else 0,
                "largest_width": int(widest["width"]),
                "error_at_largest": float(widest["corr_error"]),
                "se_at_largest": float(widest["se"]),
            }
        )
    return pd.DataFrame(rows)
