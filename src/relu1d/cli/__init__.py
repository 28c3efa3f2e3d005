"""Command line ``relu1d``: the counter on one network (``count``, ``sample``, ``demo``) and the commands the
pipeline's rules call, one module per group of commands.

Each group module has a ``register(sub)`` that adds its sub-commands; they share the value types and the error
path of ``relu1d.cli.common`` (bad input: one line on stderr, exit code 2, no partial output). Only the
``network`` group runs on the base install: the pipeline groups import pandas, scipy and the replication inside
their commands, since every Snakemake job starts a fresh ``relu1d`` process and ``relu1d count`` needs none of it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from relu1d.cli import beyond, constructions, convergence, covariance, ensemble, network, performance, report, training
from relu1d.cli.common import EXIT_BAD_INPUT, run

DESCRIPTION = "Exact linear regions of ReLU networks over the real line, and the commands of the replication pipeline."

#: The command groups, in the order of ``relu1d --help``: the counter first, then the pipeline's stages.
GROUPS = (network, ensemble, convergence, covariance, constructions, training, beyond, report, performance)

__all__ = ["EXIT_BAD_INPUT", "GROUPS", "main", "parser"]


def parser() -> argparse.ArgumentParser:
    """The ``relu1d`` parser with every group's sub-commands."""
    top = argparse.ArgumentParser(prog="relu1d", description=DESCRIPTION)
    sub = top.add_subparsers(dest="command", required=True)
    for group in GROUPS:
        group.register(sub)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    return run(parser(), argv)


if __name__ == "__main__":
    sys.exit(main())
