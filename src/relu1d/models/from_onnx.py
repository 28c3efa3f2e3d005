"""ONNX models → :class:`relu1d.engine.graph.Graph` (onnx is an optional extra).

The first graph input that is not an initializer is the network's input; its first axis is the batch. Nodes whose
inputs are all constants (shape arithmetic, ``Constant``) are folded with ONNX's own reference evaluator. Supported:
``Gemm`` (transA = 0), ``MatMul`` by a constant, ``Conv`` (explicit pads or ``auto_pad``), ``BatchNormalization``,
``Add``/``Sub`` of tensors or constants, ``Mul``/``Div`` by constants, ``Relu``, ``LeakyRelu``, ``PRelu``, ``Clip``,
``Abs``, ``MaxPool``, ``AveragePool``, ``GlobalAveragePool``, ``GlobalMaxPool``, ``Flatten`` (axis 1), ``Reshape``,
``Transpose`` (batch axis fixed), ``Squeeze``/``Unsqueeze``, ``Concat``, ``Identity`` and ``Dropout``; ``Shape`` of a
network tensor is the constant shape of one sample (batch size 1), so that exported ``x.view(x.size(0), -1)`` folds.
Anything else raises ``ValueError`` naming the operator and the node.
"""

from __future__ import annotations

import math
import os
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
    Op,
    Reshape,
    Scale,
    Sum,
    Window,
)


def load_onnx(source: Any) -> Any:
    """A ``ModelProto`` from a path or a ``ModelProto``, checked by ``onnx.checker``."""
    import onnx

    if isinstance(source, (str, os.PathLike)):
        try:
            model = onnx.load(os.fspath(source))
        except Exception as err:
            raise ValueError(f"{source}: not a readable ONNX model ({type(err).__name__})") from None
    else:
        model = source
    try:
        onnx.checker.check_model(model)
    except Exception as err:
        raise ValueError(f"ONNX model: invalid ({str(err).splitlines()[0]})") from None
    return model


def graph_from_onnx(source: Any) -> Graph:
    """The graph of an ONNX model (a path or a ``ModelProto``)."""
    model = load_onnx(source)
    return _Converter(model).run()


class _Converter:
    def __init__(self, model: Any) -> None:
        from onnx import numpy_helper

        self.model = model
        g = model.graph
        self.consts: dict[str, np.ndarray] = {t.name: numpy_helper.to_array(t) for t in g.initializer}
        inputs = [i for i in g.input if i.name not in self.consts]
        if len(inputs) != 1:
            raise ValueError(f"ONNX model: expected one input, found {len(inputs)}")
        dims = inputs[0].type.tensor_type.shape.dim
        shape = []
        for d in list(dims)[1:]:
            if not d.HasField("dim_value"):
                raise ValueError(
                    f"ONNX model: input {inputs[0].name!r} has a symbolic size {d.dim_param!r} off the batch axis"
                )
            shape.append(int(d.dim_value))
        if len(g.output) != 1:
            raise ValueError(f"ONNX model: expected one output, found {len(g.output)}")
        self.nodes: list[Node] = [Node(inputs[0].name, Input(tuple(shape)), ())]
        self.index: dict[str, int] = {inputs[0].name: 0}
        self.output = g.output[0].name

    def add(self, out: str, node_name: str, op: Op, inputs: list[str]) -> None:
        self.nodes.append(Node(node_name, op, tuple(self.index[i] for i in inputs)))
        self.index[out] = len(self.nodes) - 1
        try:
            self._shapes = Graph(tuple(self.nodes)).shapes
        except ValueError as err:
            raise ValueError(f"ONNX model: {err}") from None

    def run(self) -> Graph:
        self._shapes = Graph(tuple(self.nodes)).shapes
        for node in self.model.graph.node:
            name = node.name or f"{node.op_type}:{node.output[0]}"
            live = [i for i in node.input if i]
            if all(i in self.consts for i in live):
                self.fold(node)
                continue
            self.convert(node, name)
        if self.output not in self.index:
            raise ValueError(f"ONNX model: the output {self.output!r} is not computed from the input")
        out = self.index[self.output]
        if out != len(self.nodes) - 1:
            self.nodes.append(Node("output", Reshape(self._shapes[out]), (out,)))
        return Graph(tuple(self.nodes))

    def fold(self, node: Any) -> None:
        """A node of constants, evaluated by ONNX's reference implementation."""
        from onnx.reference import ReferenceEvaluator

        if node.op_type == "Constant":
            from onnx import numpy_helper

            attr = {a.name: a for a in node.attribute}
            if "value" not in attr:
                raise ValueError(f"ONNX model: Constant {node.name!r} without a tensor value")
            self.consts[node.output[0]] = numpy_helper.to_array(attr["value"].t)
            return
        try:
            ev = ReferenceEvaluator(_single_node_model(node, self.model))
            outs = ev.run(None, {i: self.consts[i] for i in node.input if i})
        except Exception as err:
            raise ValueError(f"ONNX model: cannot fold constant node {node.name!r} ({node.op_type}: {err})") from None
        for o, v in zip(node.output, outs, strict=False):
            self.consts[o] = np.asarray(v)

    def attrs(self, node: Any) -> dict[str, Any]:
        from onnx import helper

        return {a.name: helper.get_attribute_value(a) for a in node.attribute}

    def const(self, name: str) -> np.ndarray | None:
        return np.asarray(self.consts[name], dtype=np.float64) if name in self.consts else None

    def per_sample(self, value: np.ndarray, out_ndim: int, node: Any) -> np.ndarray:
        """A constant broadcast against (batch, *shape) without its batch axis."""
        if value.ndim > out_ndim:
            if value.shape[0] != 1:
                raise self.unsupported(node, f"a constant of shape {value.shape} across the batch")
            value = value[0]
        return value

    def unsupported(self, node: Any, what: str) -> ValueError:
        return ValueError(f"ONNX model: unsupported operation {what} at node {node.name or node.output[0]!r}")

    def convert(self, node: Any, name: str) -> None:
        op, a, ins = node.op_type, self.attrs(node), [i for i in node.input]
        out = node.output[0]
        tensors = [i for i in ins if i and i in self.index]
        if len(tensors) != len([i for i in ins if i and i not in self.consts]):
            missing = [i for i in ins if i and i not in self.consts and i not in self.index]
            raise self.unsupported(node, f"{op} reading {missing} (not computed from the input)")
        x = ins[0]
        if x not in self.index and op not in ("Add", "Mul", "Sum"):
            raise self.unsupported(node, f"{op} whose first input is a constant")
        shape = self._shapes[self.index[x]] if x in self.index else None
        if op == "Shape":  # a constant for one sample (batch size 1), as the shape arithmetic that follows expects
            full = np.array([1, *shape], dtype=np.int64)
            self.consts[out] = full[a.get("start", 0) : a.get("end", len(full))]
        elif op in ("Identity", "Dropout"):
            if op == "Dropout" and len(node.output) > 1 and node.output[1]:
                raise self.unsupported(node, "Dropout with its mask output")
            self.index[out] = self.index[x]
        elif op == "Relu":
            self.add(out, name, Activation.relu(), [x])
        elif op == "Abs":
            self.add(out, name, Activation.abs(), [x])
        elif op == "LeakyRelu":
            self.add(out, name, Activation.leaky_relu(float(a.get("alpha", 0.01))), [x])
        elif op == "PRelu":
            slope = self.per_sample(self.const(ins[1]), len(shape), node)
            self.add(out, name, Activation.leaky_relu(slope if slope.size > 1 else float(slope.reshape(-1)[0])), [x])
        elif op == "Clip":
            lo = a.get("min", self.const(ins[1]) if len(ins) > 1 and ins[1] else None)
            hi = a.get("max", self.const(ins[2]) if len(ins) > 2 and ins[2] else None)
            if lo is None or hi is None:
                raise self.unsupported(node, "Clip without both bounds")
            self.add(out, name, Activation.clip(float(np.asarray(lo)), float(np.asarray(hi))), [x])
        elif op == "Gemm":
            if a.get("transA", 0):
                raise self.unsupported(node, "Gemm with transA = 1")
            w = self.const(ins[1])
            if w is None:
                raise self.unsupported(node, "Gemm by a non-constant matrix")
            w = float(a.get("alpha", 1.0)) * (w if a.get("transB", 0) else w.T)
            b = None
            if len(ins) > 2 and ins[2]:
                b = float(a.get("beta", 1.0)) * np.broadcast_to(self.const(ins[2]), (1, w.shape[0])).reshape(-1)
            self.add(out, name, Dense(w, b), [x])
        elif op == "MatMul":
            w = self.const(ins[1])
            if w is None or w.ndim != 2:
                raise self.unsupported(node, "MatMul by a non-constant or non-matrix operand")
            self.add(out, name, Dense(w.T), [x])
        elif op in ("Add", "Sub", "Mul", "Div", "Sum"):
            self.arith(node, name, op, ins, out)
        elif op == "Conv":
            self.add(out, name, self.conv(node, a, ins, shape), [x])
        elif op == "BatchNormalization":
            if len(node.output) > 1 and any(node.output[1:]):
                raise self.unsupported(node, "BatchNormalization in training mode")
            gamma, beta, mean, var = (self.const(i) for i in ins[1:5])
            scale = gamma / np.sqrt(var + float(a.get("epsilon", 1e-5)))
            tail = (1,) * (len(shape) - 1)
            self.add(out, name, Scale(scale.reshape(-1, *tail), (beta - mean * scale).reshape(-1, *tail)), [x])
        elif op in ("MaxPool", "AveragePool"):
            if op == "MaxPool" and len(node.output) > 1 and node.output[1]:
                raise self.unsupported(node, "MaxPool with its Indices output")
            window = self.pool(node, a, shape)
            if op == "MaxPool":
                self.add(out, name, MaxPool(window), [x])
            else:
                if a.get("ceil_mode", 0) and a.get("count_include_pad", 0):
                    raise self.unsupported(node, "AveragePool with ceil_mode and count_include_pad")
                self.add(out, name, AvgPool.of(window, bool(a.get("count_include_pad", 0))), [x])
        elif op in ("GlobalAveragePool", "GlobalMaxPool"):
            sp = shape[1:]
            window = Window.pooling(shape, sp, sp, [(0, 0)] * len(sp), (1,) * len(sp))
            self.add(out, name, MaxPool(window) if op == "GlobalMaxPool" else AvgPool.of(window, True), [x])
        elif op == "Flatten":
            axis = int(a.get("axis", 1))
            if axis != 1:
                raise self.unsupported(node, f"Flatten with axis {axis} (only 1 keeps the batch axis)")
            self.add(out, name, Reshape((math.prod(shape),)), [x])
        elif op == "Reshape":
            target = self.const(ins[1])
            if target is None:
                raise self.unsupported(node, "Reshape to a shape computed at run time")
            full = (
                np.empty((1, *shape))
                .reshape(
                    [
                        (1, *shape)[i] if int(s) == 0 and not a.get("allowzero", 0) else int(s)
                        for i, s in enumerate(target)
                    ]
                )
                .shape
            )
            if full[0] != 1:
                raise self.unsupported(node, f"Reshape to {tuple(int(s) for s in target)} across the batch axis")
            self.add(out, name, Reshape(tuple(full[1:])), [x])
        elif op == "Transpose":
            perm = list(a.get("perm", range(len(shape), -1, -1)))
            if perm[0] != 0:
                raise self.unsupported(node, f"Transpose {perm} moving the batch axis")
            self.add(out, name, Reshape((), perm=tuple(p - 1 for p in perm[1:])), [x])
        elif op in ("Squeeze", "Unsqueeze"):
            axes = a.get("axes", self.const(ins[1]) if len(ins) > 1 and ins[1] else None)
            listed = None if axes is None else [int(v) for v in np.asarray(axes).reshape(-1)]
            rank = len(shape) + 1 + (len(listed) if op == "Unsqueeze" and listed else 0)
            if listed is None and op == "Unsqueeze":
                raise self.unsupported(node, "Unsqueeze without axes")
            if listed is not None and 0 in [v % rank for v in listed]:
                raise self.unsupported(node, f"{op} of the batch axis")
            full = np.empty((1, *shape))
            if op == "Squeeze":
                full = np.squeeze(full[0], axis=None if listed is None else tuple(v % rank - 1 for v in listed))[None]
            else:
                full = np.expand_dims(full, tuple(listed))
            self.add(out, name, Reshape(tuple(full.shape[1:])), [x])
        elif op == "Concat":
            axis = int(a["axis"])
            nd = len(shape) + 1
            axis = axis % nd
            if axis == 0:
                raise self.unsupported(node, "Concat along the batch axis")
            if any(i in self.consts for i in ins):
                raise self.unsupported(node, "Concat with a constant")
            self.add(out, name, Concat(axis - 1, len(ins)), ins)
        else:
            raise self.unsupported(node, op)

    def arith(self, node: Any, name: str, op: str, ins: list[str], out: str) -> None:
        tensors = [i for i in ins if i in self.index]
        if op in ("Add", "Sub", "Sum") and len(tensors) == len(ins):
            shapes = {self._shapes[self.index[i]] for i in ins}
            if len(shapes) > 1:
                raise self.unsupported(node, f"a broadcasting {op} of shapes {sorted(shapes)}")
            signs = (1, -1) if op == "Sub" else (1,) * len(ins)
            self.add(out, name, Sum(signs), ins)
            return
        if len(ins) != 2 or len(tensors) != 1:
            raise self.unsupported(node, f"{op} of two network tensors" if op in ("Mul", "Div") else op)
        x = tensors[0]
        shape = self._shapes[self.index[x]]
        c = self.per_sample(self.const(ins[1] if ins[0] == x else ins[0]), len(shape), node)
        first = ins[0] == x
        if op == "Add":
            self.add(out, name, Scale(np.asarray(1.0), c), [x])
        elif op == "Sub":
            self.add(out, name, Scale(np.asarray(1.0), -c) if first else Scale(np.asarray(-1.0), c), [x])
        elif op == "Mul":
            self.add(out, name, Scale(c), [x])
        elif op == "Div" and first:
            self.add(out, name, Scale(1.0 / c), [x])
        else:
            raise self.unsupported(node, "a division by a network tensor")

    def conv(self, node: Any, a: dict, ins: list[str], shape: tuple[int, ...]) -> Conv:
        w = self.const(ins[1])
        if w is None:
            raise self.unsupported(node, "Conv with weights computed at run time")
        b = self.const(ins[2]) if len(ins) > 2 and ins[2] else None
        nd = w.ndim - 2
        kernel = w.shape[2:]
        strides = tuple(a.get("strides", [1] * nd))
        dil = tuple(a.get("dilations", [1] * nd))
        pads = self.pads(node, a, shape[1:], kernel, strides, dil)
        return Conv(w, b, strides, pads, dil, int(a.get("group", 1)))

    def pads(self, node: Any, a: dict, spatial: tuple, kernel: tuple, strides: tuple, dil: tuple) -> list:
        nd = len(kernel)
        mode = a.get("auto_pad", b"NOTSET")
        mode = mode.decode() if isinstance(mode, bytes) else mode
        if mode in ("NOTSET", ""):
            p = list(a.get("pads", [0] * (2 * nd)))
            return [(int(p[i]), int(p[i + nd])) for i in range(nd)]
        if mode == "VALID":
            return [(0, 0)] * nd
        out = []
        for n, k, s, d in zip(spatial, kernel, strides, dil, strict=True):
            total = max(0, (math.ceil(n / s) - 1) * s + d * (k - 1) + 1 - n)
            small, big = total // 2, total - total // 2
            out.append((small, big) if mode == "SAME_UPPER" else (big, small))
        return out

    def pool(self, node: Any, a: dict, shape: tuple[int, ...]) -> Window:
        kernel = tuple(a["kernel_shape"])
        nd = len(kernel)
        strides = tuple(a.get("strides", [1] * nd))
        dil = tuple(a.get("dilations", [1] * nd))
        if a.get("storage_order", 0):
            raise self.unsupported(node, "pooling with storage_order = 1")
        pads = self.pads(node, a, shape[1:], kernel, strides, dil)
        return Window.pooling(shape, kernel, strides, pads, dil, bool(a.get("ceil_mode", 0)))


def _single_node_model(node: Any, model: Any) -> Any:
    """A model of one node (for the reference evaluator), with the source model's opsets."""
    from onnx import helper

    graph = helper.make_graph(
        [node],
        "fold",
        [helper.make_tensor_value_info(i, 0, None) for i in node.input if i],
        [helper.make_tensor_value_info(o, 0, None) for o in node.output if o],
    )
    return helper.make_model(graph, opset_imports=list(model.opset_import), ir_version=model.ir_version)
