# Stage 2: exact region counts per network, multiprocessing over networks (BLAS pinned to 1 thread per worker);
# a cell of a few seconds is counted in one process (relu1d.replication.counting.count_processes).


rule count:
    input:
        "results/networks/{cell}.json",
    output:
        counts="results/counts/{cell}.parquet",
        knots="results/knots/{cell}.parquet",
    log:
        "results/logs/count/{cell}.log",
    benchmark:
        "results/benchmarks/count/{cell}.tsv"
    conda:
        ENV
    threads: lambda wildcards: count_processes(CELLS[wildcards.cell], 16)
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        prove=config["certification"]["networks_per_cell"],
    shell:
        "relu1d count-ensemble {input} --processes {threads}"
        " --prove {params.prove}"
        " --counts {output.counts} --knots {output.knots} > {log} 2>&1"
