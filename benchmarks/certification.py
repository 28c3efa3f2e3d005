"""Agreement of the float64 engine with the rational ground truth, per family of test networks.

For every network: the float engine alone (certified or not, right or not), the default ``count_regions``
(float plus rational fallback when uncertified and small) and ``count_regions_exact``. Prints one row per
family. Usage: ``python benchmarks/certification.py [--networks 200]`` (run from the repository root).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from networks import ADVERSARIAL, random_small
from relu1d import count_regions
from relu1d.engine.oracles.exact import count_regions_exact


def fingerprint(r) -> tuple:
    per_neuron = tuple(tuple(int(v) for v in k) for k in r.knots_per_neuron)
    return r.linear_regions, r.activation_regions, per_neuron, tuple(int(v) for v in r.breakpoints_per_layer)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", type=int, default=200)
    args = parser.parse_args()
    families = {"random_small": random_small, **ADVERSARIAL}
    print(f"{'family':>20} {'nets':>5} {'float certified':>15} {'float right':>11} "
          f"{'certified&wrong':>15} {'default = exact':>15} {'s':>6}")  # fmt: skip
    for name, make in families.items():
        start = time.perf_counter()
        certified = right = certified_wrong = default_ok = 0
        for seed in range(args.networks):
            net = make(seed)
            exact = fingerprint(count_regions_exact(net))
            alone = count_regions(net, exact_fallback=False, prove=False)
            ok = fingerprint(alone) == exact
            certified += alone.certified
            right += ok
            certified_wrong += alone.certified and not ok
            default_ok += fingerprint(count_regions(net)) == exact
        elapsed = time.perf_counter() - start
        n = args.networks
        print(f"{name:>20} {n:>5} {certified:>15} {right:>11} {certified_wrong:>15} {default_ok:>15} {elapsed:>6.1f}")


if __name__ == "__main__":
    main()
