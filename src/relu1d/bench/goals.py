"""The performance goals the counter is held to, as data: the measurements check them and the report's captions
and the benchmark scripts' text are built from them.

Each goal bounds one measured quantity (a column of a measurement row) from above or below, for networks at
least ``min_width`` wide; where several goals apply to one kind of measurement, the first that applies wins
(they are listed tightest first).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Goal:
    """``quantity`` ≤ ``bound`` (``at_least`` False) or ≥ ``bound`` (True), for widths ≥ ``min_width``."""

    quantity: str
    bound: float
    at_least: bool
    min_width: int = 0

    def met(self, value: float) -> bool:
        return bool(value >= self.bound if self.at_least else value <= self.bound)

    def text(self) -> str:
        """E.g. ``count / floor <= 1.25 at width >= 1024`` (ASCII: it goes into LaTeX captions)."""
        where = f" at width >= {self.min_width}" if self.min_width else ""
        return f"{self.quantity} {'>=' if self.at_least else '<='} {self.bound:g}{where}"


#: Goals by kind of measurement (tightest first within a kind).
GOALS: dict[str, tuple[Goal, ...]] = {
    # one count against one matrix product per layer with the same shapes (relu1d.bench.timing.product_floor),
    # with one BLAS thread and with all of them
    "count_time_one_thread": (Goal("count / floor", 1.15, False, 1024), Goal("count / floor", 1.5, False, 512)),
    "count_time_all_cores": (Goal("count / floor", 1.25, False, 1024),),
    # the count stage on many small networks, 2 processes against 1
    "parallel": (Goal("speedup", 1.8, True),),
    # the peers' time over ours on the same network and window: regioncam (one thread) against ours on all cores,
    # and against ours on one thread
    "regioncam": (Goal("x ours", 1.8, True, 1000),),
    "regioncam_per_core": (Goal("x ours", 1.0, True, 1000),),
    "grid": (Goal("x ours", 100.0, True),),
}


def goal_for(kind: str, width: int = 0) -> Goal | None:
    """The goal of ``kind`` that applies at ``width`` (None: none is stated there)."""
    return next((g for g in GOALS[kind] if width >= g.min_width), None)


def goals_text(*kinds: str) -> str:
    """Every goal of ``kinds`` in words, e.g. ``count / floor <= 1.25 at width >= 1024; ... <= 2 at width >= 512``."""
    return "; ".join(goal.text() for kind in kinds for goal in GOALS[kind])
