# relu1d: replication pipeline for Kogan, Jananthan & Kepner, "Complexity of One-Dimensional ReLU DNNs".
# sample -> count -> convergence -> covariance; constructions, sparsity, beyond -> notebooks -> paper. All logic lives in
# src/relu1d (docs/architecture.md).
from snakemake.utils import min_version

min_version("8.0")


report: "workflow/report/workflow.rst"


configfile: "config.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/sample.smk"
include: "workflow/rules/count.smk"
include: "workflow/rules/constructions.smk"
include: "workflow/rules/sparsity.smk"
include: "workflow/rules/convergence.smk"
include: "workflow/rules/covariance.smk"
include: "workflow/rules/beyond.smk"
include: "workflow/rules/performance.smk"
include: "workflow/rules/notebooks.smk"
include: "workflow/rules/paper.smk"


if config["use_gpu"]:

    include: "workflow/rules/count_gpu.smk"


rule all:
    default_target: True
    input:
        rules.paper.output,
        [getattr(rules, f"notebook_{name}").output for name in NOTEBOOKS],
        ["results/verification/gpu_equals_cpu.txt"] if config["use_gpu"] else [],
    localrule: True
