"""What every command group shares: argparse value types, reading tables, and the one error path.

Bad input (unreadable or malformed files, invalid values) raises ``ValueError`` or ``OSError`` inside a command;
:func:`run` turns it, and a pipeline command run without the ``pipeline`` extra, into one line on stderr and exit
code 2, never a traceback. Commands write their outputs
through ``relu1d.engine.io.atomic_output``, so a failure leaves no partial file behind.
"""

from __future__ import annotations

import argparse
import math
import signal
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

EXIT_BAD_INPUT = 2


def positive_int(text: str) -> int:
    """argparse type: an integer ≥ 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def nonnegative_int(text: str) -> int:
    """argparse type: an integer ≥ 0."""
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a finite number > 0."""
    value = float(text)
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def read_csvs(paths: Sequence[str]) -> pd.DataFrame:
    """The rows of several CSV files of one kind (e.g. one per width), in the order given."""
    import pandas as pd

    return pd.concat([pd.read_csv(p) for p in paths], ignore_index=True)


def _exit_on_sigterm(signum: int, frame: object) -> None:
    # SystemExit unwinds the stack, so atomic writers remove their temporary files (no partial output).
    raise SystemExit(128 + signum)


def run(parser: argparse.ArgumentParser, argv: Sequence[str] | None = None) -> int:
    """Parse ``argv``, run the chosen command, and map bad input to one line on stderr and exit code 2."""
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ImportError as err:  # a pipeline command on the base install
        print(
            f"relu1d: error: {args.command} needs the pipeline extra (pip install 'relu1d[pipeline]'): {err}",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    except (ValueError, OSError) as err:
        message = " ".join(str(err).split())  # one line, whatever the exception text holds
        print(f"relu1d: error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
