"""Models researchers have, as graphs the engine counts along a line (docs/mathematics.md §7).

``to_graph`` accepts a :class:`relu1d.engine.graph.Graph`, a ``relu1d.Network``, a ``torch.nn.Module`` (traced with
``torch.fx``, computed in float64), an ONNX ``ModelProto`` or ``.onnx`` path, a fitted scikit-learn
``MLPRegressor``/``MLPClassifier``, or a ``.npz`` network file. Frameworks are imported only when such a model is
given (extras ``torch`` and ``onnx``); the base install counts graphs and networks.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from relu1d.engine.graph import Graph, graph_from_network
from relu1d.engine.network import Network, load_network
from relu1d.engine.result import RegionCount


def to_graph(model: Any, input_shape: tuple[int, ...] | None = None) -> Graph:
    """The graph of ``model``; ``input_shape`` (no batch axis) is needed for a torch module only."""
    if isinstance(model, Graph):
        return model
    if isinstance(model, Network):
        return graph_from_network(model)
    if isinstance(model, (str, os.PathLike)):
        path = os.fspath(model)
        if path.endswith(".onnx"):
            from relu1d.models.from_onnx import graph_from_onnx

            return graph_from_onnx(path)
        if path.endswith(".npz"):
            return graph_from_network(load_network(path))
        raise ValueError(f"{path}: unknown model file (expected .onnx or .npz)")
    kind = type(model).__module__.split(".")[0]
    if kind == "onnx":
        from relu1d.models.from_onnx import graph_from_onnx

        return graph_from_onnx(model)
    if kind == "torch" or _is_torch_module(model):
        if input_shape is None:
            raise ValueError("torch model: the input shape is needed (it is read from the line's points)")
        from relu1d.models.from_torch import graph_from_torch

        return graph_from_torch(model, input_shape)
    if kind == "sklearn":
        from relu1d.models.from_sklearn import graph_from_sklearn

        return graph_from_sklearn(model)
    raise ValueError(f"unsupported model type {type(model).__name__}")


def _is_torch_module(model: Any) -> bool:
    return any(c.__module__.startswith("torch.nn") and c.__name__ == "Module" for c in type(model).__mro__)


def count_along_line(
    model: Any,
    a: np.ndarray,
    b: np.ndarray,
    *,
    window: tuple[float, float] | None = None,
    classes: bool = False,
    **kwargs: Any,
) -> RegionCount:
    """Regions of ``model`` along x(t) = a + t·(b − a): over all t ∈ ℝ, or on the open ``window`` of t ((0, 1) is
    the segment from a to b). Positions in the result are values of t. ``classes``: also the points where the
    arg-max of the output (the predicted class) changes. Other keywords go to ``relu1d.engine.along.count_graph``.
    """
    from relu1d.engine.along import count_graph  # loads numba (~1 s a process): only when a model is counted

    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"line: the points have different shapes {a.shape} and {b.shape}")
    graph = to_graph(model, a.shape)
    if graph.input_shape != a.shape and graph.input_shape == (a.size,):
        a, b = a.reshape(-1), b.reshape(-1)
    return count_graph(graph, a, b - a, window=window, classes=classes, **kwargs)


__all__ = ["count_along_line", "to_graph"]
