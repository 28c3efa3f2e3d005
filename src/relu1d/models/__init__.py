"""Models researchers have, as graphs the engine counts along a line (docs/mathematics.md §7).

``to_graph`` accepts a :class:`relu1d.engine.graph.Graph`, a ``relu1d.Network``, a ``torch.nn.Module`` (traced with
``torch.fx``, computed in float64), an ONNX ``ModelProto`` or ``.onnx`` path, a fitted scikit-learn
``MLPRegressor``/``MLPClassifier``, or a ``.npz`` network file. Frameworks are imported only when such a model is
given (extras ``torch`` and ``onnx``); the base install counts graphs and networks.
"""

from __future__ import annotations

import math
import os
import warnings
from typing import Any

import numpy as np

from relu1d.engine.count import count_graph, count_network
from relu1d.engine.decisions import DEFAULT_RTOL, checked_line
from relu1d.engine.graph import Graph, graph_from_network
from relu1d.engine.lines import restrict_to_line
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


def count_regions(
    model: Any,
    a: Any = None,
    b: Any = None,
    *,
    window: tuple[float, float] | None = None,
    classes: bool = False,
    rtol: float = DEFAULT_RTOL,
    prove: bool | str = "auto",
    exact_fallback: bool = True,
    xp: Any = None,
) -> RegionCount:
    """The exact regions of ``model``: over ℝ for a one-input model, or along the line x(t) = a + t·(b − a).

    ``model``: a ``relu1d.Network``, a ``relu1d.engine.graph.Graph``, a ``torch.nn.Module`` (its input shape is
    read from ``a``), an ONNX ``ModelProto`` or ``.onnx`` file, a fitted scikit-learn ``MLPRegressor`` or
    ``MLPClassifier``, or a ``.npz`` network file. Without ``a`` and ``b`` the model must take one number, and
    t = x. ``window=(lo, hi)``: only the open interval lo < t < hi ((0, 1) is the segment from a to b).
    ``classes``: also the points where the arg-max of a vector output (the predicted class) changes.

    Every model is counted by the one propagation (``relu1d.engine.propagation``) as a graph: a ``Network`` through
    ``relu1d.engine.count.count_network`` (along a line, its restriction ``restrict_to_line(net, a, b − a)``, a 1-D
    network), every other model through ``count_graph``. Decisions are taken against ``rtol`` × each quantity's scale,
    and a count with a tolerance-resolved decision is settled by a proof or a rational recount when that is
    affordable (``exact_fallback``; ``relu1d.engine.fallback``). ``prove``: True proves every count a posteriori
    (``relu1d.engine.proof`` for a network, ``relu1d.engine.graph_proof`` for any other model), "auto" (the default)
    those whose proof is expected within ``relu1d.engine.fallback.PROVE_SECONDS``, False none but the settled ones.
    ``xp``: the array module of a ``Network``'s count (cupy for the GPU).

    The result's fields say what was decided how: ``proven`` (the knots and breakpoints are proven exact) and
    ``open_decisions`` (what a proof that ran left open; None when none ran), ``method`` ("float64": every decision by
    its float margin, ``certified`` when none was near its tolerance; "proven": the float answer proven by rounding
    bounds; "rational": recounted in exact arithmetic), ``near_decisions`` and ``weak_decisions``.
    """
    if (a is None) != (b is None):
        raise ValueError("line: give both points a and b, or neither")
    if isinstance(model, (str, os.PathLike)) and os.fspath(model).endswith(".npz"):
        model = load_network(model)
    if isinstance(model, Network):
        if classes:
            raise ValueError("classes: a relu1d.Network has one output")
        net = model
        if a is not None:
            start, end = _points(a, b)
            net = restrict_to_line(model, start.reshape(-1), (end - start).reshape(-1))
        elif model.n_in != 1:
            raise ValueError(f"the network has {model.n_in} inputs: give a line through its input space (a and b)")
        result = count_network(net, rtol=rtol, xp=xp, exact_fallback=exact_fallback, prove=prove)
        return result if window is None else result.restrict(*window)
    if xp is not None:
        raise ValueError("xp: only a relu1d.Network is counted on another array module (other models run on numpy)")
    if a is None:
        graph = to_graph(model, (1,))
        if math.prod(graph.input_shape) != 1:
            raise ValueError(f"the model takes inputs of shape {graph.input_shape}: give a line (a and b)")
        start, end = np.zeros(graph.input_shape), np.ones(graph.input_shape)
    else:
        start, end = _points(a, b)
        graph = to_graph(model, start.shape)
        if graph.input_shape != start.shape and graph.input_shape == (start.size,):
            start, end = start.reshape(-1), end.reshape(-1)
    return count_graph(
        graph, start, end - start, window=window, classes=classes, rtol=rtol, exact_fallback=exact_fallback, prove=prove
    )


def _points(a: Any, b: Any) -> tuple[np.ndarray, np.ndarray]:
    """The line's two points as float64 arrays of one shape (``relu1d.engine.decisions.checked_line``)."""
    return checked_line(a, b, names=("point a", "point b"))


def count_along_line(model: Any, a: Any, b: Any, **kwargs: Any) -> RegionCount:
    """Deprecated alias of ``relu1d.count_regions(model, a, b, ...)`` (kept for one release)."""
    warnings.warn(
        "relu1d.count_along_line is deprecated: use relu1d.count_regions(model, a, b, ...)", DeprecationWarning, 2
    )
    return count_regions(model, a, b, **kwargs)


__all__ = ["count_along_line", "count_regions", "to_graph"]
