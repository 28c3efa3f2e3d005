"""PyTorch modules → :class:`relu1d.engine.graph.Graph`, by ``torch.fx`` symbolic tracing (torch is an optional extra).

The module is copied, put in eval mode and converted to float64; ``torch.fx.passes.shape_prop`` gives every node's
shape for one input of the given shape, so reshapes and flattens need no arithmetic on sizes. Supported: ``Linear``,
``Conv1d``/``Conv2d`` (zero padding; stride, dilation, groups), ``BatchNorm1d``/``2d`` with running statistics,
``MaxPool1d``/``2d``, ``AvgPool1d``/``2d``, ``AdaptiveAvgPool1d``/``2d`` when the size divides, ``Flatten``, ``view``
and ``reshape``, residual ``+``/``-``, ``torch.cat``, multiplication or addition by constants, ``ReLU``, ``LeakyReLU``,
``PReLU``, ``ReLU6``, ``Hardtanh``, ``clamp``, ``abs``, and ``Dropout``/``Identity`` (no-ops in eval mode). Anything
else raises ``ValueError`` naming the operation and the node.
"""

from __future__ import annotations

import copy
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from relu1d.engine.graph import (
    Activation,
    AvgPool,
    Concat,
    Conv,
    Dense,
    Graph,
    Input,
    MaxPool,
    Node,
    Reshape,
    Scale,
    Sum,
    Window,
)


def graph_from_torch(module: Any, input_shape: Sequence[int]) -> Graph:
    """The graph of ``module`` for one input of ``input_shape`` (no batch axis)."""
    import torch
    import torch.fx
    from torch.fx.passes.shape_prop import ShapeProp

    model = copy.deepcopy(module).eval().double()
    try:
        traced = torch.fx.symbolic_trace(model)
    except Exception as err:  # tracing runs user code: report it as a model error
        raise ValueError(f"torch model: torch.fx could not trace it ({type(err).__name__}: {err})") from None
    example = torch.zeros((1, *input_shape), dtype=torch.float64)
    try:
        with torch.no_grad():
            ShapeProp(traced).propagate(example)
    except Exception as err:
        raise ValueError(
            f"torch model: a forward pass on an input of shape {tuple(input_shape)} failed ({err})"
        ) from None
    return _Converter(traced, tuple(int(s) for s in input_shape)).run()


class _Converter:
    def __init__(self, traced: Any, input_shape: tuple[int, ...]) -> None:
        self.traced = traced
        self.modules = dict(traced.named_modules())
        self.nodes: list[Node] = []
        self.index: dict[Any, int] = {}
        self.input_shape = input_shape

    # --- helpers ----------------------------------------------------------------------------------------------

    @staticmethod
    def label(fx_node: Any) -> str:
        """A module's path in the model (``block.conv1``), else the traced node's name."""
        return str(fx_node.target) if fx_node.op == "call_module" else fx_node.name

    def add(self, fx_node: Any, op: Any, inputs: Sequence[int]) -> None:
        self.nodes.append(Node(self.label(fx_node), op, tuple(inputs)))
        self.index[fx_node] = len(self.nodes) - 1

    def alias(self, fx_node: Any, source: Any) -> None:
        self.index[fx_node] = self.tensor(source, fx_node)

    def tensor(self, arg: Any, at: Any) -> int:
        if arg not in self.index:
            raise ValueError(f"torch model: node {at.name!r} reads {arg!r}, which is not a tensor of the network")
        return self.index[arg]

    @staticmethod
    def shape(fx_node: Any) -> tuple[int, ...]:
        meta = fx_node.meta.get("tensor_meta")
        if meta is None or not hasattr(meta, "shape"):
            raise ValueError(f"torch model: node {fx_node.name!r} does not produce one tensor")
        return tuple(int(s) for s in meta.shape)[1:]

    def constant(self, arg: Any, at: Any) -> np.ndarray | None:
        """A number, a tensor constant or a parameter (get_attr) as float64; None for a network tensor."""
        import torch

        if isinstance(arg, (int, float)):
            return np.asarray(float(arg))
        if isinstance(arg, torch.Tensor):
            return arg.detach().double().numpy()
        if getattr(arg, "op", None) == "get_attr":
            value = self.traced
            for part in arg.target.split("."):
                value = getattr(value, part)
            return value.detach().double().numpy()
        return None

    def unsupported(self, fx_node: Any, what: str) -> ValueError:
        return ValueError(f"torch model: unsupported operation {what} at node {self.label(fx_node)!r}")

    # --- the walk over the fx graph -----------------------------------------------------------------------------

    def run(self) -> Graph:
        output = None
        for fx_node in self.traced.graph.nodes:
            if fx_node.op == "placeholder":
                if self.nodes:
                    raise ValueError("torch model: more than one input")
                self.nodes.append(Node(fx_node.name, Input(self.input_shape), ()))
                self.index[fx_node] = 0
            elif fx_node.op == "get_attr":
                continue  # read where used, as a constant
            elif fx_node.op == "call_module":
                self.module(fx_node, self.modules[fx_node.target])
            elif fx_node.op in ("call_function", "call_method"):
                self.function(fx_node)
            elif fx_node.op == "output":
                output = fx_node.args[0]
        if not hasattr(output, "op") or output not in self.index:
            raise ValueError("torch model: the output must be one tensor")
        out = self.index[output]
        if out != len(self.nodes) - 1:  # the output is an earlier node: make it last with an identity reshape
            self.nodes.append(Node("output", Reshape(self.shape(output)), (out,)))
        return Graph(tuple(self.nodes))

    def module(self, fx_node: Any, mod: Any) -> None:
        import torch.nn as nn

        src = fx_node.args[0] if fx_node.args else None
        x = lambda: [self.tensor(src, fx_node)]  # noqa: E731
        in_shape = self.shape(src) if src is not None and src in self.index else None
        if isinstance(mod, (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.AlphaDropout, nn.Identity)):
            self.alias(fx_node, src)
        elif isinstance(mod, nn.Linear):
            b = None if mod.bias is None else mod.bias.detach().numpy()
            self.add(fx_node, Dense(mod.weight.detach().numpy(), b), x())
        elif isinstance(mod, (nn.Conv1d, nn.Conv2d)):
            self.add(fx_node, self.conv(fx_node, mod, in_shape), x())
        elif isinstance(mod, (nn.BatchNorm1d, nn.BatchNorm2d)):
            self.add(fx_node, self.batch_norm(fx_node, mod, in_shape), x())
        elif isinstance(mod, nn.ReLU):
            self.add(fx_node, Activation.relu(), x())
        elif isinstance(mod, nn.LeakyReLU):
            self.add(fx_node, Activation.leaky_relu(mod.negative_slope), x())
        elif isinstance(mod, nn.PReLU):
            self.add(fx_node, self.prelu(mod.weight.detach().numpy(), in_shape), x())
        elif isinstance(mod, nn.Hardtanh):  # ReLU6 is a Hardtanh(0, 6)
            self.add(fx_node, Activation.clip(float(mod.min_val), float(mod.max_val)), x())
        elif isinstance(mod, (nn.MaxPool1d, nn.MaxPool2d)):
            self.add(fx_node, MaxPool(self.pool_window(fx_node, mod, in_shape)), x())
        elif isinstance(mod, (nn.AvgPool1d, nn.AvgPool2d)):
            self.add(fx_node, self.avg_pool(fx_node, mod, in_shape), x())
        elif isinstance(mod, (nn.AdaptiveAvgPool1d, nn.AdaptiveAvgPool2d)):
            self.add(fx_node, self.adaptive_avg(fx_node, in_shape), x())
        elif isinstance(mod, nn.Flatten):
            self.add(fx_node, Reshape(self.shape(fx_node)), x())
        else:
            raise self.unsupported(fx_node, type(mod).__name__)

    def function(self, fx_node: Any) -> None:
        import torch
        import torch.nn.functional as F

        target, args = fx_node.target, fx_node.args
        name = target if isinstance(target, str) else getattr(target, "__name__", str(target))
        if fx_node.op == "call_method" and name in ("size", "dim"):
            return  # sizes feed reshapes, which read their shape from the shape propagation
        tensor_args = [a for a in args if a in self.index]
        if name == "linear":  # F.linear (a traced root nn.Linear) with constant weights
            w = self.constant(args[1] if len(args) > 1 else fx_node.kwargs.get("weight"), fx_node)
            bias = args[2] if len(args) > 2 else fx_node.kwargs.get("bias")
            b = None if bias is None else self.constant(bias, fx_node)
            if w is None or (bias is not None and b is None):
                raise self.unsupported(fx_node, "linear with weights computed from the input")
            self.add(fx_node, Dense(w, b), [self.tensor(args[0], fx_node)])
        elif name in ("relu", "relu_"):
            self.add(fx_node, Activation.relu(), [self.tensor(args[0], fx_node)])
        elif name in ("abs", "abs_"):
            self.add(fx_node, Activation.abs(), [self.tensor(args[0], fx_node)])
        elif target is F.leaky_relu or name == "leaky_relu":
            slope = fx_node.kwargs.get("negative_slope", args[1] if len(args) > 1 else 0.01)
            self.add(fx_node, Activation.leaky_relu(float(slope)), [self.tensor(args[0], fx_node)])
        elif target in (F.hardtanh, F.relu6) or name in ("hardtanh", "relu6", "clamp", "clip"):
            lo, hi = self.clip_bounds(fx_node, name)
            self.add(fx_node, Activation.clip(lo, hi), [self.tensor(args[0], fx_node)])
        elif name in ("view", "reshape", "flatten", "contiguous", "squeeze", "unsqueeze"):
            self.add(fx_node, Reshape(self.shape(fx_node)), [self.tensor(args[0], fx_node)])
        elif target in (operator.add, operator.sub, torch.add, torch.sub) or name in (
            "add",
            "sub",
            "__add__",
            "__sub__",
        ):
            self.binary(fx_node, sign=-1 if "sub" in name else 1)
        elif target in (operator.mul, torch.mul, operator.truediv, torch.div) or name in ("mul", "div"):
            self.product(fx_node, divide=target in (operator.truediv, torch.div) or name == "div")
        elif target in (torch.cat, torch.concat) or name in ("cat", "concat"):
            tensors = args[0]
            dim = fx_node.kwargs.get("dim", args[1] if len(args) > 1 else 0)
            nd = len(self.shape(fx_node)) + 1
            axis = (dim % nd) - 1
            if axis < 0:
                raise self.unsupported(fx_node, "concatenation along the batch axis")
            self.add(fx_node, Concat(axis, len(tensors)), [self.tensor(a, fx_node) for a in tensors])
        elif target is F.max_pool2d or target is F.max_pool1d:
            raise self.unsupported(fx_node, f"{name} (use the nn.MaxPool module)")
        elif name in ("dropout", "identity") and tensor_args:
            self.alias(fx_node, args[0])
        else:
            raise self.unsupported(fx_node, name)

    # --- operations --------------------------------------------------------------------------------------------

    def conv(self, fx_node: Any, mod: Any, in_shape: tuple[int, ...]) -> Conv:
        if mod.padding_mode != "zeros":
            raise self.unsupported(fx_node, f"{type(mod).__name__} with padding_mode={mod.padding_mode!r}")
        nd = mod.weight.ndim - 2
        if isinstance(mod.padding, str):
            if mod.padding == "valid":
                pads = [(0, 0)] * nd
            else:  # "same" (stride 1): torch puts the extra zero after
                pads = []
                for k, d in zip(mod.kernel_size, mod.dilation, strict=True):
                    total = d * (k - 1)
                    pads.append((total // 2, total - total // 2))
        else:
            pads = [(int(p), int(p)) for p in mod.padding]
        b = None if mod.bias is None else mod.bias.detach().numpy()
        return Conv(mod.weight.detach().numpy(), b, tuple(mod.stride), tuple(pads), tuple(mod.dilation), mod.groups)

    def batch_norm(self, fx_node: Any, mod: Any, in_shape: tuple[int, ...]) -> Scale:
        if mod.running_mean is None:
            raise self.unsupported(fx_node, f"{type(mod).__name__} without running statistics")
        mean, var = mod.running_mean.detach().numpy(), mod.running_var.detach().numpy()
        gamma = mod.weight.detach().numpy() if mod.weight is not None else np.ones_like(mean)
        beta = mod.bias.detach().numpy() if mod.bias is not None else np.zeros_like(mean)
        scale = gamma / np.sqrt(var + mod.eps)
        shift = beta - mean * scale
        tail = (1,) * (len(in_shape) - 1)
        return Scale(scale.reshape(-1, *tail), shift.reshape(-1, *tail))

    def prelu(self, weight: np.ndarray, in_shape: tuple[int, ...]) -> Activation:
        if weight.size == 1:
            return Activation.leaky_relu(float(weight.reshape(-1)[0]))
        return Activation.leaky_relu(weight.reshape(-1, *(1,) * (len(in_shape) - 1)))

    def clip_bounds(self, fx_node: Any, name: str) -> tuple[float, float]:
        args, kw = fx_node.args, fx_node.kwargs
        if name == "relu6" or fx_node.target.__name__ == "relu6":
            return 0.0, 6.0
        if name == "hardtanh":
            lo = kw.get("min_val", args[1] if len(args) > 1 else -1.0)
            hi = kw.get("max_val", args[2] if len(args) > 2 else 1.0)
        else:
            lo = kw.get("min", args[1] if len(args) > 1 else None)
            hi = kw.get("max", args[2] if len(args) > 2 else None)
        if lo is None or hi is None or not all(isinstance(v, (int, float)) for v in (lo, hi)):
            raise self.unsupported(fx_node, f"{name} without two constant bounds")
        return float(lo), float(hi)

    def binary(self, fx_node: Any, sign: int) -> None:
        a, b = fx_node.args[0], fx_node.args[1]
        alpha = fx_node.kwargs.get("alpha", 1)
        if alpha != 1:
            raise self.unsupported(fx_node, "add/sub with alpha ≠ 1")
        if a in self.index and b in self.index:
            if self.shape(a) != self.shape(b):
                raise self.unsupported(fx_node, f"a broadcasting sum of shapes {self.shape(a)} and {self.shape(b)}")
            self.add(fx_node, Sum((1, sign)), [self.index[a], self.index[b]])
            return
        tensor, const, flip = (
            (a, self.constant(b, fx_node), False) if a in self.index else (b, self.constant(a, fx_node), True)
        )
        if const is None or tensor not in self.index:
            raise self.unsupported(fx_node, "a sum that is not of network tensors and constants")
        const = self.per_sample(fx_node, const)
        if flip:  # c − x
            self.add(fx_node, Scale(np.asarray(-1.0 if sign < 0 else 1.0), const), [self.index[tensor]])
        else:
            self.add(fx_node, Scale(np.asarray(1.0), sign * const), [self.index[tensor]])

    def product(self, fx_node: Any, divide: bool) -> None:
        a, b = fx_node.args[0], fx_node.args[1]
        if a in self.index and b in self.index:
            raise self.unsupported(fx_node, "a product of two network tensors (not piecewise linear)")
        tensor, const = (a, self.constant(b, fx_node)) if a in self.index else (b, self.constant(a, fx_node))
        if const is None or (divide and tensor is not a):
            raise self.unsupported(fx_node, "a product that is not a network tensor times a constant")
        const = self.per_sample(fx_node, const)
        self.add(fx_node, Scale(1.0 / const if divide else const), [self.index[tensor]])

    def per_sample(self, fx_node: Any, const: np.ndarray) -> np.ndarray:
        """A constant broadcast against (batch, *shape): its batch axis (if any) must be 1 and is dropped."""
        shape = self.shape(fx_node)
        if const.ndim > len(shape):
            if const.shape[0] != 1:
                raise self.unsupported(fx_node, f"a constant of shape {const.shape} across the batch")
            const = const[0]
        return const

    def pool_window(self, fx_node: Any, mod: Any, in_shape: tuple[int, ...]) -> Window:
        nd = len(in_shape) - 1
        as_tuple = lambda v: tuple(v) if isinstance(v, (tuple, list)) else (int(v),) * nd  # noqa: E731
        kernel, stride = as_tuple(mod.kernel_size), as_tuple(mod.stride if mod.stride is not None else mod.kernel_size)
        padding = as_tuple(mod.padding)
        dilation = as_tuple(getattr(mod, "dilation", 1))
        if getattr(mod, "return_indices", False):
            raise self.unsupported(fx_node, f"{type(mod).__name__} with return_indices")
        window = Window.pooling(in_shape, kernel, stride, [(p, p) for p in padding], dilation, bool(mod.ceil_mode))
        if window.shape != self.shape(fx_node):
            raise self.unsupported(fx_node, f"{type(mod).__name__} whose output shape differs from torch's")
        return window

    def avg_pool(self, fx_node: Any, mod: Any, in_shape: tuple[int, ...]) -> AvgPool:
        if getattr(mod, "divisor_override", None) is not None or (mod.ceil_mode and mod.count_include_pad):
            raise self.unsupported(
                fx_node, f"{type(mod).__name__} with divisor_override or ceil_mode and count_include_pad"
            )
        window = self.pool_window(fx_node, mod, in_shape)
        return AvgPool.of(window, count_pad=bool(mod.count_include_pad))

    def adaptive_avg(self, fx_node: Any, in_shape: tuple[int, ...]) -> AvgPool:
        out = self.shape(fx_node)
        if any(n % o for n, o in zip(in_shape[1:], out[1:], strict=True)):
            raise self.unsupported(fx_node, f"adaptive average pooling from {in_shape} to {out} (sizes must divide)")
        kernel = tuple(n // o for n, o in zip(in_shape[1:], out[1:], strict=True))
        window = Window.pooling(in_shape, kernel, kernel, [(0, 0)] * len(kernel), (1,) * len(kernel))
        return AvgPool(window, np.full(window.index.shape[0], float(np.prod(kernel))))
