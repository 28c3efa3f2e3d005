# Stage 4: Monte Carlo pre-activation moments at finite width against the NNGP recursion (K5), and knot
# positions from the exact counts against the Kac–Rice density (K6).


rule covariance:
    output:
        kernel="results/verification/covariance/width{width}.csv",
        derivatives="results/verification/covariance/width{width}_derivatives.csv",
        bias="results/verification/covariance/width{width}_bias.csv",
    log:
        "results/logs/covariance/width{width}.log",
    benchmark:
        "results/benchmarks/covariance/width{width}.tsv"
    priority: PRIORITY["covariance"]
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
        " --networks {params.networks} --seed {params.seed} --grid {params.grid} --output {output.kernel}"
        " --derivatives {output.derivatives} --bias {output.bias} > {log} 2>&1"


rule covariance_rates:
    input:
        expand(
            "results/verification/covariance/width{width}_bias.csv",
            width=COV["widths"],
        ),
    output:
        "results/stats/covariance_rates.csv",
    log:
        "results/logs/covariance_rates.log",
    localrule: True
    conda:
        ENV
    shell:
        "relu1d covariance-rates {input} --output {output} > {log} 2>&1"


rule knot_law:
    input:
        counts=expand("results/counts/{cell}.parquet", cell=KNOT_LAW_CELLS),
        knots=expand("results/knots/{cell}.parquet", cell=KNOT_LAW_CELLS),
    output:
        tests="results/stats/knot_law.csv",
        histograms="results/stats/knot_histograms.csv",
    log:
        "results/logs/knot_law.log",
    benchmark:
        "results/benchmarks/knot_law.tsv"
    priority: PRIORITY["knot_law"]
    conda:
        ENV
    shell:
        "relu1d knot-law --counts {input.counts} --knots {input.knots} --tests {output.tests}"
        " --histograms {output.histograms} > {log} 2>&1"
