# Stage 5a: jupytext notebooks executed by papermill; they read stage outputs and only plot and tabulate.


rule notebook_convergence:
    input:
        source=NOTEBOOK_DIR / "convergence.py",
        cells=rules.convergence.output.cells,
        layers=rules.convergence.output.layers,
        rates=rules.convergence.output.rates,
    output:
        figure_outputs("convergence"),
        table_outputs("convergence"),
        notebook="results/notebooks/convergence.ipynb",
        html="results/notebooks/convergence.html",
    log:
        notebook="results/logs/notebooks/convergence.ipynb",
        stderr="results/logs/notebooks/convergence.log",
    benchmark:
        "results/benchmarks/notebooks/convergence.tsv"
    conda:
        ENV
    shell:
        papermill(
            {
                "cells": "{input.cells}",
                "layers": "{input.layers}",
                "rates": "{input.rates}",
            },
        )


rule notebook_covariance:
    input:
        source=NOTEBOOK_DIR / "covariance.py",
        kernel=rules.claims.input.cov_kernel,
        derivatives=rules.claims.input.cov_derivatives,
        bias=rules.covariance_rates.input,
        rates=rules.covariance_rates.output,
        knot_law=rules.knot_law.output.tests,
        knot_histograms=rules.knot_law.output.histograms,
    output:
        figure_outputs("covariance"),
        table_outputs("covariance"),
        notebook="results/notebooks/covariance.ipynb",
        html="results/notebooks/covariance.html",
    log:
        notebook="results/logs/notebooks/covariance.ipynb",
        stderr="results/logs/notebooks/covariance.log",
    benchmark:
        "results/benchmarks/notebooks/covariance.tsv"
    conda:
        ENV
    params:
        kernel=lambda wc, input: ",".join(input.kernel),
        derivatives=lambda wc, input: ",".join(input.derivatives),
        bias=lambda wc, input: ",".join(input.bias),
    shell:
        papermill(
            {
                "kernel": "{params.kernel}",
                "derivatives": "{params.derivatives}",
                "bias": "{params.bias}",
                "rates": "{input.rates}",
                "knot_law": "{input.knot_law}",
                "knot_histograms": "{input.knot_histograms}",
                "table_dir": "results/tables",
            }
        )


rule notebook_bias:
    input:
        source=NOTEBOOK_DIR / "bias.py",
        table=rules.bias_ablation.output,
    output:
        figure_outputs("bias"),
        table_outputs("bias"),
        notebook="results/notebooks/bias.ipynb",
        html="results/notebooks/bias.html",
    log:
        notebook="results/logs/notebooks/bias.ipynb",
        stderr="results/logs/notebooks/bias.log",
    benchmark:
        "results/benchmarks/notebooks/bias.tsv"
    conda:
        ENV
    shell:
        papermill({"table": "{input.table}"})


rule notebook_constructions:
    input:
        source=NOTEBOOK_DIR / "constructions.py",
        a1=rules.arora.output.a1,
        a2=rules.arora.output.a2,
        tradeoff=rules.arora.output.tradeoff,
        a3=rules.arora.output.a3,
    output:
        figure_outputs("constructions"),
        table_outputs("constructions"),
        notebook="results/notebooks/constructions.ipynb",
        html="results/notebooks/constructions.html",
    log:
        notebook="results/logs/notebooks/constructions.ipynb",
        stderr="results/logs/notebooks/constructions.log",
    benchmark:
        "results/benchmarks/notebooks/constructions.tsv"
    conda:
        ENV
    shell:
        papermill(
            {
                "a1": "{input.a1}",
                "a2": "{input.a2}",
                "tradeoff": "{input.tradeoff}",
                "a3": "{input.a3}",
            }
        )


rule notebook_sparsity:
    input:
        source=NOTEBOOK_DIR / "sparsity.py",
        sparsity=expand(
            "results/stats/sparsity/{target}.csv", target=SPARSITY["targets"]
        ),
        fit=rules.sparsity_fit.output.fit,
        law=rules.sparsity_fit.output.law,
        dynamics=rules.dynamics.output.summary,
    output:
        figure_outputs("sparsity"),
        table_outputs("sparsity"),
        notebook="results/notebooks/sparsity.ipynb",
        html="results/notebooks/sparsity.html",
    log:
        notebook="results/logs/notebooks/sparsity.ipynb",
        stderr="results/logs/notebooks/sparsity.log",
    benchmark:
        "results/benchmarks/notebooks/sparsity.tsv"
    conda:
        ENV
    params:
        sparsity=lambda wc, input: ",".join(input.sparsity),
    shell:
        papermill(
            {
                "sparsity": "{params.sparsity}",
                "fit": "{input.fit}",
                "law": "{input.law}",
                "dynamics": "{input.dynamics}",
            }
        )


rule notebook_lines:
    input:
        source=NOTEBOOK_DIR / "lines.py",
        cells=rules.lines.output.cells,
        rates=rules.lines.output.rates,
        counts=expand("results/counts/{cell}.parquet", cell=CELLS),
    output:
        figure_outputs("lines"),
        table_outputs("lines"),
        notebook="results/notebooks/lines.ipynb",
        html="results/notebooks/lines.html",
    log:
        notebook="results/logs/notebooks/lines.ipynb",
        stderr="results/logs/notebooks/lines.log",
    benchmark:
        "results/benchmarks/notebooks/lines.tsv"
    conda:
        ENV
    params:
        experiment=LINES["experiment"],
        counts=lambda wc, input: ",".join(input.counts),
    shell:
        papermill(
            {
                "cells": "{input.cells}",
                "rates": "{input.rates}",
                "counts": "{params.counts}",
                "experiment": "{params.experiment}",
            },
        )
