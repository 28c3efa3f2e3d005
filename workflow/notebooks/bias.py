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

from relu1d.replication.plotting import save_figure, save_table

sns.set_theme(context="paper", style="whitegrid")
bias = pd.read_csv(table).sort_values(["depth", "width", "sigma_b"])
bias["arch"] = bias["depth"].astype(str) + " × " + bias["width"].astype(str)
bias["sum_n"] = bias["depth"] * bias["width"]
windows = sorted(float(c.removeprefix("mean_regions_M")) for c in bias.columns if c.startswith("mean_regions_M"))
# σ_b = 0 is drawn at the left edge of the log axis.
positive = bias.loc[bias["sigma_b"] > 0, "sigma_b"]
zero_at = positive.min() / 10 if len(positive) else 1e-3
bias["sigma_plot"] = bias["sigma_b"].where(bias["sigma_b"] > 0, zero_at)

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
palette = dict(zip(bias["arch"].unique(), sns.color_palette("viridis", bias["arch"].nunique()), strict=True))
for arch, g in bias.groupby("arch", sort=False):
    n1 = g["sum_n"].iloc[0] + 1
    axes[0].errorbar(
        g["sigma_plot"],
        g["mean_regions"] / n1,
        yerr=[(g["mean_regions"] - g["lo_regions"]) / n1, (g["hi_regions"] - g["mean_regions"]) / n1],
        marker="o",
        ms=3,
        capsize=2,
        color=palette[arch],
        label=f"L × n = {arch}",
    )
    for m, style in zip(windows, ["--", ":", "-."], strict=False):
        axes[1].plot(g["sigma_plot"], g[f"mean_regions_M{m:g}"] / n1, ls=style, marker=".", color=palette[arch])
for ax in axes:
    ax.set_xscale("log")
    ax.axvline(zero_at, color="grey", lw=0.5)
    ax.set_xlabel(f"σ_b (σ_b = 0 drawn at {zero_at:g})")
axes[0].set_ylabel("E[regions over ℝ] / (Σn + 1)")
axes[0].legend(fontsize=7)
axes[1].set_ylabel("E[regions on (−M, M)] / (Σn + 1)")
axes[1].set_title("  ".join(f"{s} M = {m:g}" for m, s in zip(windows, ["--", ":", "-."], strict=False)), fontsize=8)
save_figure(fig, figures, "bias_ablation")

# %%
columns = {"arch": "L × n", "sigma_b": "σ_b", "networks": "networks", "max_regions": "max R", "mean_regions": "E[R]"}
columns |= {f"mean_regions_M{m:g}": f"E[R on (−{m:g}, {m:g})]" for m in windows}
columns |= {"median_abs_breakpoint": "median |breakpoint|"}
save_table(
    bias[list(columns)].rename(columns=columns),
    tables,
    "bias_ablation",
    caption="Bias ablation: linear regions over ℝ and on windows, and the scale of breakpoint positions.",
)
