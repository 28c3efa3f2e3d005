"""Command line: ``relu1d count``, ``sample``, ``demo`` and the pipeline stages (``ensemble``, ``count-ensemble``, …).

Bad input (unreadable or malformed network files, invalid values) gives one line on stderr and exit code 2,
never a traceback, and no partial output file.
"""

from __future__ import annotations

import argparse
import json
import math
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from relu1d.breakpoints import DEFAULT_RTOL, count_regions
from relu1d.network import load_network, parse_architecture, sample_network

# The pipeline commands import pandas/pyarrow/scipy inside their functions: every Snakemake job starts a fresh
# `relu1d` process, and the interactive `count` needs none of them.

EXIT_BAD_INPUT = 2


def _cmd_count(args: argparse.Namespace) -> int:
    net = load_network(args.network)
    window = tuple(args.window) if args.window is not None else None
    result = count_regions(net, rtol=args.rtol, window=window, exact_fallback=not args.no_exact_fallback)
    summary = result.summary()
    summary["network"] = str(args.network)
    if args.json:
        print(json.dumps(summary))
        return 0
    where = "R" if window is None else f"({window[0]:g}, {window[1]:g})"
    print(f"network            {args.network}  widths={list(net.widths)}  sum n = {net.n_neurons}")
    print(f"over               {where}")
    print(f"linear regions     {result.linear_regions}")
    print(f"activation regions {result.activation_regions}")
    print(f"knots per layer    {summary['knots_per_layer']}")
    print(f"breakpoints/layer  {summary['breakpoints_per_layer']}")
    print(
        f"method             {result.method}  certified={result.certified}  "
        f"near={result.near_decisions}  weak={result.weak_decisions}"
    )
    return 0


def _cmd_sample(args: argparse.Namespace) -> int:
    seed = args.seed if len(args.seed) > 1 else args.seed[0]
    net = sample_network(args.widths, args.sigma_b, seed=seed, n_in=args.n_in)
    net.save(args.output)
    print(f"wrote {args.output}: widths={list(net.widths)} sigma_b={args.sigma_b} seed={args.seed}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    """A quick look at paper K's claim: mean linear regions over ℝ vs Σn + 1 for a few architectures."""
    print("E[#linear regions over R] vs sum(n)+1 for He-initialised nets (paper K, main theorem)")
    print(f"{'widths':>22} {'sum n + 1':>9} {'mean R':>9} {'95% CI':>19} {'ratio':>7} {'s/net':>7}")
    for depth in args.depths:
        widths = [args.width] * depth
        start = time.perf_counter()
        counts = np.array(
            [
                count_regions(sample_network(widths, args.sigma_b, seed=(args.seed, depth, i))).linear_regions
                for i in range(args.networks)
            ],
            dtype=np.float64,
        )
        per_net = (time.perf_counter() - start) / args.networks
        mean = counts.mean()
        half = 1.96 * counts.std(ddof=1) / np.sqrt(counts.size) if counts.size > 1 else float("nan")
        target = sum(widths) + 1
        ci = f"[{mean - half:.1f}, {mean + half:.1f}]"
        print(f"{widths!s:>22} {target:>9d} {mean:>9.1f} {ci:>19} {mean / target:>7.3f} {per_net:>7.3f}")
    return 0


def _cmd_ensemble(args: argparse.Namespace) -> int:
    from relu1d.ensemble import Cell, write_manifest

    cell = Cell(args.experiment, tuple(args.widths), args.sigma_b, args.networks, args.seed, args.n_in)
    write_manifest(cell, args.output)
    print(f"wrote {args.output}: {cell.id}, {cell.networks} networks (seeds and parameter SHA-256)")
    return 0


def _cmd_count_ensemble(args: argparse.Namespace) -> int:
    from relu1d.counting import count_manifest, write_parquet

    counts, knots = count_manifest(args.manifest, processes=args.processes, backend=args.backend)
    write_parquet(knots, args.knots)
    write_parquet(counts, args.counts)
    print(f"counted {len(counts)} networks of {args.manifest}: mean regions {counts['linear_regions'].mean():.2f}")
    return 0


def _cmd_compare_counts(args: argparse.Namespace) -> int:
    from relu1d.counting import read_counts
    from relu1d.io import write_text

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


def _cmd_convergence(args: argparse.Namespace) -> int:
    from relu1d.counting import read_counts
    from relu1d.io import write_csv
    from relu1d.stats import cell_summary, delta_rates, layer_summary, model_regions

    counts = read_counts(args.counts)
    layers = layer_summary(counts)
    cells = cell_summary(counts).merge(model_regions(layers), on="cell", how="left")
    write_csv(cells, args.cells)
    write_csv(layers, args.layers)
    write_csv(delta_rates(cells), args.rates)
    print(f"summarised {len(cells)} cells, {len(counts)} networks")
    return 0


def _cmd_lines(args: argparse.Namespace) -> int:
    from relu1d.counting import read_counts
    from relu1d.io import write_csv
    from relu1d.stats import probe_rates, probe_summary

    probes = probe_summary(read_counts(args.counts))
    write_csv(probes, args.cells)
    write_csv(probe_rates(probes), args.rates)
    print(f"probe statistics of {len(probes)} cells")
    return 0


def _cmd_design(args: argparse.Namespace) -> int:
    from relu1d.counting import read_counts
    from relu1d.io import write_csv
    from relu1d.stats import cell_summary, network_design

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

    from relu1d.counting import read_counts
    from relu1d.io import write_csv
    from relu1d.stats import bias_summary

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


def _read_csvs(paths: Sequence[str]):
    import pandas as pd

    return pd.concat([pd.read_csv(p) for p in paths], ignore_index=True)


def _cmd_claims(args: argparse.Namespace) -> int:
    import pandas as pd

    from relu1d.claims import claims_table
    from relu1d.counting import read_counts
    from relu1d.covariance import exact_moment_scores
    from relu1d.plotting import save_table

    if not (args.output.endswith(".csv")):
        raise ValueError(f"claims: --output must end in .csv (a .tex twin is written beside it), got {args.output}")
    table = claims_table(
        read_counts(args.counts),
        pd.read_csv(args.cells),
        pd.read_csv(args.layers),
        pd.read_csv(args.probes),
        pd.read_csv(args.probe_rates),
        exact_moment_scores(_read_csvs(args.covariance_kernel), _read_csvs(args.covariance_derivatives)),
        pd.read_csv(args.covariance_rates),
        pd.read_csv(args.knot_law),
        {name: pd.read_csv(getattr(args, f"arora_{name}")) for name in ("a1", "a2", "tradeoff", "a3")},
        pd.read_csv(args.sparsity_fit),
        pd.read_csv(args.dynamics),
        args.experiment,
        args.lines_experiment,
    )
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


def _cmd_covariance(args: argparse.Namespace) -> int:
    from relu1d.covariance import covariance_tables
    from relu1d.ensemble import Cell
    from relu1d.io import write_csv

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
    from relu1d.covariance import bias_rates
    from relu1d.io import write_csv

    rates = bias_rates(_read_csvs(args.bias))
    write_csv(rates, args.output)
    print(rates[["layer", "exponent", "exponent_lo", "exponent_hi", "widths_resolved"]].to_string(index=False))
    return 0


def _cmd_knot_law(args: argparse.Namespace) -> int:
    import pandas as pd

    from relu1d.counting import read_counts
    from relu1d.density import knot_law_tables
    from relu1d.io import write_csv

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
        )
        tests.append(t)
        hists.append(h)
    tests_table = pd.concat(tests, ignore_index=True)
    write_csv(tests_table, args.tests)
    write_csv(pd.concat(hists, ignore_index=True), args.histograms)
    print(tests_table[["width", "layer", "knots_per_neuron", "ks_d", "p_value"]].to_string(index=False))
    return 0


def _cmd_arora(args: argparse.Namespace) -> int:
    from relu1d.arora import a1_table, a2_table, a3_table, tradeoff_table
    from relu1d.counting import read_counts
    from relu1d.io import write_csv

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

    from relu1d.io import write_csv
    from relu1d.sparsity import sparsity_runs
    from relu1d.train import TARGETS

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
    from relu1d.io import write_csv
    from relu1d.sparsity import complexity_law, sparsity_fit

    table = _read_csvs(args.tables)
    fit = sparsity_fit(table, args.sample_points)
    law = complexity_law(list(table["target"].unique()), args.sample_points)
    write_csv(fit, args.output)
    write_csv(law, args.law)
    print(fit.to_string(index=False))
    return 0


def _cmd_dynamics(args: argparse.Namespace) -> int:
    from threadpoolctl import threadpool_limits

    from relu1d.io import write_csv
    from relu1d.sparsity import dynamics_runs, dynamics_summary

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


def _cmd_numbers(args: argparse.Namespace) -> int:
    import pandas as pd

    from relu1d.io import write_text
    from relu1d.report import convergence_numbers, covariance_numbers, macros

    cells, rates = pd.read_csv(args.cells), pd.read_csv(args.rates)
    covariance = covariance_numbers(
        _read_csvs(args.covariance),
        _read_csvs(args.covariance_derivatives),
        pd.read_csv(args.covariance_rates),
        pd.read_csv(args.knot_law),
    )
    write_text(args.output, macros(convergence_numbers(cells, rates) | covariance))
    print(f"wrote {args.output}")
    return 0


def _cmd_performance(args: argparse.Namespace) -> int:
    from threadpoolctl import threadpool_limits

    from relu1d import performance as perf

    info = perf.machine()
    out = Path(args.output_dir)
    with threadpool_limits(args.blas_threads):
        rows = [
            perf.count_time_row(w, d, args.sigma_b, args.repeats, args.budget) for d in args.depths for w in args.widths
        ]
        memory = [perf.memory_row(w, args.memory_depth, args.sigma_b) for w in args.memory_widths]
        peers = [
            row
            for d in args.peer_depths
            for w in args.peer_widths
            for row in perf.peer_rows(
                w, d, args.sigma_b, args.repeats, args.budget, args.grid_budget, args.walk_budget, args.walk_regions
            )
        ]
        gpu = perf.gpu_rows(args.gpu_width, args.gpu_depth, args.sigma_b, args.repeats)
    parallel = perf.parallel_rows(args.parallel_networks, args.parallel_width, args.parallel_depth, args.sigma_b)
    tables = {"count_time": rows, "memory": memory, "parallel": parallel, "peers": peers, "gpu": gpu}
    for name, table in tables.items():
        perf.write_measurements(table, out / f"{name}.csv", info)
        print(f"{name}:")
        for row in table:
            print("  " + ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items()))
    return 0


def _cmd_performance_tables(args: argparse.Namespace) -> int:
    from relu1d.performance import write_performance_tables

    write_performance_tables(args.measurements, args.benchmarks, args.output_dir)
    print(f"wrote performance tables to {args.output_dir}")
    return 0


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="relu1d", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    count = sub.add_parser("count", help="count the linear regions of a network file (.npz) exactly")
    count.add_argument("network", help="network .npz file (arrays W1, b1, ..., W{L+1}, b{L+1})")
    count.add_argument("--json", action="store_true", help="print one JSON object")
    count.add_argument("--window", nargs=2, type=float, metavar=("A", "B"), help="count on the open window (A, B)")
    count.add_argument("--rtol", type=float, default=DEFAULT_RTOL, help="relative tolerance of zero decisions")
    count.add_argument("--no-exact-fallback", action="store_true", help="never recount in rational arithmetic")
    count.set_defaults(func=_cmd_count)

    sample = sub.add_parser("sample", help="sample a He-initialised network and save it")
    sample.add_argument("--widths", nargs="+", type=_positive_int, required=True, help="hidden widths")
    sample.add_argument("--sigma-b", type=float, default=1.0, help="bias standard deviation")
    sample.add_argument("--seed", nargs="+", type=int, default=[0], help="seed (one or more ints)")
    sample.add_argument("--n-in", type=_positive_int, default=1, help="input dimension")
    sample.add_argument("-o", "--output", required=True, help="output .npz")
    sample.set_defaults(func=_cmd_sample)

    demo = sub.add_parser("demo", help="mean regions vs sum(n)+1 for a few random architectures")
    demo.add_argument("--width", type=_positive_int, default=64)
    demo.add_argument("--depths", nargs="+", type=_positive_int, default=[1, 2, 4, 8])
    demo.add_argument("--networks", type=_positive_int, default=100)
    demo.add_argument("--sigma-b", type=float, default=1.0)
    demo.add_argument("--seed", type=int, default=2512)
    demo.set_defaults(func=_cmd_demo)
    ens = sub.add_parser("ensemble", help="write the seed/SHA-256 manifest of one experiment cell (stage 1)")
    ens.add_argument("--experiment", required=True)
    ens.add_argument("--widths", nargs="+", type=_positive_int, required=True)
    ens.add_argument("--sigma-b", type=float, required=True)
    ens.add_argument("--networks", type=_positive_int, required=True)
    ens.add_argument("--seed", type=int, required=True)
    ens.add_argument("--n-in", type=_positive_int, default=1)
    ens.add_argument("-o", "--output", required=True, help="manifest .json")
    ens.set_defaults(func=_cmd_ensemble)

    cnt = sub.add_parser("count-ensemble", help="count every network of a manifest exactly (stage 2)")
    cnt.add_argument("manifest")
    cnt.add_argument("--processes", type=_positive_int, default=1)
    cnt.add_argument("--backend", choices=["numpy", "cupy"], default="numpy")
    cnt.add_argument("--counts", required=True, help="per-network counts (.parquet)")
    cnt.add_argument("--knots", required=True, help="per-knot positions and survival (.parquet)")
    cnt.set_defaults(func=_cmd_count_ensemble)

    cmp_ = sub.add_parser("compare-counts", help="fail unless two sets of count tables agree exactly")
    cmp_.add_argument("--reference", nargs="+", required=True)
    cmp_.add_argument("--other", nargs="+", required=True)
    cmp_.add_argument("-o", "--output", help="write the verdict here on success")
    cmp_.set_defaults(func=_cmd_compare_counts)

    conv = sub.add_parser("convergence", help="per-cell ratio/delta with CIs, per-layer knots, rates (stage 3)")
    conv.add_argument("counts", nargs="+")
    conv.add_argument("--cells", required=True)
    conv.add_argument("--layers", required=True)
    conv.add_argument("--rates", required=True)
    conv.set_defaults(func=_cmd_convergence)

    cov = sub.add_parser("covariance", help="Monte Carlo vs NNGP covariance recursion (stage 4)")
    cov.add_argument("--width", type=_positive_int, required=True)
    cov.add_argument("--depth", type=_positive_int, required=True)
    cov.add_argument("--sigma-b", type=float, required=True)
    cov.add_argument("--networks", type=_positive_int, required=True)
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

    bias = sub.add_parser("bias-ablation", help="regions over R and on windows (-M, M) per sigma_b cell (claim K4)")
    bias.add_argument("--counts", nargs="+", required=True)
    bias.add_argument("--knots", nargs="+", required=True, help="knot tables, in the order of --counts")
    bias.add_argument("--windows", nargs="+", type=float, required=True, help="half-widths M")
    bias.add_argument("-o", "--output", required=True)
    bias.set_defaults(func=_cmd_bias_ablation)

    design = sub.add_parser("design", help="networks per cell for a target CI half-width, from pilot count tables")
    design.add_argument("counts", nargs="+", help="pilot count tables (.parquet) of equal-width cells")
    design.add_argument("--widths", nargs="+", type=_positive_int, required=True)
    design.add_argument("--half-width", type=float, default=0.005, help="CI half-width on the ratio (default 0.005)")
    design.add_argument("--fit-min-width", type=_positive_int, default=32, help="fit the SD law from this width")
    design.add_argument("-o", "--output", help="optional CSV of the design")
    design.set_defaults(func=_cmd_design)

    lines = sub.add_parser("lines", help="probe statistics per cell and their fitted exponents (claims H1/H2)")
    lines.add_argument("counts", nargs="+")
    lines.add_argument("--cells", required=True)
    lines.add_argument("--rates", required=True)
    lines.set_defaults(func=_cmd_lines)

    claims = sub.add_parser("claims", help="claims table K1-K7, A1-A3, H1-H3 with verdict rules (CSV + LaTeX)")
    claims.add_argument("--counts", nargs="+", required=True)
    claims.add_argument("--cells", required=True)
    claims.add_argument("--layers", required=True)
    claims.add_argument("--probes", required=True, help="per-cell probe statistics (relu1d lines --cells)")
    claims.add_argument("--probe-rates", required=True, help="probe exponents (relu1d lines --rates)")
    claims.add_argument("--covariance-kernel", nargs="+", required=True, help="kernel tables (relu1d covariance)")
    claims.add_argument("--covariance-derivatives", nargs="+", required=True, help="derivative-moment tables")
    claims.add_argument("--covariance-rates", required=True, help="bias exponents (relu1d covariance-rates)")
    claims.add_argument("--knot-law", required=True, help="knot-law tests (relu1d knot-law --tests)")
    for name in ("a1", "a2", "tradeoff", "a3"):
        claims.add_argument(f"--arora-{name}", required=True, help=f"{name} table of relu1d arora")
    claims.add_argument("--experiment", default="equal_width", help="the main equal-width experiment")
    claims.add_argument("--lines-experiment", default="lines", help="the n_in > 1 experiment of claims H1/H2")
    claims.add_argument("-o", "--output", required=True, help="claims .csv (and .tex beside it)")
    claims.add_argument("--sparsity-fit", required=True, help="relu1d sparsity-fit output (claim K7)")
    claims.add_argument("--dynamics", required=True, help="relu1d dynamics --summary output (claim H3)")
    claims.set_defaults(func=_cmd_claims)

    arora = sub.add_parser("arora", help="claims A1-A3 (Arora et al. 2018): constructions and the piece bound")
    arora.add_argument("--counts", nargs="+", required=True, help="count tables checked against the A3 bound")
    arora.add_argument("--a1-pieces", nargs="+", type=_positive_int, required=True)
    arora.add_argument("--a1-functions", type=_positive_int, required=True)
    arora.add_argument("--seed", type=int, required=True)
    arora.add_argument("--zigzag", nargs="+", required=True, help="P:KMAX, equal-spacing zig-zags to count")
    arora.add_argument("--rational-a", nargs="+", required=True, help="a as integer parts, e.g. 2/3/4")
    arora.add_argument("--rational-k", type=_positive_int, required=True)
    arora.add_argument("--tradeoff-k", nargs="+", type=_positive_int, required=True)
    arora.add_argument("--tradeoff-count-up-to", type=int, required=True)
    for name in ("a1", "a2", "tradeoff", "a3"):
        arora.add_argument(f"--{name}", required=True, help=f"{name} table (CSV)")
    arora.set_defaults(func=_cmd_arora)

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

    num = sub.add_parser("numbers", help="write numbers.tex (LaTeX macros) for the report")
    num.add_argument("--cells", required=True)
    num.add_argument("--rates", required=True)
    num.add_argument("--covariance", nargs="+", required=True, help="kernel tables (relu1d covariance)")
    num.add_argument("--covariance-derivatives", nargs="+", required=True)
    num.add_argument("--covariance-rates", required=True)
    num.add_argument("--knot-law", required=True)
    num.add_argument("-o", "--output", required=True)
    num.set_defaults(func=_cmd_numbers)

    perf = sub.add_parser("performance", help="measure count time vs the GEMM floor, peak memory, 2-process speedup")
    perf.add_argument("--widths", nargs="+", type=_positive_int, default=[256, 512, 1024])
    perf.add_argument("--depths", nargs="+", type=_positive_int, default=[2, 4, 8])
    perf.add_argument("--repeats", type=_positive_int, default=3, help="count/floor timing pairs (default 3)")
    perf.add_argument("--budget", type=_positive_float, default=10.0, help="seconds after which repeats stop")
    perf.add_argument("--memory-widths", nargs="+", type=_positive_int, default=[256, 512, 1024])
    perf.add_argument("--memory-depth", type=_positive_int, default=4)
    perf.add_argument("--parallel-networks", type=_positive_int, default=2000)
    perf.add_argument("--parallel-width", type=_positive_int, default=16)
    perf.add_argument("--parallel-depth", type=_positive_int, default=4)
    perf.add_argument("--peer-widths", nargs="+", type=_positive_int, default=[256, 1000])
    perf.add_argument("--peer-depths", nargs="+", type=_positive_int, default=[4])
    perf.add_argument("--grid-budget", type=_positive_float, default=8.0, help="longest grid run made (s, default 8)")
    perf.add_argument("--walk-budget", type=_positive_float, default=10.0, help="longest full walk made (s)")
    perf.add_argument("--walk-regions", type=_positive_int, default=300, help="regions walked when extrapolating")
    perf.add_argument("--gpu-width", type=_positive_int, default=4096, help="the GPU row's network (with a GPU)")
    perf.add_argument("--gpu-depth", type=_positive_int, default=8)
    perf.add_argument("--sigma-b", type=float, default=1.0)
    perf.add_argument("--blas-threads", type=_positive_int, default=None, help="BLAS threads (default: all)")
    perf.add_argument(
        "--output-dir", required=True, help="writes count_time, memory, parallel, peers and gpu .csv files"
    )
    perf.set_defaults(func=_cmd_performance)

    ptab = sub.add_parser("performance-tables", help="the report's performance tables from measurements + benchmarks")
    ptab.add_argument("--measurements", required=True, help="directory written by relu1d performance")
    ptab.add_argument("--benchmarks", nargs="+", required=True, help="Snakemake benchmark files (.tsv)")
    ptab.add_argument("--output-dir", required=True)
    ptab.set_defaults(func=_cmd_performance_tables)
    return parser


def _exit_on_sigterm(signum: int, frame: object) -> None:
    # SystemExit unwinds the stack, so atomic writers remove their temporary files (no partial output).
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, OSError) as err:
        message = " ".join(str(err).split())  # one line, whatever the exception text holds
        print(f"relu1d: error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())
