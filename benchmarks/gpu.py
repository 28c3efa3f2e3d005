"""The cupy path of the engine: count time on the GPU vs the CPU, and vs the GPU's own matrix-product floor.

``count_regions(net, xp=cupy)`` runs the same array-API code on the device. For one network (default width
4096, depth 8, σ_b = 1, seed (2025, width, depth) as in the other scripts) prints the GPU count time (after
a warm-up run: CUDA context and kernel compilation excluded; results copied back to numpy included), the
time cupy takes for the engine's two float64 matrix products per layer with the same shapes (the GPU floor),
the CPU count time in the same run, and whether every integer count agrees. Prints "no GPU/cupy: skipped"
and exits 0 when cupy or a CUDA device is absent.
Usage: ``python benchmarks/gpu.py [--width 4096 --depth 8] [--no-cpu]``, ``--quick`` (width 1024, depth 4).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from relu1d import count_regions
from relu1d.performance import SEED, benchmark_network, best_of, machine_header


def _cupy():
    """The cupy module if it imports and sees a device, else None."""
    try:
        import cupy

        if cupy.cuda.runtime.getDeviceCount() < 1:
            return None
        cupy.zeros(1).sum()  # touches the device: fails here when the driver is unusable
        return cupy
    except Exception:
        return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=4096)
    parser.add_argument("--depth", type=int, default=8)
    parser.add_argument("--sigma-b", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-cpu", action="store_true", help="skip the CPU count (minutes at width 4096 on few cores)")
    parser.add_argument("--quick", action="store_true", help="smoke run: width 1024, depth 4, one repeat")
    args = parser.parse_args()
    if args.quick:
        args.width, args.depth, args.repeats = 1024, 4, 1

    machine_header("cupy count vs CPU and the GPU GEMM floor (benchmarks/gpu.py)")
    cp = _cupy()
    if cp is None:
        print("no GPU/cupy: skipped")
        return 0
    props = cp.cuda.runtime.getDeviceProperties(cp.cuda.Device().id)
    name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
    print(f"# GPU: {name}, {props['totalGlobalMem'] / 2**30:.0f} GiB; cupy {cp.__version__}")
    print(f"# network: widths [{args.width}] x {args.depth}, sigma_b = {args.sigma_b}, seed ({SEED}, width, depth)")
    net = benchmark_network(args.width, args.depth, args.sigma_b)

    def gpu_count():
        result = count_regions(net, xp=cp)
        cp.cuda.Device().synchronize()
        return result

    start = time.perf_counter()
    result = gpu_count()  # warm-up
    print(f"# first GPU call (warm-up, includes kernel compilation): {time.perf_counter() - start:.2f} s")
    t_gpu = best_of(gpu_count, args.repeats)

    knots_before = [1, *np.cumsum(result.knots_per_layer)[:-1].tolist()]
    rng = cp.random.default_rng(0)
    mats = [
        (
            rng.standard_normal((max(b, 1), w.shape[1]), dtype=cp.float64),
            rng.standard_normal((max(b, 1), w.shape[1]), dtype=cp.float64),
            cp.asarray(np.ascontiguousarray(w.T)),
        )
        for b, w in zip(knots_before, net.weights[:-1], strict=True)
    ]

    def floor():  # two distinct matrices per layer, as the engine multiplies
        for h, jump, wt in mats:
            h @ wt
            jump @ wt
        cp.cuda.Device().synchronize()

    floor()
    t_floor = best_of(floor, max(args.repeats, 3))

    print(f"{'backend':>8} {'knots':>7} {'linear':>7} {'seconds':>9} {'x GPU floor':>11}")
    print(f"{'gpu':>8} {result.knots.shape[0]:>7} {result.linear_regions:>7} {t_gpu:>9.3f} {t_gpu / t_floor:>11.2f}")
    print(f"{'floor':>8} {'':>7} {'':>7} {t_floor:>9.3f} {1.0:>11.2f}")
    if args.no_cpu:
        print("# CPU count skipped (--no-cpu)")
        return 0
    start = time.perf_counter()
    cpu = count_regions(net)
    t_cpu = time.perf_counter() - start
    print(f"{'cpu':>8} {cpu.knots.shape[0]:>7} {cpu.linear_regions:>7} {t_cpu:>9.3f} {t_cpu / t_floor:>11.2f}")
    same = (
        cpu.linear_regions == result.linear_regions
        and cpu.activation_regions == result.activation_regions
        and np.array_equal(cpu.knots_per_layer, result.knots_per_layer)
        and np.array_equal(cpu.breakpoints_per_layer, result.breakpoints_per_layer)
    )
    print(f"# GPU speedup over CPU: {t_cpu / t_gpu:.1f}x; integer counts identical: {same}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
