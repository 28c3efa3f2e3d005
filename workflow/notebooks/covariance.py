# %% [markdown]
# # The Gaussian-process machinery at finite width (claims K5, K6)
#
# K5: Monte Carlo pre-activation moments (`relu1d covariance`) against the NNGP recursion
# (`relu1d.theory.gaussian_process`), and the finite-width bias fitted by `relu1d covariance-rates`. K6: knot positions
# from the exact counts against the Kac–Rice density (`relu1d knot-law`). Plots and tabulates only.

# %% tags=["parameters"]
kernel = "results/verification/covariance/width8.csv"
derivatives = "results/verification/covariance/width8_derivatives.csv"
bias = "results/verification/covariance/width8_bias.csv"
rates = "results/stats/covariance_rates.csv"
knot_law = "results/stats/knot_law.csv"
knot_histograms = "results/stats/knot_histograms.csv"
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

from relu1d.replication.plotting import TEXT_WIDTH_IN, panel_grid, report_style, save_figure, save_table


def read(paths):
    return pd.concat([pd.read_csv(p) for p in paths.split(",")], ignore_index=True)


report_style()
cov, der, bias_table = read(kernel), read(derivatives), read(bias)
rate_table, law, hist = pd.read_csv(rates), pd.read_csv(knot_law), pd.read_csv(knot_histograms)
Path(figures).mkdir(parents=True, exist_ok=True)
widest, narrowest, deepest = cov["width"].max(), cov["width"].min(), cov["layer"].max()
layer_colours = dict(
    zip(sorted(cov["layer"].unique()), sns.color_palette("viridis", cov["layer"].nunique()), strict=True)
)

# %% [markdown]
# ## One-point moments, exact at every width: Var z = 2x² + ℓσ_b², Cov(z, z′) = 2x, Var z′ = 2

# %%
diag = cov[cov["diagonal"] & (cov["width"] == widest)].rename(columns={"x": "input"})
moments = [(r"Var $z^\ell(x)$", diag)] + [
    (label, der[(der["moment"] == name) & (der["width"] == widest)].rename(columns={"x": "input"}))
    for name, label in (
        ("cov_z_dz", r"Cov($z^\ell(x)$, $\partial z^\ell(x)$)"),
        ("var_dz", r"Var $\partial z^\ell(x)$"),
    )
]
fig, axes = plt.subplots(1, 3, figsize=(TEXT_WIDTH_IN, 2.8), layout="constrained")
for ax, (label, table) in zip(axes, moments, strict=True):
    for layer, g in table.groupby("layer"):
        g = g.sort_values("input")
        ax.errorbar(
            g["input"], g["mc"], yerr=1.96 * g["se"], fmt="o", ms=3, color=layer_colours[layer], label=f"ℓ = {layer}"
        )
        ax.plot(g["input"], g["analytic"], color=layer_colours[layer], lw=1)
    ax.set_xscale("symlog", linthresh=1.0)
    ax.set_yscale("symlog", linthresh=1.0)
    # every second decade: symlog's default ticks overlap at print size
    ax.xaxis.set_major_locator(matplotlib.ticker.SymmetricalLogLocator(linthresh=1.0, base=100))
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.set_xlabel("input x")
    ax.set_ylabel(label)
fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=8, fontsize=7)
fig.suptitle(f"width {widest}: Monte Carlo ± 95% CI (points) vs the recursion (lines)", fontsize=9)
save_figure(fig, figures, "covariance_variance")

# %% [markdown]
# ## Standardised errors: the exact moments per width against N(0, 1); off-diagonal correlations

# %%
exact = pd.concat([cov.loc[cov["diagonal"], ["width", "z"]], der[["width", "z"]]], ignore_index=True)
off = cov[~cov["diagonal"]]
fig, axes = plt.subplots(1, 2, figsize=(TEXT_WIDTH_IN, 2.6))
grid = np.linspace(-6, 6, 241)
palette = dict(zip(sorted(cov["width"].unique()), sns.color_palette("magma", cov["width"].nunique()), strict=True))
for ax, (table, column, title) in zip(
    axes,
    (
        (exact, "z", "exact moments (variances, Cov(z, z′), Var z′)"),
        (off, "corr_z", "off-diagonal correlations (infinite-width limit)"),
    ),
    strict=True,
):
    for width, g in table.groupby("width"):
        ax.hist(
            g[column].clip(-6, 6),
            bins=np.linspace(-6, 6, 41),
            density=True,
            histtype="step",
            color=palette[width],
            label=f"n = {width}",
        )
    ax.plot(grid, stats.norm.pdf(grid), color="grey", ls="--", label="N(0, 1)")
    ax.set_xlabel("z-score (clipped to ±6)")
    ax.set_title(title, fontsize=8)
axes[0].set_ylabel("density")
axes[1].legend(fontsize=7)
save_figure(fig, figures, "covariance_zscores")

# %% [markdown]
# ## Finite-width bias of the correlation vs width, per layer, with the fitted power laws

# %%
fig, ax = plt.subplots(figsize=(3.8, 2.8))
fits = rate_table.set_index("layer")
n_line = np.geomspace(bias_table["width"].min(), bias_table["width"].max(), 50)
for layer, g in bias_table.groupby("layer"):
    fit = fits.loc[layer]
    if not np.isfinite(fit["exponent"]):
        continue
    colour = layer_colours[layer]
    label = f"ℓ = {layer}: a = {fit['exponent']:.2f}"
    ax.errorbar(g["width"], -g["corr_error"], yerr=1.96 * g["se"], fmt="o-", ms=3, lw=0.8, color=colour, label=label)
    ax.plot(n_line, np.exp(fit["log_amplitude"]) * n_line ** fit["exponent"], color=colour, ls=":", lw=1)
ref = bias_table[bias_table["layer"] == deepest]
ax.plot(n_line, -ref["corr_error"].iloc[0] * ref["width"].iloc[0] / n_line, color="black", ls="--", lw=1, label="∝ 1/n")
ax.set_xscale("log", base=2)
ax.set_yscale("log")
ax.set_xlabel("width n")
ax.set_ylabel("mean −(MC − NNGP) correlation")
ax.legend(fontsize=7, ncol=2)
save_figure(fig, figures, "covariance_bias")

# %% [markdown]
# ## Correlation heatmaps at the deepest layer: recursion, Monte Carlo, difference in standard errors

# %%
fig, axes = plt.subplots(2, 3, figsize=(TEXT_WIDTH_IN, 4.4))
labels = [f"{v:g}" for v in sorted(cov["x"].unique())]
for row, width in zip(axes, (narrowest, widest), strict=True):
    g = cov[(cov["width"] == width) & (cov["layer"] == deepest)]
    full = pd.concat([g, g.rename(columns={"x": "x2", "x2": "x"})]).drop_duplicates(["x", "x2"])
    mats = {
        "NNGP recursion": full.pivot(index="x", columns="x2", values="corr_analytic"),
        "Monte Carlo": full.pivot(index="x", columns="x2", values="corr_mc"),
        "(MC − NNGP)/SE": full.pivot(index="x", columns="x2", values="corr_z"),
    }
    # the two correlation panels share a colour range fitted to their values (not [−1, 1], which flattens them)
    low = min(float(mats["NNGP recursion"].min().min()), float(mats["Monte Carlo"].min().min()))
    for ax, (title, mat) in zip(row, mats.items(), strict=True):
        diff = title.startswith("(")
        sns.heatmap(
            mat,
            ax=ax,
            cmap="vlag" if diff else "viridis",
            center=0 if diff else None,
            vmin=None if diff else low,
            vmax=None if diff else 1,
            xticklabels=labels,
            yticklabels=labels,
            square=True,
            cbar_kws={"shrink": 0.7},
        )
        ax.set_title(f"n = {width}, ℓ = {deepest}:\n{title}", fontsize=8)
        ax.set_xlabel("x′")
        ax.set_ylabel("x")
save_figure(fig, figures, "covariance_heatmaps")

# %% [markdown]
# ## K6: knots per layer on the transformed axis u = F_ℓ(x) (uniform under the Kac–Rice law), selected widths

# %%
law_widths = sorted(law["width"].unique())
shown = [w for w in (law_widths[0], 16, 64, law_widths[-1]) if w in law_widths]
shown = sorted(set(shown))
width_colours = dict(zip(shown, sns.color_palette("magma", len(shown) + 1), strict=False))
layers = sorted(law["layer"].unique())
ncols = 4


def histogram_grid(axis, xlabel, ylabel, name):
    fig, axes = panel_grid(len(layers), height=1.9, ncols=ncols, sharex=True, layout="constrained")
    for ax, layer in zip(axes, layers, strict=True):
        for width in shown:
            g = hist[(hist["axis"] == axis) & (hist["layer"] == layer) & (hist["width"] == width)]
            mid = (g["lo"] + g["hi"]) / 2
            ax.stairs(
                g["density"],
                np.append(g["lo"], g["hi"].iloc[-1]),
                color=width_colours[width],
                lw=1,
                label=f"n = {width}",
            )
            ax.errorbar(mid, g["density"], yerr=1.96 * g["se"], fmt="none", color=width_colours[width], lw=0.5)
        g = hist[(hist["axis"] == axis) & (hist["layer"] == layer) & (hist["width"] == shown[-1])]
        ax.stairs(g["law"], np.append(g["lo"], g["hi"].iloc[-1]), color="black", ls="--", lw=1, label="Kac–Rice")
        ax.set_title(f"layer {layer}", fontsize=8)
        ax.set_xlabel(xlabel)
    for ax in axes[::ncols]:
        ax.set_ylabel(ylabel)
    # below the panels, off the data (the peaks fill the top of every panel)
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=len(shown) + 1, fontsize=7)
    save_figure(fig, figures, name)


histogram_grid("pit", r"$u = F_\ell(x)$", "knot density in u", "knot_density_pit")

# %% [markdown]
# ## K6: the same knots on a bounded window, against the density ρ_ℓ(x) (bin averages)

# %%
histogram_grid("window", "x", "knots per unit x", "knot_density_window")

# %% [markdown]
# ## K6: KS distance to the Kac–Rice law vs width, per layer (filled: rejected at 0.05/L, cluster bootstrap)

# %%
fig, ax = plt.subplots(figsize=(3.8, 2.8))
for layer, g in law.groupby("layer"):
    level = g["level"].iloc[0]
    colour = layer_colours.get(layer, "grey")
    ax.plot(g["width"], g["ks_d"], "-", color=colour, lw=0.8, label=f"ℓ = {layer}")
    rejected = g["p_value"] < level
    ax.scatter(g["width"][rejected], g["ks_d"][rejected], color=colour, s=14)
    ax.scatter(g["width"][~rejected], g["ks_d"][~rejected], facecolors="white", edgecolors=colour, s=14)
top = law[law["layer"] == layers[-1]].sort_values("width")
ax.plot(
    top["width"], top["ks_d"].iloc[0] * top["width"].iloc[0] / top["width"], color="black", ls="--", lw=1, label="∝ 1/n"
)
ax.set_xscale("log", base=2)
ax.set_yscale("log")
ax.set_xlabel("width n")
ax.set_ylabel("KS distance D of layer-ℓ knots")
ax.legend(fontsize=7, ncol=2)
save_figure(fig, figures, "knot_ks")

# %% [markdown]
# ## Tables

# %%
exact_max = exact.assign(abs_z=exact["z"].abs()).groupby("width")["abs_z"].max()
summary = bias_table.merge(
    off.groupby(["width", "layer"])["corr_z"].agg(lambda z: z.abs().max()).rename("max_corr_z").reset_index(),
    on=["width", "layer"],
).assign(exact_max_z=lambda t: t["width"].map(exact_max))[
    ["width", "networks", "layer", "corr_error", "se", "max_corr_z", "exact_max_z"]
]
save_table(
    summary.rename(
        columns={
            "width": "width n",
            "layer": "layer ℓ",
            "corr_error": "corr. error",
            "se": "SE",
            "max_corr_z": "max |z| off-diag.",
            "exact_max_z": "max |z| exact (all ℓ)",
        }
    ),
    table_dir,
    "covariance_summary",
    caption=(
        "Monte Carlo vs NNGP recursion per width and layer: mean off-diagonal correlation error (MC − NNGP) with its "
        "jackknife SE, the largest off-diagonal |z|, and the largest |z| of the moments exact at every width."
    ),
)
save_table(
    rate_table[
        ["layer", "exponent", "exponent_lo", "exponent_hi", "widths_resolved", "error_at_largest", "se_at_largest"]
    ].rename(
        columns={
            "layer": "layer ℓ",
            "exponent": "exponent a",
            "exponent_lo": "a, CI low",
            "exponent_hi": "a, CI high",
            "widths_resolved": "widths resolved",
            "error_at_largest": "error at largest n",
            "se_at_largest": "SE",
        }
    ),
    table_dir,
    "covariance_rates",
    caption=(
        "Finite-width bias of the off-diagonal correlation, |error| ∝ n^a per layer "
        "(95% CI; fitted on the widths whose error is resolved)."
    ),
)
save_table(
    law[["width", "networks", "layer", "knots", "knots_per_neuron", "ks_d", "ks_d_detectable", "p_value"]].rename(
        columns={
            "width": "width n",
            "layer": "layer ℓ",
            "knots_per_neuron": "knots per neuron",
            "ks_d": "KS D",
            "ks_d_detectable": "detectable D",
            "p_value": "p-value",
        }
    ),
    table_dir,
    "knot_law",
    caption="Layer-ℓ knots against the Kac–Rice law, every width: KS distance, the smallest distance the "
    "cluster-bootstrap test detects at its level (about half the time), and the p-value. A test with more "
    "networks resolves a smaller D, so a rejection at a large width can be a smaller deviation.",
)
