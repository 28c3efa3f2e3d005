# Stage 3: E[R]/(sum n + 1) and delta per cell with bootstrap CIs, per-layer knots and survival, fitted rates.


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
