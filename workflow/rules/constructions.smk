# Stage 3 (Arora et al. 2018, claims A1–A3): exact constructions, the depth/size trade-off, and the piece bound
# checked on every counted network.


rule arora:
    input:
        expand("results/counts/{cell}.parquet", cell=CELLS),
    output:
        a1="results/stats/arora_a1.csv",
        a2="results/stats/arora_a2.csv",
        tradeoff="results/stats/arora_tradeoff.csv",
        a3="results/stats/arora_a3.csv",
    log:
        "results/logs/arora.log",
    benchmark:
        "results/benchmarks/arora.tsv"
    conda:
        ENV
    params:
        pieces=" ".join(str(p) for p in CONSTRUCTIONS["a1_pieces"]),
        functions=CONSTRUCTIONS["a1_functions"],
        seed=CONSTRUCTIONS["seed"],
        zigzag=" ".join(f"{p}:{k}" for p, k in CONSTRUCTIONS["zigzag"]),
        rational=" ".join(CONSTRUCTIONS["rational_a"]),
        rational_k=CONSTRUCTIONS["rational_k"],
        tradeoff=" ".join(str(k) for k in CONSTRUCTIONS["tradeoff_k"]),
        count_up_to=CONSTRUCTIONS["tradeoff_count_up_to"],
    shell:
        "relu1d arora --counts {input} --a1-pieces {params.pieces} --a1-functions {params.functions}"
        " --seed {params.seed} --zigzag {params.zigzag} --rational-a {params.rational}"
        " --rational-k {params.rational_k} --tradeoff-k {params.tradeoff}"
        " --tradeoff-count-up-to {params.count_up_to} --a1 {output.a1} --a2 {output.a2}"
        " --tradeoff {output.tradeoff} --a3 {output.a3} > {log} 2>&1"
