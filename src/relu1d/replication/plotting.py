"""Output helpers for the notebooks: every figure as vector PDF + PNG, every table as CSV + LaTeX
(docs/architecture.md)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from relu1d.engine.io import atomic_output, write_csv, write_text

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

# Inside a super- or subscript (already math): the same symbols as bare math.
_MATH = {"−": "-", "ℓ": r"\ell", "²": "^2", "·": r"\cdot ", "∞": r"\infty", "Σ": r"\Sigma ", "σ": r"\sigma "}
_GREEK = ("alpha", "beta", "gamma", "delta", "varepsilon", "kappa", "pi", "rho", "eta", "Pi")
_MATH |= {c: f"\\{name} " for c, name in zip("αβγδεκπρηΠ", _GREEK, strict=True)}
# x^{…}, x^(…), x^token; a standalone symbol's subscript, x_{…} or x_k (not an identifier like main_experiment).
_SCRIPT = re.compile(
    r"\^(?:\{(?P<sup_brace>[^{}]*)\}|\((?P<sup_paren>[^()]*)\)|(?P<sup>[^\s,;:)\]]+))"
    r"|_\{(?P<sub_brace>[^{}]*)\}|(?<![\w])(?P<base>[A-Za-zπσρδηΠ])_(?P<sub>[A-Za-z0-9ℓ])(?![\w])"
)


def _math(text: str) -> str:
    return "".join(_MATH.get(c, c) for c in text)


def _script(m: re.Match) -> str:
    """A super- or subscript of ``_SCRIPT`` as inline math."""
    if m["base"]:
        return f"${_math(m['base'])}_{{{_math(m['sub'])}}}$"
    if m["sub_brace"] is not None:
        return f"$_{{{_math(m['sub_brace'])}}}$"
    exponent = next(v for v in (m["sup_brace"], m["sup_paren"], m["sup"]) if v is not None)
    return f"$^{{{_math(exponent)}}}$"


def latex_text(text: str, scripts: bool = True) -> str:
    """Plain text for LaTeX: super- and subscripts (``2^{−n_k}``, ``n^α``, ``w_k``) typeset as math, special
    characters escaped, the Unicode symbols of our tables as math (one pass each). ``scripts`` False keeps ^ and _
    as characters (names, paths, versions).

    Raises ValueError on any other non-ASCII character (pdflatex would stop on it with a less helpful message).
    """
    held: list[str] = []

    def hold(m: re.Match) -> str:  # a placeholder the escaping below leaves alone
        held.append(_script(m))
        return f"\0{len(held) - 1}\0"

    converted = _LATEX_PATTERN.sub(lambda m: _LATEX[m.group(0)], _SCRIPT.sub(hold, text) if scripts else text)
    converted = re.sub("\0(\\d+)\0", lambda m: held[int(m.group(1))], converted)
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


#: Tables with more rows than this are typeset as a ``longtable`` (it breaks across pages; a float would not).
LONG_TABLE_ROWS = 40


def save_table(
    table: pd.DataFrame,
    directory: str | os.PathLike,
    name: str,
    caption: str,
    digits: int = 4,
    column_format: str | None = None,
    long: bool = False,
) -> None:
    """Write ``name.csv`` (full precision) and ``name.tex`` labelled ``tab:name``: a booktabs ``table`` float,
    scaled down to the line width when it is wider, or a ``longtable`` (scriptsize, breaking across pages)
    when ``long`` or when it has more than ``LONG_TABLE_ROWS`` rows (a float taller than the page would be cut).
    The .tex needs the packages booktabs, graphicx, longtable."""
    directory = Path(directory)
    write_csv(table, directory / f"{name}.csv")
    shown = table.rename(columns=latex_text).map(lambda v: latex_text(v) if isinstance(v, str) else v)
    options = {
        "index": False,
        "float_format": lambda v: f"{v:.{digits}g}",
        "escape": False,
        "na_rep": "n/a",
        "column_format": column_format,
    }
    if long or len(table) > LONG_TABLE_ROWS:
        body = shown.to_latex(longtable=True, caption=latex_text(caption), label=f"tab:{name}", **options)
        tex = f"{{\\scriptsize\\setlength{{\\tabcolsep}}{{2pt}}\n{body}}}\n"
    else:
        body = shown.to_latex(**options)
        # box 0 is TeX's scratch box; the group of the table float keeps it local
        tex = (
            "\\begin{table}[htbp]\n\\centering\\small\n"
            f"\\caption{{{latex_text(caption)}}}\\label{{tab:{name}}}\n"
            f"\\setbox0\\hbox{{{body.strip()}}}\n"
            "\\ifdim\\wd0>\\linewidth\\resizebox{\\linewidth}{!}{\\box0}\\else\\box0\\fi\n"
            "\\end{table}\n"
        )
    write_text(directory / f"{name}.tex", tex)
