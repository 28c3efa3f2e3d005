# Stage 3: E[R]/(sum n + 1) and delta per cell with bootstrap CIs, per-layer knots and survival, fitted rates;
# probe statistics along lines (H1/H2); the claims table.


rule convergence:
    input:
        expand("results/counts/{cell}.parquet", cell=CELLS),
    output:
        cells="results/stats/convergence_cells.csv",
        layers="results/stats/convergence_layers.csv",
        rates="results/stats/convergence_rates.csv",
    log:
        "results/logs/convergence.log",
    benchmark:
        "results/benchmarks/convergence.tsv"
    conda:
        ENV
    shell:
        "relu1d convergence {input} --cells {output.cells} --layers {output.layers}"
        " --rates {output.rates} > {log} 2>&1"


rule bias_ablation:
    input:
        counts=expand("results/counts/{cell}.parquet", cell=BIAS_CELLS),
        knots=expand("results/knots/{cell}.parquet", cell=BIAS_CELLS),
    output:
        "results/stats/bias_ablation.csv",
    log:
        "results/logs/bias_ablation.log",
    benchmark:
        "results/benchmarks/bias_ablation.tsv"
    conda:
        ENV
    params:
        windows=" ".join(repr(float(m)) for m in BIAS["windows"]),
    shell:
        "relu1d bias-ablation --counts {input.counts} --knots {input.knots} --windows {params.windows}"
        " --output {output} > {log} 2>&1"


rule lines:
    input:
        counts=expand("results/counts/{cell}.parquet", cell=CELLS),
        manifests=expand("results/networks/{cell}.json", cell=CELLS),
    output:
        cells="results/stats/lines_cells.csv",
        rates="results/stats/lines_rates.csv",
    log:
        "results/logs/lines.log",
    benchmark:
        "results/benchmarks/lines.tsv"
    conda:
        ENV
    shell:
        "relu1d lines {input.counts} --manifests {input.manifests} --cells {output.cells}"
        " --rates {output.rates} > {log} 2>&1"


rule claims:
    input:
        # named as relu1d.replication.claims.CLAIM_INPUTS
        counts=expand("results/counts/{cell}.parquet", cell=CELLS),
        cells=rules.convergence.output.cells,
        layers=rules.convergence.output.layers,
        rates=rules.convergence.output.rates,
        probes=rules.lines.output.cells,
        probe_rates=rules.lines.output.rates,
        covariance_kernel=expand(
            "results/verification/covariance/width{width}.csv", width=COV["widths"]
        ),
        covariance_derivatives=expand(
            "results/verification/covariance/width{width}_derivatives.csv",
            width=COV["widths"],
        ),
        covariance_rates="results/stats/covariance_rates.csv",
        knot_law="results/stats/knot_law.csv",
        arora_a1=rules.arora.output.a1,
        arora_a2=rules.arora.output.a2,
        arora_tradeoff=rules.arora.output.tradeoff,
        arora_a3=rules.arora.output.a3,
        sparsity_fit=rules.sparsity_fit.output.fit,
        dynamics=rules.dynamics.output.summary,
        beyond_cells="results/stats/beyond_cells.csv",
        beyond_layers="results/stats/beyond_layers.csv",
        beyond_lines_cells="results/stats/beyond_lines_cells.csv",
        beyond_lines_rates="results/stats/beyond_lines_rates.csv",
    output:
        csv="results/tables/claims.csv",
        tex="results/tables/claims.tex",
    log:
        "results/logs/claims.log",
    benchmark:
        "results/benchmarks/claims.tsv"
    conda:
        ENV
    params:
        inputs=named_paths,
        experiment=MAIN_EXPERIMENT,
        lines=LINES["experiment"],
    shell:
        "relu1d claims {params.inputs} --experiment {params.experiment}"
        " --lines-experiment {params.lines} --output {output.csv} > {log} 2>&1"
