# Stage 5b: numbers.tex (every number the report quotes) and the LaTeX report compiled with latexmk.


rule numbers:
    input:
        cells=rules.convergence.output.cells,
        rates=rules.convergence.output.rates,
        covariance=rules.claims.input.covariance_kernel,
        derivatives=rules.claims.input.covariance_derivatives,
        cov_rates=rules.covariance_rates.output,
        knot_law=rules.knot_law.output.tests,
        claims=rules.claims.output.csv,
        gpu="results/performance/gpu.csv",
        beyond_lines=rules.beyond_lines_stats.output.cells,
        plane_sides=rules.beyond_plane.output.sides,
    output:
        "results/paper/numbers.tex",
    log:
        "results/logs/numbers.log",
    localrule: True
    conda:
        ENV
    params:
        experiment=MAIN_EXPERIMENT,
    shell:
        "relu1d numbers --experiment {params.experiment} --cells {input.cells} --rates {input.rates} --covariance {input.covariance}"
        " --covariance-derivatives {input.derivatives} --covariance-rates {input.cov_rates}"
        " --knot-law {input.knot_law} --claims {input.claims} --gpu {input.gpu}"
        " --beyond-lines {input.beyond_lines} --plane-sides {input.plane_sides} --output {output} > {log} 2>&1"


rule paper:
    input:
        tex=PAPER_TEX,
        numbers=rules.numbers.output,
        figures=[f"results/figures/{f}.pdf" for fs in FIGURES.values() for f in fs],
        tables=[f"results/tables/{t}.tex" for ts in TABLES.values() for t in ts],
        claims=rules.claims.output.tex,
        claims_table=rules.claims.output.csv,
    output:
        pdf=report(
            "results/paper/relu1d-replication.pdf",
            caption="../report/paper.rst",
            category="Report",
        ),
        provenance="results/paper/provenance.tex",
    log:
        "results/logs/paper.log",
    benchmark:
        "results/benchmarks/paper.tsv"
    conda:
        "../../envs/paper.yaml"
    params:
        config=shlex.quote(json.dumps(config, sort_keys=True)),
        command=shlex.quote(REPRODUCE),
        repository=os.path.relpath(BASEDIR, Path.cwd()),
    shell:
        "relu1d provenance --config-json {params.config} --command {params.command}"
        " --repository {params.repository} --output {output.provenance} > {log} 2>&1"
        # -g: always rebuild, so a failed earlier run cannot leave latexmk thinking nothing is to be done
        " && latexmk -g -pdf -interaction=nonstopmode -halt-on-error -outdir=results/paper/build {input.tex}"
        " >> {log} 2>&1"
        " && relu1d check-report results/paper/build/main.pdf --log results/paper/build/main.log"
        " --claims {input.claims_table} >> {log} 2>&1"
        " && cp results/paper/build/main.pdf {output.pdf}"
