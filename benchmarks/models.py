"""Counting real architectures along a segment: ours against the region walk and against the forward-pass floor.

For a LeNet-style CNN and a small residual net on 28 × 28 inputs (PyTorch, He-initialised as torch does, eval mode),
on the segment between two inputs (t ∈ (0, 1)), one process:

- **ours**: ``relu1d.count_regions(model, a, b, window=(0, 1), prove=False)`` (best of ``--repeats``; the proof's
  cost: benchmarks/proof_cost.py);
- **walk**: the region walk, one forward pass per region
  (``relu1d.engine.oracles.walk.walk_regions(exact=False)``), once;
- **floor**: torch's own float64 forward pass of our final batch of knots, the points where the count ends up
  (best of ``--repeats``): no exact method can avoid evaluating the network there.

Prints the region counts (ours and the walk's must agree) and the ratios walk / ours and ours / floor. Usage:
``python benchmarks/models.py [--repeats 3] [--threads 1]`` (needs the ``models`` extra).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from torch import nn

import relu1d
from relu1d.engine.oracles.walk import walk_regions


def lenet() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(256, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )  # fmt: skip


class Block(nn.Module):
    def __init__(self, c: int) -> None:
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)
        self.conv2, self.bn2 = nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)

    def forward(self, x):
        return torch.relu(x + self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x))))))


class ResNet(nn.Module):
    def __init__(self, c: int = 8) -> None:
        super().__init__()
        self.stem = nn.Conv2d(1, c, 3, stride=2, padding=1)
        self.blocks = nn.Sequential(Block(c), Block(c))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Linear(c, 10)

    def forward(self, x):
        h = self.pool(self.blocks(torch.relu(self.stem(x))))
        return self.head(torch.flatten(h, 1))


def _best(fn, repeats: int) -> float:
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1, help="torch and BLAS threads")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(args.threads)
    except ImportError:
        pass
    rng = np.random.default_rng(2026)
    a, b = rng.normal(size=(2, 1, 28, 28))
    print(f"{'model':>8} {'regions':>8} {'walk':>8} {'knots':>7} {'ours s':>8} {'walk s':>8} {'floor s':>8} "
          f"{'walk/ours':>9} {'ours/floor':>10}")  # fmt: skip
    for name, build in (("lenet", lenet), ("resnet", ResNet)):
        torch.manual_seed(0)
        model = build().eval()
        graph = relu1d.to_graph(model, a.shape)
        result = relu1d.count_regions(graph, a, b, window=(0.0, 1.0), prove=False)
        ours = _best(lambda g=graph: relu1d.count_regions(g, a, b, window=(0.0, 1.0), prove=False), args.repeats)
        start = time.perf_counter()
        walk = walk_regions(graph, a, b - a, exact=False, window=(0.0, 1.0))
        walk_s = time.perf_counter() - start
        batch = torch.from_numpy(a[None] + result.knots[:, None, None, None] * (b - a)[None])
        reference = model.double()

        def floor(x=batch, m=reference) -> None:
            with torch.no_grad():
                m(x)

        floor_s = _best(floor, args.repeats)
        print(f"{name:>8} {result.linear_regions:>8} {walk.linear_regions:>8} {result.knots.shape[0]:>7} "
              f"{ours:>8.3f} {walk_s:>8.3f} {floor_s:>8.3f} {walk_s / ours:>9.1f} {ours / floor_s:>10.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
