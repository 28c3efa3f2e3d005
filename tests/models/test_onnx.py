"""ONNX models counted along lines, checked against onnxruntime (float32), ONNX's reference evaluator (float64),
the same model in torch and the rational walk."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
torch = pytest.importorskip("torch")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402
from onnx.reference import ReferenceEvaluator  # noqa: E402

from relu1d.engine.oracles.walk import walk_regions  # noqa: E402
from relu1d.models import count_regions, to_graph  # noqa: E402
from tests.graphs import assert_matches_forward, assert_same_regions  # noqa: E402
from tests.models.test_torch import MODELS, _randomised  # noqa: E402


def export(model, shape: tuple[int, ...], dtype=torch.float64) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        example = (torch.zeros((1, *shape), dtype=dtype),)
        axes = {"x": {0: "n"}, "y": {0: "n"}}
        torch.onnx.export(model.to(dtype).eval(), example, buffer, dynamo=False, input_names=["x"],
                          output_names=["y"], dynamic_axes=axes)  # fmt: skip
    return buffer.getvalue()


def _run(session_or_evaluator, dtype):
    def run(x: np.ndarray) -> np.ndarray:
        return session_or_evaluator.run(None, {"x": x.astype(dtype)})[0]

    return run


@pytest.mark.parametrize("name", sorted(MODELS))
def test_exported_torch_models_count_as_in_torch(name: str, tmp_path) -> None:
    """float64 export: the same regions as the torch module, values as ONNX's reference evaluator computes them."""
    build, shape = MODELS[name]
    torch.manual_seed(1)
    model = _randomised(build(), 1)
    rng = np.random.default_rng(31)
    a, b = rng.normal(size=shape), rng.normal(size=shape)
    path = tmp_path / "model.onnx"
    path.write_bytes(export(model, shape))
    result = count_regions(str(path), a, b)
    # ONNX stores a LeakyRelu's slope as a float32 attribute: the same knots, positions within float32 of torch's
    assert_same_regions(result, count_regions(model, a, b), position_rtol=1e-6)
    assert_same_regions(result, walk_regions(to_graph(str(path)), a, b - a))
    evaluator = ReferenceEvaluator(onnx.load(str(path)))
    assert_matches_forward(result, _run(evaluator, np.float64), a, b - a)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_float32_models_against_onnxruntime(name: str) -> None:
    """float32 weights are float64 numbers: counted exactly, checked against onnxruntime's float32 forward pass."""
    build, shape = MODELS[name]
    torch.manual_seed(2)
    proto = onnx.load_from_string(export(_randomised(build(), 2), shape, torch.float32))
    session = ort.InferenceSession(proto.SerializeToString())
    rng = np.random.default_rng(32)
    a, b = (rng.normal(size=shape).astype(np.float32).astype(np.float64) for _ in range(2))
    result = count_regions(proto, a, b, window=(0.0, 1.0))
    assert_same_regions(result, walk_regions(to_graph(proto), a, b - a, window=(0.0, 1.0)))
    assert_matches_forward(result, _run(session, np.float32), a, b - a, rtol=1e-5, slope_rtol=1e-5, window=(0.0, 1.0))


def _initializer(name: str, value) -> TensorProto:
    return numpy_helper.from_array(np.asarray(value, dtype=np.float64), name)


def handmade(nan: bool = False, op: str = "Relu") -> onnx.ModelProto:
    """Operators the torch export does not produce: MatMul + Add, Clip by inputs, Sub/Mul/Div by constants, Sum,
    Reshape, Transpose, Unsqueeze/Squeeze, PRelu, AveragePool counting padding, GlobalMaxPool, Abs."""
    rng = np.random.default_rng(7)
    w1 = rng.normal(size=(6, 12))
    if nan:
        w1[0, 0] = np.nan
    inits = [
        _initializer("w1", w1), _initializer("b1", rng.normal(size=12)),
        _initializer("lo", -0.4), _initializer("hi", 0.9), _initializer("two", 2.0),
        _initializer("c", rng.normal(size=12)),
        _initializer("slope", rng.uniform(0.1, 0.3, size=(3, 1, 1))), _initializer("w2", rng.normal(size=(3, 6))),
        numpy_helper.from_array(np.array([-1, 3, 2, 2], dtype=np.int64), "shape64"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "axes1"),
    ]  # fmt: skip
    nodes = [
        helper.make_node("MatMul", ["x", "w1"], ["m"], name="matmul"),
        helper.make_node("Add", ["m", "b1"], ["z"], name="bias"),
        helper.make_node(op, ["z"], ["r"], name="act"),
        helper.make_node("Clip", ["z", "lo", "hi"], ["cl"], name="clip"),
        helper.make_node("Sub", ["cl", "c"], ["s"], name="sub"),
        helper.make_node("Mul", ["s", "two"], ["s2"], name="mul"),
        helper.make_node("Div", ["r", "two"], ["r2"], name="div"),
        helper.make_node("Sum", ["s2", "r2", "z"], ["u"], name="sum"),
        helper.make_node("Reshape", ["u", "shape64"], ["u4"], name="reshape"),
        helper.make_node("Transpose", ["u4"], ["ut"], perm=[0, 1, 3, 2], name="transpose"),
        helper.make_node("AveragePool", ["ut"], ["ap"], kernel_shape=[2, 2], pads=[1, 1, 0, 0], count_include_pad=1,
                         name="avgpool"),
        helper.make_node("PRelu", ["ap", "slope"], ["pr"], name="prelu"),
        helper.make_node("Abs", ["pr"], ["aa"], name="abs"),
        helper.make_node("GlobalMaxPool", ["aa"], ["g"], name="gmax"),
        helper.make_node("Flatten", ["g"], ["gf"], axis=1, name="flatten"),
        helper.make_node("Unsqueeze", ["gf", "axes1"], ["gu"], name="unsqueeze"),
        helper.make_node("Squeeze", ["gu", "axes1"], ["gs"], name="squeeze"),
        helper.make_node("Gemm", ["gs", "w2"], ["y"], transB=0, alpha=0.5, name="gemm"),
    ]  # fmt: skip
    graph = helper.make_graph(
        nodes, "handmade",
        [helper.make_tensor_value_info("x", TensorProto.DOUBLE, ["n", 6])],
        [helper.make_tensor_value_info("y", TensorProto.DOUBLE, ["n", 6])],
        initializer=inits,
    )  # fmt: skip
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_handmade_operators_against_the_reference_evaluator() -> None:
    model = handmade()
    evaluator = ReferenceEvaluator(model)
    rng = np.random.default_rng(8)
    for _ in range(4):
        a, b = rng.normal(size=6), rng.normal(size=6)
        result = count_regions(model, a, b)
        assert_same_regions(result, walk_regions(to_graph(model), a, b - a))
        assert_matches_forward(result, _run(evaluator, np.float64), a, b - a)
        assert result.knots_per_layer.tolist()[0] > 0


def test_unsupported_operators_and_bad_models_are_named(tmp_path) -> None:
    with pytest.raises(ValueError, match="unsupported operation Sigmoid at node 'act'"):
        to_graph(handmade(op="Sigmoid"))
    with pytest.raises(ValueError, match="finite"):
        to_graph(handmade(nan=True))
    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"not a model")
    with pytest.raises(ValueError, match=r"garbage\.onnx"):
        to_graph(str(garbage))
