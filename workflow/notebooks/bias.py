# %% [markdown]
# # Bias ablation (claim K4): σ_b = 0 and a sweep of σ_b > 0, over ℝ and on windows (−M, M)
#
# Reads `results/stats/bias_ablation.csv` (`relu1d bias-ablation`); plots and tabulates only.

# %% tags=["parameters"]
table = "results/stats/bias_ablation.csv"
figures = "results/figures"
tables = "results/tables"

# %%
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

from relu1d.replication.plotting import TEXT_WIDTH_IN, report_style, save_figure, save_table

report_style()
bias = pd.read_csv(table).sort_values(["depth", "width", "sigma_b"])
bias["arch"] = bias["depth"].astype(str) + " × " + bias["width"].astype(str)
bias["sum_n"] = bias["depth"] * bias["width"]
windows = sorted(float(c.removeprefix("mean_regions_M")) for c in bias.columns if c.startswith("mean_regions_M"))
# σ_b = 0 is drawn at the left edge of the log axis.
positive = bias.loc[bias["sigma_b"] > 0, "sigma_b"]
zero_at = positive.min() / 10 if len(positive) else 1e-3
bias["sigma_plot"] = bias["sigma_b"].where(bias["sigma_b"] > 0, zero_at)

# %%
fig, axes = plt.subplots(1, 2, figsize=(TEXT_WIDTH_IN, 2.8))
palette = dict(zip(bias["arch"].unique(), sns.color_palette("viridis", bias["arch"].nunique()), strict=True))
for arch, g in bias.groupby("arch", sort=False):
    n1 = g["sum_n"].iloc[0] + 1
    # σ_b = 0 is a different regime (positively homogeneous f): drawn apart, at the left edge, not joined by a line
    for part, style in ((g[g["sigma_b"] > 0], "-"), (g[g["sigma_b"] == 0], "none")):
        axes[0].errorbar(
            part["sigma_plot"],
            part["mean_regions"] / n1,
            yerr=[(part["mean_regions"] - part["lo_regions"]) / n1, (part["hi_regions"] - part["mean_regions"]) / n1],
            marker="o" if style == "-" else "D",
            ms=3,
            capsize=2,
            ls=style,
            color=palette[arch],
            label=f"L × n = {arch}" if style == "-" else None,
        )
        for m, ls in zip(windows, ["--", ":", "-."], strict=False):
            axes[1].plot(
                part["sigma_plot"],
                part[f"mean_regions_M{m:g}"] / n1,
                ls=ls if style == "-" else "none",
                marker="." if style == "-" else "D",
                ms=3,
                color=palette[arch],
            )
for ax in axes:
    ax.set_xscale("log")
    ax.axvline(zero_at * 3, color="grey", lw=0.5, ls=":")
    ax.set_xlim(zero_at / 2, None)
    ticks = [zero_at, *sorted(positive.unique())]
    ax.set_xticks(ticks, ["0", *(f"{t:g}" for t in ticks[1:])])
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.set_xlabel(r"$\sigma_b$ ($\sigma_b$ = 0 at the left, apart)")
axes[0].set_ylabel("E[regions over ℝ] / (Σn + 1)")
axes[0].legend(fontsize=7)
axes[1].set_ylabel("E[regions on (−M, M)] / (Σn + 1)")
axes[1].set_title("  ".join(f"{s} M = {m:g}" for m, s in zip(windows, ["--", ":", "-."], strict=False)), fontsize=8)
save_figure(fig, figures, "bias_ablation")

# %%
columns = {"arch": "depth × width", "sigma_b": "σ_b", "networks": "networks"}
columns |= {"max_regions": "most regions", "mean_regions": "mean regions"}
columns |= {f"mean_regions_M{m:g}": f"E[R on (−{m:g}, {m:g})]" for m in windows}
columns |= {"median_abs_breakpoint": "median |breakpoint|"}
save_table(
    bias[list(columns)].rename(columns=columns),
    tables,
    "bias_ablation",
    caption="Bias ablation: linear regions over ℝ and on windows, and the scale of breakpoint positions.",
)
