"""``python -m relu1d.cli``: the same as the ``relu1d`` command."""

import sys

from relu1d.cli import main

sys.exit(main())
