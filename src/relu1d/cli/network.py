"""The counter on one network file: ``count``, ``sample``, ``demo`` (the base install: engine only)."""

from __future__ import annotations

import argparse
import json
import math
import time

import numpy as np

from relu1d.cli.common import positive_int
from relu1d.engine.count import count_network
from relu1d.engine.decisions import DEFAULT_RTOL
from relu1d.engine.network import load_network, sample_network


def _read_point(path: str) -> np.ndarray:
    """One point of the input space from a ``.npy`` file (no pickles), finite float64."""
    try:
        point = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as err:
        raise ValueError(f"{path}: not a readable .npy array ({err})") from None
    point = np.asarray(point, dtype=np.float64)
    if not np.all(np.isfinite(point)):
        raise ValueError(f"{path}: the point has NaN or infinite coordinates")
    return point


def _cmd_count(args: argparse.Namespace) -> int:
    """``count MODEL [--line A.npy B.npy]``: one path for every model file (``relu1d.count_regions``), one format."""
    from relu1d.models import count_regions, to_graph

    path = str(args.network)
    if path.endswith(".onnx"):
        if args.line is None:
            raise ValueError(f"{path}: an ONNX model is counted along a line: give --line A.npy B.npy")
        try:
            model = to_graph(path)
        except ImportError as err:
            raise ValueError(f"{path}: reading ONNX needs the onnx extra (pip install 'relu1d[onnx]'): {err}") from None
    else:
        model = load_network(path)
    if args.classes and args.line is None:
        raise ValueError("--classes needs --line")
    a, b = (_read_point(p) for p in args.line) if args.line is not None else (None, None)
    window = tuple(args.window) if args.window is not None else None
    result = count_regions(model, a, b, window=window, classes=args.classes, rtol=args.rtol, prove=args.prove,
                           exact_fallback=not args.no_exact_fallback)  # fmt: skip
    names = result.layer_names or tuple(f"layer{i}" for i in range(1, len(result.widths) + 1))
    summary = {"model": path, **result.summary()}
    summary["knots_per_node"] = dict(zip(names, result.knots_per_layer.tolist(), strict=True))
    if args.json:
        print(json.dumps(summary))
        return 0
    what = f"{len(model.nodes) - 1} operations" if hasattr(model, "nodes") else f"sum n = {model.n_neurons}"
    print(f"model              {path}  input shape [{math.prod(_input_shape(model))}]  {what}")
    line = "t" if args.line is None else "x(t) = A + t (B - A),"
    print(f"over               {line} t in " + ("R" if window is None else f"({window[0]:g}, {window[1]:g})"))
    print(f"linear regions     {result.linear_regions}")
    print(f"activation regions {result.activation_regions}")
    print(f"breakpoints/layer  {summary['breakpoints_per_layer']}")
    width = max(len(name) for name in names)
    for name, k in summary["knots_per_node"].items():
        print(f"  knots at {name:<{width}}  {k}")
    if result.class_changes is not None:
        print(
            f"class changes      {result.class_changes.shape[0]}  at t = {np.round(result.class_changes, 6).tolist()}"
        )
    print(
        f"method             {result.method}  certified={result.certified}  "
        f"near={result.near_decisions}  weak={result.weak_decisions}"
    )
    opened = "proof not run" if result.open_decisions is None else f"{result.open_decisions} open decisions"
    print(f"proven             {result.proven}  ({opened})")
    return 0


def _input_shape(model: object) -> tuple[int, ...]:
    return model.input_shape if hasattr(model, "input_shape") else (model.n_in,)


def _cmd_sample(args: argparse.Namespace) -> int:
    seed = args.seed if len(args.seed) > 1 else args.seed[0]
    net = sample_network(args.widths, args.sigma_b, seed=seed, n_in=args.n_in)
    net.save(args.output)
    print(f"wrote {args.output}: widths={list(net.widths)} sigma_b={args.sigma_b} seed={args.seed}")
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    """A quick look at paper K's claim: mean linear regions over ℝ vs Σn + 1 for a few architectures."""
    print("E[#linear regions over R] vs sum(n)+1 for He-initialised nets (paper K, main theorem)")
    print(f"{'widths':>22} {'sum n + 1':>9} {'mean R':>9} {'95% CI':>19} {'ratio':>7} {'s/net':>7}")
    for depth in args.depths:
        widths = [args.width] * depth
        start = time.perf_counter()
        counts = np.array(
            [
                count_network(sample_network(widths, args.sigma_b, seed=(args.seed, depth, i))).linear_regions
                for i in range(args.networks)
            ],
            dtype=np.float64,
        )
        per_net = (time.perf_counter() - start) / args.networks
        mean = counts.mean()
        half = 1.96 * counts.std(ddof=1) / np.sqrt(counts.size) if counts.size > 1 else float("nan")
        target = sum(widths) + 1
        ci = f"[{mean - half:.1f}, {mean + half:.1f}]"
        print(f"{widths!s:>22} {target:>9d} {mean:>9.1f} {ci:>19} {mean / target:>7.3f} {per_net:>7.3f}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:

    count = sub.add_parser(
        "count",
        help="count the linear regions of a network file (.npz) exactly, or of a model (.onnx, .npz) along a line",
    )
    count.add_argument("network", help="network .npz file (arrays W1, b1, ..., W{L+1}, b{L+1}) or ONNX model (.onnx)")
    count.add_argument(
        "--line", nargs=2, metavar=("A.npy", "B.npy"), help="count along x(t) = A + t(B - A) (points as .npy arrays)"
    )
    count.add_argument("--classes", action="store_true", help="with --line: also where the output's arg-max changes")
    count.add_argument("--json", action="store_true", help="print one JSON object")
    count.add_argument("--window", nargs=2, type=float, metavar=("A", "B"), help="count on the open window (A, B)")
    count.add_argument("--rtol", type=float, default=DEFAULT_RTOL, help="relative tolerance of zero decisions")
    count.add_argument("--no-exact-fallback", action="store_true", help="never recount in rational arithmetic")
    proof = count.add_mutually_exclusive_group()
    proof.add_argument(
        "--prove", dest="prove", action="store_const", const=True, default="auto",
        help="prove the count with rigorous rounding bounds whatever it costs (default: when expected within "
        "relu1d.engine.fallback.PROVE_SECONDS)",
    )  # fmt: skip
    proof.add_argument("--no-prove", dest="prove", action="store_const", const=False, help="do not prove the count")
    count.set_defaults(func=_cmd_count)

    sample = sub.add_parser("sample", help="sample a He-initialised network and save it")
    sample.add_argument("--widths", nargs="+", type=positive_int, required=True, help="hidden widths")
    sample.add_argument("--sigma-b", type=float, default=1.0, help="bias standard deviation")
    sample.add_argument("--seed", nargs="+", type=int, default=[0], help="seed (one or more ints)")
    sample.add_argument("--n-in", type=positive_int, default=1, help="input dimension")
    sample.add_argument("-o", "--output", required=True, help="output .npz")
    sample.set_defaults(func=_cmd_sample)

    demo = sub.add_parser("demo", help="mean regions vs sum(n)+1 for a few random architectures")
    demo.add_argument("--width", type=positive_int, default=64)
    demo.add_argument("--depths", nargs="+", type=positive_int, default=[1, 2, 4, 8])
    demo.add_argument("--networks", type=positive_int, default=100)
    demo.add_argument("--sigma-b", type=float, default=1.0)
    demo.add_argument("--seed", type=int, default=2512)
    demo.set_defaults(func=_cmd_demo)
