# Stage 2: exact region counts per network, multiprocessing over networks (BLAS pinned to 1 thread per worker);
# one process per ~30 s of a cell's estimated work, and a job asks for the memory its cell needs
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
    priority: cell_priority
    conda:
        ENV
    threads: count_threads
    resources:
        mem_mb=count_mem_mb,
        runtime=60,
    params:
        prove=PROVE,
    shell:
        "relu1d count-ensemble {input} --processes {threads}"
        " --prove {params.prove}"
        " --counts {output.counts} --knots {output.knots} > {log} 2>&1"
