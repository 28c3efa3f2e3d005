# Stage 4: Monte Carlo pre-activation covariances at finite width against the NNGP recursion.


rule covariance:
    output:
        "results/verification/covariance/width{width}.csv",
    log:
        "results/logs/covariance/width{width}.log",
    benchmark:
        "results/benchmarks/covariance/width{width}.tsv"
    conda:
        ENV
    params:
        networks=lambda wc: COV_NETWORKS[int(wc.width)],
        depth=COV["depth"],
        sigma_b=COV["sigma_b"],
        seed=COV["seed"],
        grid=" ".join(repr(float(x)) for x in COV["grid"]),
    shell:
        "relu1d covariance --width {wildcards.width} --depth {params.depth} --sigma-b {params.sigma_b}"
        " --networks {params.networks} --seed {params.seed} --grid {params.grid} --output {output} > {log} 2>&1"
