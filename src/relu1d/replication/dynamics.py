"""Claim H3 (Hanin & Rolnick 2019, §6): regions along lines between data points during training.

Digit classifiers (scikit-learn's 8×8 digits, He-initialised through ``relu1d.replication.train``) are counted
exactly at snapshots during training: activation regions along fixed segments between pairs of test images, per
hidden neuron; the ratio to the initial count has a paired bootstrap over networks and lines.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from relu1d.engine.network import architecture_name
from relu1d.models import count_regions
from relu1d.replication.bootstrap import CONFIDENCE, N_BOOTSTRAP, bootstrap_mean, percentile_interval, rng_for
from relu1d.replication.train import HeMLPClassifier, he_mlp, mlp_logits, network_from_mlp, training_snapshots


def digits_split(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's 8×8 digits (1797 images), pixels scaled to [0, 1], a fixed 75/25 stratified split."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    data = load_digits()
    x = data.data / 16.0
    return tuple(train_test_split(x, data.target, test_size=0.25, stratify=data.target, random_state=seed))


def dynamics_runs(
    hidden: Sequence[Sequence[int]],
    seeds: int,
    epochs: Sequence[int],
    lines: int,
    sigma_b: float,
    learning_rate: float,
    batch_size: int,
    seed: int,
) -> pd.DataFrame:
    """Train digit classifiers; at each snapshot count activation regions on ``lines`` fixed segments between
    pairs of test images (the same pairs for every network). One row per (architecture, run, epoch, line).
    """
    x_train, x_test, y_train, y_test = digits_split(seed)
    pairs = rng_for(f"h3-lines-{seed}").choice(x_test.shape[0], size=(lines, 2), replace=False)
    classes = np.unique(y_train)
    rows = []
    for a_index, layers in enumerate(hidden):
        for run in range(seeds):
            model = he_mlp(HeMLPClassifier, layers, learning_rate, batch_size, sigma_b, (seed, a_index, run))
            for epoch, coefs, intercepts in training_snapshots(model, x_train, y_train, epochs, classes=classes):
                accuracy = float(np.mean(np.argmax(mlp_logits(coefs, intercepts, x_test), axis=1) == y_test))
                net = network_from_mlp(coefs, intercepts)
                for line, (i, j) in enumerate(pairs):
                    result = count_regions(net, x_test[i], x_test[j], window=(0.0, 1.0), prove=False)
                    rows.append(
                        {
                            "hidden": architecture_name(layers),
                            "run": run,
                            "epoch": epoch,
                            "line": line,
                            "neurons": int(sum(layers)),
                            "regions": result.activation_regions,
                            "test_accuracy": accuracy,
                        }
                    )
    return pd.DataFrame(rows)


def dynamics_summary(table: pd.DataFrame, confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Per architecture and epoch: regions per neuron (mean, CI over networks × lines), the ratio of the mean count
    to the initial one (paired bootstrap over networks, lines resampled within), and test accuracy.
    """
    rows = []
    for hidden, part in table.groupby("hidden", sort=False):
        counts = part.pivot_table(index=["run", "line"], columns="epoch", values="regions")  # (run, line) × epoch
        runs = counts.index.get_level_values("run").to_numpy()
        run_ids = np.unique(runs)
        rng = rng_for(f"h3-ratio-{hidden}")
        # resample runs, then lines within each run: one index set per replicate, shared by all epochs (paired)
        draws = []
        for _ in range(N_BOOTSTRAP):
            picked = rng.choice(run_ids, run_ids.size)
            idx = np.concatenate([rng.choice(np.flatnonzero(runs == r), np.sum(runs == r)) for r in picked])
            draws.append(idx)
        values = counts.to_numpy()
        boot_means = np.stack([values[idx].mean(axis=0) for idx in draws])  # replicate × epoch
        ratios = boot_means / boot_means[:, :1]  # columns are sorted: the first is the initial snapshot
        neurons = int(part["neurons"].iloc[0])
        for k, epoch in enumerate(counts.columns):
            ratio_lo, ratio_hi = percentile_interval(ratios[:, k], confidence)
            per_neuron = bootstrap_mean(values[:, k] / neurons, f"h3-{hidden}-{epoch}")
            accuracy = part.loc[part["epoch"] == epoch].groupby("run")["test_accuracy"].first()
            rows.append(
                {
                    "hidden": hidden,
                    "epoch": int(epoch),
                    "neurons": neurons,
                    "regions_per_neuron": per_neuron.mean,
                    "rpn_lo": per_neuron.lo,
                    "rpn_hi": per_neuron.hi,
                    "ratio_to_init": float(values[:, k].mean() / values[:, 0].mean()),
                    "ratio_lo": ratio_lo,
                    "ratio_hi": ratio_hi,
                    "test_accuracy": float(accuracy.mean()),
                    "accuracy_min": float(accuracy.min()),
                }
            )
    return pd.DataFrame(rows)
