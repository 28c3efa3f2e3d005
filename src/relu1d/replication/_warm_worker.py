"""Imported by the count stage's fork server (``relu1d.replication.counting``): loads the engine and its compiled
kernels once, by counting and proving a tiny network, so that every worker forked from the server starts with
them (~0.85 CPU-s per spawned worker otherwise, measured 2026-12-06)."""

from relu1d.engine.count import count_network, prove_count
from relu1d.engine.network import sample_network
from relu1d.replication import counting  # noqa: F401  (the workers' module: imported once, here)

_NET = sample_network([4, 4], 1.0, seed=0)
prove_count(_NET, count_network(_NET))
