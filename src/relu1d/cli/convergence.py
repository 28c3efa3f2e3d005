"""Stage 3: convergence statistics, probes along lines, the σ_b ablation, the design of network counts."""

from __future__ import annotations

import argparse

from relu1d.cli.common import positive_int


def _cmd_convergence(args: argparse.Namespace) -> int:
    from relu1d.engine.io import write_csv
    from relu1d.replication.counting import read_counts
    from relu1d.replication.stats import cell_summary, delta_rates, layer_summary, model_regions

    counts = read_counts(args.counts)
    layers = layer_summary(counts)
    cells = cell_summary(counts).merge(model_regions(layers), on="cell", how="left")
    write_csv(cells, args.cells)
    write_csv(layers, args.layers)
    write_csv(delta_rates(cells), args.rates)
    print(f"summarised {len(cells)} cells, {len(counts)} networks")
    return 0


def _cmd_lines(args: argparse.Namespace) -> int:
    from relu1d.engine.io import write_csv
    from relu1d.replication.counting import read_counts
    from relu1d.replication.ensemble import read_manifest
    from relu1d.replication.stats import probe_rates, probe_summary

    cells = {cell.id: cell for cell in (read_manifest(path)[0] for path in args.manifests)}
    probes = probe_summary(read_counts(args.counts), cells)
    write_csv(probes, args.cells)
    write_csv(probe_rates(probes), args.rates)
    print(f"probe statistics of {len(probes)} cells")
    return 0


def _cmd_design(args: argparse.Namespace) -> int:
    from relu1d.engine.io import write_csv
    from relu1d.replication.counting import read_counts
    from relu1d.replication.stats import cell_summary, network_design

    pilot = cell_summary(read_counts(args.counts))
    design = network_design(pilot, args.widths, args.half_width, fit_min_width=args.fit_min_width)
    if args.output:
        write_csv(design, args.output)
    table = design.pivot(index="width", columns="depth", values="networks")
    print(f"networks per cell for a 95% CI half-width <= {args.half_width:g} on E[R]/(sum n + 1) (rows: width):")
    print(table.to_string())
    exponents = design.groupby("depth")["sd_exponent"].first()
    print("pilot SD ~ width^a, a per depth: " + ", ".join(f"L={d}: {a:.2f}" for d, a in exponents.items()))
    return 0


def _cmd_bias_ablation(args: argparse.Namespace) -> int:
    import pandas as pd

    from relu1d.engine.io import write_csv
    from relu1d.replication.counting import read_counts
    from relu1d.replication.stats import bias_summary

    if len(args.counts) != len(args.knots):
        raise ValueError(f"bias-ablation: {len(args.counts)} count tables but {len(args.knots)} knot tables")
    counts = read_counts(args.counts)
    knots = {
        str(pd.read_parquet(c, columns=["cell"])["cell"].iloc[0]): pd.read_parquet(k)
        for c, k in zip(args.counts, args.knots, strict=True)
    }
    table = bias_summary(counts, knots, args.windows)
    write_csv(table, args.output)
    print(f"bias ablation: {len(table)} cells, windows {args.windows}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:

    conv = sub.add_parser("convergence", help="per-cell ratio/delta with CIs, per-layer knots, rates (stage 3)")
    conv.add_argument("counts", nargs="+")
    conv.add_argument("--cells", required=True)
    conv.add_argument("--layers", required=True)
    conv.add_argument("--rates", required=True)
    conv.set_defaults(func=_cmd_convergence)

    lines = sub.add_parser("lines", help="probe statistics per cell and their fitted exponents (claims H1/H2)")
    lines.add_argument("counts", nargs="+")
    lines.add_argument("--manifests", nargs="+", required=True, help="the cells' manifests (for the probes' seeds)")
    lines.add_argument("--cells", required=True)
    lines.add_argument("--rates", required=True)
    lines.set_defaults(func=_cmd_lines)

    design = sub.add_parser("design", help="networks per cell for a target CI half-width, from pilot count tables")
    design.add_argument("counts", nargs="+", help="pilot count tables (.parquet) of equal-width cells")
    design.add_argument("--widths", nargs="+", type=positive_int, required=True)
    design.add_argument("--half-width", type=float, default=0.005, help="CI half-width on the ratio (default 0.005)")
    design.add_argument("--fit-min-width", type=positive_int, default=32, help="fit the SD law from this width")
    design.add_argument("-o", "--output", help="optional CSV of the design")
    design.set_defaults(func=_cmd_design)

    bias = sub.add_parser("bias-ablation", help="regions over R and on windows (-M, M) per sigma_b cell (claim K4)")
    bias.add_argument("--counts", nargs="+", required=True)
    bias.add_argument("--knots", nargs="+", required=True, help="knot tables, in the order of --counts")
    bias.add_argument("--windows", nargs="+", type=float, required=True, help="half-widths M")
    bias.add_argument("-o", "--output", required=True)
    bias.set_defaults(func=_cmd_bias_ablation)
