"""Claims K7 and H3: trained networks counted exactly at snapshots."""

from __future__ import annotations

import argparse

import numpy as np

from relu1d.cli.common import read_csvs
from relu1d.engine.network import parse_architecture


def _training_options(args: argparse.Namespace) -> None:
    if args.seeds < 1:
        raise ValueError(f"--seeds must be >= 1, got {args.seeds}")
    if not (args.learning_rate > 0 and np.isfinite(args.learning_rate)):
        raise ValueError(f"--learning-rate must be > 0, got {args.learning_rate}")
    if not (args.sigma_b >= 0 and np.isfinite(args.sigma_b)):
        raise ValueError(f"--sigma-b must be >= 0, got {args.sigma_b}")
    if any(e < 0 for e in args.epochs):
        raise ValueError(f"--epochs must be >= 0, got {args.epochs}")


def _cmd_sparsity(args: argparse.Namespace) -> int:
    from threadpoolctl import threadpool_limits

    from relu1d.engine.io import write_csv
    from relu1d.replication.sparsity import sparsity_runs
    from relu1d.replication.train import TARGETS

    _training_options(args)
    if args.target not in TARGETS:
        raise ValueError(f"--target: unknown {args.target!r}; known: {', '.join(TARGETS)}")
    if args.sample_points < 2:
        raise ValueError(f"--sample-points must be >= 2, got {args.sample_points}")
    with threadpool_limits(1):  # same summation order whatever the machine: bit-identical training
        table = sparsity_runs(
            [args.target],
            [parse_architecture(h) for h in args.hidden],
            args.seeds,
            args.epochs,
            args.sample_points,
            args.sigma_b,
            args.learning_rate,
            args.seed,
        )
    write_csv(table, args.output)
    last = table[table["epoch"] == table["epoch"].max()]
    print(f"K7 {args.target}: {len(table)} snapshots; last epoch eta median {last['eta'].median():.3g}")
    return 0


def _cmd_sparsity_fit(args: argparse.Namespace) -> int:
    from relu1d.engine.io import write_csv
    from relu1d.replication.sparsity import complexity_law, sparsity_fit

    table = read_csvs(args.tables)
    fit = sparsity_fit(table, args.sample_points)
    law = complexity_law(list(table["target"].unique()), args.sample_points)
    write_csv(fit, args.output)
    write_csv(law, args.law)
    print(fit.to_string(index=False))
    return 0


def _cmd_dynamics(args: argparse.Namespace) -> int:
    from threadpoolctl import threadpool_limits

    from relu1d.engine.io import write_csv
    from relu1d.replication.dynamics import dynamics_runs, dynamics_summary

    _training_options(args)
    if args.lines < 1 or args.batch_size < 1:
        raise ValueError(f"--lines and --batch-size must be >= 1, got {args.lines} and {args.batch_size}")
    with threadpool_limits(1):
        runs = dynamics_runs(
            [parse_architecture(h) for h in args.hidden],
            args.seeds,
            args.epochs,
            args.lines,
            args.sigma_b,
            args.learning_rate,
            args.batch_size,
            args.seed,
        )
    summary = dynamics_summary(runs)
    write_csv(runs, args.runs)
    write_csv(summary, args.summary)
    print(summary.to_string(index=False))
    return 0


def register(sub: argparse._SubParsersAction) -> None:

    def training_arguments(p: argparse.ArgumentParser) -> None:
        p.add_argument("--hidden", nargs="+", required=True, help="architectures like 16 8x8 64x64x64")
        p.add_argument("--seeds", type=int, required=True, help="training runs per architecture")
        p.add_argument("--epochs", nargs="+", type=int, required=True, help="snapshot epochs (0 = initialisation)")
        p.add_argument("--sigma-b", type=float, required=True)
        p.add_argument("--learning-rate", type=float, required=True, help="Adam step size")
        p.add_argument("--seed", type=int, required=True)

    sparsity = sub.add_parser("sparsity", help="claim K7: train 1-D MLPs on a target, count regions used vs N_f(eps)")
    sparsity.add_argument("--target", required=True)
    training_arguments(sparsity)
    sparsity.add_argument("--sample-points", type=int, required=True, help="grid defining the target on its domain")
    sparsity.add_argument("-o", "--output", required=True)
    sparsity.set_defaults(func=_cmd_sparsity)

    sfit = sub.add_parser("sparsity-fit", help="claim K7: (eps0, alpha, c) and eta per target from sparsity tables")
    sfit.add_argument("tables", nargs="+")
    sfit.add_argument("--sample-points", type=int, required=True)
    sfit.add_argument("-o", "--output", required=True)
    sfit.add_argument("--law", required=True, help="output: N_f(eps) of the smooth targets vs the eps^-1/2 law")
    sfit.set_defaults(func=_cmd_sparsity_fit)

    dyn = sub.add_parser("dynamics", help="claim H3: regions along lines between digit images during training")
    training_arguments(dyn)
    dyn.add_argument("--lines", type=int, required=True, help="segments between pairs of test images")
    dyn.add_argument("--batch-size", type=int, required=True)
    dyn.add_argument("--runs", required=True, help="output: one row per network, epoch and line")
    dyn.add_argument("--summary", required=True, help="output: per architecture and epoch, with CIs")
    dyn.set_defaults(func=_cmd_dynamics)
