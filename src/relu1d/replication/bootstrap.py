"""Resampling, in one place: the confidence level, the number of bootstrap replicates, the seeded generators, the
percentile interval, and the bootstrap of a mean over networks.

Every statistic of the study resamples its independent unit (a network, a training run, a network's knots as a
cluster) ``N_BOOTSTRAP`` times with a generator seeded from a string key (the cell id and the statistic), never
from time or worker, so every interval is deterministic (docs/mathematics.md §6).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

CONFIDENCE = 0.95
#: Bootstrap replicates of every interval and of the cluster-bootstrap p-values.
N_BOOTSTRAP = 4000


@dataclass(frozen=True)
class MeanCI:
    """A sample mean with its standard error and a two-sided bootstrap confidence interval."""

    mean: float
    se: float
    lo: float
    hi: float
    n: int


def rng_for(key: str) -> np.random.Generator:
    """A generator seeded from a string key (cell id, statistic), never from time or worker."""
    return np.random.default_rng(int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "little"))


def percentile_interval(replicates: np.ndarray, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The two-sided percentile interval of bootstrap replicates (Efron & Tibshirani 1993, §13.3); NaN replicates
    (a statistic undefined in that resample) are left out."""
    alpha = 1.0 - confidence
    lo, hi = np.nanquantile(np.asarray(replicates, dtype=np.float64), [alpha / 2, 1 - alpha / 2])
    return float(lo), float(hi)


def bootstrap_mean(values: np.ndarray, key: str, n_boot: int = N_BOOTSTRAP, confidence: float = CONFIDENCE) -> MeanCI:
    """Mean of ``values`` with a percentile-bootstrap CI and the standard error.

    Constant samples (e.g. σ_b = 0, where every network has the same count) get the degenerate interval [m, m].
    """
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1 or x.size == 0:
        raise ValueError("bootstrap_mean: need a non-empty 1-D sample")
    mean = float(x.mean())
    se = float(x.std(ddof=1) / np.sqrt(x.size)) if x.size > 1 else float("nan")
    if x.size == 1 or np.all(x == x[0]):
        return MeanCI(mean, 0.0 if x.size > 1 else se, mean, mean, int(x.size))
    rng = rng_for(key)
    means = np.empty(n_boot)
    step = max(1, 2_000_000 // x.size)  # bounded memory: resample in blocks of ≤ 2e6 draws
    for start in range(0, n_boot, step):
        stop = min(n_boot, start + step)
        means[start:stop] = x[rng.integers(0, x.size, size=(stop - start, x.size))].mean(axis=1)
    lo, hi = percentile_interval(means, confidence)
    return MeanCI(mean, se, lo, hi, int(x.size))
