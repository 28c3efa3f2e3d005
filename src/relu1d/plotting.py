"""Output helpers for the notebooks: every figure as vector PDF + PNG, every table as CSV + LaTeX (DESIGN.md)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from relu1d.io import atomic_output, write_csv, write_text

# Characters the notebooks use in column names, as LaTeX (pdflatex has no Unicode math by default).
_LATEX = {
    "\\": r"\textbackslash{}",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "_": r"\_",
    "∝": r"$\propto$",
    "σ\\_b": r"$\sigma_b$",
    "σ": r"$\sigma$",
    "Σ": r"$\Sigma$",
    "δ": r"$\delta$",
    "α": r"$\alpha$",
    "π": r"$\pi$",
    "ℓ": r"$\ell$",
    "|z|": r"$|z|$",
    "≤": r"$\le$",
    "ℝ": r"$\mathbb{R}$",
}


def latex_text(text: str) -> str:
    """Plain text with the few Unicode symbols used in table headers replaced by LaTeX math."""
    for plain, tex in _LATEX.items():
        text = text.replace(plain, tex)
    return text


def save_figure(fig: object, directory: str | os.PathLike, name: str) -> None:
    """Write ``name.pdf`` and ``name.png`` (200 dpi) atomically and close the figure."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    for ext, kwargs in (("pdf", {}), ("png", {"dpi": 200})):
        with atomic_output(Path(directory) / f"{name}.{ext}") as tmp:
            fig.savefig(tmp, format=ext, **kwargs)
    plt.close(fig)


def save_table(table: pd.DataFrame, directory: str | os.PathLike, name: str, caption: str, digits: int = 4) -> None:
    """Write ``name.csv`` (full precision) and ``name.tex`` (a booktabs ``table`` float labelled ``tab:name``)."""
    directory = Path(directory)
    write_csv(table, directory / f"{name}.csv")
    shown = table.rename(columns=latex_text)
    body = shown.to_latex(index=False, float_format=lambda v: f"{v:.{digits}g}", escape=False, na_rep="n/a")
    tex = (
        "\\begin{table}[htbp]\n\\centering\\small\n"
        f"\\caption{{{latex_text(caption)}}}\\label{{tab:{name}}}\n{body}\\end{{table}}\n"
    )
    write_text(directory / f"{name}.tex", tex)
