"""Monte Carlo check of the covariance recursion at finite width (pipeline stage 4; SCIENCE.md K5).

For each network of an ensemble the pre-activations z^ℓ_i(x) on a grid of inputs give, per layer, the
neuron-averaged second moments M^ℓ(x, x′) = (1/n_ℓ) Σᵢ z^ℓ_i(x) z^ℓ_i(x′). Neurons of one network share the
layer below, so they are not independent; the network is the independent unit, and the standard error of
the ensemble mean comes from the spread of M over networks. z = (mean − K^ℓ)/SE. Errors are also given on the
correlation scale, (mean − K^ℓ(x,x′))/√(K^ℓ(x,x)K^ℓ(x′,x′)), which stays meaningful where K^ℓ(x,x′) crosses 0.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from relu1d.ensemble import Cell
from relu1d.theory import nngp_kernel, variance


def network_moments(cell: Cell, index: int, grid: np.ndarray) -> np.ndarray:
    """M^ℓ(x, x′) for network ``index`` of ``cell``: array (L, G, G)."""
    zs = cell.network(index).pre_activations(grid)
    return np.stack([z @ z.T / z.shape[1] for z in zs])


def covariance_table(cell: Cell, grid: np.ndarray) -> pd.DataFrame:
    """Monte Carlo vs analytic K^ℓ(x, x′) for every layer and every pair x ≤ x′ of the grid."""
    grid = np.asarray(grid, dtype=np.float64)
    moments = np.stack([network_moments(cell, i, grid) for i in range(cell.networks)])  # (N, L, G, G)
    mean = moments.mean(axis=0)
    se = moments.std(axis=0, ddof=1) / np.sqrt(cell.networks) if cell.networks > 1 else np.full_like(mean, np.nan)
    iu, ju = np.triu_indices(grid.size)
    rows = []
    for ell in range(1, cell.depth + 1):
        analytic = nngp_kernel(grid[iu], grid[ju], ell, cell.sigma_b)
        scale = np.sqrt(variance(grid[iu], ell, cell.sigma_b) * variance(grid[ju], ell, cell.sigma_b))
        m, s = mean[ell - 1][iu, ju], se[ell - 1][iu, ju]
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(s > 0, (m - analytic) / s, 0.0)
        rows.append(
            pd.DataFrame(
                {
                    "width": cell.widths[0],
                    "layer": ell,
                    "sigma_b": cell.sigma_b,
                    "networks": cell.networks,
                    "x": grid[iu],
                    "x2": grid[ju],
                    "diagonal": iu == ju,
                    "mc": m,
                    "se": s,
                    "analytic": analytic,
                    "z": z,
                    "scaled_error": (m - analytic) / scale,
                    "scaled_se": s / scale,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)
