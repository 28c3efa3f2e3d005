# Stage 2: exact region counts per network, multiprocessing over networks (BLAS pinned to 1 thread per worker);
# a cell of a few seconds is counted in one process, and a job asks for the memory its cell needs
# (relu1d.replication.counting: count_processes, estimated_count_mb).


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
        mem_mb=lambda wildcards, threads: estimated_count_mb(
            CELLS[wildcards.cell],
            threads,
            config["certification"]["networks_per_cell"],
        ),
        runtime=60,
    params:
        prove=config["certification"]["networks_per_cell"],
    shell:
        "relu1d count-ensemble {input} --processes {threads}"
        " --prove {params.prove}"
        " --counts {output.counts} --knots {output.knots} > {log} 2>&1"
