# Stage 1: one seed/SHA-256 manifest per experiment cell (networks are regenerated from it, hash-checked).


rule sample:
    output:
        "results/networks/{cell}.json",
    log:
        "results/logs/sample/{cell}.log",
    benchmark:
        "results/benchmarks/sample/{cell}.tsv"
    priority: cell_priority
    conda:
        ENV
    params:
        args=ensemble_args,
    shell:
        "relu1d ensemble {params.args} --output {output} > {log} 2>&1"
