"""Claims A1–A3 (Arora et al. 2018): constructions with known counts and the piece bound."""

from __future__ import annotations

import argparse

from relu1d.cli.common import positive_int


def _cmd_arora(args: argparse.Namespace) -> int:
    from relu1d.engine.io import write_csv
    from relu1d.replication.arora import a1_table, a2_table, a3_table, tradeoff_table
    from relu1d.replication.counting import read_counts

    if any(p < 2 for p in args.a1_pieces):
        raise ValueError(f"arora: --a1-pieces must be >= 2, got {args.a1_pieces}")
    zigzag = {}
    for item in args.zigzag:
        p, _, k = item.partition(":")
        if not (p.isdigit() and k.isdigit() and int(p) >= 1 and int(k) >= 1):
            raise ValueError(f"arora: --zigzag takes P:KMAX pairs with P, KMAX >= 1, got {item!r}")
        zigzag[int(p)] = int(k)
    rational = []
    for item in args.rational_a:
        parts = item.split("/")
        if len(parts) < 2 or not all(v.isdigit() and int(v) > 0 for v in parts):
            raise ValueError(f"arora: --rational-a takes positive integer parts like 2/3/4, got {item!r}")
        rational.append(tuple(int(v) for v in parts))
    tables = {"a1": a1_table(args.a1_pieces, args.a1_functions, args.seed)}
    tables["a2"] = a2_table(zigzag, rational, args.rational_k)
    tables["tradeoff"] = tradeoff_table(args.tradeoff_k, args.tradeoff_count_up_to)
    tables["a3"] = a3_table(read_counts(args.counts), tables["a2"])
    for name, table in tables.items():  # all computed before any is written
        write_csv(table, getattr(args, name))
    a3 = tables["a3"]
    print(f"A1: {int((tables['a1']['counted'] == tables['a1']['pieces']).sum())}/{len(tables['a1'])} exact")
    print(f"A3: largest count/bound {a3['ratio'].max():.3g} over {len(a3)} cells and constructions")
    return 0


def register(sub: argparse._SubParsersAction) -> None:

    arora = sub.add_parser("arora", help="claims A1-A3 (Arora et al. 2018): constructions and the piece bound")
    arora.add_argument("--counts", nargs="+", required=True, help="count tables checked against the A3 bound")
    arora.add_argument("--a1-pieces", nargs="+", type=positive_int, required=True)
    arora.add_argument("--a1-functions", type=positive_int, required=True)
    arora.add_argument("--seed", type=int, required=True)
    arora.add_argument("--zigzag", nargs="+", required=True, help="P:KMAX, equal-spacing zig-zags to count")
    arora.add_argument("--rational-a", nargs="+", required=True, help="a as integer parts, e.g. 2/3/4")
    arora.add_argument("--rational-k", type=positive_int, required=True)
    arora.add_argument("--tradeoff-k", nargs="+", type=positive_int, required=True)
    arora.add_argument("--tradeoff-count-up-to", type=int, required=True)
    for name in ("a1", "a2", "tradeoff", "a3"):
        arora.add_argument(f"--{name}", required=True, help=f"{name} table (CSV)")
    arora.set_defaults(func=_cmd_arora)
