# %% [markdown]
# # Trained networks: region-adaptive sparsity (K7, our operational definition) and regions during training (H3)
#
# Reads the tables of `relu1d sparsity`, `relu1d sparsity-fit` and `relu1d dynamics`; plots and tabulates only.

# %% tags=["parameters"]
sparsity = "results/stats/sparsity/sin.csv"  # comma-separated paths
fit = "results/stats/sparsity_fit.csv"
law = "results/stats/complexity_law.csv"
dynamics = "results/stats/dynamics.csv"
figures = "results/figures"
table_dir = "results/tables"

# %%
from pathlib import Path

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from relu1d.replication.plotting import legend_beside, panel_grid, report_style, save_figure, save_table

report_style()
runs = pd.concat([pd.read_csv(p) for p in sparsity.split(",")], ignore_index=True)
fit_table, law_table, dyn = pd.read_csv(fit), pd.read_csv(law), pd.read_csv(dynamics)
Path(figures).mkdir(parents=True, exist_ok=True)
targets = list(runs["target"].unique())
archs = list(runs["hidden"].unique())
markers = dict(zip(archs, "osD^v<>", strict=False))

# %% [markdown]
# ## K7: regions used on D against N_f(ε) at each snapshot's exact sup-error (envelope c·N_f^α for smooth targets)

# %%
fig, axes = panel_grid(len(targets), height=2.1, sharey=True)
for ax, target in zip(axes, targets, strict=True):
    part = runs[runs["target"] == target]
    for hidden, g in part.groupby("hidden", sort=False):
        ax.scatter(g["n_f"], g["used"], s=14, marker=markers[hidden], label=f"{hidden} (Σn={g['neurons'].iloc[0]})")
    row = fit_table[fit_table["target"] == target].iloc[0]
    top = max(part["n_f"].max(), 2)
    if np.isfinite(row["alpha"]):
        n = np.geomspace(1, top, 50)
        ax.plot(n, row["c"] * n ** row["alpha"], color="black", lw=1, label=rf"$c\,N_f^\alpha$, α = {row['alpha']:.2f}")
    ax.plot([1, top], [1, top], color="grey", lw=1, ls="--", label=r"used = $N_f$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1, 2, 5)))  # ticks on panels spanning < 10×
    ax.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_title(target)
    ax.set_xlabel(r"$N_f(\varepsilon)$ (pieces)")
axes[0].set_ylabel("regions used on D")
legend_beside(fig, axes[0])
save_figure(fig, figures, "sparsity_used")

# %%
fig, axes = panel_grid(len(targets), height=2.1, sharey=True)
for ax, target in zip(axes, targets, strict=True):
    part = runs[(runs["target"] == target) & (runs["epoch"] > 0)]
    for hidden, g in part.groupby("hidden", sort=False):
        ax.scatter(g["eps"], g["eta"], s=14, marker=markers[hidden], label=hidden)
    ax.axhline(1, color="grey", lw=1, ls="--")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.invert_xaxis()
    ax.set_title(target)
    ax.set_xlabel("sup error ε (axis reversed)")
axes[0].set_ylabel(r"η = used / $N_f(\varepsilon)$")
legend_beside(fig, axes[0])
save_figure(fig, figures, "sparsity_eta")

# %% [markdown]
# ## N_f(ε) of the smooth targets against the asymptotic ∫√(|f″|/16ε) dx

# %%
fig, ax = plt.subplots(figsize=(3.8, 2.8))
for target, g in law_table.groupby("target", sort=False):
    line = ax.plot(g["eps"], g["n_f"], marker="o", ms=3, label=rf"{target}: $N_f(\varepsilon)$")
    ax.plot(g["eps"], g["asymptotic"], color=line[0].get_color(), ls="--", lw=1, label=f"{target}: ∫√(|f″|/16ε)")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("ε")
ax.set_ylabel("pieces")
ax.legend(fontsize=7)
save_figure(fig, figures, "complexity_law")

# %% [markdown]
# ## H3: activation regions per neuron along segments between digit images, and test accuracy

# %%
fig, ax = plt.subplots(figsize=(4.7, 3.4), layout="constrained")
acc_ax = ax.twinx()
for hidden, g in dyn.groupby("hidden", sort=False):
    epoch = np.maximum(g["epoch"], 0.5)  # epoch 0 (initialisation) drawn at 0.5 on the log axis
    line = ax.errorbar(
        epoch,
        g["regions_per_neuron"],
        yerr=[g["regions_per_neuron"] - g["rpn_lo"], g["rpn_hi"] - g["regions_per_neuron"]],
        marker="o",
        ms=3,
        capsize=2,
        label=f"{hidden}: regions / neuron",
    )
    acc_ax.plot(epoch, g["test_accuracy"], ls=":", color=line[0].get_color(), label=f"{hidden}: test accuracy")
ax.set_xscale("log")
ax.set_xlabel("epoch (0 = He initialisation, drawn at 0.5)")
ax.set_ylabel("activation regions per hidden neuron")
acc_ax.set_ylabel("test accuracy")
acc_ax.set_ylim(0, 1)
acc_ax.grid(False)
handles = ax.get_legend_handles_labels()[0] + acc_ax.get_legend_handles_labels()[0]
fig.legend(handles=handles, fontsize=7, loc="outside lower center", ncol=2)  # below the axes, off the data
save_figure(fig, figures, "dynamics_regions")

# %% [markdown]
# ## Tables

# %%
save_table(
    fit_table.rename(
        columns={
            "eta_last": "η (last)",
            "eta_lo": "η lo",
            "eta_hi": "η hi",
            "alpha": "α",
            "alpha_lo": "α lo",
            "alpha_hi": "α hi",
            "eps0": "ε₀",
        }
    ),
    table_dir,
    "sparsity_fit",
    caption="K7 (our operational definition): η = used/N_f(ε) at the last epoch (95% CI over runs); for smooth"
    " targets the fit used ≤ c·N_f(ε)^α over snapshots with ε ≤ ε₀ (α: 95% CI, bootstrap over training runs).",
    digits=3,
)
save_table(
    dyn[
        [
            "hidden",
            "epoch",
            "regions_per_neuron",
            "rpn_lo",
            "rpn_hi",
            "ratio_to_init",
            "ratio_lo",
            "ratio_hi",
            "test_accuracy",
        ]
    ].rename(columns={"regions_per_neuron": "regions/neuron", "ratio_to_init": "ratio to init"}),
    table_dir,
    "dynamics",
    caption="H3: activation regions per hidden neuron on segments between pairs of digit test images (95% CI over"
    " networks and segments), the ratio of the mean count to its value at initialisation, and test accuracy.",
    digits=3,
)
