# Beyond the papers (claims X1-X5): exact counts of other activations, initialisations and residual networks,
# one job per family, summarised against the theory of docs/mathematics.md §8; H1/H2 in convolutional and residual
# networks on digit segments (X6-X7), one job per architecture; the plane through three digits (regioncam beside us).


rule beyond_count:
    output:
        "results/beyond/{family}.parquet",
    log:
        "results/logs/beyond/{family}.log",
    benchmark:
        "results/benchmarks/beyond/{family}.tsv"
    priority: PRIORITY["beyond_count"]
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


rule beyond_lines:
    output:
        "results/beyond_lines/{architecture}.parquet",
    log:
        "results/logs/beyond_lines/{architecture}.log",
    benchmark:
        "results/benchmarks/beyond_lines/{architecture}.tsv"
    priority: PRIORITY["beyond_lines"]
    conda:
        ENV
    resources:
        mem_mb=2000,
        runtime=30,
    params:
        spec=BEYOND_LINES_SPEC,
    shell:
        "relu1d beyond-lines --spec {params.spec} --architecture {wildcards.architecture}"
        " --output {output} > {log} 2>&1"


rule beyond_lines_stats:
    input:
        expand(
            "results/beyond_lines/{architecture}.parquet",
            architecture=BEYOND_LINES["architectures"],
        ),
    output:
        cells="results/stats/beyond_lines_cells.csv",
        rates="results/stats/beyond_lines_rates.csv",
    log:
        "results/logs/beyond_lines_stats.log",
    benchmark:
        "results/benchmarks/beyond_lines_stats.tsv"
    conda:
        ENV
    params:
        spec=BEYOND_LINES_SPEC,
    shell:
        "relu1d beyond-lines-stats {input} --spec {params.spec} --cells {output.cells}"
        " --rates {output.rates} > {log} 2>&1"


rule beyond_plane:
    output:
        edges="results/beyond_plane/edges.csv",
        knots="results/beyond_plane/knots.csv",
        images="results/beyond_plane/images.csv",
        sides="results/stats/beyond_plane_sides.csv",
    log:
        "results/logs/beyond_plane.log",
    benchmark:
        "results/benchmarks/beyond_plane.tsv"
    conda:
        ENV
    params:
        spec=BEYOND_PLANE_SPEC,
    shell:
        "relu1d beyond-plane --spec {params.spec} --edges {output.edges} --knots {output.knots}"
        " --images {output.images} --sides {output.sides} > {log} 2>&1"
