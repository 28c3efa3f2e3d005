"""The result of a count: ``RegionCount`` (the regions of a model along a line or over ℝ, and how each was decided),
and the one error a count raises when float64 cannot hold a model's numbers.

Definitions (docs/mathematics.md §2): a **knot** is a point where some unit's piece (a neuron's gate, an arg-max)
changes; **activation regions** = #knots + 1; a **breakpoint** is a knot where f′ jumps; **linear regions** =
#breakpoints + 1.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from relu1d.engine.decisions import checked_window
from relu1d.engine.scaling import exact_power_of_two

#: ``RegionCount.method`` values whose counts are exact whatever the float margins.
PROVEN_METHODS = ("proven", "rational")


class FloatRangeError(ValueError):
    """A count whose numbers float64 cannot hold even after exact power-of-two rescaling (raised, never a wrong
    count; the CLI prints it as one line and exits with code 2)."""


@dataclass(frozen=True, eq=False)
class RegionCount:
    """Exact region structure of a network f: ℝ → ℝ (or of its restriction to a window).

    Arrays are numpy. ``knots``: the distinct activation-pattern changes, sorted (when the exact fallback
    was used, two knots closer than float64 resolution may round to the same float). ``is_breakpoint``
    marks those where f′ jumps; ``values`` = f(knots); ``slopes`` = f′ on the len(knots) + 1 segments.
    ``knot_index[ℓ]`` / ``knot_neurons[ℓ]``: every gate change of a layer-(ℓ+1) neuron, as (index into
    ``knots``, neuron). ``certified``: every decision had a clear margin, or the float answer was proven by its
    rounding bounds (``method == "proven"``, ``relu1d.engine.proof``), or the answer is the rational one
    (``method == "rational"``); ``near_decisions``: float decisions resolved by the tolerance.

    For a model counted along a line (``relu1d.engine.count.count_graph``) positions are the line parameter t,
    "layers" are the unit nodes named in ``layer_names``, a vector output gives ``values`` (B, outputs) and
    ``slopes`` (B + 1, outputs), and ``class_changes`` (when asked for) are the points where the arg-max of the
    output changes.

    ``output_exponent``: ``values``, ``slopes`` and ``f_at_zero`` hold f·2^−output_exponent. It is 0 unless f's own
    values lie beyond float64's range (weights scaled far up): the count is exact all the same, and ``evaluate``
    gives ±inf where f cannot be held.

    ``proven``: the count is proven exact (``method`` "proven" or "rational"). ``open_decisions``: when a proof was
    attempted, how many decisions it left open (0 when proven; ``relu1d.engine.proof.Certificate.open_decisions``);
    None when none was attempted (``prove=False``, or "auto" beyond its cost).
    """

    widths: tuple[int, ...]
    knots: np.ndarray
    is_breakpoint: np.ndarray
    values: np.ndarray
    slopes: np.ndarray
    knot_index: tuple[np.ndarray, ...]
    knot_neurons: tuple[np.ndarray, ...]
    f_at_zero: float
    near_decisions: int = 0
    weak_decisions: int = 0
    method: str = "float64"
    window: tuple[float, float] | None = None
    layer_names: tuple[str, ...] = ()
    class_changes: np.ndarray | None = None
    output_exponent: int = 0
    open_decisions: int | None = None

    @property
    def proven(self) -> bool:
        """True when the knots, their units and the breakpoints are proven exact: by the a-posteriori proof
        (``method == "proven"``) or by rational arithmetic (``method == "rational"``)."""
        return self.method in PROVEN_METHODS

    @property
    def certified(self) -> bool:
        """True when the counts are certified exact (clear float margins, a proof, or rational arithmetic)."""
        return self.method in PROVEN_METHODS or (self.near_decisions == 0 and self.weak_decisions == 0)

    @property
    def linear_regions(self) -> int:
        """Maximal intervals on which f is affine: #breakpoints + 1."""
        return int(np.count_nonzero(self.is_breakpoint)) + 1

    @property
    def activation_regions(self) -> int:
        """Maximal intervals of constant activation pattern: #knots + 1."""
        return int(self.knots.shape[0]) + 1

    @property
    def breakpoints(self) -> np.ndarray:
        """Sorted points where f′ is discontinuous."""
        return self.knots[self.is_breakpoint]

    @property
    def knot_positions(self) -> tuple[np.ndarray, ...]:
        """Per layer, the position of every gate change (a point repeats once per neuron changing there)."""
        return tuple(self.knots[idx] for idx in self.knot_index)

    @property
    def knots_per_layer(self) -> np.ndarray:
        """Σᵢ X_{ℓ,i}: gate changes of layer-ℓ neurons (docs/mathematics.md §2), one entry per hidden layer."""
        return np.array([idx.shape[0] for idx in self.knot_index], dtype=np.int64)

    @property
    def knots_per_neuron(self) -> tuple[np.ndarray, ...]:
        """X_{ℓ,i} for every neuron: a tuple of int arrays of length n_ℓ."""
        return tuple(
            np.bincount(nrn, minlength=n).astype(np.int64)
            for nrn, n in zip(self.knot_neurons, self.widths, strict=True)
        )

    @property
    def breakpoints_per_layer(self) -> np.ndarray:
        """Breakpoints of f located at a knot created by layer ℓ (a knot shared by two layers counts in both)."""
        return np.array(
            [np.count_nonzero(self.is_breakpoint[np.unique(idx)]) for idx in self.knot_index], dtype=np.int64
        )

    def evaluate(self, x: np.ndarray | float) -> np.ndarray:
        """f(x) from the piecewise-linear representation (for checks against a forward pass)."""
        x = np.asarray(x, dtype=np.float64)
        vector = self.slopes.ndim == 2
        if self.knots.shape[0] == 0:
            out = self.f_at_zero + self.slopes[0] * (x[..., None] if vector else x)
        else:
            seg = np.searchsorted(self.knots, x, side="right")
            anchor = np.clip(seg - 1, 0, self.knots.shape[0] - 1)
            dx = x - self.knots[anchor]
            out = self.values[anchor] + self.slopes[seg] * (dx[..., None] if vector else dx)
        return out if self.output_exponent == 0 else np.ldexp(out, self.output_exponent)

    def restrict(self, a: float, b: float) -> RegionCount:
        """The same structure on the open window (a, b): only knots with a < t < b are kept."""
        a, b = checked_window((a, b))
        lo = int(np.searchsorted(self.knots, a, side="right"))
        hi = int(np.searchsorted(self.knots, b, side="left"))
        inside = [(idx >= lo) & (idx < hi) for idx in self.knot_index]
        changes = self.class_changes
        if changes is not None:
            changes = changes[(changes > a) & (changes < b)]
        return replace(
            self,
            knots=self.knots[lo:hi],
            is_breakpoint=self.is_breakpoint[lo:hi],
            values=self.values[lo:hi],
            slopes=self.slopes[lo : hi + 1],
            knot_index=tuple(idx[m] - lo for idx, m in zip(self.knot_index, inside, strict=True)),
            knot_neurons=tuple(n[m] for n, m in zip(self.knot_neurons, inside, strict=True)),
            window=(a, b),
            class_changes=changes,
        )

    def __repr__(self) -> str:
        """A few lines: the counts, where, and how they were decided (the arrays are fields; ``summary()`` has all)."""
        where = "ℝ" if self.window is None else f"({self.window[0]:g}, {self.window[1]:g})"
        layers = self.layer_names or tuple(f"layer{i}" for i in range(1, len(self.widths) + 1))
        per_layer = ", ".join(f"{name} {k}" for name, k in zip(layers, self.knots_per_layer.tolist(), strict=True))
        return (
            f"RegionCount({self.linear_regions} linear regions, {self.activation_regions} activation regions "
            f"over {where}\n"
            f"  knots per layer: {per_layer}\n"
            f"  method {self.method}, proven={self.proven}"
            + ("" if self.open_decisions is None else f" ({self.open_decisions} open decisions)")
            + f", certified={self.certified} (near {self.near_decisions}, weak {self.weak_decisions})"
            + (f", {self.class_changes.shape[0]} class changes" if self.class_changes is not None else "")
            + ")"
        )

    def in_units_of_f(self, exponent: int) -> RegionCount:
        """This count, taken on a model that computes 2^−exponent·f (``relu1d.engine.scaling``), with ``values``,
        ``slopes`` and ``f_at_zero`` in f's own units where float64 holds them exactly, else kept with
        ``output_exponent`` = exponent."""
        if exponent == 0:
            return self
        arrays = (self.values, self.slopes, np.asarray(self.f_at_zero))
        held = [exact_power_of_two(x, exponent) for x in arrays]
        if any(x is None for x in held):
            return replace(self, output_exponent=exponent)
        values, slopes, f0 = held
        return replace(self, values=values, slopes=slopes, f_at_zero=f0 if f0.ndim else float(f0))

    def summary(self) -> dict[str, Any]:
        """Plain-Python summary (what ``relu1d count --json`` prints)."""
        return {
            "widths": list(self.widths),
            "window": list(self.window) if self.window is not None else None,
            "linear_regions": self.linear_regions,
            "activation_regions": self.activation_regions,
            "knots_per_layer": self.knots_per_layer.tolist(),
            "breakpoints_per_layer": self.breakpoints_per_layer.tolist(),
            "certified": self.certified,
            "proven": self.proven,
            "open_decisions": self.open_decisions,
            "method": self.method,
            "near_decisions": self.near_decisions,
            "weak_decisions": self.weak_decisions,
            "breakpoints": self.breakpoints.tolist(),
            **({"layer_names": list(self.layer_names)} if self.layer_names else {}),
            **({"output_exponent": self.output_exponent} if self.output_exponent else {}),
            **({"class_changes": self.class_changes.tolist()} if self.class_changes is not None else {}),
        }


def finite_knots(knots: list[float]) -> np.ndarray:
    """Knot positions (rounded from rationals) as float64, or ``FloatRangeError`` where one lies beyond its range."""
    out = np.array(knots, dtype=np.float64)
    if not np.all(np.isfinite(out)):
        raise FloatRangeError("a knot of the model lies beyond float64's range (|t| > 1.8e308)")
    return out
