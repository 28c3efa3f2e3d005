# %% [markdown]
# # Convergence of E[#linear regions] toward Σnᵢ + 1 (claims K1–K3)
#
# Reads the convergence stage's tables (`relu1d convergence`); plots and tabulates only.

# %% tags=["parameters"]
cells = "results/stats/convergence_cells.csv"
layers = "results/stats/convergence_layers.csv"
rates = "results/stats/convergence_rates.csv"
figures = "results/figures"
tables = "results/tables"
main_experiment = ""  # config main_experiment (set by the rule)

# %%
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from relu1d.replication.plotting import (
    TEXT_WIDTH_IN,
    legend_beside,
    panel_grid,
    report_style,
    save_figure,
    save_table,
    significant,
)

report_style()
cell_table = pd.read_csv(cells)
layer_table = pd.read_csv(layers)
rate_table = pd.read_csv(rates)
main = (cell_table["experiment"] == main_experiment) & (cell_table["width"] > 0) & (cell_table["sigma_b"] > 0)
equal = cell_table[main].sort_values(["depth", "width"])
Path(figures).mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## K1: ratio E[R]/(Σn+1) per depth, with 95% bootstrap CIs

# %%
fig, ax = plt.subplots(figsize=(4.7, 3.2))
palette = sns.color_palette("viridis", equal["depth"].nunique())
for colour, (depth, g) in zip(palette, equal.groupby("depth"), strict=True):
    ax.errorbar(
        g["sum_n"],
        g["ratio"],
        yerr=[g["ratio"] - g["ratio_lo"], g["ratio_hi"] - g["ratio"]],
        marker="o",
        ms=3,
        capsize=2,
        color=colour,
        label=f"L = {depth}",
    )
others = cell_table[(cell_table["width"] < 0) & (cell_table["sigma_b"] > 0)]
if len(others):
    ax.errorbar(
        others["sum_n"],
        others["ratio"],
        yerr=[others["ratio"] - others["ratio_lo"], others["ratio_hi"] - others["ratio"]],
        fmt="s",
        ms=4,
        capsize=2,
        color="black",
        label="unequal widths",
    )
ax.axhline(1.0, color="grey", lw=1, ls="--")
ax.set_xscale("log", base=2)
ax.set_xlabel("total hidden neurons Σnᵢ")
ax.set_ylabel("E[#linear regions over ℝ] / (Σnᵢ + 1)")
ax.legend(ncol=2, fontsize=7)
save_figure(fig, figures, "convergence_ratio")

# %% [markdown]
# ## K1: δ = (E[R] − 1 − Σn)/Σn vs width, with the fitted power law per depth

# %%
fig, ax = plt.subplots(figsize=(4.7, 3.2))
for colour, (depth, g) in zip(palette, equal.groupby("depth"), strict=True):
    ax.errorbar(
        g["width"],
        g["delta"],
        yerr=[g["delta"] - g["delta_lo"], g["delta_hi"] - g["delta"]],
        marker="o",
        ms=3,
        capsize=2,
        color=colour,
        label=f"L = {depth}",
    )
ax.axhline(0.0, color="grey", lw=1)
ax.set_xscale("log", base=2)
ax.set_yscale("symlog", linthresh=1e-2)
ax.set_xlabel("width n (all layers)")
ax.set_ylabel("δ = (E[R] − 1 − Σn)/Σn")
ax.legend(ncol=2, fontsize=7)
save_figure(fig, figures, "convergence_delta")

# %% [markdown]
# ## K2 / K3: knots created per neuron and their survival to f, per layer

# %%
eq_layers = layer_table[layer_table["cell"].isin(equal["cell"])].merge(
    equal[["cell", "width"]].rename(columns={"width": "cell_width"}), on="cell"
)
deepest = eq_layers[eq_layers["depth"] == eq_layers["depth"].max()]
fig, axes = plt.subplots(1, 2, figsize=(TEXT_WIDTH_IN, 3.2), layout="constrained")
for colour, (width, g) in zip(
    sns.color_palette("magma", deepest["width"].nunique()), deepest.groupby("width"), strict=True
):
    axes[0].errorbar(
        g["layer"],
        g["knots_per_neuron"],
        yerr=[g["knots_per_neuron"] - g["knots_per_neuron_lo"], g["knots_per_neuron_hi"] - g["knots_per_neuron"]],
        marker="o",
        ms=3,
        capsize=2,
        color=colour,
        label=f"n = {width}",
    )
    axes[1].errorbar(
        g["layer"],
        g["survival"],
        yerr=[g["survival"] - g["survival_lo"], g["survival_hi"] - g["survival"]],
        marker="o",
        ms=3,
        capsize=2,
        color=colour,
        label=f"n = {width}",
    )
    axes[1].plot(g["layer"], g["survival_model"], ls=":", color=colour)
axes[0].axhline(1.0, color="grey", lw=1, ls="--")
axes[0].set_xlabel("layer ℓ")
for ax in axes:
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
axes[0].set_ylabel(r"knots per neuron $E[X_{\ell,i}]$")
axes[1].set_xlabel("layer ℓ")
axes[1].set_ylabel("surviving fraction of knots")
fig.legend(  # below the panels: inside, it covers the narrow networks' curves
    *axes[1].get_legend_handles_labels(),
    loc="outside lower center",
    ncol=5,
    fontsize=7,
    title=f"depth {int(deepest['depth'].max())}; dotted: model $\\pi_\\ell$",
    title_fontsize=7,
)
save_figure(fig, figures, "convergence_layers")

# %% [markdown]
# ## K2 vs width: knots created per neuron E[X_ℓ,i] in each layer, one panel per depth

# %%
deep_enough = sorted(d for d in eq_layers["depth"].unique() if d > 1)
fig, axes = panel_grid(max(len(deep_enough), 1), height=2.2, sharey=True)
for ax, depth in zip(axes, deep_enough, strict=False):
    g_depth = eq_layers[eq_layers["depth"] == depth]
    shades = sns.color_palette("viridis", depth)
    for layer, g in g_depth.groupby("layer", sort=True):
        g = g.sort_values("cell_width")
        y = g["knots_per_neuron"]
        ax.errorbar(
            g["cell_width"],
            y,
            yerr=[y - g["knots_per_neuron_lo"], g["knots_per_neuron_hi"] - y],
            marker="o",
            ms=2.5,
            capsize=1.5,
            lw=0.9,
            color=shades[layer - 1],
            label=f"ℓ = {layer}",
        )
    ax.axhline(1.0, color="grey", lw=1, ls="--")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("width n")
    ax.set_title(f"L = {depth}", fontsize=8)
legend_beside(fig, axes[len(deep_enough) - 1], ncol=2)  # the deepest panel names every layer
axes[0].set_ylabel(r"knots per neuron $E[X_{\ell,i}]$")
save_figure(fig, figures, "convergence_knots")

# %% [markdown]
# ## K2 × K3 assembled: measured E[R] over the model 1 + Σ_ℓ n_ℓ·E[X_ℓ,i]·π_ℓ

# %%
positive = cell_table[cell_table["sigma_b"] > 0].sort_values(["depth", "sum_n"])
fig, ax = plt.subplots(figsize=(3.8, 3.0))
for colour, (depth, g) in zip(
    sns.color_palette("viridis", positive["depth"].nunique()), positive.groupby("depth"), strict=True
):
    m = g["model_regions"]
    ax.errorbar(
        g["sum_n"],
        g["mean_regions"] / m,
        yerr=[(g["mean_regions"] - g["lo_regions"]) / m, (g["hi_regions"] - g["mean_regions"]) / m],
        fmt="o",
        ms=3,
        capsize=2,
        color=colour,
        label=f"L = {depth}",
    )
ax.axhline(1.0, color="grey", lw=1, ls="--")
ax.set_xscale("log", base=2)
ax.set_xlabel("total hidden neurons Σnᵢ")
ax.set_ylabel("measured E[R] / model E[R]")
ax.legend(ncol=3, fontsize=7)
save_figure(fig, figures, "convergence_model")

# %% [markdown]
# ## K3 everywhere: measured survival fraction vs the model π_ℓ, every (cell, layer ℓ < L)

# %%
surv = layer_table[layer_table["layer"] < layer_table["depth"]].merge(cell_table[["cell", "sigma_b"]], on="cell")
surv = surv[surv["sigma_b"] > 0]
fig, ax = plt.subplots(figsize=(3.6, 2.6), layout="constrained")
ax.errorbar(
    surv["survival_model"],
    surv["survival"],
    yerr=[surv["survival"] - surv["survival_lo"], surv["survival_hi"] - surv["survival"]],
    fmt="none",
    ecolor="lightgrey",
    lw=0.8,
)
sns.scatterplot(
    data=surv,
    x="survival_model",
    y="survival",
    hue="width",
    # one colour per width run, none of them near the white background (a continuous magma faded the widest)
    palette=dict(
        zip(sorted(surv["width"].unique()), sns.color_palette("viridis", surv["width"].nunique()), strict=True)
    ),
    s=14,
    ax=ax,
)
ax.legend(title="width", fontsize=7, title_fontsize=7, loc="center left", bbox_to_anchor=(1.02, 0.5), frameon=False)
ax.plot([0, 1], [0, 1], color="grey", ls="--", lw=1)
ax.set_xlabel(r"model $\pi_\ell = \prod_{k>\ell}(1 - 2^{-n_k})$")
ax.set_ylabel("measured surviving fraction")
save_figure(fig, figures, "convergence_survival")

# %% [markdown]
# ## Tables


# %%
def architecture(widths: str) -> str:
    """Equal widths as depth × width (8 × 1024), others as written (256x128x64)."""
    parts = str(widths).split("x")
    return f"{len(parts)} × {parts[0]}" if len(set(parts)) == 1 else str(widths)


cell_table["architecture"] = cell_table["widths"].map(architecture)
cell_table["ci"] = [
    f"[{significant(lo)}, {significant(hi)}]"
    for lo, hi in zip(cell_table["lo_regions"], cell_table["hi_regions"], strict=True)
]
cell_columns = {
    "architecture": "depth × width",
    "sigma_b": "σ_b",
    "networks": "networks",
    "sum_n": "neurons Σn",
    "mean_regions": "mean regions E[R]",
    "ci": "95% CI",
    "ratio": "E[R]/(Σn+1)",
    "delta": "δ",
    "model_regions": "model E[R]",
}
save_table(
    cell_table.sort_values(["experiment", "depth", "sum_n"])[list(cell_columns)].rename(columns=cell_columns),
    tables,
    "convergence_cells",
    caption="Mean linear regions over ℝ per cell with 95% bootstrap CIs.",
)
proof_table = cell_table.assign(
    proven_of_networks=lambda t: [f"{p}/{n}" for p, n in zip(t["proven"], t["networks"], strict=True)],
    proven_ci=lambda t: [
        f"[{lo:.2f}, {hi:.2f}]" if np.isfinite(lo) else "n/a"
        for lo, hi in zip(t["proven_fraction_lo"], t["proven_fraction_hi"], strict=True)
    ],
)
proof_columns = {
    "experiment": "experiment",
    "architecture": "L × n",
    "sigma_b": "σ_b",
    "networks": "nets",
    "certified_fraction": "margin flag",
    "proof_checked": "proofs",
    "proven_of_networks": "proven/nets",
    "proven_rational": "rational",
    "proven_refined": "refined",
    "proven_ci": "proven, 95% CI",
    "max_open_decisions": "open",
}
save_table(
    proof_table.sort_values(["experiment", "depth", "sum_n"])[list(proof_columns)].rename(columns=proof_columns),
    tables,
    "convergence_proofs",
    caption="How the counts are known to be exact, per cell (docs/mathematics.md §2.3). Margin flag: fraction of "
    "networks with the engine's own flag (no decision within 10^5 tolerances), a heuristic. Proofs: how many "
    "networks of the cell a proof was run on (every network whose proof is cheap, and at least the first networks of "
    "each cell): "
    "a recount in rational arithmetic, or a check against rigorous float64 rounding bounds (first order, and refined "
    "by error-free products where first order leaves a decision open); rational, refined: how many were proven that "
    "way (σ_b = 0 has a proof of its own, from the forward pass at ±1, counted in neither). Proven/nets: networks "
    "proven/networks in the cell. Proven, 95% CI: Clopper–Pearson CI of the fraction of proofs run that succeeded. "
    "Open: most decisions one checked network left open.",
)
rate_columns = {
    "depth": "depth L",
    "alpha": "α",
    "alpha_ci": "α, 95% CI",
    "decay": "κ",
    "decay_ci": "κ, 95% CI",
    "cells_resolved": "cells fitted (δ < 0)",
    "cells_other_sign": "cells with δ > 0",
    "largest_width": "largest width n",
    "delta_at_largest": "δ at largest n",
    "ratio_half_width_at_largest": "ratio CI ± at largest n",
    "width_delta_within_1pct": "n from which |δ| < 1%",
}


def interval(lo: pd.Series, hi: pd.Series) -> list[str]:
    return [f"[{a:.2f}, {b:.2f}]" if np.isfinite(a) else "n/a" for a, b in zip(lo, hi, strict=True)]


main_rates = rate_table[(rate_table["experiment"] == main_experiment) & (rate_table["sigma_b"] == 1.0)].assign(
    alpha_ci=lambda t: interval(t["alpha_lo"], t["alpha_hi"]),
    decay_ci=lambda t: interval(t["decay_lo"], t["decay_hi"]),
)
save_table(
    main_rates[list(rate_columns)].rename(columns=rate_columns),
    tables,
    "convergence_rates",
    caption="Fitted |δ| ∝ n to the power α and |δ| ∝ exp(−κn), per depth (weighted least squares on the cells whose "
    "δ CI lies below 0, the region deficit: a power law cannot be fitted across a change of sign, so the cells with "
    "δ > 0 are counted, not fitted, and with fewer than three cells no fit is made; 95% CIs; the K3 survival model "
    "predicts κ = ln 2 ≈ 0.69); the half-width of the ratio's "
    "95% CI at the largest width; and the smallest width n from which the 95% CI of δ lies inside ±1% at every "
    "wider cell (n/a: not reached).",
)
