"""Stage 4: Monte Carlo against the NNGP recursion (K5) and knot positions against the Kac–Rice law (K6)."""

from __future__ import annotations

import argparse

import numpy as np

from relu1d.cli.common import positive_int, read_csvs


def _cmd_covariance(args: argparse.Namespace) -> int:
    from relu1d.engine.io import write_csv
    from relu1d.replication.covariance import covariance_tables
    from relu1d.replication.ensemble import Cell

    cell = Cell("covariance", (args.width,) * args.depth, args.sigma_b, args.networks, args.seed)
    tables = covariance_tables(cell, np.asarray(args.grid, dtype=np.float64))
    # all three computed before any is written: a failure leaves none behind
    for name, path in (("kernel", args.output), ("derivatives", args.derivatives), ("bias", args.bias)):
        write_csv(tables[name], path)
    kernel = tables["kernel"]
    print(
        f"{cell.id}: max |z| = {kernel['z'].abs().max():.2f} over {len(kernel)} (layer, x, x') entries;"
        f" derivative moments max |z| = {tables['derivatives']['z'].abs().max():.2f}"
    )
    return 0


def _cmd_covariance_rates(args: argparse.Namespace) -> int:
    from relu1d.engine.io import write_csv
    from relu1d.replication.covariance import bias_rates

    rates = bias_rates(read_csvs(args.bias))
    write_csv(rates, args.output)
    print(rates[["layer", "exponent", "exponent_lo", "exponent_hi", "widths_resolved"]].to_string(index=False))
    return 0


def _cmd_knot_law(args: argparse.Namespace) -> int:
    import pandas as pd

    from relu1d.engine.io import write_csv
    from relu1d.replication.claims import K6_LEVEL
    from relu1d.replication.counting import read_counts
    from relu1d.replication.knot_law import knot_law_tables

    if len(args.counts) != len(args.knots):
        raise ValueError(f"knot-law: {len(args.counts)} count tables but {len(args.knots)} knot tables")
    tests, hists = [], []
    for count_path, knot_path in zip(args.counts, args.knots, strict=True):
        counts = read_counts([count_path])
        first = counts.iloc[0]
        widths = {int(n) for n in first["widths"]}
        if len(widths) != 1 or float(first["sigma_b"]) <= 0:
            raise ValueError(f"knot-law: {count_path} is not an equal-width cell with sigma_b > 0")
        t, h = knot_law_tables(
            pd.read_parquet(knot_path, columns=["index", "layer", "position"]),
            width=widths.pop(),
            depth=int(first["depth"]),
            sigma_b=float(first["sigma_b"]),
            networks=len(counts),
            key=str(first["cell"]),
            level=K6_LEVEL / int(first["depth"]),  # the claim's family-wise level over the layers
        )
        tests.append(t)
        hists.append(h)
    tests_table = pd.concat(tests, ignore_index=True)
    write_csv(tests_table, args.tests)
    write_csv(pd.concat(hists, ignore_index=True), args.histograms)
    print(tests_table[["width", "layer", "knots_per_neuron", "ks_d", "p_value"]].to_string(index=False))
    return 0


def register(sub: argparse._SubParsersAction) -> None:

    cov = sub.add_parser("covariance", help="Monte Carlo vs NNGP covariance recursion (stage 4)")
    cov.add_argument("--width", type=positive_int, required=True)
    cov.add_argument("--depth", type=positive_int, required=True)
    cov.add_argument("--sigma-b", type=float, required=True)
    cov.add_argument("--networks", type=positive_int, required=True)
    cov.add_argument("--seed", type=int, required=True)
    cov.add_argument("--grid", nargs="+", type=float, required=True)
    cov.add_argument("-o", "--output", required=True, help="kernel entries (CSV)")
    cov.add_argument("--derivatives", required=True, help="Cov(z, z') and Var z' per layer and x (CSV)")
    cov.add_argument("--bias", required=True, help="off-diagonal correlation error per layer (CSV)")
    cov.set_defaults(func=_cmd_covariance)

    cov_rates = sub.add_parser("covariance-rates", help="finite-width bias exponent per layer (claim K5)")
    cov_rates.add_argument("bias", nargs="+", help="bias tables of relu1d covariance, one per width")
    cov_rates.add_argument("-o", "--output", required=True)
    cov_rates.set_defaults(func=_cmd_covariance_rates)

    knot_law = sub.add_parser("knot-law", help="knot positions per layer vs the Kac-Rice density (claim K6)")
    knot_law.add_argument("--counts", nargs="+", required=True, help="count tables of equal-width cells")
    knot_law.add_argument("--knots", nargs="+", required=True, help="knot tables, in the order of --counts")
    knot_law.add_argument("--tests", required=True, help="KS statistic and cluster-bootstrap p per layer (CSV)")
    knot_law.add_argument("--histograms", required=True, help="histograms vs the law (CSV)")
    knot_law.set_defaults(func=_cmd_knot_law)
