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


#: The report's text width in inches (A4 with 2.5 cm margins, paper/main.tex): figures are drawn at their print
#: size and included unscaled, so a font's size in the figure is its size on the page.
TEXT_WIDTH_IN = (21.0 - 2 * 2.5) / 2.54
#: The smallest font a figure may use at print size (points).
MIN_FONT_PT = 7.0


def report_style() -> None:
    """seaborn's paper style with no font below ``MIN_FONT_PT`` (the notebooks call it before drawing)."""
    import seaborn as sns

    sizes = {"font.size": 8, "axes.labelsize": 8, "axes.titlesize": 8, "figure.titlesize": 8}
    small = {"xtick.labelsize": 7, "ytick.labelsize": 7, "legend.fontsize": 7, "legend.title_fontsize": 7}
    sns.set_theme(context="paper", style="whitegrid", rc=sizes | small)


def panel_grid(panels: int, height: float = 2.1, ncols: int = 3, **kwargs: object) -> tuple[object, list]:
    """A figure of ``panels`` axes at the text width, at most ``ncols`` to a row, each ``height`` inches tall;
    the axes in reading order (spare slots hidden)."""
    import matplotlib.pyplot as plt

    cols = max(1, min(panels, ncols))
    rows = max(1, -(-panels // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(TEXT_WIDTH_IN, height * rows), squeeze=False, **kwargs)
    flat = list(axes.flat)
    for ax in flat[panels:]:
        ax.set_visible(False)
    return fig, flat[:panels]


def legend_beside(fig: object, ax: object, **kwargs: object) -> None:
    """The legend of ``ax`` in the figure's first spare slot of a ``panel_grid`` (off the data), else on ``ax``."""
    spare = [a for a in fig.axes if not a.get_visible()]
    handles, labels = ax.get_legend_handles_labels()
    if not spare:
        ax.legend(handles, labels, **kwargs)
        return
    spare[0].set_visible(True)
    spare[0].axis("off")
    spare[0].legend(handles, labels, loc="center", **kwargs)


def print_problems(fig: object) -> list[str]:
    """What keeps a figure from printing as drawn: wider than the text, or a visible text below ``MIN_FONT_PT``."""
    from matplotlib.text import Text

    found = []
    width = float(fig.get_size_inches()[0])
    if width > TEXT_WIDTH_IN + 1e-6:
        found.append(f"{width:.2f} in wide, the text is {TEXT_WIDTH_IN:.2f} in")
    small = sorted(
        {
            (round(t.get_fontsize(), 1), t.get_text()[:30])
            for t in fig.findobj(Text)
            if t.get_visible() and t.get_text().strip() and t.get_fontsize() < MIN_FONT_PT
        }
    )
    found += [f"{size:g} pt text {text!r}" for size, text in small[:3]]
    return found


def save_figure(fig: object, directory: str | os.PathLike, name: str) -> None:
    """Write ``name.pdf`` and ``name.png`` (200 dpi) atomically and close the figure; a figure that would not print
    as drawn (``print_problems``) is an error that names the figure."""
    import matplotlib.pyplot as plt

    if problems := print_problems(fig):
        plt.close(fig)
        raise ValueError(f"figure {name}: " + "; ".join(problems))
    if fig.get_layout_engine() is None:  # a constrained layout (legends outside the axes) lays itself out
        fig.tight_layout()
    for ext, kwargs in (("pdf", {}), ("png", {"dpi": 200})):
        with atomic_output(Path(directory) / f"{name}.{ext}") as tmp:
            fig.savefig(tmp, format=ext, **kwargs)
    plt.close(fig)


#: Tables with more rows than this are typeset as a ``longtable`` (it breaks across pages; a float would not).
LONG_TABLE_ROWS = 40


def significant(value: float, digits: int = 4) -> str:
    """``value`` to ``digits`` significant digits as a table prints it: whole, without an exponent, from 10^digits
    to 10⁷ (a mean of 12,326.65 regions prints 12327, not 1.233e+04, which widened the width-2048 rows of the
    large study's cell table beyond the page), else ``{:.<digits>g}``."""
    if 10**digits <= abs(value) < 1e7:
        return f"{value:.0f}"
    return f"{value:.{digits}g}"


def column_formatter(values: pd.Series, digits: int) -> object | None:
    """One number of decimals for a whole float column (its largest |value| gets ``digits`` significant figures),
    so the column reads at one precision; None (each value to ``digits`` significant figures) for a column whose
    nonzero magnitudes span more than 10³, which fixed decimals would round to zero."""
    import numpy as np

    if values.dtype.kind != "f":
        return None
    finite = np.abs(values.to_numpy()[np.isfinite(values.to_numpy())])
    nonzero = finite[finite > 0]
    if nonzero.size == 0 or nonzero.max() / nonzero.min() > 1e3:
        return None
    decimals = max(0, digits - 1 - int(np.floor(np.log10(nonzero.max()))))
    if np.all(finite == np.round(finite)):  # whole numbers stored as floats (a count with a gap) stay whole
        decimals = 0
    return lambda v: "n/a" if not np.isfinite(v) else f"{v:.{decimals}f}"


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
        "float_format": lambda v: significant(v, digits),
        "formatters": {
            latex_text(str(col)): fmt
            for i, col in enumerate(table.columns)
            if (fmt := column_formatter(table.iloc[:, i], digits))
        },
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
