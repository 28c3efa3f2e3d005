"""Stages 1–2 of the pipeline: seed manifests of experiment cells and their exact counts."""

from __future__ import annotations

import argparse

from relu1d.cli.common import nonnegative_int, positive_int


def _cmd_ensemble(args: argparse.Namespace) -> int:
    from relu1d.replication.ensemble import Cell, write_manifest

    cell = Cell(args.experiment, tuple(args.widths), args.sigma_b, args.networks, args.seed, args.n_in)
    write_manifest(cell, args.output)
    print(f"wrote {args.output}: {cell.id}, {cell.networks} networks (seeds and parameter SHA-256)")
    return 0


def _cmd_count_ensemble(args: argparse.Namespace) -> int:
    from relu1d.replication.counting import count_manifest, write_parquet

    counts, knots = count_manifest(args.manifest, processes=args.processes, backend=args.backend, prove=args.prove)
    write_parquet(knots, args.knots)
    write_parquet(counts, args.counts)
    print(f"counted {len(counts)} networks of {args.manifest}: mean regions {counts['linear_regions'].mean():.2f}")
    return 0


def _cmd_compare_counts(args: argparse.Namespace) -> int:
    from relu1d.engine.io import write_text
    from relu1d.replication.counting import read_counts

    columns = ["cell", "index", "linear_regions", "activation_regions", "knots_per_layer", "breakpoints_per_layer"]
    reference, other = read_counts(args.reference)[columns], read_counts(args.other)[columns]
    if len(reference) != len(other):
        raise ValueError(f"count tables differ in length: {len(reference)} vs {len(other)} networks")
    differ = [
        f"{r.cell}#{r.index}"
        for r, o in zip(reference.itertuples(), other.itertuples(), strict=True)
        if (r.cell, r.index, r.linear_regions, r.activation_regions)
        != (o.cell, o.index, o.linear_regions, o.activation_regions)
        or list(r.knots_per_layer) != list(o.knots_per_layer)
        or list(r.breakpoints_per_layer) != list(o.breakpoints_per_layer)
    ]
    if differ:
        raise ValueError(f"{len(differ)} of {len(reference)} networks differ, first: {', '.join(differ[:5])}")
    message = f"identical integer counts on all {len(reference)} networks"
    if args.output:
        write_text(args.output, message + "\n")
    print(message)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    ens = sub.add_parser("ensemble", help="write the seed/SHA-256 manifest of one experiment cell (stage 1)")
    ens.add_argument("--experiment", required=True)
    ens.add_argument("--widths", nargs="+", type=positive_int, required=True)
    ens.add_argument("--sigma-b", type=float, required=True)
    ens.add_argument("--networks", type=positive_int, required=True)
    ens.add_argument("--seed", type=int, required=True)
    ens.add_argument("--n-in", type=positive_int, default=1)
    ens.add_argument("-o", "--output", required=True, help="manifest .json")
    ens.set_defaults(func=_cmd_ensemble)

    cnt = sub.add_parser("count-ensemble", help="count every network of a manifest exactly (stage 2)")
    cnt.add_argument("manifest")
    cnt.add_argument("--processes", type=positive_int, default=1)
    cnt.add_argument("--backend", choices=["numpy", "cupy"], default="numpy")
    cnt.add_argument("--counts", required=True, help="per-network counts (.parquet)")
    cnt.add_argument("--knots", required=True, help="per-knot positions and survival (.parquet)")
    cnt.add_argument(
        "--prove", type=nonnegative_int, default=0, help="prove at least the first N counts (relu1d.engine.proof)"
    )
    cnt.set_defaults(func=_cmd_count_ensemble)

    cmp_ = sub.add_parser("compare-counts", help="fail unless two sets of count tables agree exactly")
    cmp_.add_argument("--reference", nargs="+", required=True)
    cmp_.add_argument("--other", nargs="+", required=True)
    cmp_.add_argument("-o", "--output", help="write the verdict here on success")
    cmp_.set_defaults(func=_cmd_compare_counts)
