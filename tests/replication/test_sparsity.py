"""Claim K7 (relu1d.replication.sparsity) and its verdict rule."""

import numpy as np
import pandas as pd
import pytest

from relu1d.replication.claims import K7_MAX_ETA, k7_verdict
from relu1d.replication.sparsity import _monotone_counts, sparsity_fit, sparsity_runs
from relu1d.replication.train import (
    target_samples,
)
from relu1d.theory.complexity import min_link_pieces


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
