"""Claims A1–A3 of Arora, Basu, Mianjy & Mukherjee (ICLR 2018), checked by exact counting (docs/claims.md).

* **A1** (Thm 2.2): random continuous PWL functions with p pieces are built as one hidden layer
  (``constructions.pwl_network``) and counted exactly; the count must be p, with p units (p − 1 for a flat end).
* **A2** (Lemma B.1, Thm 3.2): zig-zag compositions have (p+1)^k pieces on [0, M]; and the depth/size trade-off:
  k² hidden layers of width k (size k³) compute k^{k²} pieces, while a network with k hidden layers needs size
  ≥ ½k^{k+1} − 1 for them (Thm 3.2 with w = k).
* **A3** (Lemma D.5): a network with hidden widths w₁ … w_k has at most 2^{k−1}(w₁+1)w₂⋯w_k pieces; every counted
  network (random and constructed) is checked against it.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd

from relu1d.engine.count import count_network
from relu1d.engine.network import architecture_name
from relu1d.engine.oracles.exact import count_rational_parameters, count_regions_exact
from relu1d.theory.constructions import (
    pwl_network,
    zigzag_interval,
    zigzag_pieces_on_interval,
    zigzag_pieces_on_line,
    zigzag_power,
    zigzag_rational,
)


def piece_bound(widths: tuple[int, ...] | list[int]) -> int:
    """A3: 2^{k−1}(w₁+1)w₂⋯w_k, the most pieces a one-input network with hidden widths w₁ … w_k can have."""
    w = [int(n) for n in widths]
    bound = 2 ** (len(w) - 1) * (w[0] + 1)
    for n in w[1:]:
        bound *= n
    return bound


def min_size_by_piece_bound(pieces: int, depth: int) -> int:
    """The smallest total width s = Σwᵢ of ``depth`` hidden layers whose A3 bound reaches ``pieces``.

    For a fixed s the bound is largest with the s + 1 "units" (w₁ + 1, w₂, …) split as evenly as possible.
    """
    s = depth
    while True:
        q, r = divmod(s + 1, depth)
        best = 2 ** (depth - 1) * q ** (depth - r) * (q + 1) ** r
        if best >= pieces:
            return s
        s += 1


#: A1 networks up to this many pieces are also counted in rational arithmetic (an independent check).
A1_RATIONAL_UP_TO = 12


def random_dyadic_pwl(
    rng: np.random.Generator, pieces: int, flat_end: str = ""
) -> tuple[np.ndarray, np.ndarray, float]:
    """Breakpoints, slopes and f(t₁) of a random continuous PWL function with exactly ``pieces`` pieces (consecutive
    slopes differ), all dyadic so that float64 holds them exactly; ``flat_end`` "left"/"right" zeroes that end's
    slope (unless its neighbour is already 0)."""
    t = np.cumsum(rng.integers(1, 9, size=pieces - 1)) / 4.0
    s = rng.integers(-16, 17, size=pieces) / 8.0
    for j in range(1, pieces):
        while s[j] == s[j - 1]:
            s[j] = rng.integers(-16, 17) / 8.0
    if flat_end == "left" and s[1] != 0:
        s[0] = 0.0
    elif flat_end == "right" and s[-2] != 0:
        s[-1] = 0.0
    return t, s, float(rng.integers(-8, 9)) / 4.0


def a1_table(pieces: list[int], functions: int, seed: int) -> pd.DataFrame:
    """A1: for each p, ``functions`` random dyadic PWL functions (a third with a flat end), built and counted
    by the float engine, and for p ≤ A1_RATIONAL_UP_TO in rational arithmetic too."""
    rng = np.random.default_rng(seed)
    rows = []
    for p in pieces:
        for i in range(functions):
            t, s, value = random_dyadic_pwl(rng, p, ("", "left", "right")[i % 3])
            net = pwl_network(t, s, value)
            result = count_network(net)
            flat = bool(s[0] == 0 or s[-1] == 0)
            rows.append(
                {
                    "pieces": p,
                    "function": i,
                    "flat_end": flat,
                    "units": net.widths[0],
                    "units_allowed": p - 1 if flat else p,
                    "units_needed_at_least": p - 1,
                    "counted": result.linear_regions,
                    "counted_rational": (count_regions_exact(net).linear_regions if p <= A1_RATIONAL_UP_TO else np.nan),
                    "breakpoints_match": bool(np.array_equal(result.breakpoints, t)),
                    "method": result.method,
                }
            )
    return pd.DataFrame(rows)


def a2_table(max_k: dict[int, int], rational_a: list[tuple[int, ...]], rational_k: int) -> pd.DataFrame:
    """A2: equal-spacing zig-zags (p → largest k) counted by the float engine (exact: integer parameters), and
    zig-zags with rational a = parts/Σparts counted in rational arithmetic, on [0, M] and over ℝ."""
    rows = []
    for p, kmax in max_k.items():
        for k in range(1, kmax + 1):
            result = count_network(zigzag_power(p, k))
            a, b = zigzag_interval(p)
            rows.append(
                {
                    "a": "equal",
                    "p": p,
                    "k": k,
                    "on_interval": result.restrict(a, b).linear_regions,
                    "on_interval_formula": zigzag_pieces_on_interval(p, k),
                    "on_line": result.linear_regions,
                    "on_line_formula": zigzag_pieces_on_line(p, k),
                    "method": result.method,
                }
            )
    for parts in rational_a:
        a = [Fraction(v, sum(parts)) for v in parts]
        p = len(a) - 1
        for k in range(1, rational_k + 1):
            exact = count_rational_parameters(*zigzag_rational(a, k, height=1))
            rows.append(
                {
                    "a": "/".join(str(v) for v in parts),
                    "p": p,
                    "k": k,
                    "on_interval": exact.restrict(Fraction(0), Fraction(1)).linear_regions,
                    "on_interval_formula": zigzag_pieces_on_interval(p, k),
                    "on_line": exact.linear_regions,
                    "on_line_formula": zigzag_pieces_on_line(p, k),
                    "method": "rational",
                }
            )
    return pd.DataFrame(rows)


def tradeoff_table(ks: list[int], count_up_to: int) -> pd.DataFrame:
    """A2 (Thm 3.2 with w = k): the deep network (k² hidden layers of width k) and what k hidden layers need.

    Pieces of the deep zig-zag are counted exactly (on [0, M]) for k ≤ ``count_up_to``; the rest are the formula.
    """
    rows = []
    for k in ks:
        pieces = k ** (k * k)
        counted = np.nan
        if k <= count_up_to:
            net = zigzag_power(k - 1, k * k)
            counted = count_network(net).restrict(*zigzag_interval(k - 1)).linear_regions
        rows.append(
            {
                "k": k,
                "deep_layers": k * k,
                "deep_size": k**3,
                "deep_pieces": pieces,
                "deep_pieces_counted": counted,
                "shallow_layers": k,
                "shallow_size_thm32": Fraction(k ** (k + 1), 2) - 1,
                "shallow_size_by_a3_bound": min_size_by_piece_bound(pieces, k),
            }
        )
    table = pd.DataFrame(rows)
    table["shallow_size_thm32"] = table["shallow_size_thm32"].astype(float)
    return table


def a3_table(counts: pd.DataFrame, constructions: pd.DataFrame) -> pd.DataFrame:
    """A3 per cell (random networks) and per construction: the most pieces counted and the bound."""
    rows = []
    for cell, g in counts.groupby("cell", sort=False):
        widths = tuple(int(n) for n in g["widths"].iloc[0])
        rows.append(
            {
                "source": str(g["experiment"].iloc[0]),
                "name": str(cell),
                "widths": architecture_name(widths),
                "networks": len(g),
                "max_pieces": int(g["linear_regions"].max()),
                "mean_pieces": float(g["linear_regions"].mean()),
                "sum_n": int(sum(widths)),
                "bound": piece_bound(widths),
            }
        )
    for _, r in constructions.iterrows():
        widths = (int(r["p"]) + 1,) * int(r["k"])
        rows.append(
            {
                "source": "zigzag",
                "name": f"zigzag a={r['a']} p={int(r['p'])} k={int(r['k'])}",
                "widths": architecture_name(widths),
                "networks": 1,
                "max_pieces": int(r["on_line"]),
                "mean_pieces": float(r["on_line"]),
                "sum_n": int(sum(widths)),
                "bound": piece_bound(widths),
            }
        )
    table = pd.DataFrame(rows)
    table["ratio"] = table["max_pieces"] / table["bound"].astype(float)
    return table
