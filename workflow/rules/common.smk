# Validation, the experiment cells, helpers and wildcard constraints shared by every stage.
import re
from pathlib import Path

from snakemake.utils import validate

from relu1d.ensemble import aligned_counts, cells_from_config

validate(config, "../schemas/config.schema.yaml")

# Cross-key checks the schema cannot express (e.g. one `networks` entry per width) raise here, before any job.
CELLS = cells_from_config(config)
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

# Files shipped with the workflow, addressed from the Snakefile so that `--directory .test` works.
BASEDIR = Path(workflow.basedir)
NOTEBOOK_DIR = BASEDIR / "workflow" / "notebooks"
PAPER_TEX = BASEDIR / "paper" / "main.tex"

ENV = "../../envs/relu1d.yaml"


wildcard_constraints:
    cell="|".join(re.escape(c) for c in CELLS),
    width=r"\d+",
    target="|".join(SPARSITY["targets"]),


def ensemble_args(wildcards):
    """Command-line arguments of `relu1d ensemble` for one cell."""
    cell = CELLS[wildcards.cell]
    widths = " ".join(str(n) for n in cell.widths)
    return (
        f"--experiment {cell.experiment} --widths {widths} --sigma-b {cell.sigma_b!r} "
        f"--networks {cell.networks} --seed {cell.seed} --n-in {cell.n_in}"
    )


def cli_options(section):
    """A config section as command-line options: key_name: v → --key-name v (lists: space-separated values)."""
    return " ".join(
        f"--{key.replace('_', '-')} {' '.join(map(str, value)) if isinstance(value, list) else value}"
        for key, value in section.items()
    )


def all_cores(wildcards):
    """The run's --cores, read when a job is created (--unlock and --lint set none)."""
    return workflow.cores


def papermill(parameters):
    """Shell command executing the jupytext notebook {input.source} with papermill into {log.notebook}.

    The `notebook:` directive takes neither jupytext sources nor parameters, hence a shell rule.
    """
    params = " ".join(f"-p {key} {value}" for key, value in parameters.items())
    return (
        "jupytext --to ipynb --set-kernel python3 --output - {input.source}"
        f" | papermill - {{log.notebook}} -k python3 --cwd . --no-progress-bar {params} > {{log.stderr}} 2>&1"
        f" && cp {{log.notebook}} {{output.notebook}}"
        f" && jupyter nbconvert --to html --log-level WARN {{output.notebook}} --output-dir results/notebooks"
        f" >> {{log.stderr}} 2>&1"
    )


# `report` starting a line is parsed as the global `report:` directive, hence the alias.
in_report = report

FIGURES = {
    "convergence": [
        "convergence_ratio",
        "convergence_delta",
        "convergence_layers",
        "convergence_knots",
        "convergence_model",
        "convergence_survival",
    ],
    "bias": ["bias_ablation"],
    "constructions": ["arora_bound"],
    "sparsity": ["sparsity_used", "sparsity_eta", "complexity_law", "dynamics_regions"],
    "lines": ["lines_density", "lines_distance", "lines_distance_1d"],
    "covariance": [
        "covariance_variance",
        "covariance_zscores",
        "covariance_bias",
        "covariance_heatmaps",
        "knot_density_pit",
        "knot_density_window",
        "knot_ks",
    ],
}
TABLES = {
    "convergence": ["convergence_cells", "convergence_rates"],
    "bias": ["bias_ablation"],
    "constructions": ["arora_a1", "arora_a2", "arora_tradeoff"],
    "sparsity": ["sparsity_fit", "dynamics"],
    "lines": ["lines_cells", "lines_rates"],
    "covariance": ["covariance_summary", "covariance_rates", "knot_law"],
    "performance": [
        "performance_count",
        "performance_memory",
        "performance_parallel",
        "performance_peers",
        "performance_gpu",
        "stage_costs",
    ],
}


def figure_outputs(name):
    """PDF + PNG of each figure of notebook `name`; the PNGs go into the Snakemake report with a caption."""
    pdfs = [f"results/figures/{f}.pdf" for f in FIGURES[name]]
    pngs = [
        in_report(
            f"results/figures/{f}.png",
            caption=f"../report/{f}.rst",
            category=name.capitalize(),
        )
        for f in FIGURES[name]
    ]
    return pdfs + pngs


def table_outputs(name):
    return [f"results/tables/{t}.{ext}" for t in TABLES[name] for ext in ("csv", "tex")]
