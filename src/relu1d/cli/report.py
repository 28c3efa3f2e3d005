"""The claims table and the report's numbers."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from relu1d.cli.common import read_csvs


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
    from relu1d.replication.claims import CLAIMS_CAPTION, claims_table, read_claim_inputs
    from relu1d.replication.plotting import save_table

    if not (args.output.endswith(".csv")):
        raise ValueError(f"claims: --output must end in .csv (a .tex twin is written beside it), got {args.output}")
    table = claims_table(read_claim_inputs(named_paths(args.inputs)), args.experiment, args.lines_experiment)
    out = Path(args.output)
    save_table(
        table,
        out.parent,
        out.stem,
        caption=CLAIMS_CAPTION,
        column_format="lp{3.2cm}p{4.2cm}p{4.6cm}l",
        long=True,  # every row on the page it starts on: a float of all claims is taller than a page
    )
    print(table[["claim", "verdict"]].to_string(index=False))
    return 0


def _cmd_numbers(args: argparse.Namespace) -> int:
    import pandas as pd

    from relu1d.bench.tables import gpu_measured
    from relu1d.engine.io import write_text
    from relu1d.replication.numbers import (
        beyond_lines_numbers,
        convergence_numbers,
        covariance_numbers,
        macros,
        verdict_numbers,
    )

    cells, rates = pd.read_csv(args.cells), pd.read_csv(args.rates)
    covariance = covariance_numbers(
        read_csvs(args.covariance),
        read_csvs(args.covariance_derivatives),
        pd.read_csv(args.covariance_rates),
        pd.read_csv(args.knot_law),
    )
    verdicts = verdict_numbers(pd.read_csv(args.claims))
    # "true"/"false" for \ifgpumeasured: without a CUDA device the report says so instead of an empty table
    gpu = {"GpuMeasured": "true" if gpu_measured(args.gpu) else "false"}
    beyond = beyond_lines_numbers(pd.read_csv(args.beyond_lines), pd.read_csv(args.plane_sides))
    numbers = convergence_numbers(cells, rates, args.experiment) | covariance | verdicts | gpu | beyond
    write_text(args.output, macros(numbers))
    print(f"wrote {args.output}")
    return 0


def _cmd_provenance(args: argparse.Namespace) -> int:
    import json

    from relu1d.bench.timing import machine
    from relu1d.engine.io import write_text
    from relu1d.replication.provenance import (
        config_digest,
        config_seeds,
        git_commit,
        package_versions,
        provenance_rows,
        provenance_tex,
    )

    try:
        config = json.loads(args.config_json)
    except json.JSONDecodeError as err:
        raise ValueError(f"provenance: --config-json is not JSON: {err}") from None
    if not isinstance(config, dict):
        raise ValueError("provenance: --config-json must be a JSON object (the configuration)")
    info = machine()
    described = {key: info[key] for key in ("host", "cpu", "blas")}
    rows = provenance_rows(
        git_commit(args.repository),
        args.command,
        config_digest(config),
        config_seeds(config),
        package_versions(),
        described,
    )
    write_text(args.output, provenance_tex(rows))
    print(f"wrote {args.output}")
    return 0


def _cmd_check_report(args: argparse.Namespace) -> int:
    import pandas as pd

    from relu1d.replication.claims import CLAIMS_CAPTION
    from relu1d.replication.report_check import claims_section, log_problems, missing_claims, pdf_text

    with open(args.log, encoding="utf-8", errors="replace") as fh:
        problems = log_problems(fh.read())
    claims = pd.read_csv(args.claims)["claim"].tolist()
    section = claims_section(pdf_text(args.pdf), CLAIMS_CAPTION.split(":")[0], args.until)
    if not section:
        problems.append("the claims table's caption is not in the PDF's text")
    elif missing := missing_claims(section, claims):
        problems.append(f"claims without a row in the PDF's claims table: {', '.join(missing)}")
    if problems:
        raise ValueError(f"{args.pdf}: " + "; ".join(problems))
    print(f"{args.pdf}: all {len(claims)} claims in the claims table, no table overflows")
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

    prov = sub.add_parser("provenance", help="the report's reproducibility table: commit, command, config, versions")
    prov.add_argument("--config-json", required=True, help="the configuration as the run used it (JSON)")
    prov.add_argument("--command", required=True, help="the command that reproduces the run")
    prov.add_argument("--repository", required=True, help="the workflow's checkout (for the commit)")
    prov.add_argument("-o", "--output", required=True, help="LaTeX table")
    prov.set_defaults(func=_cmd_provenance)

    check = sub.add_parser("check-report", help="fail unless every claim has a row in the PDF and no table overflows")
    check.add_argument("pdf")
    check.add_argument("--log", required=True, help="the LaTeX log of the PDF")
    check.add_argument("--claims", required=True, help="the claims table (CSV)")
    check.add_argument("--until", default="Claim K1:", help="text of the heading after the claims table")
    check.set_defaults(func=_cmd_check_report)

    num = sub.add_parser("numbers", help="write numbers.tex (LaTeX macros) for the report")
    num.add_argument("--experiment", required=True, help="the main equal-width experiment (config main_experiment)")
    num.add_argument("--cells", required=True)
    num.add_argument("--rates", required=True)
    num.add_argument("--covariance", nargs="+", required=True, help="kernel tables (relu1d covariance)")
    num.add_argument("--covariance-derivatives", nargs="+", required=True)
    num.add_argument("--covariance-rates", required=True)
    num.add_argument("--knot-law", required=True)
    num.add_argument("--claims", required=True, help="the claims table (relu1d claims)")
    num.add_argument("--gpu", required=True, help="the GPU measurement file (relu1d performance)")
    num.add_argument("--beyond-lines", required=True, help="per-cell table of relu1d beyond-lines-stats --cells")
    num.add_argument("--plane-sides", required=True, help="the sides table of relu1d beyond-plane")
    num.add_argument("-o", "--output", required=True)
    num.set_defaults(func=_cmd_numbers)
