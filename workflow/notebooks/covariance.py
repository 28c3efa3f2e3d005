# %% [markdown]
# # Covariance recursion at finite width (claim K5)
#
# Monte Carlo pre-activation second moments (`relu1d covariance`) against the NNGP recursion
# (`relu1d.theory.nngp_kernel`). Plots and tabulates only.

# %% tags=["parameters"]
tables = "results/verification/covariance/width8.csv"
figures = "results/figures"
table_dir = "results/tables"

# %%
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from scipy import stats

from relu1d.plotting import save_figure, save_table

sns.set_theme(context="paper", style="whitegrid")
cov = pd.concat([pd.read_csv(p) for p in tables.split(",")], ignore_index=True)
Path(figures).mkdir(parents=True, exist_ok=True)
widest = cov["width"].max()

# %% [markdown]
# ## Variance V^ℓ(x) = 2x² + ℓσ_b²: Monte Carlo (widest network) vs recursion

# %%
diag = cov[cov["diagonal"] & (cov["width"] == widest)]
fig, ax = plt.subplots(figsize=(6, 4))
for colour, (layer, g) in zip(
    sns.color_palette("viridis", diag["layer"].nunique()), diag.groupby("layer"), strict=True
):
    g = g.sort_values("x")
    ax.errorbar(g["x"], g["mc"], yerr=1.96 * g["se"], fmt="o", ms=3, color=colour, label=f"ℓ = {layer} (MC)")
    ax.plot(g["x"], g["analytic"], color=colour, lw=1)
ax.set_xscale("symlog", linthresh=1.0)
ax.set_yscale("log")
ax.set_xlabel("input x")
ax.set_ylabel("Var z^ℓ(x)")
ax.set_title(f"width {widest}; lines: recursion, points: Monte Carlo ± 95% CI", fontsize=8)
ax.legend(ncol=2, fontsize=7)
save_figure(fig, figures, "covariance_variance")

# %% [markdown]
# ## Standardised errors z = (MC − K)/SE, all entries, per width; N(0, 1) for reference

# %%
fig, ax = plt.subplots(figsize=(6, 4))
grid = np.linspace(-5, 5, 201)
for colour, (width, g) in zip(sns.color_palette("magma", cov["width"].nunique()), cov.groupby("width"), strict=True):
    ax.hist(
        g["z"].clip(-6, 6),
        bins=np.linspace(-6, 6, 41),
        density=True,
        histtype="step",
        color=colour,
        label=f"n = {width}",
    )
ax.plot(grid, stats.norm.pdf(grid), color="grey", ls="--", label="N(0, 1)")
ax.set_xlabel("z-score of K^ℓ(x, x′) (clipped to ±6)")
ax.set_ylabel("density")
ax.legend(fontsize=7)
save_figure(fig, figures, "covariance_zscores")

# %% [markdown]
# ## Finite-width error of off-diagonal entries vs width, per layer
#
# On the correlation scale, |MC − K|/√(K(x,x)K(x′,x′)); dashed: the mean |error| that Monte Carlo noise alone
# would give (√(2/π)·SE on the same scale). Points above it are finite-width bias.

# %%
off = cov[~cov["diagonal"]].assign(abs_err=lambda d: d["scaled_error"].abs(), noise=lambda d: d["scaled_se"])
bias = off.groupby(["width", "layer"], as_index=False)[["abs_err", "noise"]].mean()
noise = off.groupby("width", as_index=False)["noise"].mean()
fig, ax = plt.subplots(figsize=(6, 4))
sns.lineplot(data=bias, x="width", y="abs_err", hue="layer", marker="o", palette="viridis", legend="full", ax=ax)
ax.plot(noise["width"], np.sqrt(2 / np.pi) * noise["noise"], color="black", ls="--", label="noise level")
ax.set_xscale("log", base=2)
ax.set_yscale("log")
ax.set_xlabel("width n")
ax.set_ylabel("mean |MC − K| / √(K(x,x)K(x′,x′)) (off-diagonal)")
ax.legend(fontsize=7, ncol=2)
save_figure(fig, figures, "covariance_bias")

# %% [markdown]
# ## Summary table

# %%
summary = (
    cov.groupby(["width", "layer"])
    .agg(
        networks=("networks", "first"),
        max_abs_z=("z", lambda z: z.abs().max()),
        frac_abs_z_above_3=("z", lambda z: (z.abs() > 3).mean()),
        mean_abs_scaled_error=("scaled_error", lambda r: r.abs().mean()),
    )
    .reset_index()
)
save_table(
    summary.rename(
        columns={
            "width": "n",
            "layer": "ℓ",
            "max_abs_z": "max |z|",
            "frac_abs_z_above_3": "frac |z|>3",
            "mean_abs_scaled_error": "mean |scaled err.|",
        }
    ),
    table_dir,
    "covariance_summary",
    caption="Monte Carlo vs NNGP recursion per width and layer: largest |z| and mean |error| on the correlation scale.",
)
