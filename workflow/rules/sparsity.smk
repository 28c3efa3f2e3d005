# Stage 5 (claims K7 and H3): scikit-learn MLPs trained from He initialisation, counted exactly at snapshots.
# K7: regions used on the target's domain vs the minimal linear complexity N_f(eps), one job per target.
# H3: activation regions along segments between 8x8 digit images during training.


rule sparsity:
    output:
        "results/stats/sparsity/{target}.csv",
    log:
        "results/logs/sparsity/{target}.log",
    benchmark:
        "results/benchmarks/sparsity/{target}.tsv"
    priority: PRIORITY["sparsity"]
    conda:
        ENV
    params:
        hidden=" ".join(SPARSITY["hidden"]),
        epochs=" ".join(str(e) for e in SPARSITY["epochs"]),
        options=(
            f"--seeds {SPARSITY['seeds']} --sample-points {SPARSITY['sample_points']}"
            f" --sigma-b {SPARSITY['sigma_b']} --learning-rate {SPARSITY['learning_rate']}"
            f" --seed {SPARSITY['seed']}"
        ),
    shell:
        "relu1d sparsity --target {wildcards.target} --hidden {params.hidden}"
        " --epochs {params.epochs} {params.options} -o {output} > {log} 2>&1"


rule sparsity_fit:
    input:
        expand("results/stats/sparsity/{target}.csv", target=SPARSITY["targets"]),
    output:
        fit="results/stats/sparsity_fit.csv",
        law="results/stats/complexity_law.csv",
    log:
        "results/logs/sparsity_fit.log",
    benchmark:
        "results/benchmarks/sparsity_fit.tsv"
    conda:
        ENV
    params:
        points=SPARSITY["sample_points"],
    shell:
        "relu1d sparsity-fit {input} --sample-points {params.points} -o {output.fit}"
        " --law {output.law} > {log} 2>&1"


rule dynamics:
    output:
        runs="results/stats/dynamics_runs.csv",
        summary="results/stats/dynamics.csv",
    log:
        "results/logs/dynamics.log",
    benchmark:
        "results/benchmarks/dynamics.tsv"
    priority: PRIORITY["dynamics"]
    conda:
        ENV
    params:
        hidden=" ".join(DYNAMICS["hidden"]),
        epochs=" ".join(str(e) for e in DYNAMICS["epochs"]),
        options=(
            f"--seeds {DYNAMICS['seeds']} --lines {DYNAMICS['lines']} --batch-size {DYNAMICS['batch_size']}"
            f" --sigma-b {DYNAMICS['sigma_b']} --learning-rate {DYNAMICS['learning_rate']}"
            f" --seed {DYNAMICS['seed']}"
        ),
    shell:
        "relu1d dynamics --hidden {params.hidden} --epochs {params.epochs} {params.options}"
        " --runs {output.runs} --summary {output.summary} > {log} 2>&1"
