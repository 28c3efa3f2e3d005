# Beyond the papers (claims X1-X5): exact counts of other activations, initialisations and residual networks,
# one job per family, summarised against the theory of docs/mathematics.md §8.


rule beyond_count:
    output:
        "results/beyond/{family}.parquet",
    log:
        "results/logs/beyond/{family}.log",
    benchmark:
        "results/benchmarks/beyond/{family}.tsv"
    conda:
        ENV
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        spec=BEYOND_SPEC,
    shell:
        "relu1d beyond-count --spec {params.spec} --family {wildcards.family} --output {output} > {log} 2>&1"


rule beyond_stats:
    input:
        expand("results/beyond/{family}.parquet", family=BEYOND_FAMILIES),
    output:
        cells="results/stats/beyond_cells.csv",
        layers="results/stats/beyond_layers.csv",
    log:
        "results/logs/beyond_stats.log",
    benchmark:
        "results/benchmarks/beyond_stats.tsv"
    conda:
        ENV
    params:
        spec=BEYOND_SPEC,
    shell:
        "relu1d beyond-stats {input} --spec {params.spec} --cells {output.cells} --layers {output.layers}"
        " > {log} 2>&1"
