"""Beyond the papers: Hanin & Rolnick's Figure 1 in our setting, with our exact knots on it (docs/mathematics.md §8.4).

A digit classifier (scikit-learn's 8×8 digits, He-initialised and trained as for claim H3) is cut by the plane
through three test images of different classes. ``regioncam`` (float32) computes the partition of that plane into
activation regions; our engine counts, exactly and in float64, the knots on the three sides of the triangle of the
images (every gate change of a hidden unit; the breakpoints of the 10-logit map among them). Every one of our knots
should lie on one of regioncam's region edges: the distance to the nearest edge measures the agreement of the two.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from relu1d.engine.graph import Graph

#: The triangle's sides, as (from, to) image positions.
SIDES = ((0, 1), (1, 2), (2, 0))


def mlp_graph(coefs: Sequence[np.ndarray], intercepts: Sequence[np.ndarray]) -> Graph:
    """The engine graph of a scikit-learn MLP (coefs_[ℓ] has shape (fan_in, fan_out)): all its outputs kept."""
    from relu1d.engine.graph import Activation, Dense, graph_from_layers

    layers: list[tuple[str, Any]] = []
    for ell, (c, b) in enumerate(zip(coefs, intercepts, strict=True), start=1):
        layers.append((f"dense{ell}", Dense(np.asarray(c, dtype=np.float64).T, np.asarray(b, dtype=np.float64))))
        if ell < len(coefs):
            layers.append((f"relu{ell}", Activation.relu()))
    return graph_from_layers((np.shape(coefs[0])[0],), layers)


def three_images(labels: np.ndarray, seed: int) -> np.ndarray:
    """Indices of three test images of three different classes, drawn from ``SeedSequence(seed)``."""
    rng = np.random.default_rng(np.random.SeedSequence([seed]))
    classes = rng.choice(np.unique(labels), size=3, replace=False)
    return np.array([rng.choice(np.flatnonzero(labels == c)) for c in classes])


def regioncam_partition(
    coefs: Sequence[np.ndarray], intercepts: Sequence[np.ndarray], points: np.ndarray, size: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """regioncam's partition of the plane through ``points`` (3 × inputs): (its region edges as segments in plane
    coordinates, E × 2 × 2; the plane's map uv ↦ uv·P + p₀ as P (2 × inputs) and p₀), all float32 widened to float64.
    Edges of the viewport's border are left out."""
    import regioncam

    rc = regioncam.Regioncam.through_points(np.asarray(points, dtype=np.float32), size=size)
    for ell, (c, b) in enumerate(zip(coefs, intercepts, strict=True)):
        rc.linear(np.asarray(c, dtype=np.float32), np.asarray(b, dtype=np.float32))  # x ↦ x @ c + b
        if ell < len(coefs) - 1:
            rc.relu()
    edges = np.array(
        [[v.inputs for v in e.vertices] for e in rc.edges if not e.is_image_boundary], dtype=np.float64
    ).reshape(-1, 2, 2)
    return edges, np.asarray(rc.plane.weight, dtype=np.float64), np.asarray(rc.plane.bias, dtype=np.float64)


def plane_coordinates(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """uv of points x on the plane x = uv·P + p₀, by least squares in float64 (rows of x are points)."""
    uv, *_ = np.linalg.lstsq(weight.T, (np.atleast_2d(x) - bias).T, rcond=None)
    return uv.T


def segment_distances(points: np.ndarray, segments: np.ndarray) -> np.ndarray:
    """Euclidean distance from each point (K × 2) to the nearest of the segments (E × 2 × 2)."""
    a, d = segments[:, 0], segments[:, 1] - segments[:, 0]
    rel = points[:, None, :] - a[None]
    length2 = np.einsum("ej,ej->e", d, d)
    s = np.clip(np.einsum("kej,ej->ke", rel, d) / np.where(length2 > 0, length2, 1.0), 0.0, 1.0)
    gap = rel - s[..., None] * d[None]
    return np.sqrt(np.einsum("kej,kej->ke", gap, gap)).min(axis=1)


def crossings(p: np.ndarray, q: np.ndarray, segments: np.ndarray) -> int:
    """How many of the segments cross the open segment p–q (proper crossings, float64 orientation tests)."""

    def orient(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
        return np.sign(
            (b[..., 0] - a[..., 0]) * (c[..., 1] - a[..., 1]) - (b[..., 1] - a[..., 1]) * (c[..., 0] - a[..., 0])
        )

    a, b = segments[:, 0], segments[:, 1]
    return int(np.sum((orient(p, q, a) * orient(p, q, b) < 0) & (orient(a, b, p) * orient(a, b, q) < 0)))


def triangle_knots(graph: Graph, points: np.ndarray, uv: np.ndarray) -> pd.DataFrame:
    """Our exact knots on the triangle's sides: one row per knot with its side, position t ∈ (0, 1) along it, its
    plane coordinates and whether the 10-logit map's slope jumps there; plus the certification of each side."""
    import pandas as pd

    from relu1d.engine.count import count_graph

    rows = []
    for side, (i, j) in enumerate(SIDES):
        result = count_graph(graph, points[i], points[j] - points[i], window=(0.0, 1.0))
        for t, kink in zip(result.knots, result.is_breakpoint, strict=True):
            u, v = uv[i] + t * (uv[j] - uv[i])
            rows.append(
                {"side": side, "t": float(t), "u": u, "v": v, "breakpoint": bool(kink), "certified": result.certified}
            )
    return pd.DataFrame(rows, columns=["side", "t", "u", "v", "breakpoint", "certified"])


def side_summary(knots: pd.DataFrame, uv: np.ndarray, edges: np.ndarray) -> pd.DataFrame:
    """Per side of the triangle: our knots and breakpoints, regioncam's edges crossing it, and the distance from our
    knots to regioncam's nearest edge (median, max; also relative to the side's length in the plane)."""
    import pandas as pd

    rows = []
    for side, (i, j) in enumerate(SIDES):
        part = knots[knots["side"] == side]
        gap = segment_distances(part[["u", "v"]].to_numpy(), edges) if len(part) else np.array([np.nan])
        length = float(np.linalg.norm(uv[j] - uv[i]))
        rows.append(
            {
                "side": side,
                "knots": len(part),
                "breakpoints": int(part["breakpoint"].sum()),
                "regioncam_crossings": crossings(uv[i], uv[j], edges),
                "median_distance": float(np.median(gap)),
                "max_distance": float(np.max(gap)),
                "max_relative_distance": float(np.max(gap)) / length,
                "side_length": length,
            }
        )
    return pd.DataFrame(rows)


def plane_study(config: dict[str, Any]) -> dict[str, pd.DataFrame]:
    """The ``beyond_plane`` config section carried out: train the classifier (H3's data split, initialisation and
    optimiser; hidden widths ``hidden``, ``epochs`` epochs), pick three test images, cut the plane through them.

    Returns the tables ``edges`` (regioncam's edges: u0, v0, u1, v1), ``knots`` (``triangle_knots``), ``images``
    (index, label, u, v) and ``sides`` (``side_summary``, with the test accuracy)."""
    import pandas as pd

    from relu1d.engine.network import parse_architecture
    from relu1d.replication.dynamics import digits_split
    from relu1d.replication.train import HeMLPClassifier, he_mlp, mlp_logits, training_snapshots

    seed = int(config["seed"])
    x_train, x_test, y_train, y_test = digits_split(seed)
    model = he_mlp(
        HeMLPClassifier,
        parse_architecture(config["hidden"]),
        float(config["learning_rate"]),
        int(config["batch_size"]),
        float(config["sigma_b"]),
        (seed, 0),
    )
    _, coefs, intercepts = training_snapshots(model, x_train, y_train, [int(config["epochs"])], np.unique(y_train))[-1]
    accuracy = float(np.mean(np.argmax(mlp_logits(coefs, intercepts, x_test), axis=1) == y_test))
    chosen = three_images(y_test, seed)
    points = x_test[chosen]
    edges, weight, bias = regioncam_partition(coefs, intercepts, points, float(config["size"]))
    uv = plane_coordinates(points, weight, bias)
    knots = triangle_knots(mlp_graph(coefs, intercepts), points, uv)
    sides = side_summary(knots, uv, edges).assign(test_accuracy=accuracy)
    return {
        "edges": pd.DataFrame(edges.reshape(-1, 4), columns=["u0", "v0", "u1", "v1"]),
        "knots": knots,
        "images": pd.DataFrame({"index": chosen, "label": y_test[chosen], "u": uv[:, 0], "v": uv[:, 1]}),
        "sides": sides,
    }
