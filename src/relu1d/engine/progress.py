"""A progress bar for the engine's long loops (a count's nodes, a proof's blocks of segments).

Shown on stderr (tqdm) only once a loop has run for ``DELAY_SECONDS``, so that short counts never load tqdm, and only
on a terminal unless asked; it changes nothing a count returns.
"""

from __future__ import annotations

import sys
import time
from typing import Any

#: Seconds a loop runs before its bar appears.
DELAY_SECONDS = 2.0


class Progress:
    """Progress of a loop of ``total`` steps, named ``desc``. ``show``: None, on terminals only; True, always; False,
    never. Call ``update(done)`` after each step and ``close()`` at the end."""

    def __init__(self, total: int, desc: str, show: bool | None = None) -> None:
        self.total, self.desc, self.show = total, desc, show
        self.start = time.perf_counter()
        self.bar: Any = None

    def update(self, done: int) -> None:
        """``done`` steps of ``total`` are done."""
        if self.show is False:
            return
        if self.bar is None:
            if time.perf_counter() - self.start < DELAY_SECONDS:
                return
            if self.show is None and not sys.stderr.isatty():
                self.show = False
                return
            from tqdm import tqdm  # loaded by long loops only: the counting library itself loads light

            self.bar = tqdm(total=self.total, initial=done, desc=self.desc, file=sys.stderr, leave=False)
        else:
            self.bar.update(done - self.bar.n)

    def close(self) -> None:
        """Remove the bar (if it was shown)."""
        if self.bar is not None:
            self.bar.close()


__all__ = ["DELAY_SECONDS", "Progress"]
