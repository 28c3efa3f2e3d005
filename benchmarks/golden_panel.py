"""Golden hashes of the engine's outputs: a refactor proves it changed nothing.

Counts a fixed panel (the test networks, the adversarial families, networks restricted to lines and segments, every
graph family of the tests, counted through the chain and the graph engines) and prints, per item, the SHA-256 of
every array of its ``RegionCount`` and of its scalar fields. ``--record FILE`` writes them; ``--check FILE`` compares
with a recorded file and lists every difference (exit 1 when any). Hashes are of one machine's float64 arithmetic
(BLAS kernels differ between CPUs): record and check on the same machine.

    python benchmarks/golden_panel.py --record /tmp/golden.json     # before moving code
    python benchmarks/golden_panel.py --check /tmp/golden.json      # after each step
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from relu1d import RegionCount, count_regions, sample_network  # noqa: I001
from relu1d.engine.count import count_network
from relu1d.engine.lines import restrict_to_line
from tests import graphs, networks

SEEDS = range(12)


def _digest(x: object) -> str:
    a = np.ascontiguousarray(np.asarray(x))
    return hashlib.sha256(f"{a.dtype}{a.shape}".encode() + a.tobytes()).hexdigest()[:24]


def fingerprint(result: RegionCount) -> dict[str, str]:
    """SHA-256 (first 24 hex digits) of every array and scalar of a count."""
    out = {name: _digest(getattr(result, name)) for name in ("knots", "is_breakpoint", "values", "slopes")}
    out["knot_index"] = _digest(np.concatenate([np.asarray(i, dtype=np.int64) for i in result.knot_index] or [[]]))
    out["knot_neurons"] = _digest(np.concatenate([np.asarray(i, dtype=np.int64) for i in result.knot_neurons] or [[]]))
    out["per_layer"] = _digest(result.knots_per_layer)
    out["f_at_zero"] = _digest(result.f_at_zero)
    if result.class_changes is not None:
        out["class_changes"] = _digest(result.class_changes)
    out["scalars"] = f"{result.near_decisions}/{result.weak_decisions}/{result.method}/{result.linear_regions}"
    return out


def panel() -> Iterator[tuple[str, Callable[[], RegionCount]]]:
    """(name, count) of every panel item."""
    for seed in SEEDS:
        yield f"random_small/{seed}", lambda s=seed: count_regions(networks.random_small(s))
        for family, make in networks.ADVERSARIAL.items():
            yield f"{family}/{seed}", lambda m=make, s=seed: count_regions(m(s))
            yield (
                f"{family}/{seed}/no-fallback",
                lambda m=make, s=seed: count_regions(m(s), exact_fallback=False, prove=False),
            )
    for width, depth in ((64, 3), (256, 2), (512, 3)):
        net = sample_network([width] * depth, 1.0, seed=[5, width, depth])
        yield f"he/{width}x{depth}", lambda n=net: count_regions(n)
        yield f"he/{width}x{depth}/window", lambda n=net: count_regions(n, window=(-0.5, 2.0))
    for seed in range(6):
        rng = np.random.default_rng([3, seed])
        net = sample_network([8, 6], 1.0, seed=[3, seed], n_in=4)
        a, d = rng.normal(size=4), rng.normal(size=4)
        yield f"line/{seed}", lambda n=net, a=a, d=d: count_network(restrict_to_line(n, a, d))
        yield f"segment/{seed}", lambda n=net, a=a, d=d: count_regions(n, a, a + d, window=(0, 1))
        yield f"along-network/{seed}", lambda n=net, a=a, d=d: count_regions(n, a, a + d)
        yield f"along-network/{seed}/window", lambda n=net, a=a, d=d: count_regions(n, a, a + d, window=(0, 1))
    for family, make in graphs.FAMILIES.items():
        for seed in range(6):
            graph = make(seed)
            rng = np.random.default_rng([9, seed])
            a, d = graphs.random_line(rng, graph.input_shape, through_origin=seed % 3 == 0)
            yield f"{family}/{seed}", lambda g=graph, a=a, d=d: count_regions(g, a, a + d, classes=True)
            yield (
                f"{family}/{seed}/window",
                lambda g=graph, a=a, d=d: count_regions(g, a, a + d, window=(-0.25, 1.5)),
            )
            yield (
                f"{family}/{seed}/no-fallback",
                lambda g=graph, a=a, d=d: count_regions(g, a, a + d, exact_fallback=False, prove=False),
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--record", type=Path)
    group.add_argument("--check", type=Path)
    args = parser.parse_args()
    hashes = {name: fingerprint(count()) for name, count in panel()}
    if args.record:
        args.record.write_text(json.dumps(hashes, indent=1, sort_keys=True) + "\n")
        print(f"recorded {len(hashes)} panel items in {args.record}")
        return 0
    before = json.loads(args.check.read_text())
    differ = 0
    for name in sorted(set(before) | set(hashes)):
        old, new = before.get(name), hashes.get(name)
        if old != new:
            differ += 1
            fields = sorted(k for k in set(old or {}) | set(new or {}) if (old or {}).get(k) != (new or {}).get(k))
            print(f"DIFFERS {name}: {', '.join(fields)}")
    print(f"{len(hashes)} panel items, {differ} differ from {args.check}")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main())
