# Stage 2 on the GPU (included only when `use_gpu: true`): the same counts through cupy, checked equal to the CPU's.


rule count_gpu:
    input:
        "results/networks/{cell}.json",
    output:
        counts="results/counts_gpu/{cell}.parquet",
        knots="results/knots_gpu/{cell}.parquet",
    log:
        "results/logs/count_gpu/{cell}.log",
    benchmark:
        "results/benchmarks/count_gpu/{cell}.tsv"
    conda:
        "../../envs/relu1d-gpu.yaml"
    resources:
        gpu=1,
        mem_mb=8000,
        runtime=60,
    shell:
        "relu1d count-ensemble {input} --backend cupy"
        " --counts {output.counts} --knots {output.knots} > {log} 2>&1"


rule check_gpu_counts:
    input:
        cpu=expand("results/counts/{cell}.parquet", cell=CELLS),
        gpu=expand("results/counts_gpu/{cell}.parquet", cell=CELLS),
    output:
        "results/verification/gpu_equals_cpu.txt",
    log:
        "results/logs/check_gpu_counts.log",
    benchmark:
        "results/benchmarks/check_gpu_counts.tsv"
    conda:
        ENV
    shell:
        "relu1d compare-counts --reference {input.cpu} --other {input.gpu} --output {output} > {log} 2>&1"
