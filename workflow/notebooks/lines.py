# %% [markdown]
# # Regions along lines (claims H1, H2 of Hanin & Rolnick 2019)
#
# Reads `results/stats/lines_{cells,rates}.csv` (`relu1d lines`) and the probe columns of the count tables;
# plots and tabulates only. Every network carries a *probe*: two random inputs a, a′ ~ N(0, I). Networks with
# n_in > 1 inputs are counted exactly along the line through a and a′; ρ is the number of breakpoints per unit
# length on the segment [a, a′], d the distance along the line from a to the nearest breakpoint.

# %% tags=["parameters"]
cells = "results/stats/lines_cells.csv"
rates = "results/stats/lines_rates.csv"
counts = ""
experiment = "lines"
main_experiment = ""  # config main_experiment (set by the rule)
figures = "results/figures"
tables = "results/tables"

# %%
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from relu1d.replication.plotting import TEXT_WIDTH_IN, report_style, save_figure, save_table

report_style()
probes = pd.read_csv(cells)
fits = pd.read_csv(rates)
lines = probes[(probes["experiment"] == experiment) & (probes["sigma_b"] > 0)].sort_values(
    ["sigma_b", "depth", "sum_n"]
)
depths = sorted(lines["depth"].unique())
palette = dict(zip(depths, sns.color_palette("viridis", len(depths)), strict=True))
sigmas = sorted(lines["sigma_b"].unique(), reverse=True)
markers = dict(zip(sigmas, ["o", "s", "^", "D"], strict=False))


def draw(ax, frame, column, fit_prefix=None):
    """Means with their bootstrap CIs against N, one line per (σ_b, depth); optional fitted power law."""
    for (sigma_b, depth), g in frame.groupby(["sigma_b", "depth"], sort=True):
        y, lo, hi = (g[c] for c in (column, column + "_lo", column + "_hi"))
        ax.errorbar(
            g["sum_n"],
            y,
            yerr=[y - lo, hi - y],
            marker=markers[sigma_b],
            ms=3,
            capsize=2,
            color=palette[depth],
            ls="none" if fit_prefix else "-",
            label=rf"L = {depth}, $\sigma_b$ = {sigma_b:g}",
        )
        if fit_prefix:
            fit = fits[
                (fits["experiment"] == g["experiment"].iloc[0])
                & (fits["sigma_b"] == sigma_b)
                & (fits["depth"] == depth)
            ]
            if len(fit) and np.isfinite(fit[fit_prefix + "_exponent"].iloc[0]):
                n = np.geomspace(g["sum_n"].min(), g["sum_n"].max(), 50)
                curve = np.exp(fit[fit_prefix + "_log_c"].iloc[0]) * n ** fit[fit_prefix + "_exponent"].iloc[0]
                ax.plot(n, curve, color=palette[depth], lw=0.8, ls="--" if sigma_b != sigmas[0] else "-")
    ax.set_xscale("log")
    ax.set_xlabel("N (hidden neurons)")


# %% [markdown]
# ## H1: breakpoints per unit length ρ between two random inputs; H2: distance to the nearest breakpoint; against N


# %%
def scaling_figure(quantity, per_neuron, label, per_neuron_label, law, name):
    """Left: the quantity with its fitted power law (log-log); right: the quantity scaled by N."""
    fig, axes = plt.subplots(1, 2, figsize=(TEXT_WIDTH_IN, 3.4), layout="constrained")
    draw(axes[0], lines, quantity, fit_prefix=quantity)
    axes[0].set_yscale("log")
    axes[0].set_ylabel(label)
    axes[0].set_title(f"fitted {law} (lines)", fontsize=8)
    draw(axes[1], lines, per_neuron)
    # our Kac–Rice prediction for the same probes (dotted), one per (σ_b, depth)
    for (_, depth), g in lines.groupby(["sigma_b", "depth"], sort=True):
        scaled = g[quantity + "_predicted"] * (1 / g["sum_n"] if quantity == "density" else g["sum_n"])
        axes[1].plot(g["sum_n"], scaled, color=palette[depth], lw=0.8, ls=":")
    axes[1].set_title("dotted: Kac–Rice prediction", fontsize=8)
    axes[1].set_ylabel(per_neuron_label)
    fig.legend(*axes[1].get_legend_handles_labels(), loc="outside lower center", ncol=4, fontsize=7)
    save_figure(fig, figures, name)


scaling_figure(
    "density",
    "density_per_neuron",
    "ρ: breakpoints per unit length on [a, a′]",
    "ρ / N",
    r"$\rho \propto N^\beta$",
    "lines_density",
)
scaling_figure(
    "distance", "distance_times_n", "E[d] (along the line)", "E[d] · N", r"$E[d] \propto N^\gamma$", "lines_distance"
)

# %% [markdown]
# ## In 1-D: the nearest-breakpoint distance from x ~ N(0, 1)
#
# Left: E[d]·Σn per depth. Right: the distribution of d / E[d] per width at the deepest depth, against the
# Exp(1) law of a homogeneous Poisson process (distance to the nearest point of a rate-ρ process is Exp(2ρ)).

# %%
one_d = probes[(probes["experiment"] == main_experiment) & (probes["sigma_b"] > 0)].sort_values(["depth", "sum_n"])
raw = pd.concat(
    [
        pd.read_parquet(p, columns=["experiment", "depth", "widths", "sigma_b", "probe_distance"])
        for p in counts.split(",")
        if p
    ],
    ignore_index=True,
)
raw = raw[(raw["experiment"] == main_experiment) & (raw["sigma_b"] > 0) & np.isfinite(raw["probe_distance"])]
fig, axes = plt.subplots(1, 2, figsize=(TEXT_WIDTH_IN, 2.8))
palette_1d = dict(
    zip(sorted(one_d["depth"].unique()), sns.color_palette("viridis", one_d["depth"].nunique()), strict=True)
)
for depth, g in one_d.groupby("depth", sort=True):
    y = g["distance_times_n"]
    axes[0].errorbar(
        g["sum_n"],
        y,
        yerr=[y - g["distance_times_n_lo"], g["distance_times_n_hi"] - y],
        marker="o",
        ms=3,
        capsize=2,
        color=palette_1d[depth],
        label=f"L = {depth}",
    )
axes[0].set_xscale("log")
axes[0].set_yscale("log")  # narrow deep nets (breakpoint extinction) are orders of magnitude above the rest
axes[0].set_xlabel("Σn")
axes[0].set_ylabel("E[d] · Σn (1-D, x ~ N(0, 1))")
axes[0].legend(fontsize=7)
deepest = raw[raw["depth"] == raw["depth"].max()].copy()
deepest["width"] = deepest["widths"].map(lambda w: int(w[0]))
widths = sorted(deepest["width"].unique())
shades = dict(zip(widths, sns.color_palette("rocket_r", len(widths)), strict=True))
for width, g in deepest.groupby("width", sort=True):
    s = np.sort(g["probe_distance"].to_numpy() / g["probe_distance"].mean())
    axes[1].step(s, np.arange(1, s.size + 1) / s.size, where="post", color=shades[width], lw=0.9, label=f"n = {width}")
grid = np.linspace(0, 5, 200)
axes[1].plot(grid, 1 - np.exp(-grid), color="black", ls="--", lw=1, label="Exp(1)")
axes[1].set_xlim(0, 5)
axes[1].set_xlabel(f"d / E[d]   (L = {int(deepest['depth'].max()) if len(deepest) else 0})")
axes[1].set_ylabel("empirical CDF")
axes[1].legend(fontsize=7, ncol=2)
save_figure(fig, figures, "lines_distance_1d")

# %%
columns = {
    "experiment": "experiment",
    "depth": "depth L",
    "width": "width n",
    "sum_n": "neurons N",
    "sigma_b": "σ_b",
    "networks": "networks",
    "density": "ρ",
    "density_per_neuron": "ρ/N",
    "density_per_neuron_predicted": "ρ/N predicted",
    "distance": "E[d]",
    "distance_times_n": "E[d]·N",
    "distance_predicted": "E[d] predicted",
}
shown = pd.concat([lines, one_d])
save_table(
    shown[list(columns)].rename(columns=columns),
    tables,
    "lines_cells",
    caption="Probe statistics per cell: breakpoints per unit length ρ on the segment between two random inputs, "
    "beside the ρ our Kac–Rice derivation predicts for the same probes, and the mean distance E[d] along the line "
    "from a random input to the nearest breakpoint (bootstrap CIs in the CSV twin of this table).",
)
rate_columns = {
    "experiment": "experiment",
    "sigma_b": "σ_b",
    "depth": "depth L",
    "cells": "cells",
    "density_exponent": "β",
    "density_exponent_lo": "β, CI low",
    "density_exponent_hi": "β, CI high",
    "distance_exponent": "γ",
    "distance_exponent_lo": "γ, CI low",
    "distance_exponent_hi": "γ, CI high",
}
save_table(
    fits[fits["experiment"].isin([experiment, main_experiment])][list(rate_columns)].rename(columns=rate_columns),
    tables,
    "lines_rates",
    caption="Fitted exponents ρ ∝ N^β (H1: β = 1) and E[d] ∝ N^γ (H2: γ = −1), 95% CIs.",
)
