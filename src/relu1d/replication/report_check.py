"""Checks of the compiled report that a reader would otherwise catch: every claim of the claims table is in the
PDF's text as a row of that table, and no table is wider than its column or taller than its page.

The LaTeX log says where a table overflows: ``Overfull \\hbox (… too wide) in alignment`` (a tabular wider than
the line) and ``Float too large for page`` (a float cut at the page's foot, as a claims table of many rows was).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

#: An alignment may stick out by this much before it counts as overflowing (TeX's own slack is 0.1 pt).
OVERFULL_TOLERANCE_PT = 1.0

_OVERFULL = re.compile(r"^Overfull \\hbox \((?P<pt>[0-9.]+)pt too wide\) in alignment at lines (?P<lines>[0-9-]+)")
_TOO_LARGE = re.compile(r"Float too large for page by (?P<pt>[0-9.]+)pt on input line (?P<line>\d+)")


def log_problems(log_text: str, tolerance_pt: float = OVERFULL_TOLERANCE_PT) -> list[str]:
    """Tables that overflow, from the text of a LaTeX log."""
    found = []
    for line in log_text.splitlines():
        if (m := _OVERFULL.match(line)) and float(m["pt"]) > tolerance_pt:
            found.append(f"a table is {m['pt']} pt wider than its column (alignment at lines {m['lines']})")
        if m := _TOO_LARGE.search(line):
            found.append(f"a float is {m['pt']} pt taller than the page (input line {m['line']})")
    return found


def claims_section(pdf_text: str, caption_start: str, section_after: str) -> str:
    """The text from the claims table's caption to the heading of the next section (where its rows must be)."""
    start = pdf_text.find(caption_start)
    if start < 0:
        return ""
    end = pdf_text.find(section_after, start)
    return pdf_text[start : end if end > 0 else len(pdf_text)]


def missing_claims(section_text: str, claims: Iterable[str]) -> list[str]:
    """Claim ids without a row (the id at the start of a line) in the text of the claims table."""
    return [c for c in claims if not re.search(rf"^\s*{re.escape(c)}\b", section_text, re.M)]


def pdf_text(path: str | os.PathLike) -> str:
    """The text of every page of a PDF (pypdf's extraction, one page after the other)."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
