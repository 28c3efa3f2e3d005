# Validation, the experiment cells, helpers and wildcard constraints shared by every stage.
import json
import os
import re
import shlex
from pathlib import Path

import yaml

from snakemake.utils import validate

from relu1d.bench.tables import MEASUREMENTS as PERFORMANCE_MEASUREMENTS
from relu1d.bench.tables import PERFORMANCE_TABLES
from relu1d.replication.architectures import check_config as check_beyond_lines
from relu1d.replication.beyond import family_specs, networks_per_width
from relu1d.replication.counting import (
    count_processes,
    estimated_cell_seconds,
    estimated_count_mb,
)
from relu1d.replication.ensemble import aligned_counts, cells_from_config

validate(config, "../schemas/config.schema.yaml")

# Cross-key checks the schema cannot express (e.g. one `networks` entry per width) raise here, before any job.
CELLS = cells_from_config(config)
MAIN_EXPERIMENT = config["main_experiment"]
if not any(
    cell.experiment == MAIN_EXPERIMENT
    and len(set(cell.widths)) == 1
    and cell.sigma_b == 1.0
    for cell in CELLS.values()
):
    raise ValueError(
        f"main_experiment: {MAIN_EXPERIMENT!r} has no equal-width cells at sigma_b = 1"
    )
COV = config["covariance"]
COV_NETWORKS = dict(
    zip(
        COV["widths"],
        aligned_counts(COV["networks"], len(COV["widths"]), "covariance", "widths"),
    )
)
# K6: the deepest equal-width cells of COV["knot_experiment"] at the covariance stage's σ_b, every width.
_knot_cells = {
    c: cell
    for c, cell in CELLS.items()
    if cell.experiment == COV["knot_experiment"]
    and len(set(cell.widths)) == 1
    and cell.sigma_b == COV["sigma_b"]
}
if not _knot_cells or COV["sigma_b"] <= 0:
    raise ValueError(
        f"covariance.knot_experiment: {COV['knot_experiment']!r} has no equal-width cells at"
        f" covariance.sigma_b = {COV['sigma_b']} (> 0 needed)"
    )
_knot_depth = max(cell.depth for cell in _knot_cells.values())
KNOT_LAW_CELLS = sorted(
    (c for c, cell in _knot_cells.items() if cell.depth == _knot_depth),
    key=lambda c: CELLS[c].widths[0],
)
CONSTRUCTIONS = config["constructions"]
SPARSITY = config["sparsity"]
DYNAMICS = config["training"]
BIAS = config["bias_ablation"]
BIAS_CELLS = [c for c, cell in CELLS.items() if cell.experiment == BIAS["experiment"]]
if not BIAS_CELLS:
    raise ValueError(
        f"bias_ablation.experiment: {BIAS['experiment']!r} is not an experiment with cells"
    )

PERFORMANCE = config["performance"]
LINES = config["lines"]
if not any(
    cell.experiment == LINES["experiment"] and cell.n_in > 1 for cell in CELLS.values()
):
    raise ValueError(
        f"lines.experiment: {LINES['experiment']!r} is not an experiment with n_in > 1"
    )
BEYOND = config["beyond"]
BEYOND_FAMILIES = [spec.name for spec in family_specs(BEYOND["families"])]
networks_per_width(BEYOND)  # one `networks` entry per width, checked before any job
BEYOND_SPEC = shlex.quote(json.dumps(BEYOND, sort_keys=True))
BEYOND_LINES = config["beyond_lines"]
check_beyond_lines(
    BEYOND_LINES
)  # every convolution holds whole channels, checked before any job
BEYOND_LINES_SPEC = shlex.quote(json.dumps(BEYOND_LINES, sort_keys=True))
BEYOND_PLANE_SPEC = shlex.quote(json.dumps(config["beyond_plane"], sort_keys=True))

# Files shipped with the workflow, addressed from the Snakefile so that `--directory .test` works.
BASEDIR = Path(workflow.basedir)
NOTEBOOK_DIR = BASEDIR / "workflow" / "notebooks"
PAPER_TEX = BASEDIR / "paper" / "main.tex"

ENV = "../../envs/relu1d.yaml"

# The command that reproduces this run (the number of cores changes nothing: results are deterministic).
_workdir = Path.cwd().resolve()
REPRODUCE = "snakemake --cores all" + (
    ""
    if _workdir == BASEDIR.resolve()
    else f" --directory {os.path.relpath(_workdir, BASEDIR)}"
)


wildcard_constraints:
    cell="|".join(re.escape(c) for c in CELLS),
    width=r"\d+",
    target="|".join(SPARSITY["targets"]),
    family="|".join(BEYOND_FAMILIES),
    architecture="|".join(BEYOND_LINES["architectures"]),


def ensemble_args(wildcards):
    """Command-line arguments of `relu1d ensemble` for one cell."""
    cell = CELLS[wildcards.cell]
    widths = " ".join(str(n) for n in cell.widths)
    return (
        f"--experiment {cell.experiment} --widths {widths} --sigma-b {cell.sigma_b!r} "
        f"--networks {cell.networks} --seed {cell.seed} --n-in {cell.n_in}"
    )


# Proofs of the counts: the first PROVE networks of every cell beyond the cheap ones (docs/mathematics.md §2.3).
PROVE = config["certification"]["networks_per_cell"]


def count_threads(wildcards):
    """Processes for one cell's count job: one per ~30 s of its estimated work, at most half the run's cores (a job
    that needs every core starts only when all the others have ended: on 2 cores the two-process 1024-wide cells
    ran last, one after the other, while single-process ones fill both cores from the start), at most 16.
    """
    return count_processes(
        CELLS[wildcards.cell], min(16, max(1, workflow.cores // 2)), PROVE
    )


def count_mem_mb(wildcards, threads):
    """Memory (MB) for one cell's count job in `threads` processes, its proofs included."""
    return estimated_count_mb(CELLS[wildcards.cell], threads, PROVE)


# Longest first: as cores free up, Snakemake starts the ready jobs of highest priority. A job's priority is its
# expected seconds on one core, so long jobs start early and short ones fill the run's end (longest-processing-time
# -first scheduling). Sample and count jobs: their cell's estimate (`cell_priority`); the other rules of more than
# ~20 s: their seconds in the default run of 2026-12-06 (results/benchmarks/); `performance` before everything: it
# takes every core, which are all idle for sure only at the start.
PRIORITY = {
    "performance": 10**6,
    "covariance": 120,
    "beyond_lines": 80,
    "beyond_count": 30,
    "sparsity": 30,
    "dynamics": 30,
    "knot_law": 30,
}


def cell_priority(wildcards):
    """The priority of a cell's sample and count jobs: its estimated count seconds (`PRIORITY`)."""
    return estimated_cell_seconds(CELLS[wildcards.cell], PROVE)


def cli_options(section):
    """A config section as command-line options: key_name: v → --key-name v (lists: space-separated values)."""
    return " ".join(
        f"--{key.replace('_', '-')} {' '.join(map(str, value)) if isinstance(value, list) else value}"
        for key, value in section.items()
    )


def all_cores(wildcards):
    """The run's --cores, read when a job is created (--unlock and --lint set none)."""
    return workflow.cores


# Executes the jupytext notebook {input.source} with papermill into {log.notebook}, with the parameters of
# notebook_parameters. The `notebook:` directive takes neither jupytext sources nor parameters, hence a shell rule.
# A kernel may take long to start on a loaded node (papermill's default wait is 60 s): wait up to 10 min.
PAPERMILL = (
    "jupytext --to ipynb --set-kernel python3 --output - {input.source}"
    " | papermill - {log.notebook} -k python3 --cwd . --no-progress-bar --start-timeout 600 {params.parameters}"
    " > {log.stderr} 2>&1"
    " && cp {log.notebook} {output.notebook}"
    " && jupyter nbconvert --to html --log-level WARN {output.notebook} --output-dir results/notebooks"
    " >> {log.stderr} 2>&1"
)

# `report` starting a line is parsed as the global `report:` directive, hence the alias.
in_report = report

# The report's figures and tables, by notebook: names, inputs, parameters, captions (one table, read once).
with open(BASEDIR / "workflow" / "report" / "figures.yaml", encoding="utf-8") as _table:
    NOTEBOOKS = yaml.safe_load(_table)
FIGURES = {name: list(entry["figures"]) for name, entry in NOTEBOOKS.items()}
TABLES = {name: entry["tables"] for name, entry in NOTEBOOKS.items()}
TABLES["performance"] = list(PERFORMANCE_TABLES)

# Snakemake reads a caption from a file: each figure's caption is written from the table into the working
# directory's .snakemake/ (only when it changed), where the Snakemake report finds it.
CAPTION_DIR = Path(".snakemake", "relu1d-captions").resolve()


def caption_file(figure, caption):
    path = CAPTION_DIR / f"{figure}.rst"
    text = f"{caption}\n"
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        CAPTION_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return str(path)


def rule_files(reference):
    """The files of `rule.input|output[.name]` (a rule's named or whole input or output)."""
    producer, kind, *name = reference.split(".")
    files = getattr(getattr(rules, producer), kind)
    return getattr(files, name[0]) if name else files


def notebook_inputs(name):
    return {param: rule_files(ref) for param, ref in NOTEBOOKS[name]["inputs"].items()}


def config_value(reference):
    """A constant, or `config:key[.key]` for a value of the configuration."""
    if not str(reference).startswith("config:"):
        return reference
    value = config
    for key in reference.removeprefix("config:").split("."):
        value = value[key]
    return value


def notebook_parameters(name):
    """papermill's -p options of notebook `name`: its inputs (lists comma-separated) and parameters."""
    constants = {
        p: config_value(v) for p, v in NOTEBOOKS[name].get("parameters", {}).items()
    }

    def options(wildcards, input):
        files = {p: getattr(input, p) for p in NOTEBOOKS[name]["inputs"]}
        values = {
            p: ",".join([f] if isinstance(f, str) else f) for p, f in files.items()
        }
        return " ".join(
            f"-p {p} {shlex.quote(str(v))}" for p, v in (values | constants).items()
        )

    return options


def figure_outputs(name):
    """PDF + PNG of each figure of notebook `name`; the PNGs go into the Snakemake report with their caption."""
    figures = NOTEBOOKS[name]["figures"]
    pdfs = [f"results/figures/{f}.pdf" for f in figures]
    pngs = [
        in_report(
            f"results/figures/{f}.png",
            caption=caption_file(f, caption),
            category=name.capitalize(),
        )
        for f, caption in figures.items()
    ]
    return pdfs + pngs


def table_outputs(name):
    return [f"results/tables/{t}.{ext}" for t in TABLES[name] for ext in ("csv", "tex")]


def named_paths(wildcards, input):
    """A rule's named inputs as NAME=PATH arguments, one per file (a list repeats its name)."""
    return " ".join(
        f"{name}={path}"
        for name, files in input.items()
        for path in ([files] if isinstance(files, str) else files)
    )
