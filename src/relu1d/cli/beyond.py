"""Beyond the papers (claims X1–X5): count one family's cells, then summarise them against the theory."""

from __future__ import annotations

import argparse
import json


def _spec(text: str) -> dict:
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"--spec: not JSON ({err})") from None
    if not isinstance(spec, dict):
        raise ValueError("--spec: expected the config's `beyond` section as a JSON object")
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
