# Stage 5a: jupytext notebooks executed by papermill; they read stage outputs and only plot and tabulate.
# One rule per entry of workflow/report/figures.yaml (NOTEBOOKS, read in common.smk).


for _name in NOTEBOOKS:

    rule:
        name:
            f"notebook_{_name}"
        input:
            **notebook_inputs(_name),
            source=NOTEBOOK_DIR / f"{_name}.py",
        output:
            figure_outputs(_name),
            table_outputs(_name),
            notebook=f"results/notebooks/{_name}.ipynb",
            html=f"results/notebooks/{_name}.html",
        log:
            notebook=f"results/logs/notebooks/{_name}.ipynb",
            stderr=f"results/logs/notebooks/{_name}.log",
        benchmark:
            f"results/benchmarks/notebooks/{_name}.tsv"
        conda:
            ENV
        params:
            parameters=notebook_parameters(_name),
        shell:
            PAPERMILL
