"""Peer methods for counting regions of a 1-D-input ReLU network on a window, to compare the exact engine with.

* :func:`grid_count` — the usual sampled method: activation patterns of every hidden neuron on a uniform grid
  of ``points`` inputs in [lo, hi]; each change between neighbouring grid points is one more region seen. It
  misses every region narrower than the spacing (and a neuron switching off and on again between two grid
  points), so it only *under*-counts, and it costs one batched forward pass per grid point.
  :func:`knot_recall` says which fraction of the exact knots the grid saw.
* :func:`walk_count` — the region walk: from ``lo``, one forward pass at the current point gives every
  pre-activation as an affine function of x on the current region (offset and slope, propagated with the
  current activation pattern); the nearest zero crossing to the right ends the region; step there and repeat.
  One forward pass (matrix–vector products) per region, exact up to the tie tolerance documented there.

* :func:`regioncam_count` — the ``regioncam`` package (PyPI, Rust, float32; optional extra ``bench``) on the
  window: the peer a researcher would reach for first.

All count *activation regions* (maximal intervals of constant activation pattern) on the window, to be
compared with ``count_regions(net).restrict(lo, hi).activation_regions``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from relu1d.engine.decisions import DEFAULT_RTOL
from relu1d.engine.network import Network

#: Default bound on the elements of one chunk's (grid points × neurons) pre-activation block (32 MiB in float64).
GRID_CHUNK_ELEMENTS = 1 << 22


@dataclass(frozen=True)
class GridCount:
    """Result of :func:`grid_count`.

    ``activation_regions``: pattern changes between neighbouring grid points + 1. ``change_positions``: the
    midpoint of every grid interval (x_{i−1}, x_i] whose two ends have different patterns (sorted), i.e. a knot
    was detected within half a spacing of it. ``spacing``: (hi − lo)/(points − 1).
    """

    activation_regions: int
    change_positions: np.ndarray
    spacing: float
    points: int
    lo: float
    hi: float


def _check_window(lo: float, hi: float) -> tuple[float, float]:
    lo, hi = float(lo), float(hi)
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ValueError(f"window: need finite lo < hi, got ({lo}, {hi})")
    return lo, hi


def _check_network(net: Network, who: str) -> None:
    if not isinstance(net, Network):
        raise TypeError(f"{who}: expected a relu1d.Network, got {type(net).__name__}")
    if net.n_in != 1:
        raise ValueError(f"{who}: the network has {net.n_in} inputs; restrict it to a line first (relu1d.engine.lines)")


def grid_count(
    net: Network,
    lo: float,
    hi: float,
    points: int,
    *,
    chunk: int | None = None,
    dtype: type[np.floating] = np.float64,
) -> GridCount:
    """Activation regions seen on a uniform grid of ``points`` inputs in [lo, hi] (ends included).

    The gates (z > 0) of all hidden neurons are evaluated at every grid point, ``chunk`` points at a time
    (default: about ``GRID_CHUNK_ELEMENTS`` / widest layer, so memory stays bounded whatever ``points``), and
    neighbouring patterns are compared. ``dtype``: arithmetic of the forward pass (float32 is what a GPU or
    torch user would typically run; float64 is the default).
    """
    _check_network(net, "grid_count")
    lo, hi = _check_window(lo, hi)
    points = int(points)
    if points < 2:
        raise ValueError(f"points: need at least 2 grid points, got {points}")
    if chunk is None:
        chunk = max(1, GRID_CHUNK_ELEMENTS // max(net.widths))
    if chunk < 1:
        raise ValueError(f"chunk: must be >= 1, got {chunk}")
    layers = [
        (np.ascontiguousarray(w.T, dtype=dtype), b.astype(dtype))
        for w, b in zip(net.weights[:-1], net.biases[:-1], strict=True)
    ]
    last: list[np.ndarray] | None = None  # each layer's gates at the previous chunk's last point
    changed: list[np.ndarray] = []
    for start in range(0, points, chunk):
        idx = np.arange(start, min(start + chunk, points))
        h = (lo + (hi - lo) * (idx / (points - 1))).astype(dtype)[:, None]
        differs = np.zeros(idx.shape[0], dtype=bool)  # differs[j]: pattern at idx[j] ≠ pattern at idx[j] − 1
        gates_last = []
        for ell, (wt, b) in enumerate(layers):
            z = h @ wt + b
            gate = z > 0
            differs[1:] |= np.any(gate[1:] != gate[:-1], axis=1)
            if last is not None:
                differs[0] |= bool(np.any(gate[0] != last[ell]))
            gates_last.append(gate[-1].copy())
            h = np.where(gate, z, 0)
        last = gates_last
        changed.append(idx[differs])
    at = np.concatenate(changed)
    spacing = (hi - lo) / (points - 1)
    positions = lo + (hi - lo) * ((at - 0.5) / (points - 1))
    return GridCount(int(at.shape[0]) + 1, positions, spacing, points, lo, hi)


def knot_recall(
    exact_knots: np.ndarray,
    grid_change_positions: np.ndarray,
    spacing: float,
    *,
    window: tuple[float, float] | None = None,
    one_to_one: bool = True,
) -> float:
    """Fraction of the exact knots (those in ``window``, if given) with a detected grid change within ``spacing``.

    ``one_to_one`` (default): each detected change can account for one knot only (greedy matching in sorted
    order, which is a maximum matching for equal-radius intervals on a line). Two knots in one grid interval
    then count as one found and one missed, so recall ≥ 99% means the grid resolved ≥ 99% of the knots
    individually. With ``one_to_one=False`` a knot counts as found whenever any change lies within ``spacing``
    (the looser reading; a single change then "finds" every knot of a dense cluster). An empty knot set has
    recall 1.
    """
    knots = np.sort(np.asarray(exact_knots, dtype=np.float64).ravel())
    changes = np.sort(np.asarray(grid_change_positions, dtype=np.float64).ravel())
    spacing = float(spacing)
    if not (np.isfinite(spacing) and spacing > 0):
        raise ValueError(f"spacing: must be a positive number, got {spacing}")
    if window is not None:
        a, b = _check_window(*window)
        knots = knots[(knots >= a) & (knots <= b)]
    if knots.shape[0] == 0:
        return 1.0
    if changes.shape[0] == 0:
        return 0.0
    if not one_to_one:
        at = np.searchsorted(changes, knots)
        left = changes[np.clip(at - 1, 0, changes.shape[0] - 1)]
        right = changes[np.clip(at, 0, changes.shape[0] - 1)]
        nearest = np.minimum(np.abs(knots - left), np.abs(right - knots))
        return float(np.mean(nearest <= spacing))
    # Earliest unmatched change at or after k − spacing, if it is within k + spacing.
    first = np.searchsorted(changes, knots - spacing, side="left")
    j = matched = 0
    for k, f in zip(knots.tolist(), first.tolist(), strict=True):
        j = max(j, f)
        if j < changes.shape[0] and changes[j] <= k + spacing:
            matched += 1
            j += 1
    return matched / knots.shape[0]


def walk_count(net: Network, lo: float, hi: float, *, rtol: float = DEFAULT_RTOL) -> int:
    """Activation regions on the open window (lo, hi) by walking from region to region (one forward pass each).

    At the current point x the forward pass carries, per layer, the values h(x) and slopes h′(x) of the
    region's affine map, so every pre-activation is z_i(t) = z_i(x) + s_i·(t − x) on the current region; the
    region ends at the nearest crossing x + min{−z_i/s_i > 0}. The walk steps exactly there and takes the
    *right-limit* pattern: a neuron with |z_i| within its tolerance counts as on iff s_i > 0 (the sign of
    z_i just right of x). A boundary is counted when that pattern differs from the previous region's.

    Ties and tolerance (limitations): a pre-activation is treated as zero when
    |z_i| ≤ rtol·(‖W_i‖·‖h(x)‖ + |b_i|), the same scale as the exact engine's decisions. So coincident knots
    (several neurons crossing at one point, e.g. zero biases) are one boundary, as in the exact engine, but two
    *distinct* knots closer than about rtol times that scale (relative to the slope) are merged into one, and a
    knot that close to ``lo`` is not counted. A window end that is itself a knot is ambiguous at float
    resolution (the walk and the exact engine may round that knot to different sides of it). A neuron that
    only touches zero is handled through its slope sign on each side. Slopes are not tolerance-tested: a slope
    that should cancel exactly but comes out as rounding noise can create a spurious crossing far away.

    On generic random networks none of this happens and the count equals
    ``count_regions(net).restrict(lo, hi).activation_regions`` (tested). It also agreed on 40 networks each of
    the test suite's integer-weight, zero-bias, duplicated-neuron and dead-layer families (exact
    coincidences), but not always on its weights-spanning-1e±8 and layers-scaled-by-1e±8 families (16/40 and
    3/40 differ: near-coincident knots merged, or rounding on windows of size ~1e17).
    """
    _check_network(net, "walk_count")
    lo, hi = _check_window(lo, hi)
    if not (np.isfinite(rtol) and 0 <= rtol < 1e-3):
        raise ValueError(f"rtol: must be in [0, 1e-3), got {rtol}")
    layers = [
        (np.ascontiguousarray(w), b, np.linalg.norm(w, axis=1), np.abs(b))
        for w, b in zip(net.weights[:-1], net.biases[:-1], strict=True)
    ]
    x = lo
    regions = 1
    previous: np.ndarray | None = None
    while True:
        gates, z, s, tol = _right_limit_maps(layers, x, rtol)
        if previous is not None and not np.array_equal(gates, previous):
            regions += 1
        previous = gates
        ahead = (np.abs(z) > tol) & (z * s < 0)  # affine z reaches 0 strictly right of x
        if not np.any(ahead):
            break
        nxt = x + float(np.min(-z[ahead] / s[ahead]))
        if nxt <= x:  # step below float resolution at x
            nxt = float(np.nextafter(x, np.inf))
        if nxt >= hi:
            break
        x = nxt
    return regions


def _right_limit_maps(
    layers: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]], x: float, rtol: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One forward pass at x: every hidden neuron's gate just right of x, z(x), z′ there and the zero tolerance."""
    h, dh = np.array([x]), np.array([1.0])
    gates, zs, ss, tols = [], [], [], []
    for w, b, w_norm, b_abs in layers:
        z, s = w @ h + b, w @ dh  # two matrix-vector products (an (n, 2) GEMM is several times slower in OpenBLAS)
        tol = rtol * (w_norm * float(np.linalg.norm(h)) + b_abs)
        gate = (z > tol) | ((np.abs(z) <= tol) & (s > 0))
        h, dh = np.where(gate, z, 0.0), np.where(gate, s, 0.0)
        gates.append(gate)
        zs.append(z)
        ss.append(s)
        tols.append(tol)
    return np.concatenate(gates), np.concatenate(zs), np.concatenate(ss), np.concatenate(tols)


def regioncam_layers(net: Network) -> list[tuple[np.ndarray, np.ndarray]]:
    """The network's layers as regioncam takes them: (Wᵀ, b) in C-contiguous float32."""
    return [
        (np.ascontiguousarray(w.T, dtype=np.float32), np.ascontiguousarray(b, dtype=np.float32))
        for w, b in zip(net.weights, net.biases, strict=True)
    ]


def regioncam_count(
    net: Network, lo: float, hi: float, layers: list[tuple[np.ndarray, np.ndarray]] | None = None
) -> int:
    """Activation regions on [lo, hi] found by ``regioncam`` (float32; raises ImportError when it is absent).

    ``Regioncam1D(size)`` covers [−size/2, size/2]; a first 1 × 1 linear layer shifts it onto the window; then
    every layer (regioncam's ``linear`` takes x @ W + b, so Wᵀ) and ``relu``. Its ``num_edges`` are the
    intervals between the window ends and its splits, i.e. the activation regions on the window. ``layers``:
    :func:`regioncam_layers` of ``net``, converted beforehand so that a timing leaves the conversion out.
    """
    import regioncam

    _check_network(net, "regioncam_count")
    lo, hi = _check_window(lo, hi)
    layers = regioncam_layers(net) if layers is None else layers
    rc = regioncam.Regioncam1D(hi - lo)
    rc.linear(np.ones((1, 1), dtype=np.float32), np.array([0.5 * (lo + hi)], dtype=np.float32))
    for wt, b in layers[:-1]:
        rc.linear(wt, b)
        rc.relu()
    rc.linear(*layers[-1])
    return int(rc.num_edges)
