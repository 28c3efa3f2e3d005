"""Claim K7 (region-adaptive sparsity): trained 1-D networks against the minimal linear complexity of their target.

K7, our operational definition (docs/mathematics.md §5; paper K's Def. 3.1–3.2 text is not available): a trained
network g reaching sup-error ε on the target f over D uses ``used`` = its linear regions (pieces) on D, counted exactly;
η = used / N_f(ε), where N_f(ε) is the exact minimum-link piece count (``relu1d.theory.complexity``). For the smooth
targets, (ε₀, α, c) are estimated by fitting log used = log c₀ + α log N_f(ε) over all snapshots with ε ≤ ε₀
(ε₀ = the largest error at which the target needs ``FIT_MIN_PIECES`` pieces), with c = c₀·exp(max residual) so
that used ≤ c·N_f(ε)^α holds for every fitted snapshot; α is the within-group slope with one intercept per
(target, architecture), pooled or per target. The CI of α is a bootstrap over training runs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from relu1d.engine.count import count_network
from relu1d.engine.network import architecture_name
from relu1d.replication.bootstrap import CONFIDENCE, N_BOOTSTRAP, bootstrap_mean, percentile_interval, rng_for
from relu1d.replication.train import (
    TARGETS,
    HeMLPRegressor,
    he_mlp,
    network_from_mlp,
    target_samples,
    training_snapshots,
)
from relu1d.theory.complexity import min_link_pieces, smooth_piece_estimate, sup_distance

#: N_f(ε) at the largest fitted error: the fit covers the regime where the target needs several pieces.
FIT_MIN_PIECES = 3
TRAIN_POINTS = 256
#: ε grid of the N_f(ε) vs ∫√(|f″|/16ε) comparison (``complexity_law``).
LAW_EPS = tuple(np.geomspace(1e-5, 1e-1, 13))
BATCH_SIZE = 32


def _monotone_counts(x: np.ndarray, y: np.ndarray, eps: np.ndarray) -> np.ndarray:
    """N_f(ε) at many ε, exactly: N_f is non-increasing in ε, so an ε-interval whose end values agree is constant."""
    order = np.argsort(eps)
    e = eps[order]
    out = np.full(e.shape[0], -1, dtype=np.int64)

    def fill(i: int, j: int) -> None:
        for k in (i, j):
            if out[k] < 0:
                out[k] = min_link_pieces(x, y, float(e[k]))
        if out[i] == out[j]:
            out[i : j + 1] = out[i]
        elif j - i > 1:
            mid = (i + j) // 2
            fill(i, mid)
            fill(mid, j)

    if e.shape[0]:
        fill(0, e.shape[0] - 1)
    result = np.empty_like(out)
    result[order] = out
    return result


def sparsity_runs(
    targets: Sequence[str],
    hidden: Sequence[Sequence[int]],
    seeds: int,
    epochs: Sequence[int],
    sample_points: int,
    sigma_b: float,
    learning_rate: float,
    seed: int,
) -> pd.DataFrame:
    """Train every (target, architecture, seed) and count each snapshot: one row per snapshot.

    Columns: target, hidden, run, epoch, neurons, used (linear regions on D), eps (exact sup |f̂ − g| on D),
    n_f (N_f(eps)), eta = used / n_f.
    """
    rows = []
    for t_index, name in enumerate(targets):
        f, (lo, hi), _, _ = TARGETS[name]
        x_train = np.linspace(lo, hi, TRAIN_POINTS)[:, None]
        y_train = f(x_train[:, 0])
        xs, ys = target_samples(name, sample_points)
        for a_index, layers in enumerate(hidden):
            for run in range(seeds):
                key = (seed, t_index, a_index, run)
                model = he_mlp(HeMLPRegressor, layers, learning_rate, BATCH_SIZE, sigma_b, key)
                for epoch, coefs, intercepts in training_snapshots(model, x_train, y_train, epochs):
                    net = network_from_mlp(coefs, intercepts)
                    on_d = count_network(net).restrict(lo, hi)
                    gx = np.concatenate([[lo], on_d.knots, [hi]])
                    gy = net(gx).reshape(-1)
                    rows.append(
                        {
                            "target": name,
                            "hidden": architecture_name(layers),
                            "run": run,
                            "epoch": epoch,
                            "neurons": int(sum(layers)),
                            "used": on_d.linear_regions,
                            "eps": sup_distance(xs, ys, gx, gy),
                        }
                    )
    table = pd.DataFrame(rows)
    table["n_f"] = 0
    for name in targets:
        xs, ys = target_samples(name, sample_points)
        mask = table["target"] == name
        table.loc[mask, "n_f"] = _monotone_counts(xs, ys, table.loc[mask, "eps"].to_numpy())
    table["eta"] = table["used"] / table["n_f"]
    return table


def _fit_alpha(n_f: np.ndarray, used: np.ndarray, groups: np.ndarray) -> float:
    """Least-squares slope of log used on log N_f with one intercept per (target, architecture) (``groups``): α
    is a within-group slope, not driven by groups that differ in level (a wider network uses more regions at
    every error, so one intercept per target would read capacity as adaptivity)."""
    t, u = np.log(n_f.astype(float)), np.log(used.astype(float))
    t_c, u_c = t.copy(), u.copy()
    for g in np.unique(groups):
        m = groups == g
        t_c[m] -= t[m].mean()
        u_c[m] -= u[m].mean()
    return float(np.sum(t_c * u_c) / np.sum(t_c * t_c))


def _groups(part: pd.DataFrame) -> np.ndarray:
    """The (target, architecture) of each snapshot: the groups of :func:`_fit_alpha`."""
    return (part["target"] + "/" + part["hidden"].astype(str)).to_numpy()


def sparsity_fit(table: pd.DataFrame, sample_points: int, confidence: float = CONFIDENCE) -> pd.DataFrame:
    """Per target (and pooled over the smooth ones): ε₀, α with a run-bootstrap CI, the envelope constant c, and
    η at the last epoch (mean with bootstrap CI over runs and architectures).
    """
    last = table[table["epoch"] == table["epoch"].max()]
    smooth = [t for t in table["target"].unique() if TARGETS[t][2] is None]
    eps0 = {t: _largest_eps_with_pieces(*target_samples(t, sample_points), FIT_MIN_PIECES) for t in smooth}
    fits = [(t, [t]) for t in table["target"].unique()] + ([("smooth (pooled)", smooth)] if smooth else [])
    rows = []
    for label, names in fits:
        eta = bootstrap_mean(last.loc[last["target"].isin(names), "eta"].to_numpy(), f"k7-eta-{label}")
        row = {"target": label, "eta_last": eta.mean, "eta_lo": eta.lo, "eta_hi": eta.hi, "snapshots": 0}
        row.update(dict.fromkeys(["eps0", "alpha", "alpha_lo", "alpha_hi", "c"], np.nan))
        if all(TARGETS[t][2] is None for t in names):
            part = pd.concat([table[(table["target"] == t) & (table["eps"] <= eps0[t])] for t in names])
            row["snapshots"] = len(part)
            if len(names) == 1:
                row["eps0"] = eps0[names[0]]
            if part["n_f"].nunique() >= 2:
                alpha = _fit_alpha(part["n_f"].to_numpy(), part["used"].to_numpy(), _groups(part))
                row["alpha"] = alpha
                if len(names) == 1:  # the envelope constant is per target: the smallest c with used ≤ c·N_f^α
                    row["c"] = float(np.exp((np.log(part["used"]) - alpha * np.log(part["n_f"])).max()))
                row["alpha_lo"], row["alpha_hi"] = _alpha_ci(part, f"k7-alpha-{label}", confidence)
        rows.append(row)
    return pd.DataFrame(rows)


def complexity_law(targets: Sequence[str], sample_points: int, eps: Sequence[float] = LAW_EPS) -> pd.DataFrame:
    """N_f(ε) of the smooth targets on an ε grid beside the asymptotic ∫ √(|f″| / 16ε) dx (docs/mathematics.md §5)."""
    rows = []
    for name in targets:
        f2 = TARGETS[name][3]
        if f2 is None:
            continue
        xs, ys = target_samples(name, sample_points)
        for e in eps:
            rows.append(
                {
                    "target": name,
                    "eps": float(e),
                    "n_f": min_link_pieces(xs, ys, float(e)),
                    "asymptotic": smooth_piece_estimate(xs, f2(xs), float(e)),
                }
            )
    return pd.DataFrame(rows)


def _largest_eps_with_pieces(x: np.ndarray, y: np.ndarray, pieces: int) -> float:
    """The largest ε (to 1e-3 relative, by bisection on log ε) at which N_f(ε) ≥ pieces."""
    lo, hi = 1e-9 * np.ptp(y), np.ptp(y)
    for _ in range(40):
        mid = np.sqrt(lo * hi)
        lo, hi = (mid, hi) if min_link_pieces(x, y, mid) >= pieces else (lo, mid)
        if hi / lo < 1.001:
            break
    return float(lo)


def _alpha_ci(part: pd.DataFrame, key: str, confidence: float) -> tuple[float, float]:
    """Percentile bootstrap of α over training runs (target, architecture, run): snapshots of a run move together."""
    runs = [
        (g["n_f"].to_numpy(), g["used"].to_numpy(), _groups(g)) for _, g in part.groupby(["target", "hidden", "run"])
    ]
    rng = rng_for(key)
    alphas = []
    for _ in range(N_BOOTSTRAP):
        picked = [runs[i] for i in rng.integers(0, len(runs), len(runs))]
        n_f, used, groups = (np.concatenate([r[j] for r in picked]) for j in range(3))
        if any(np.ptp(np.log(n_f[groups == g])) > 0 for g in np.unique(groups)):
            alphas.append(_fit_alpha(n_f, used, groups))
    return percentile_interval(alphas, confidence)
