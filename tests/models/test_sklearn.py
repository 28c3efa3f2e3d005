"""scikit-learn MLPs counted along segments between digit images, against sklearn's own predictions."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPClassifier, MLPRegressor  # noqa: E402

from relu1d.engine.oracles.walk import walk_regions  # noqa: E402
from relu1d.models import count_regions, to_graph  # noqa: E402
from tests.graphs import assert_matches_forward, assert_same_regions  # noqa: E402


def _fit(model, x, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(x, y)


@pytest.fixture(scope="module")
def digits():
    data = load_digits()
    return data.data / 16.0, data.target


@pytest.mark.parametrize("classes", [10, 2])
def test_class_changes_are_where_sklearn_changes_its_prediction(digits, classes: int) -> None:
    x, y = digits
    y = y if classes == 10 else (y >= 5).astype(int)
    model = _fit(MLPClassifier(hidden_layer_sizes=(12, 8), max_iter=60, random_state=0), x, y)
    for i, j in ((0, 1), (2, 3), (4, 9)):
        result = count_regions(model, x[i], x[j], window=(0.0, 1.0), classes=True)
        assert_same_regions(result, walk_regions(to_graph(model), x[i], x[j] - x[i], window=(0.0, 1.0)))
        edges = np.concatenate([[0.0], result.class_changes, [1.0]])
        mids = (edges[:-1] + edges[1:]) / 2
        points = x[i][None] + mids[:, None] * (x[j] - x[i])[None]
        labels = model.predict(points)
        assert np.all(labels[1:] != labels[:-1])  # it changes at each reported point, and only there:
        dense = np.linspace(0.0, 1.0, 2001)[1:-1]
        inside = np.searchsorted(result.class_changes, dense)
        away = np.min(np.abs(dense[:, None] - np.concatenate([result.class_changes, [9.0]])[None]), axis=1) > 1e-9
        predicted = model.predict(x[i][None] + dense[:, None] * (x[j] - x[i])[None])
        assert np.array_equal(predicted[away], labels[inside][away])


def test_regressor_against_predict(digits) -> None:
    x, y = digits
    model = _fit(MLPRegressor(hidden_layer_sizes=(10, 10), max_iter=40, random_state=1), x, y.astype(float))
    result = count_regions(model, x[5], x[6])
    assert_same_regions(result, walk_regions(to_graph(model), x[5], x[6] - x[5]))
    assert_matches_forward(result, model.predict, x[5], x[6] - x[5])


def test_unsupported_hidden_activation(digits) -> None:
    x, y = digits
    model = _fit(MLPClassifier(hidden_layer_sizes=(4,), activation="tanh", max_iter=5, random_state=0), x, y)
    with pytest.raises(ValueError, match="tanh"):
        to_graph(model)
