"""The probe of each network of the study (claims H1/H2): two random inputs and the statistics of the count along
the line through them.

Hanin & Rolnick (2019, §4) count regions along segments between data points; the study stands in two inputs
a, a′ ~ N(0, I) drawn from a stream of the network's own seed, so that the probe, like the network, is a pure
function of the manifest (docs/mathematics.md §6).
"""

from __future__ import annotations

import numpy as np

from relu1d.engine.breakpoints import RegionCount

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
