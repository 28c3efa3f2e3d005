# The counter measured on this machine (relu1d.bench), and the cost of this run's
# computing rules from their benchmark files; both become tables of the report. Timings are measurements of the
# machine, not results: they live in results/performance/, outside the bit-identical results/stats/.


rule performance:
    output:
        expand(
            "results/performance/{name}.csv",
            name=PERFORMANCE_MEASUREMENTS,
        ),
    log:
        "results/logs/performance.log",
    benchmark:
        "results/benchmarks/performance.tsv"
    priority: PRIORITY["performance"]
    conda:
        ENV
    # every core of a local run: a job beside it would disturb the timings (the 2-process speedup needs 2 idle
    # cores); on SLURM the profile sets its threads (workflow.cores is the number of jobs there)
    threads: all_cores
    params:
        options=cli_options(PERFORMANCE),
        directory=lambda wildcards, output: Path(output[0]).parent,
    shell:
        "relu1d performance {params.options} --output-dir {params.directory} > {log} 2>&1"


# The computing rules whose benchmark files the stage-cost table sums (notebooks and the report excluded).
STAGE_BENCHMARKS = [
    *expand(rules.sample.benchmark, cell=CELLS),
    *expand(rules.count.benchmark, cell=CELLS),
    *expand(rules.covariance.benchmark, width=COV["widths"]),
    *expand(rules.sparsity.benchmark, target=SPARSITY["targets"]),
    rules.knot_law.benchmark,
    rules.convergence.benchmark,
    rules.bias_ablation.benchmark,
    rules.lines.benchmark,
    rules.claims.benchmark,
    rules.arora.benchmark,
    rules.sparsity_fit.benchmark,
    rules.dynamics.benchmark,
    *expand(rules.beyond_count.benchmark, family=BEYOND_FAMILIES),
    rules.beyond_stats.benchmark,
    *expand(rules.beyond_lines.benchmark, architecture=BEYOND_LINES["architectures"]),
    rules.beyond_lines_stats.benchmark,
    rules.beyond_plane.benchmark,
    rules.performance.benchmark,
]


rule performance_tables:
    input:
        measurements=rules.performance.output,
        benchmarks=STAGE_BENCHMARKS,
    output:
        table_outputs("performance"),
    log:
        "results/logs/performance_tables.log",
    localrule: True
    conda:
        ENV
    params:
        measurements=lambda wildcards, input: Path(input.measurements[0]).parent,
    shell:
        "relu1d performance-tables --measurements {params.measurements} --benchmarks {input.benchmarks}"
        " --output-dir results/tables > {log} 2>&1"
