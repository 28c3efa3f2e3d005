"""The claims table and the report's numbers."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from relu1d.cli._common import read_csvs


def named_paths(items: Sequence[str]) -> dict[str, list[str]]:
    """``NAME=PATH`` arguments as a mapping from each name to its paths, in order (a name may repeat)."""
    paths: dict[str, list[str]] = {}
    for item in items:
        name, sep, path = item.partition("=")
        if not (sep and name and path):
            raise ValueError(f"claims: inputs are NAME=PATH, got {item!r}")
        paths.setdefault(name, []).append(path)
    return paths


def _cmd_claims(args: argparse.Namespace) -> int:
    from relu1d.replication.claims import claims_table, read_claim_inputs
    from relu1d.replication.plotting import save_table

    if not (args.output.endswith(".csv")):
        raise ValueError(f"claims: --output must end in .csv (a .tex twin is written beside it), got {args.output}")
    table = claims_table(read_claim_inputs(named_paths(args.inputs)), args.experiment, args.lines_experiment)
    out = Path(args.output)
    save_table(
        table,
        out.parent,
        out.stem,
        caption="Claims of papers K and H: verdict rules (fixed before the numbers), measured values and verdicts.",
        column_format="lp{3.2cm}p{4.2cm}p{4.6cm}l",
    )
    print(table[["claim", "verdict"]].to_string(index=False))
    return 0


def _cmd_numbers(args: argparse.Namespace) -> int:
    import pandas as pd

    from relu1d.engine.io import write_text
    from relu1d.replication.numbers import convergence_numbers, covariance_numbers, macros

    cells, rates = pd.read_csv(args.cells), pd.read_csv(args.rates)
    covariance = covariance_numbers(
        read_csvs(args.covariance),
        read_csvs(args.covariance_derivatives),
        pd.read_csv(args.covariance_rates),
        pd.read_csv(args.knot_law),
    )
    write_text(args.output, macros(convergence_numbers(cells, rates, args.experiment) | covariance))
    print(f"wrote {args.output}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:

    claims = sub.add_parser("claims", help="claims table K1-K7, A1-A3, H1-H3 with verdict rules (CSV + LaTeX)")
    claims.add_argument(
        "inputs",
        nargs="+",
        metavar="NAME=PATH",
        help="the stage outputs by name, a name repeated for each file of a list"
        " (the names: relu1d.replication.claims.CLAIM_INPUTS)",
    )
    claims.add_argument("--experiment", required=True, help="the main equal-width experiment (config main_experiment)")
    claims.add_argument("--lines-experiment", required=True, help="the n_in > 1 experiment of claims H1/H2")
    claims.add_argument("-o", "--output", required=True, help="claims .csv (and .tex beside it)")
    claims.set_defaults(func=_cmd_claims)

    num = sub.add_parser("numbers", help="write numbers.tex (LaTeX macros) for the report")
    num.add_argument("--experiment", required=True, help="the main equal-width experiment (config main_experiment)")
    num.add_argument("--cells", required=True)
    num.add_argument("--rates", required=True)
    num.add_argument("--covariance", nargs="+", required=True, help="kernel tables (relu1d covariance)")
    num.add_argument("--covariance-derivatives", nargs="+", required=True)
    num.add_argument("--covariance-rates", required=True)
    num.add_argument("--knot-law", required=True)
    num.add_argument("-o", "--output", required=True)
    num.set_defaults(func=_cmd_numbers)
