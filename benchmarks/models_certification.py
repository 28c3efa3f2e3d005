"""Agreement of the graph engine with the rational region walk, per family of test models and lines.

For every (model, line): the float64 engine alone (certified or not, right or not), the default count (float plus
the rational recount when uncertified and small) and the rational walk, over all t ∈ ℝ and on the window (0, 1).
Families: every operation of ``relu1d.engine.graph`` in small random graphs (tests/graphs.py), the same with zero
biases on lines through the origin (every knot coincides), and duplicated units whose kinks cancel. Prints one row
per family. Usage: ``python benchmarks/models_certification.py [--lines 50]`` (from the repository root).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.graphs import FAMILIES, random_line, zero_biases

from relu1d.engine.count import count_graph
from relu1d.engine.oracles.walk import walk_regions


def fingerprint(r) -> tuple:
    per_unit = tuple(tuple(int(v) for v in k) for k in r.knots_per_neuron)
    return r.linear_regions, r.activation_regions, per_unit, tuple(r.is_breakpoint.tolist())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=50, help="(model, line) pairs per family")
    args = parser.parse_args()
    print(f"{'family':>38} {'counts':>6} {'float certified':>15} {'float right':>11} "
          f"{'certified&wrong':>15} {'default = exact':>15} {'s':>6}")  # fmt: skip
    total = wrong = 0
    for name, make in FAMILIES.items():
        for through_origin in (False, True):
            start = time.perf_counter()
            counts = certified = right = certified_wrong = default_ok = 0
            for seed in range(args.lines):
                graph = make(seed)
                if through_origin:
                    graph = zero_biases(graph)
                a, d = random_line(np.random.default_rng([9, seed]), graph.input_shape, through_origin)
                for window in (None, (0.0, 1.0)):
                    exact = fingerprint(walk_regions(graph, a, d, window=window))
                    alone = count_graph(graph, a, d, window=window, exact_fallback=False)
                    ok = fingerprint(alone) == exact
                    counts += 1
                    certified += alone.certified
                    right += ok
                    certified_wrong += alone.certified and not ok
                    default_ok += fingerprint(count_graph(graph, a, d, window=window)) == exact
            total += counts
            wrong += counts - default_ok
            label = name + (" (zero bias, origin)" if through_origin else "")
            print(f"{label:>38} {counts:>6} {certified:>15} {right:>11} {certified_wrong:>15} {default_ok:>15} "
                  f"{time.perf_counter() - start:>6.1f}")  # fmt: skip
    print(f"total: {total} counts, default count ≠ rational walk: {wrong}")


if __name__ == "__main__":
    main()
