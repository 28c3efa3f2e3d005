"""The probe of each network of the study (claims H1/H2): two random inputs and the statistics of the count along
the line through them.

Hanin & Rolnick (2019, §4) count regions along segments between data points; the study stands in two inputs
a, a′ ~ N(0, I) drawn from a stream of the network's own seed, so that the probe, like the network, is a pure
function of the manifest (docs/mathematics.md §6).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from relu1d.engine.result import RegionCount
from relu1d.replication.ensemble import Cell
from relu1d.theory.gaussian_process import line_knot_fraction, line_knot_scale, survival_model

#: ``SeedSequence`` spawn key of a network's probe stream: distinct from the stream its parameters are drawn from.
PROBE_STREAM = 0x70726F62  # "prob"


def sample_probe(n_in: int, seed_entropy: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Two random inputs a, a′ ~ N(0, I_{n_in}), i.i.d., drawn from ``SeedSequence(seed_entropy)``'s probe stream.

    They stand in for two data points with standardised features (Hanin & Rolnick 2019, §4, count regions along
    segments between inputs); the probe of network i is a pure function of its seed, like the network itself.
    """
    seq = np.random.SeedSequence([int(s) for s in seed_entropy], spawn_key=(PROBE_STREAM,))
    points = np.random.Generator(np.random.PCG64(seq)).standard_normal((2, int(n_in)))
    return points[0], points[1]


def probe_statistics(result: RegionCount, start: float, end: float) -> tuple[int, float]:
    """(regions on the open segment between ``start`` and ``end``, distance from ``start`` to the nearest
    breakpoint over all of ℝ; ``inf`` when f is affine).

    Coordinates are those of ``result`` (x for a 1-D network, the unit-speed line parameter t otherwise).
    Hanin & Rolnick (2019): regions per unit length along a segment (H1) and distance to the nearest region
    boundary (H2); along a line this distance bounds the Euclidean one from above.
    """
    lo, hi = min(start, end), max(start, end)
    regions = result.restrict(lo, hi).linear_regions if lo < hi else 1
    breakpoints = result.breakpoints
    distance = float(np.min(np.abs(breakpoints - start))) if breakpoints.size else float("inf")
    return regions, distance


def probe_geometry(start: np.ndarray, end: np.ndarray) -> tuple[float, float, float]:
    """(d, τ_start, τ_end): the distance of the line through ``start`` and ``end`` from the origin, and both points'
    positions τ on it, measured at unit speed from its point nearest the origin (1-D inputs: d = 0, τ = x)."""
    start, end = np.atleast_1d(np.asarray(start, dtype=np.float64)), np.atleast_1d(np.asarray(end, dtype=np.float64))
    length = float(np.linalg.norm(end - start))
    u = (end - start) / length
    along = float(start @ u)
    distance = float(np.sqrt(max(float(start @ start) - along**2, 0.0)))
    return distance, along, along + length


def expected_breakpoints(
    widths: Sequence[int], sigma_b: float, n_in: int, distance: float, tau_lo: np.ndarray, tau_hi: np.ndarray
) -> np.ndarray:
    """Breakpoints on (tau_lo, tau_hi) of a line at ``distance`` from the origin that the infinite-width theory
    predicts: every layer ℓ contributes n_ℓ·π_ℓ times its knots per neuron there (``line_knot_fraction``), π_ℓ
    the survival model (docs/mathematics.md §4). Our own derivation, not a statement of Hanin & Rolnick."""
    total = np.zeros(np.broadcast(np.asarray(tau_lo), np.asarray(tau_hi)).shape)
    for layer, width in enumerate(widths, start=1):
        scale = line_knot_scale(distance, layer, sigma_b, n_in)
        total += width * survival_model(list(widths), layer) * line_knot_fraction(tau_lo, tau_hi, scale)
    return total


#: Radii (in units of the mean spacing of breakpoints at the start point) of the E[d] integral.
_RADII = np.concatenate([[0.0], np.geomspace(1e-6, 1e6, 600)])


def predicted_probe_statistics(
    widths: Sequence[int], sigma_b: float, n_in: int, start: np.ndarray, end: np.ndarray
) -> tuple[float, float]:
    """(ρ, E[d]) predicted for one probe: breakpoints per unit length on [start, end], and the mean distance from
    ``start`` to the nearest breakpoint along the line if breakpoints were a Poisson process of the predicted
    intensity, given at least one: E[d] = ∫₀^∞ (e^{−Λ(r)} − e^{−Λ(∞)}) dr / (1 − e^{−Λ(∞)}), Λ(r) the expected
    breakpoints within r of ``start``. The Poisson step is an approximation of ours (neurons of one layer are
    independent; layers are not)."""
    distance, lo, hi = probe_geometry(start, end)
    density = float(expected_breakpoints(widths, sigma_b, n_in, distance, np.asarray(lo), np.asarray(hi))) / (hi - lo)
    spacing = 1.0 / max(density, 1e-300)
    radii = _RADII * spacing
    within = expected_breakpoints(widths, sigma_b, n_in, distance, lo - radii, lo + radii)
    # over all of ℝ each layer's law has mass 1: Λ(∞) = Σ_ℓ n_ℓ·π_ℓ
    never = float(np.exp(-sum(n * survival_model(list(widths), ell) for ell, n in enumerate(widths, start=1))))
    beyond = np.exp(-within) - never
    distance_mean = float(np.sum((beyond[1:] + beyond[:-1]) / 2 * np.diff(radii))) / (1.0 - never)
    return density, distance_mean


def predicted_cell_statistics(cell: Cell, indices: Sequence[int]) -> np.ndarray:
    """``predicted_probe_statistics`` (rows: ρ, E[d]) for the probes of networks ``indices`` of ``cell``,
    regenerated from their seeds."""
    out = np.empty((len(indices), 2))
    for k, index in enumerate(indices):
        a, a_prime = sample_probe(cell.n_in, cell.seed_entropy(int(index)))
        out[k] = predicted_probe_statistics(cell.widths, cell.sigma_b, cell.n_in, a, a_prime)
    return out
