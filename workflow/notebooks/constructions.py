# %% [markdown]
# # Arora et al. (2018): constructions and the piece bound (claims A1–A3)
#
# Reads the tables of `relu1d arora`; plots and tabulates only.

# %% tags=["parameters"]
a1 = "results/stats/arora_a1.csv"
a2 = "results/stats/arora_a2.csv"
tradeoff = "results/stats/arora_tradeoff.csv"
a3 = "results/stats/arora_a3.csv"
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

from relu1d.replication.plotting import report_style, save_figure, save_table

report_style()
a1_table, a2_table = pd.read_csv(a1), pd.read_csv(a2)
tradeoff_table, a3_table = pd.read_csv(tradeoff), pd.read_csv(a3)
Path(figures).mkdir(parents=True, exist_ok=True)

# %% [markdown]
# ## A3: the most pieces counted in each cell (random networks) and construction, against 2^{k−1}(w₁+1)w₂⋯w_k

# %%
fig, ax = plt.subplots(figsize=(3.8, 3.0))
sources = sorted(a3_table["source"].unique())
palette = dict(zip(sources, sns.color_palette("tab10", len(sources)), strict=True))
for source, g in a3_table.groupby("source"):
    marker = "*" if source == "zigzag" else "o"
    ax.scatter(
        g["bound"].astype(float),
        g["max_pieces"],
        s=30 if marker == "*" else 12,
        marker=marker,
        color=palette[source],
        label=source,
    )
lim = np.array([1.0, float(a3_table["bound"].astype(float).max()) * 2])
ax.plot(lim, lim, color="black", lw=1, ls="--", label="the bound")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel(r"A3 bound $2^{k-1}(w_1+1)\,w_2\cdots w_k$")
ax.set_ylabel("most pieces counted (over ℝ)")
ax.legend(fontsize=7)
save_figure(fig, figures, "arora_bound")

# %% [markdown]
# ## Tables

# %%
a1_summary = (
    a1_table.groupby("pieces")
    .agg(
        functions=("function", "size"),
        exact=("counted", lambda c: int((c == a1_table.loc[c.index, "pieces"]).sum())),
        rational=("counted_rational", lambda c: int(c.notna().sum())),
        flat_end=("flat_end", "sum"),
        units_min=("units", "min"),
        units_max=("units", "max"),
    )
    .reset_index()
)
save_table(
    a1_summary.rename(
        columns={
            "pieces": "pieces p",
            "exact": "counted = p",
            "rational": "rational checks",
            "flat_end": "flat end",
            "units_min": "fewest units",
            "units_max": "most units",
        }
    ),
    table_dir,
    "arora_a1",
    caption="A1: random continuous PWL functions with p pieces built as one hidden layer and counted exactly.",
)
save_table(
    a2_table[["a", "p", "k", "on_interval", "on_interval_formula", "on_line", "on_line_formula", "method"]].rename(
        columns={
            "on_interval": "on [0, M]",
            "on_interval_formula": "(p+1)^k",
            "on_line": "over ℝ",
            "on_line_formula": "formula over ℝ",
        }
    ),
    table_dir,
    "arora_a2",
    caption="A2: zig-zag compositions (equal spacing; rational a given as integer parts) counted exactly.",
)
shown = tradeoff_table.assign(deep_pieces=lambda t: t["deep_pieces"].map(lambda v: f"{float(v):.4g}"))
save_table(
    shown.rename(
        columns={
            "deep_layers": "deep: layers",
            "deep_size": "size",
            "deep_pieces": "pieces",
            "deep_pieces_counted": "counted",
            "shallow_layers": "shallow: layers",
            "shallow_size_thm32": "size ≥ (Thm 3.2)",
            "shallow_size_by_a3_bound": "size ≥ (A3 bound)",
        }
    ),
    table_dir,
    "arora_tradeoff",
    caption=(
        "A2 depth/size trade-off (Thm 3.2, w = k): k² hidden layers of width k compute k^(k²) pieces (counted "
        "exactly where feasible); k hidden layers need size ≥ k^(k+1)/2 − 1, and the A3 bound alone already "
        "requires the last column."
    ),
)
