# %% [markdown]
# # Beyond the papers (claims X1–X5, ours): other activations, initialisations and residual networks
#
# Reads `results/stats/beyond_{cells,layers}.csv` (`relu1d beyond-stats`); plots and tabulates only. Measured
# values are exact counts (95% bootstrap CIs over networks); predictions are our derivation
# (docs/mathematics.md §8): the Kac–Rice integral of each family's moment recursion and the survival model.

# %% tags=["parameters"]
cells = "results/stats/beyond_cells.csv"
layers = "results/stats/beyond_layers.csv"
figures = "results/figures"
tables = "results/tables"

# %%
import matplotlib

matplotlib.use("Agg")
import pandas as pd
import seaborn as sns

from relu1d.replication.plotting import legend_beside, panel_grid, report_style, save_figure, save_table

report_style()
cell = pd.read_csv(cells)
layer = pd.read_csv(layers)
families = list(dict.fromkeys(cell["family"]))  # config order
widest, narrowest, deepest = cell["width"].max(), cell["width"].min(), cell["depth"].max()


def label(family: str, figure: bool = True) -> str:
    """What a family is, in words: activation, σ_w² when not its He gain, weight law, residual blocks (mathtext for a
    figure, plain text that the table writer typesets for a table)."""
    r = cell[cell["family"] == family].iloc[0]
    parts = [r["activation"]]
    if not r["he_gain"]:
        parts.append((r"$\sigma_w^2$" if figure else "σ_w²") + f" = {r['sigma_w2']:.3g}")
    if r["weights"] != "gaussian":
        parts.append(f"{r['weights']} W")
    if r["residual"] != "none":
        parts.append("residual α = 1" if r["residual"] == "one" else "residual α = 1/√L")
    return ", ".join(parts)


# %%
ncols = 4
last_row = slice(-ncols, None)
fig, axes = panel_grid(len(families), height=1.55, ncols=ncols)
for ax, family in zip(axes, families, strict=True):
    g = layer[(layer["family"] == family) & (layer["width"] == widest) & (layer["depth"] == deepest)]
    # knots and the breakpoints among them, side by side (they coincide where no kink is lost)
    for col, colour, name, shift in (("knots", "C0", "knots", -0.12), ("kept", "C3", "breakpoints", 0.12)):
        mean = g[f"{col}_per_neuron"]
        ax.errorbar(
            g["layer"] + shift,
            mean,
            yerr=[mean - g[f"{col}_lo"], g[f"{col}_hi"] - mean],
            fmt="o",
            ms=2.5,
            capsize=1.5,
            color=colour,
            label=f"{name}, measured",
        )
        ax.plot(g["layer"], g[f"{col}_predicted"], ls="--", lw=0.9, color=colour, label=f"{name}, predicted")
    ax.set_title(label(family), fontsize=7)
    ax.set_ylim(0, None)
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
for ax in axes[last_row]:
    ax.set_xlabel("layer ℓ")
for ax in axes[::ncols]:
    ax.set_ylabel("per neuron")
legend_beside(fig, axes[0], fontsize=7, title=f"per neuron; width {widest}, depth {deepest}")
save_figure(fig, figures, "beyond_knots")

# %%
depths = sorted(cell["depth"].unique())
palette = dict(zip(depths, sns.color_palette("viridis", len(depths)), strict=True))
widths = sorted(cell["width"].unique())
fig, axes = panel_grid(len(families), height=1.55, ncols=ncols)
for ax, family in zip(axes, families, strict=True):
    for depth, g in cell[cell["family"] == family].groupby("depth"):
        ax.errorbar(
            g["width"],
            g["ratio"],
            yerr=[g["ratio"] - g["ratio_lo"], g["ratio_hi"] - g["ratio"]],
            fmt="o",
            ms=2.5,
            capsize=1.5,
            color=palette[depth],
            label=f"L = {depth}, measured",
        )
        ax.plot(g["width"], g["ratio_predicted"], ls="--", lw=0.9, color=palette[depth], label=f"L = {depth}, model")
    ax.axhline(1.0, color="grey", lw=0.5)
    ax.set_xscale("log")
    ax.set_xticks(widths, [str(w) for w in widths])
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.set_title(label(family), fontsize=7)
for ax in axes[last_row]:
    ax.set_xlabel("width n")
for ax in axes[::ncols]:
    ax.set_ylabel("E[R]/(Σn + 1)")
legend_beside(fig, axes[0], fontsize=7)
save_figure(fig, figures, "beyond_ratio")

# %%
rows = cell[cell["width"].isin([narrowest, widest]) & (cell["depth"] == deepest)].copy()
rows["family"] = [label(f, figure=False) for f in rows["family"]]
rows["knots"] = [
    f"{m:.3f} [{lo:.3f}, {hi:.3f}]" for m, lo, hi in rows[["knots_per_neuron", "knots_lo", "knots_hi"]].to_numpy()
]
rows["ratio_ci"] = [f"{m:.3f} [{lo:.3f}, {hi:.3f}]" for m, lo, hi in rows[["ratio", "ratio_lo", "ratio_hi"]].to_numpy()]
columns = {
    "family": "family",
    "width": "n",
    "networks": "networks",
    "knots_predicted": "knots/neuron: ours",
    "knots": "knots/neuron: measured",
    "ratio_predicted": "E[R]/(Σn+1): model",
    "ratio_ci": "E[R]/(Σn+1): measured",
}
save_table(
    rows.sort_values(["width", "family"])[list(columns)].rename(columns=columns),
    tables,
    "beyond_summary",
    caption=(
        f"Beyond the papers (ours): knots per neuron (all layers) and E[R]/(Σn + 1) at depth {deepest}, at the "
        f"narrowest and the widest width n, predicted by our derivation (docs/mathematics.md §8) and measured "
        f"(exact counts, 95% bootstrap CIs over networks)."
    ),
    digits=3,
)
