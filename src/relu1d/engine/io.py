"""Atomic file output: a result file either appears whole or not at all (no partial output on failure)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas is heavy to import; count workers never write CSV
    import pandas as pd


@contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it onto ``path`` only if the block finishes without error."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write a text file atomically."""
    with atomic_output(path) as tmp:
        tmp.write_text(text)


def write_csv(table: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write a CSV atomically with full float64 precision (round-trips exactly)."""
    with atomic_output(path) as tmp:
        table.to_csv(tmp, index=False, float_format="%.17g")
