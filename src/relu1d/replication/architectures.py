"""Beyond the papers: Hanin & Rolnick's H1/H2 in convolutional and residual networks, on segments between digit
images at initialisation (claims X6–X7, ours; docs/mathematics.md §8.4).

An *architecture* is a layer type (dense or 3×3 convolution) and a wiring (plain, or residual blocks
z^ℓ = z^{ℓ−1} + α(A_ℓ φ(z^{ℓ−1}) + b_ℓ) with α = 1/√L). A cell is (architecture, depth L, total hidden units N):
dense layers have N/L units, convolutions N/(64L) channels on the 8×8 image (64 units a channel, zero padding 1);
a dense head maps the last units to the 10 logits. He-normal weights (variance 2/fan-in, fan-in of a convolution
its channels × 9) and biases N(0, σ_b²), drawn from ``SeedSequence([seed, hash(architecture), N, L, index])``.

Network ``index`` of every cell is counted on the same ``segments`` segments between pairs of test images (drawn
from ``SeedSequence([seed, index])``), over the whole line through them: the linear regions of the 10-logit map on
the open segment give the density ρ = (R_seg − 1)/|a′ − a| (H1), and the distance from a to the nearest breakpoint
along the line gives d (H2).
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from relu1d.replication.bootstrap import MeanCI, bootstrap_mean

if TYPE_CHECKING:
    import pandas as pd

    from relu1d.engine.graph import Graph, Op

#: Layer types and wirings; an architecture's name is "{layer}" or "{layer}_residual".
LAYERS = ("dense", "conv")
WIRINGS = ("plain", "residual")
ARCHITECTURES = tuple(f"{layer}{'' if wiring == 'plain' else '_residual'}" for layer in LAYERS for wiring in WIRINGS)
#: The digit images: one channel of 8×8 pixels, 10 classes.
IMAGE_SHAPE, CLASSES = (1, 8, 8), 10
PIXELS = math.prod(IMAGE_SHAPE)
#: Kernel and zero padding of the convolutions ("same" size: every layer keeps 8×8 units per channel).
KERNEL, PADDING = 3, 1

COUNT_COLUMNS = (
    "architecture",
    "depth",
    "neurons",
    "units_per_layer",
    "index",
    "segment",
    "length",
    "segment_regions",
    "segment_knots",
    "distance",
    "breakpoints",
    "certified",
    "weak_decisions",
    "method",
)


def units_per_layer(architecture: str, neurons: int, depth: int) -> int:
    """Hidden units of each layer: N/L, which a convolution must hold as whole channels of 64 units."""
    if architecture not in ARCHITECTURES:
        raise ValueError(f"architecture: expected one of {ARCHITECTURES}, got {architecture!r}")
    per_layer = neurons // depth
    quantum = PIXELS if architecture.startswith("conv") else 1
    if neurons % depth or per_layer % quantum or per_layer == 0:
        raise ValueError(
            f"{architecture}: {neurons} neurons do not split into {depth} layers of whole "
            f"{'64-unit channels' if quantum > 1 else 'units'}"
        )
    return per_layer


def architecture_graph(architecture: str, neurons: int, depth: int, sigma_b: float, seed: int, index: int) -> Graph:
    """Network ``index`` of the cell (architecture, L = ``depth``, N = ``neurons``), He-initialised (module doc)."""
    from relu1d.engine.graph import Activation, Conv, Dense, Reshape, graph_from_blocks

    per_layer = units_per_layer(architecture, neurons, depth)
    name_key = int.from_bytes(hashlib.sha256(architecture.encode()).digest()[:4], "little")
    rng = np.random.default_rng(np.random.SeedSequence([seed, name_key, neurons, depth, index]))
    conv = architecture.startswith("conv")
    alpha = 1.0 / math.sqrt(depth) if architecture.endswith("_residual") else None
    layers: list[Op] = []
    if conv:
        channels = [IMAGE_SHAPE[0], *([per_layer // PIXELS] * depth)]
        for ell, (c_in, c_out) in enumerate(itertools.pairwise(channels)):
            scale = 1.0 if alpha is None or ell == 0 else alpha
            w = rng.standard_normal((c_out, c_in, KERNEL, KERNEL)) * math.sqrt(2.0 / (c_in * KERNEL**2))
            b = rng.standard_normal(c_out) * sigma_b
            layers.append(Conv(scale * w, scale * b, (1, 1), ((PADDING, PADDING),) * 2, (1, 1)))
        input_shape: tuple[int, ...] = IMAGE_SHAPE
        head: list[tuple[str, Op]] = [("flatten", Reshape((per_layer,)))]
    else:
        for ell, n_prev in enumerate([PIXELS, *([per_layer] * (depth - 1))]):
            scale = 1.0 if alpha is None or ell == 0 else alpha
            w = rng.standard_normal((per_layer, n_prev)) * math.sqrt(2.0 / n_prev)
            layers.append(Dense(scale * w, scale * rng.standard_normal(per_layer) * sigma_b))
        input_shape, head = (PIXELS,), []
    w = rng.standard_normal((CLASSES, per_layer)) * math.sqrt(2.0 / per_layer)
    head.append(("logits", Dense(w, rng.standard_normal(CLASSES) * sigma_b)))
    return graph_from_blocks(input_shape, layers, Activation.relu(), head, residual=alpha is not None)


def segment_pairs(n_test: int, segments: int, seed: int, index: int) -> np.ndarray:
    """The ``segments`` pairs of distinct test-image indices network ``index`` is counted on (every cell alike)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, index]))
    return np.stack([rng.choice(n_test, size=2, replace=False) for _ in range(segments)])


def count_cell(
    architecture: str,
    neurons: int,
    depth: int,
    networks: int,
    segments: int,
    sigma_b: float,
    seed: int,
    images: np.ndarray,
) -> list[dict[str, Any]]:
    """One row per (network, segment) of a cell: regions and knots on the open segment between the two images,
    its length, the distance from its first image to the nearest breakpoint over the whole line (inf: none)."""
    from relu1d.engine.count import count_graph
    from relu1d.replication.probes import probe_statistics

    rows = []
    per_layer = units_per_layer(architecture, neurons, depth)
    for index in range(networks):
        graph = architecture_graph(architecture, neurons, depth, sigma_b, seed, index)
        for segment, (i, j) in enumerate(segment_pairs(images.shape[0], segments, seed, index)):
            a, b = images[i].reshape(graph.input_shape), images[j].reshape(graph.input_shape)
            result = count_graph(graph, a, b - a)
            length = float(np.linalg.norm(b - a))
            regions, distance = probe_statistics(result, 0.0, 1.0)
            rows.append(
                {
                    "architecture": architecture,
                    "depth": depth,
                    "neurons": neurons,
                    "units_per_layer": per_layer,
                    "index": index,
                    "segment": segment,
                    "length": length,
                    "segment_regions": regions,
                    "segment_knots": result.restrict(0.0, 1.0).activation_regions - 1,
                    "distance": distance * length,
                    "breakpoints": int(result.breakpoints.size),
                    "certified": result.certified,
                    "weak_decisions": result.weak_decisions,
                    "method": result.method,
                }
            )
    return rows


def count_architecture(config: Mapping[str, Any], architecture: str, images: np.ndarray) -> pd.DataFrame:
    """Every cell of one architecture (config section ``beyond_lines``) on the test ``images`` (rows, 64 pixels)."""
    import pandas as pd

    if architecture not in config["architectures"]:
        raise ValueError(f"beyond_lines: architecture {architecture!r} is not configured ({config['architectures']})")
    rows = []
    for neurons, depth in itertools.product(config["total_neurons"], config["depths"]):
        rows += count_cell(
            architecture,
            int(neurons),
            int(depth),
            int(config["networks"]),
            int(config["segments"]),
            float(config["sigma_b"]),
            int(config["seed"]),
            images,
        )
    return pd.DataFrame(rows, columns=list(COUNT_COLUMNS))


def check_config(config: Mapping[str, Any]) -> None:
    """Every cell of ``beyond_lines`` can be built (a convolution needs whole channels); else a ValueError naming it."""
    for architecture in config["architectures"]:
        for neurons, depth in itertools.product(config["total_neurons"], config["depths"]):
            try:
                units_per_layer(architecture, int(neurons), int(depth))
            except ValueError as err:
                raise ValueError(f"beyond_lines: {err}") from None


def _network_means(group: pd.DataFrame, column: str) -> np.ndarray:
    """Per network, the mean of ``column`` over its segments: the bootstrap resamples networks (segments of one
    network are dependent); for the distance, over the segments with a breakpoint."""
    finite = group[np.isfinite(group[column])]
    return finite.groupby("index")[column].mean().to_numpy()


def cell_summary(counts: pd.DataFrame, predictions: Mapping[int, tuple[float, float]] | None = None) -> pd.DataFrame:
    """Per (architecture, depth, N): ρ and E[d] (mean over networks of their segment means, 95% bootstrap CI over
    networks), ρ/N and E[d]·N, the segments without any breakpoint, and the certified share. ``predictions``: our
    Kac–Rice (ρ, E[d]) keyed by (architecture, depth, N) (``predicted_dense``); NaN for a cell it lacks."""
    import pandas as pd

    from relu1d.replication.stats import line_scaling_columns

    counts = counts.assign(density=(counts["segment_regions"] - 1) / counts["length"])
    rows = []
    for (architecture, depth, neurons), group in counts.groupby(["architecture", "depth", "neurons"], sort=True):
        key = f"beyond_lines/{architecture}/{depth}/{neurons}"
        density = bootstrap_mean(_network_means(group, "density"), key + "/density")
        per_net = _network_means(group, "distance")
        distance = bootstrap_mean(per_net, key + "/distance") if per_net.size else MeanCI(*[np.nan] * 4, 0)
        predicted = (predictions or {}).get((architecture, int(depth), int(neurons)), (np.nan, np.nan))
        n = int(neurons)
        rows.append(
            {
                "architecture": architecture,
                "depth": int(depth),
                "neurons": n,
                "units_per_layer": int(group["units_per_layer"].iloc[0]),
                "networks": int(group["index"].nunique()),
                "segments": len(group),
                **line_scaling_columns("density", density, n),
                "density_predicted": predicted[0],
                **line_scaling_columns("distance", distance, n),
                "distance_predicted": predicted[1],
                "affine_segments": int((~np.isfinite(group["distance"])).sum()),
                "certified_share": float(group["certified"].mean()),
            }
        )
    return pd.DataFrame(rows)


def predicted_dense(config: Mapping[str, Any], images: np.ndarray) -> dict[tuple[str, int, int], tuple[float, float]]:
    """Our Kac–Rice (ρ, E[d]) (``probes.predicted_probe_statistics``) for the plain dense cells, averaged over the
    segments their networks are counted on: He-normal first-layer weights make z¹ Gaussian on any line, so the
    derivation of docs/mathematics.md §4 applies to image segments as to random ones."""
    from relu1d.replication.probes import predicted_probe_statistics

    if "dense" not in config["architectures"]:
        return {}
    out = {}
    seed, segments, networks = int(config["seed"]), int(config["segments"]), int(config["networks"])
    pairs = np.concatenate([segment_pairs(images.shape[0], segments, seed, i) for i in range(networks)])
    for neurons, depth in itertools.product(config["total_neurons"], config["depths"]):
        widths = [units_per_layer("dense", int(neurons), int(depth))] * int(depth)
        stats = np.array(
            [
                predicted_probe_statistics(widths, float(config["sigma_b"]), PIXELS, images[i], images[j])
                for i, j in pairs
            ]
        )
        out[("dense", int(depth), int(neurons))] = (float(stats[:, 0].mean()), float(stats[:, 1].mean()))
    return out


def rates(cells: pd.DataFrame) -> pd.DataFrame:
    """Per (architecture, depth): fitted exponents ρ ∝ N^β (H1 predicts β = 1) and E[d] ∝ N^γ (H2: γ = −1), weighted
    by the bootstrap standard errors (``stats.fit_power_law``)."""
    import pandas as pd

    from relu1d.replication.stats import fit_power_law

    rows = []
    for (architecture, depth), group in cells.groupby(["architecture", "depth"], sort=True):
        n = group["neurons"].to_numpy()
        fits = {
            name: fit_power_law(n, group[name].to_numpy(), group[f"{name}_se"].to_numpy())
            for name in ("density", "distance")
        }
        rows.append(
            {
                "architecture": architecture,
                "depth": int(depth),
                "cells": len(group),
                **{
                    f"{name}_exponent{suffix}": fit[f"alpha{suffix}"]
                    for name, fit in fits.items()
                    for suffix in ("", "_lo", "_hi")
                },
            }
        )
    return pd.DataFrame(rows)


def digits_test_images(seed: int) -> np.ndarray:
    """The test images of the H3 split (``dynamics.digits_split``), pixels in [0, 1], one row of 64 per image."""
    from relu1d.replication.dynamics import digits_split

    return np.ascontiguousarray(digits_split(seed)[1], dtype=np.float64)
