"""Beyond the papers: count one family's cells, then summarise them against the theory (claims X1–X5); H1/H2 in
convolutional and residual networks on digit images (X6–X7); the plane through three digits (regioncam beside us)."""

from __future__ import annotations

import argparse
import json


def _spec(text: str, section: str = "beyond") -> dict:
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"--spec: not JSON ({err})") from None
    if not isinstance(spec, dict):
        raise ValueError(f"--spec: expected the config's `{section}` section as a JSON object")
    return spec


def _cmd_beyond_count(args: argparse.Namespace) -> int:
    from threadpoolctl import threadpool_limits

    from relu1d.replication.beyond import count_family
    from relu1d.replication.counting import write_parquet

    with threadpool_limits(1):  # one BLAS thread: bit-identical counts whatever the machine
        counts = count_family(_spec(args.spec), args.family)
    write_parquet(counts, args.output)
    uncertified = int((~counts["certified"]).sum())
    print(f"{args.family}: {len(counts)} networks counted, {uncertified} with a tolerance-resolved decision")
    return 0


def _cmd_beyond_stats(args: argparse.Namespace) -> int:
    from relu1d.engine.io import write_csv
    from relu1d.replication.beyond import cell_summary, layer_summary
    from relu1d.replication.counting import read_counts

    spec = _spec(args.spec)
    counts = read_counts(args.counts)
    cells, layers = cell_summary(counts, spec), layer_summary(counts, spec)
    write_csv(cells, args.cells)
    write_csv(layers, args.layers)
    print(cells[["family", "width", "depth", "ratio", "ratio_predicted"]].to_string(index=False))
    return 0


def _cmd_beyond_lines(args: argparse.Namespace) -> int:
    from threadpoolctl import threadpool_limits

    from relu1d.replication.architectures import check_config, count_architecture, digits_test_images
    from relu1d.replication.counting import write_parquet

    spec = _spec(args.spec, "beyond_lines")
    check_config(spec)
    with threadpool_limits(1):  # one BLAS thread: bit-identical counts whatever the machine
        counts = count_architecture(spec, args.architecture, digits_test_images(int(spec["seed"])))
    write_parquet(counts, args.output)
    print(f"{args.architecture}: {len(counts)} segments counted, {int((~counts['certified']).sum())} uncertified")
    return 0


def _cmd_beyond_lines_stats(args: argparse.Namespace) -> int:
    from relu1d.engine.io import write_csv
    from relu1d.replication.architectures import cell_summary, digits_test_images, predicted_dense, rates
    from relu1d.replication.counting import read_counts

    spec = _spec(args.spec, "beyond_lines")
    cells = cell_summary(read_counts(args.counts), predicted_dense(spec, digits_test_images(int(spec["seed"]))))
    write_csv(cells, args.cells)
    write_csv(rates(cells), args.rates)
    print(cells[["architecture", "depth", "neurons", "density_per_neuron", "distance_times_n"]].to_string(index=False))
    return 0


def _cmd_beyond_plane(args: argparse.Namespace) -> int:
    from threadpoolctl import threadpool_limits

    from relu1d.engine.io import write_csv
    from relu1d.replication.plane import plane_study

    with threadpool_limits(1):
        tables = plane_study(_spec(args.spec, "beyond_plane"))
    for name, table in tables.items():
        write_csv(table, getattr(args, name))
    print(tables["sides"].to_string(index=False))
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    count = sub.add_parser("beyond-count", help="exact counts of one family's cells (beyond the papers)")
    count.add_argument("--spec", required=True, help="the config's `beyond` section, as JSON")
    count.add_argument("--family", required=True)
    count.add_argument("--output", required=True, help="counts table (.parquet)")
    count.set_defaults(func=_cmd_beyond_count)

    stats = sub.add_parser("beyond-stats", help="per-cell and per-layer summaries against the theory")
    stats.add_argument("counts", nargs="+", help="count tables of beyond-count")
    stats.add_argument("--spec", required=True, help="the config's `beyond` section, as JSON")
    stats.add_argument("--cells", required=True, help="output: per-cell E[R]/(Σn + 1), measured and predicted")
    stats.add_argument("--layers", required=True, help="output: per-layer knots and surviving knots per neuron")
    stats.set_defaults(func=_cmd_beyond_stats)

    lines = sub.add_parser("beyond-lines", help="H1/H2 counts of one architecture on segments between digit images")
    lines.add_argument("--spec", required=True, help="the config's `beyond_lines` section, as JSON")
    lines.add_argument("--architecture", required=True)
    lines.add_argument("--output", required=True, help="counts table (.parquet), one row per segment")
    lines.set_defaults(func=_cmd_beyond_lines)

    lines_stats = sub.add_parser("beyond-lines-stats", help="per-cell ρ and E[d] and their exponents in N")
    lines_stats.add_argument("counts", nargs="+", help="count tables of beyond-lines")
    lines_stats.add_argument("--spec", required=True, help="the config's `beyond_lines` section, as JSON")
    lines_stats.add_argument("--cells", required=True, help="output: per-cell statistics (.csv)")
    lines_stats.add_argument("--rates", required=True, help="output: fitted exponents per architecture and depth")
    lines_stats.set_defaults(func=_cmd_beyond_lines_stats)

    plane = sub.add_parser("beyond-plane", help="regions of a trained digits network in the plane of three images")
    plane.add_argument("--spec", required=True, help="the config's `beyond_plane` section, as JSON")
    for name in ("edges", "knots", "images", "sides"):
        plane.add_argument(f"--{name}", required=True, help=f"output: the {name} table (.csv)")
    plane.set_defaults(func=_cmd_beyond_plane)
