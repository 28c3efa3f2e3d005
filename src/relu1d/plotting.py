"""Output helpers for the notebooks: every figure as vector PDF + PNG, every table as CSV + LaTeX (DESIGN.md)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from relu1d.io import atomic_output, write_csv, write_text

# Characters the notebooks use in column names, as LaTeX (pdflatex has no Unicode math by default).
_LATEX = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "_": r"\_",
    "^": r"\^{}",
    "|": r"$|$",
    "<": r"$<$",
    ">": r"$>$",
    "−": "-",
    "′": "'",
    "∝": r"$\propto$",
    "→": r"$\to$",
    "≥": r"$\ge$",
    "≤": r"$\le$",
    "×": r"$\times$",
    "≈": r"$\approx$",
    "√": r"$\surd$",
    "σ_b": r"$\sigma_b$",
    "σ": r"$\sigma$",
    "Σ": r"$\Sigma$",
    "Π": r"$\Pi$",
    "δ": r"$\delta$",
    "α": r"$\alpha$",
    "η": r"$\eta$",
    "ε": r"$\varepsilon$",
    "π": r"$\pi$",
    "ρ": r"$\rho$",
    "β": r"$\beta$",
    "γ": r"$\gamma$",
    "κ": r"$\kappa$",
    "·": r"$\cdot$",
    "–": "--",
    "§": r"\S{}",
    "ᵢ": r"$_i$",
    "±": r"$\pm$",
    "²": r"$^2$",
    "∞": r"$\infty$",
    "∫": r"$\int$",
    "…": r"\ldots{}",
    "⋯": r"$\cdots$",
    "₀": r"$_0$",
    "₁": r"$_1$",
    "₂": r"$_2$",
    "ℓ": r"$\ell$",
    "ℝ": r"$\mathbb{R}$",
}
_LATEX_PATTERN = re.compile("|".join(re.escape(k) for k in sorted(_LATEX, key=len, reverse=True)))


def latex_text(text: str) -> str:
    """Plain text for LaTeX: special characters escaped, the Unicode symbols of our tables as math (one pass).

    Raises ValueError on any other non-ASCII character (pdflatex would stop on it with a less helpful message).
    """
    converted = _LATEX_PATTERN.sub(lambda m: _LATEX[m.group(0)], text)
    unknown = sorted({c for c in converted if ord(c) > 127})
    if unknown:
        raise ValueError(f"latex_text: no LaTeX form for {''.join(unknown)!r} in {text!r}")
    return converted


def save_figure(fig: object, directory: str | os.PathLike, name: str) -> None:
    """Write ``name.pdf`` and ``name.png`` (200 dpi) atomically and close the figure."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    for ext, kwargs in (("pdf", {}), ("png", {"dpi": 200})):
        with atomic_output(Path(directory) / f"{name}.{ext}") as tmp:
            fig.savefig(tmp, format=ext, **kwargs)
    plt.close(fig)


def save_table(
    table: pd.DataFrame,
    directory: str | os.PathLike,
    name: str,
    caption: str,
    digits: int = 4,
    column_format: str | None = None,
) -> None:
    """Write ``name.csv`` (full precision) and ``name.tex`` (a booktabs ``table`` float labelled ``tab:name``)."""
    directory = Path(directory)
    write_csv(table, directory / f"{name}.csv")
    shown = table.rename(columns=latex_text).map(lambda v: latex_text(v) if isinstance(v, str) else v)
    body = shown.to_latex(
        index=False, float_format=lambda v: f"{v:.{digits}g}", escape=False, na_rep="n/a", column_format=column_format
    )
    tex = (
        "\\begin{table}[htbp]\n\\centering\\small\n"
        f"\\caption{{{latex_text(caption)}}}\\label{{tab:{name}}}\n{body}\\end{{table}}\n"
    )
    write_text(directory / f"{name}.tex", tex)
