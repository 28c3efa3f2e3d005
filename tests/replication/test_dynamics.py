"""Claim H3 (relu1d.replication.dynamics) and its verdict rule."""

import pandas as pd
import pytest

from relu1d.replication.claims import H3_RATIO, h3_verdict
from relu1d.replication.dynamics import dynamics_summary


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


def test_h3_names_the_largest_drop():
    summary = pd.DataFrame(
        [
            {"hidden": "8", "epoch": 0, "ratio_to_init": 1.0, "ratio_lo": 1.0, "ratio_hi": 1.0, "test_accuracy": 0.1},
            {"hidden": "8", "epoch": 4, "ratio_to_init": 0.75, "ratio_lo": 0.7, "ratio_hi": 0.8, "test_accuracy": 0.95},
        ]
    )
    value, verdict = h3_verdict(summary)
    assert "largest drop 25% (8, epoch 4: ratio 0.75 [0.70, 0.80])" in value and verdict == "supported"
    assert "largest drop" not in h3_verdict(summary.assign(ratio_to_init=1.1))[0]
