"""scikit-learn ``MLPRegressor`` / ``MLPClassifier`` → :class:`relu1d.engine.graph.Graph`.

Hidden layers must use ``activation="relu"`` (or ``"identity"``). A classifier's output non-linearity (softmax or
logistic) is monotone and not piecewise linear: the graph ends at the logits, whose arg-max is the predicted class.
A binary classifier's single logit z becomes the pair (0, z), so that the arg-max (lowest index among equals) is
sklearn's prediction (class 1 exactly when z > 0).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from relu1d.engine.graph import Activation, Dense, Graph, Op, graph_from_layers


def graph_from_sklearn(model: Any) -> Graph:
    """The graph of a fitted ``MLPRegressor`` or ``MLPClassifier``."""
    coefs, intercepts = getattr(model, "coefs_", None), getattr(model, "intercepts_", None)
    if coefs is None or intercepts is None:
        raise ValueError(f"scikit-learn model: {type(model).__name__} is not a fitted MLP (no coefs_)")
    if model.activation not in ("relu", "identity"):
        raise ValueError(f"scikit-learn model: unsupported hidden activation {model.activation!r} (relu or identity)")
    layers: list[tuple[str, Op]] = []
    last = len(coefs) - 1
    for ell, (w, b) in enumerate(zip(coefs, intercepts, strict=True)):
        w, b = np.asarray(w, dtype=np.float64).T, np.asarray(b, dtype=np.float64)
        if ell == last and getattr(model, "out_activation_", "identity") == "logistic" and w.shape[0] == 1:
            w, b = np.vstack([np.zeros_like(w), w]), np.concatenate([[0.0], b])
        layers.append((f"dense{ell + 1}", Dense(w, b)))
        if ell < last and model.activation == "relu":
            layers.append((f"relu{ell + 1}", Activation.relu()))
    return graph_from_layers((int(coefs[0].shape[0]),), layers)
