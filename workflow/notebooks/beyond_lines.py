# %% [markdown]
# # Beyond the papers along lines (claims X6–X7, ours): H1/H2 in convolutional and residual networks; the plane
#
# Reads `results/stats/beyond_lines_{cells,rates}.csv` (`relu1d beyond-lines-stats`) and the plane tables of
# `relu1d beyond-plane`; plots and tabulates only. ρ: breakpoints of the 10-logit map per unit length on the segment
# between two digit test images; d: distance along the line from the first image to the nearest breakpoint; both
# counted exactly at initialisation, 95% bootstrap CIs over networks.

# %% tags=["parameters"]
cells = "results/stats/beyond_lines_cells.csv"
rates = "results/stats/beyond_lines_rates.csv"
edges = "results/beyond_plane/edges.csv"
knots = "results/beyond_plane/knots.csv"
images = "results/beyond_plane/images.csv"
sides = "results/stats/beyond_plane_sides.csv"
figures = "results/figures"
tables = "results/tables"

# %%
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.collections import LineCollection

from relu1d.replication.plotting import TEXT_WIDTH_IN, report_style, save_figure, save_table

report_style()
cell = pd.read_csv(cells).sort_values(["architecture", "depth", "neurons"])
fit = pd.read_csv(rates)
NAMES = {
    "dense": "fully connected",
    "dense_residual": "fully connected, residual",
    "conv": "3×3 convolutions",
    "conv_residual": "3×3 convolutions, residual",
}
architectures = sorted(fit["architecture"].unique(), key=list(NAMES).index)  # the reference (dense) first
depths = sorted(cell["depth"].unique())
palette = dict(zip(depths, sns.color_palette("viridis", len(depths)), strict=True))

# %% [markdown]
# ## ρ/N and E[d]·N against N, per architecture (columns) and depth (colour)

# %%
fig, axes = plt.subplots(
    2, len(architectures), figsize=(TEXT_WIDTH_IN, 3.9), sharex=True, sharey="row", squeeze=False, layout="constrained"
)
for col, architecture in enumerate(architectures):
    for row, (column, label) in enumerate((("density_per_neuron", "ρ / N"), ("distance_times_n", "E[d] · N"))):
        ax = axes[row, col]
        for depth, g in cell[cell["architecture"] == architecture].groupby("depth"):
            y = g[column]
            ax.errorbar(
                g["neurons"],
                y,
                yerr=[y - g[column + "_lo"], g[column + "_hi"] - y],
                marker="o",
                ms=3,
                capsize=2,
                color=palette[depth],
                label=f"L = {depth}",
            )
            if column == "density_per_neuron" and g["density_predicted"].notna().any():
                ax.plot(g["neurons"], g["density_predicted"] / g["neurons"], color=palette[depth], ls=":", lw=0.8)
        ax.set_xscale("log", base=2)
        if row == 0:
            ax.set_title(NAMES.get(architecture, architecture), fontsize=7)
        else:
            ax.set_xlabel("N (hidden units)")
        if col == 0:
            ax.set_ylabel(label)
# ρ/N on a linear axis from 0; E[d]·N spans decades (a network with few channels can sit far from any breakpoint)
axes[0, 0].set_ylim(0, 1.05 * cell["density_per_neuron_hi"].max())
axes[1, 0].set_yscale("log")
fig.legend(
    *axes[0, 0].get_legend_handles_labels(),
    loc="outside lower center",
    ncol=len(depths) + 1,
    title="dotted: Kac–Rice prediction (fully connected)",
)
save_figure(fig, figures, "beyond_lines")

# %% [markdown]
# ## The plane through three digit images: regioncam's partition and our exact knots on the triangle

# %%
edge = pd.read_csv(edges)
knot = pd.read_csv(knots)
image = pd.read_csv(images)
side = pd.read_csv(sides)
fig, ax = plt.subplots(figsize=(TEXT_WIDTH_IN * 0.62, TEXT_WIDTH_IN * 0.62))
segments = edge[["u0", "v0", "u1", "v1"]].to_numpy().reshape(-1, 2, 2)
ax.add_collection(LineCollection(segments, colors="0.55", linewidths=0.3, label="regioncam: region edges"))
corners = image[["u", "v"]].to_numpy()
ax.plot(*np.vstack([corners, corners[:1]]).T, color="k", lw=0.8)
for kind, colour, marker in ((True, "C3", "o"), (False, "C0", "s")):
    part = knot[knot["breakpoint"] == kind]
    if len(part):
        ax.plot(
            part["u"],
            part["v"],
            ls="none",
            marker=marker,
            ms=2.5,
            color=colour,
            label="ours: breakpoints" if kind else "ours: knots, no breakpoint",
        )
for r in image.itertuples():
    ax.annotate(f"digit {r.label}", (r.u, r.v), xytext=(3, 3), textcoords="offset points", fontsize=7)
ax.plot(image["u"], image["v"], "k^", ms=4, label="test images")
pad = 0.25 * np.ptp(corners, axis=0).max()
ax.set_xlim(corners[:, 0].min() - pad, corners[:, 0].max() + pad)
ax.set_ylim(corners[:, 1].min() - pad, corners[:, 1].max() + pad)
ax.set_aspect("equal")
ax.set_xticks([])
ax.set_yticks([])
ax.grid(False)
ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=2, fontsize=7)
save_figure(fig, figures, "beyond_plane")

# %% [markdown]
# ## Tables: the fitted exponents; the triangle's sides

# %%
rows = fit.copy()
rows["architecture"] = [NAMES.get(a, a) for a in rows["architecture"]]
for name in ("density", "distance"):
    rows[name] = [
        f"{m:.3f} [{lo:.3f}, {hi:.3f}]"
        for m, lo, hi in rows[[f"{name}_exponent", f"{name}_exponent_lo", f"{name}_exponent_hi"]].to_numpy()
    ]
columns = {"architecture": "architecture", "depth": "L", "cells": "N values", "density": "β", "distance": "γ"}
save_table(
    rows[list(columns)].rename(columns=columns),
    tables,
    "beyond_lines_rates",
    caption=(
        "Beyond the papers (X6–X7, ours): fitted exponents of ρ ∝ N^β (H1 predicts β = 1) and E[d] ∝ N^γ (H2: "
        "γ = −1) on segments between digit test images at initialisation, 95% CIs."
    ),
)
# distances are float32 rounding, ~1e-7: shown in units of 10^−7, one precision per column
distances = ["median_distance", "max_distance", "max_relative_distance"]
shown = (
    side.assign(**{c: side[c] * 1e7 for c in distances})
    .rename(
        columns={
            "side": "side",
            "knots": "our knots",
            "breakpoints": "our breakpoints",
            "regioncam_crossings": "regioncam edges crossed",
            "median_distance": "median distance (10^−7)",
            "max_distance": "largest distance (10^−7)",
            "max_relative_distance": "largest / side length (10^−7)",
        }
    )
    .drop(columns=["side_length", "test_accuracy"])
)
save_table(
    shown,
    tables,
    "beyond_plane_sides",
    caption=(
        "The triangle of three digit test images in the plane of the picture: per side, our exact knots and "
        "breakpoints (float64), regioncam's region edges that cross it (float32), and the distance from each of "
        "our knots to regioncam's nearest edge, in the plane's coordinates."
    ),
    digits=2,
)
