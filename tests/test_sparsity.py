"""Trained networks (relu1d.train), claim K7 (relu1d.sparsity) and H3, and their verdict rules."""

import numpy as np
import pandas as pd
import pytest

from relu1d.claims import H3_RATIO, K7_MAX_ETA, h3_verdict, k7_verdict
from relu1d.complexity import min_link_pieces
from relu1d.sparsity import _monotone_counts, dynamics_summary, sparsity_fit, sparsity_runs
from relu1d.train import (
    HeMLPClassifier,
    HeMLPRegressor,
    mlp_logits,
    network_from_mlp,
    target_samples,
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


def test_monotone_counts_are_the_direct_counts():
    x, y = target_samples("bump", 513)
    eps = np.array([0.3, 1e-3, 0.02, 0.02, 5e-3, 0.31, 0.1, 2e-4])
    assert list(_monotone_counts(x, y, eps)) == [min_link_pieces(x, y, e) for e in eps]


def test_sparsity_runs_eta_is_at_least_one_and_pwl_targets_need_few_pieces():
    table = sparsity_runs(["abs", "sin"], [[6], [3, 3]], 1, [0, 3], 257, 1.0, 1e-2, 4)
    assert len(table) == 2 * 2 * 2
    # the network itself is a continuous PWL g within eps of f: N_f(eps) <= its pieces on D
    assert (table["eta"] >= 1).all()
    assert set(table.loc[table["target"] == "abs", "n_f"]) <= {1, 2}
    assert (table.loc[table["hidden"] == "6", "used"] <= 7).all()  # one hidden layer: at most n + 1 pieces


def test_dynamics_summary_ratio_and_bands():
    rows = []
    for run in range(2):
        for line in range(5):
            for epoch, scale in ((0, 1.0), (4, 2.0)):
                rows.append(
                    {
                        "hidden": "8",
                        "run": run,
                        "epoch": epoch,
                        "line": line,
                        "neurons": 8,
                        "regions": scale * (4 + line),
                        "test_accuracy": 0.5 if epoch == 0 else 0.95,
                    }
                )
    summary = dynamics_summary(pd.DataFrame(rows))
    assert list(summary["epoch"]) == [0, 4]
    assert summary["ratio_to_init"].tolist() == [1.0, 2.0]
    assert summary.loc[1, "ratio_lo"] == pytest.approx(2.0) and summary.loc[1, "ratio_hi"] == pytest.approx(2.0)
    assert summary.loc[0, "regions_per_neuron"] == pytest.approx(6 / 8)


def _fit_row(target, alpha=np.nan, lo=np.nan, hi=np.nan, eta=(2.0, 1.5, 2.5)):
    return {
        "target": target,
        "alpha": alpha,
        "alpha_lo": lo,
        "alpha_hi": hi,
        "c": 5.0,
        "snapshots": 30,
        "eta_last": eta[0],
        "eta_lo": eta[1],
        "eta_hi": eta[2],
    }


@pytest.mark.parametrize(
    ("alpha", "eta", "verdict"),
    [
        ((1.0, 0.8, 1.2), (2.0, 1.5, 2.5), "supported"),
        ((0.1, -0.1, 0.3), (8.0, 6.0, 10.0), "not supported"),
        ((1.0, 0.8, 1.2), (3.5, 2.0, 5.0), "inconclusive"),
        ((0.3, 0.0, 0.6), (8.0, 6.0, 10.0), "inconclusive"),
    ],
)
def test_k7_verdict_rule(alpha, eta, verdict):
    fit = pd.DataFrame([_fit_row("sin", *alpha, eta=eta), _fit_row("abs"), _fit_row("smooth (pooled)", *alpha)])
    assert K7_MAX_ETA == 3.0
    assert k7_verdict(fit)[1] == verdict


@pytest.mark.parametrize(
    ("ratio", "accuracy", "verdict"),
    [
        ((0.8, 0.7, 0.9), 0.95, "supported"),
        ((0.8, 0.7, 0.9), 0.5, "inconclusive"),
        ((0.3, 0.2, 0.4), 0.95, "not supported"),
    ],
)
def test_h3_verdict_rule(ratio, accuracy, verdict):
    summary = pd.DataFrame(
        [
            {"hidden": "8", "epoch": 0, "ratio_to_init": 1.0, "ratio_lo": 1.0, "ratio_hi": 1.0, "test_accuracy": 0.1},
            {
                "hidden": "8",
                "epoch": 5,
                "ratio_to_init": ratio[0],
                "ratio_lo": ratio[1],
                "ratio_hi": ratio[2],
                "test_accuracy": accuracy,
            },
        ]
    )
    assert H3_RATIO == (0.5, 2.0)
    assert h3_verdict(summary)[1] == verdict


def test_sparsity_fit_recovers_a_power_law_with_target_specific_levels():
    rows = []
    for target, level in (("sin", 3.0), ("bump", 5.0), ("abs", 1.0)):
        for run in range(3):
            for k, n_f in enumerate([2, 4, 8, 16, 32]):
                used = level * n_f**0.7 if target != "abs" else 6
                rows.append(
                    {"target": target, "hidden": "8", "run": run, "epoch": k, "used": used, "n_f": n_f,
                     "eps": 10.0 ** (-k - 2), "eta": used / n_f}
                )  # fmt: skip
    fit = sparsity_fit(pd.DataFrame(rows), 257).set_index("target")
    for label in ("sin", "bump", "smooth (pooled)"):
        assert fit.loc[label, "alpha"] == pytest.approx(0.7)
        assert fit.loc[label, "alpha_lo"] == pytest.approx(0.7) and fit.loc[label, "alpha_hi"] == pytest.approx(0.7)
    assert fit.loc["sin", "c"] == pytest.approx(3.0) and fit.loc["bump", "c"] == pytest.approx(5.0)
    assert np.isnan(fit.loc["abs", "alpha"]) and fit.loc["abs", "eta_last"] == pytest.approx(6 / 32)


def test_architecture_names_round_trip_and_bad_names_are_named():
    from relu1d.network import architecture_name, parse_architecture

    assert architecture_name((64, 64, 8)) == "64x64x8"
    assert parse_architecture("64x64x8") == [64, 64, 8]
    for bad in ("64x0", "x8", "16.5", ""):
        with pytest.raises(ValueError, match="architecture"):
            parse_architecture(bad)
