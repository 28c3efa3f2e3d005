"""Trained networks (relu1d.replication.train): He initialisation, snapshots, the sklearn function as a Network."""

import numpy as np
import pytest

from relu1d.replication.train import (
    HeMLPClassifier,
    HeMLPRegressor,
    mlp_logits,
    network_from_mlp,
    training_snapshots,
)


def test_he_initialisation_statistics_and_epoch_zero_snapshot():
    model = HeMLPRegressor(hidden_layer_sizes=(400, 300), learning_rate_init=1e-3, random_state=3, batch_size=50)
    model.sigma_b = 0.25
    x = np.linspace(-1, 1, 50)[:, None]
    snaps = training_snapshots(model, x, np.sin(3 * x[:, 0]), [0, 1])
    (e0, w0, b0), (e1, w1, _) = snaps
    assert (e0, e1) == (0, 1)
    hidden = w0[1]  # 400 → 300: He variance 2/400
    assert hidden.var() == pytest.approx(2 / 400, rel=0.03)
    assert abs(hidden.mean()) < 0.002
    assert np.concatenate(b0[:2]).std() == pytest.approx(0.25, rel=0.05)
    assert not np.array_equal(w0[1], w1[1])  # the epoch-0 snapshot is the initialisation, not a trained state


def test_regressor_network_is_the_sklearn_function():
    model = HeMLPRegressor(hidden_layer_sizes=(12, 7), learning_rate_init=1e-2, random_state=1, max_iter=30)
    x = np.linspace(-2, 2, 64)[:, None]
    model.fit(x, np.abs(x[:, 0]))
    net = network_from_mlp(model.coefs_, model.intercepts_)
    t = np.linspace(-3, 3, 1001)
    assert np.allclose(net(t).reshape(-1), model.predict(t[:, None]), rtol=1e-12, atol=1e-12)


def test_classifier_logits_and_summed_network():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 5))
    y = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0)
    model = HeMLPClassifier(hidden_layer_sizes=(9,), random_state=2, max_iter=20).fit(x, y)
    logits = mlp_logits(model.coefs_, model.intercepts_, x)
    assert np.array_equal(np.argmax(logits, axis=1), model.predict(x))
    net = network_from_mlp(model.coefs_, model.intercepts_)
    assert np.allclose(net(x).reshape(-1), logits.sum(axis=1))


def test_training_is_deterministic():
    def run():
        model = HeMLPRegressor(hidden_layer_sizes=(8, 8), learning_rate_init=1e-2, random_state=5, batch_size=16)
        x = np.linspace(0, 1, 40)[:, None]
        return training_snapshots(model, x, x[:, 0] ** 2, [0, 3])

    for (e1, w1, b1), (e2, w2, b2) in zip(run(), run(), strict=True):
        assert e1 == e2
        assert all(np.array_equal(a, b) for a, b in zip(w1 + b1, w2 + b2, strict=True))
