"""Piecewise-linear networks as a graph: affine operations and piecewise-linear units (docs/mathematics.md §7).

Along a line x(t) = a + t·d through the input space every network built from the operations here is a continuous
piecewise-linear function of t. A :class:`Graph` is a list of nodes in topological order; node 0 is the input. Each
node holds one operation of three kinds:

- **affine** (``Op.kind == "affine"``): y = L(x₁, …, x_m) + c, L linear. *Mixing* ones (dense, convolution) combine
  many inputs per output with signed weights; the others (sums, per-channel scaling such as an eval-mode batch norm,
  average pooling, reshapes, concatenation) are structural or positive.
- **activation** (``"pwl"``): an elementwise continuous piecewise-linear σ with kinks c₁ < … < c_r, σ(z) = α_p·z + β_p
  on piece p (z between c_p and c_{p+1}); ReLU, LeakyReLU, PReLU, Abs, ReLU6/Hardtanh/Clip.
- **max** (``"max"``): y_o = max_j x[window_o, j], max pooling (padding never wins).

Every operation evaluates a batch: arrays of shape (rows, *shape). The same code runs on float64 arrays and on
numpy object arrays of ``fractions.Fraction`` (the rational region walk, ``relu1d.engine.oracles.walk``): parameters are
float64, so each has one exact rational value. ``Graph.evaluate`` is the plain forward pass.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

Shape = tuple[int, ...]


def exact_array(x: np.ndarray) -> np.ndarray:
    """The float64 array x as an object array of exact Fractions."""
    flat = np.asarray(x, dtype=np.float64).reshape(-1)
    out = np.empty(flat.shape[0], dtype=object)
    out[:] = [Fraction(float(v)) for v in flat]
    return out.reshape(np.shape(x))


def param_like(x: np.ndarray, like: np.ndarray) -> np.ndarray:
    """A parameter in the number type of ``like`` (float64, or Fractions for object arrays)."""
    return exact_array(x) if like.dtype == object else x


def _finite(name: str, x: Any) -> np.ndarray:
    """x as a read-only float64 array of finite numbers: the array itself when it already is one that owns its memory
    (a ``Network``'s parameters: a graph of a large network holds no second copy), else a copy."""
    owned = isinstance(x, np.ndarray) and x.dtype == np.float64 and x.base is None and not x.flags.writeable
    arr = x if owned else np.array(x, dtype=np.float64)
    # a finite sum means finite entries (NaN and ±inf propagate); one that overflowed is checked entry by entry
    with np.errstate(over="ignore"):
        total = arr.sum()
    if not math.isfinite(total) and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: parameters must be finite (found NaN or infinity)")
    arr.setflags(write=False)
    return arr


class Op:
    """One operation. ``kind``: "input", "affine", "pwl" or "max"; ``n_inputs``: how many tensors it reads."""

    kind = "affine"
    n_inputs = 1
    mixing = False

    def out_shape(self, shapes: Sequence[Shape]) -> Shape:
        return shapes[0]

    def describe(self) -> str:
        return type(self).__name__


# --- affine operations --------------------------------------------------------------------------------------------


class Affine(Op):
    """y = linear(xs) + bias. ``linear`` maps batches (rows, *in_shape) to (rows, *out_shape)."""

    def linear(self, xs: Sequence[np.ndarray]) -> np.ndarray:
        raise NotImplementedError

    def bias(self, shape: Shape) -> np.ndarray | None:
        """The constant c (broadcastable to ``shape``), or None."""
        return None

    def positive(self, scales: Sequence[np.ndarray]) -> np.ndarray:
        """|L| applied to nonnegative scales (non-mixing operations; mixing ones use ``row_norms``)."""
        return self.linear(scales)

    def row_norms(self, in_shapes: Sequence[Shape]) -> np.ndarray:
        """‖L_i‖₂ of every output (mixing operations), shape out_shape."""
        raise NotImplementedError


@dataclass(frozen=True, eq=False)
class Dense(Affine):
    """y = x·Wᵀ + b on the last axis (torch ``Linear``, ONNX ``Gemm``/``MatMul``). W: (out, in)."""

    weight: np.ndarray
    bias_: np.ndarray | None = None
    mixing = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "weight", _finite("dense weight", self.weight))
        if self.weight.ndim != 2:
            raise ValueError(f"dense weight: expected a matrix, got shape {self.weight.shape}")
        if self.bias_ is not None:
            object.__setattr__(self, "bias_", _finite("dense bias", self.bias_).reshape(-1))
            if self.bias_.shape[0] != self.weight.shape[0]:
                raise ValueError(f"dense bias: {self.bias_.shape[0]} entries for {self.weight.shape[0]} outputs")

    def out_shape(self, shapes: Sequence[Shape]) -> Shape:
        shape = shapes[0]
        if not shape or shape[-1] != self.weight.shape[1]:
            raise ValueError(f"dense: input shape {shape} does not end in {self.weight.shape[1]}")
        return (*shape[:-1], self.weight.shape[0])

    def linear(self, xs: Sequence[np.ndarray]) -> np.ndarray:
        x = xs[0]
        return x @ param_like(self.weight, x).T

    def bias(self, shape: Shape) -> np.ndarray | None:
        return self.bias_

    def row_norms(self, in_shapes: Sequence[Shape]) -> np.ndarray:
        return np.broadcast_to(np.linalg.norm(self.weight, axis=1), self.out_shape(in_shapes))

    def describe(self) -> str:
        return f"Dense({self.weight.shape[1]}→{self.weight.shape[0]})"


@dataclass(frozen=True, eq=False)
class Conv(Affine):
    """N-d convolution (cross-correlation, as torch and ONNX define it) on (channels, *spatial) tensors.

    W: (out_channels, in_channels/groups, *kernel); ``padding`` is zeros, one (before, after) pair per spatial axis.
    """

    weight: np.ndarray
    bias_: np.ndarray | None
    stride: tuple[int, ...]
    padding: tuple[tuple[int, int], ...]
    dilation: tuple[int, ...]
    groups: int = 1
    mixing = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "weight", _finite("conv weight", self.weight))
        if self.bias_ is not None:
            object.__setattr__(self, "bias_", _finite("conv bias", self.bias_).reshape(-1))
        nd = self.weight.ndim - 2
        if nd < 1 or not (len(self.stride) == len(self.padding) == len(self.dilation) == nd):
            raise ValueError(f"conv: stride, padding and dilation need {nd} entries each")
        if self.groups < 1 or self.weight.shape[0] % self.groups:
            raise ValueError(f"conv: {self.weight.shape[0]} output channels do not split into {self.groups} groups")
        if min(self.stride) < 1 or min(self.dilation) < 1 or min(min(p) for p in self.padding) < 0:
            raise ValueError("conv: stride and dilation must be ≥ 1 and padding ≥ 0")

    def out_shape(self, shapes: Sequence[Shape]) -> Shape:
        shape, nd = shapes[0], self.weight.ndim - 2
        if len(shape) != nd + 1 or shape[0] != self.weight.shape[1] * self.groups:
            raise ValueError(
                f"conv: input shape {shape} does not match a {nd}-d kernel with "
                f"{self.weight.shape[1] * self.groups} input channels"
            )
        out = []
        for n, k, s, (p0, p1), d in zip(
            shape[1:], self.weight.shape[2:], self.stride, self.padding, self.dilation, strict=True
        ):
            size = (n + p0 + p1 - d * (k - 1) - 1) // s + 1
            if size < 1:
                raise ValueError(f"conv: the kernel does not fit the input of shape {shape}")
            out.append(size)
        return (self.weight.shape[0], *out)

    def linear(self, xs: Sequence[np.ndarray]) -> np.ndarray:
        x = xs[0]
        if x.dtype != object:
            fast = _torch_conv(self, x)
            if fast is not None:
                return fast
        return _conv_numpy(self, x)

    def bias(self, shape: Shape) -> np.ndarray | None:
        if self.bias_ is None:
            return None
        return self.bias_.reshape((-1,) + (1,) * (len(shape) - 1))

    def row_norms(self, in_shapes: Sequence[Shape]) -> np.ndarray:
        norms = np.linalg.norm(self.weight.reshape(self.weight.shape[0], -1), axis=1)
        out = self.out_shape(in_shapes)
        return np.broadcast_to(norms.reshape((-1,) + (1,) * (len(out) - 1)), out)

    def describe(self) -> str:
        return f"Conv{self.weight.ndim - 2}d({self.weight.shape[1] * self.groups}→{self.weight.shape[0]})"


def _torch_conv(op: Conv, x: np.ndarray) -> np.ndarray | None:
    """The convolution by torch (float64, the framework's own kernels) when torch is installed, else None."""
    nd = op.weight.ndim - 2
    if nd > 3:
        return None
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return None
    xt = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float64))
    pads = [p for pair in reversed(op.padding) for p in pair]
    symmetric = all(p0 == p1 for p0, p1 in op.padding)
    if not symmetric:
        xt = F.pad(xt, pads)
    conv = (F.conv1d, F.conv2d, F.conv3d)[nd - 1]
    out = conv(
        xt,
        torch.from_numpy(np.array(op.weight)),
        None,
        stride=op.stride,
        padding=tuple(p0 for p0, _ in op.padding) if symmetric else 0,
        dilation=op.dilation,
        groups=op.groups,
    )
    return out.numpy()


def _windows(x: np.ndarray, kernel: Sequence[int], stride: Sequence[int], dilation: Sequence[int]) -> np.ndarray:
    """Sliding windows of x (rows, C, *spatial) → (rows, C, *out_spatial, *kernel) (a view where possible)."""
    nd = len(kernel)
    span = [d * (k - 1) + 1 for k, d in zip(kernel, dilation, strict=True)]
    view = np.lib.stride_tricks.sliding_window_view(x, span, axis=tuple(range(2, 2 + nd)))
    index = (slice(None), slice(None))
    index += tuple(slice(None, None, s) for s in stride)
    index += tuple(slice(None, None, d) for d in dilation)
    return view[index]


def _conv_numpy(op: Conv, x: np.ndarray) -> np.ndarray:
    """Convolution as windows × kernel products (numpy; also for object arrays of Fractions)."""
    nd = op.weight.ndim - 2
    pad = ((0, 0), (0, 0), *op.padding)
    xp_ = np.pad(x, pad) if any(p for pair in op.padding for p in pair) else x
    win = _windows(xp_, op.weight.shape[2:], op.stride, op.dilation)  # (R, C, *out, *k)
    rows, out_sp = x.shape[0], win.shape[2 : 2 + nd]
    g, cin_g, cout_g = op.groups, op.weight.shape[1], op.weight.shape[0] // op.groups
    w = param_like(op.weight, x)
    parts = []
    for gi in range(g):
        wg = win[:, gi * cin_g : (gi + 1) * cin_g]  # (R, cin_g, *out, *k)
        wg = np.moveaxis(wg, 1, 1 + nd)  # (R, *out, cin_g, *k)
        cols = wg.reshape(rows, math.prod(out_sp), -1)
        kern = w[gi * cout_g : (gi + 1) * cout_g].reshape(cout_g, -1)
        parts.append(np.moveaxis(cols @ kern.T, 2, 1))  # (R, cout_g, out)
    out = np.concatenate(parts, axis=1) if g > 1 else parts[0]
    return out.reshape(rows, op.weight.shape[0], *out_sp)


@dataclass(frozen=True, eq=False)
class Scale(Affine):
    """y = a ⊙ x + c elementwise, a and c broadcastable to the tensor (eval-mode batch norm, constant products)."""

    scale: np.ndarray
    shift: np.ndarray | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "scale", _finite("scale", self.scale))
        if self.shift is not None:
            object.__setattr__(self, "shift", _finite("shift", self.shift))

    def out_shape(self, shapes: Sequence[Shape]) -> Shape:
        shape = shapes[0]
        for name, arr in (("scale", self.scale), ("shift", self.shift)):
            if arr is not None and np.broadcast_shapes(arr.shape, shape) != tuple(shape):
                raise ValueError(f"{name} of shape {arr.shape} does not broadcast to the tensor shape {shape}")
        return shape

    def linear(self, xs: Sequence[np.ndarray]) -> np.ndarray:
        return xs[0] * param_like(self.scale, xs[0])

    def bias(self, shape: Shape) -> np.ndarray | None:
        return self.shift

    def positive(self, scales: Sequence[np.ndarray]) -> np.ndarray:
        return scales[0] * np.abs(self.scale)


def aligned(xs: Sequence[np.ndarray], powers: tuple[int, ...] | None) -> Sequence[np.ndarray]:
    """x_k·2^{power_k}: inputs of a sum or concatenation that ``relu1d.engine.scaling`` rescaled by different powers
    of two, brought to one scale (exact: a power of two)."""
    if powers is None:
        return xs
    one = np.array(1.0)
    return [x if p == 0 else x * param_like(np.ldexp(one, p), x) for p, x in zip(powers, xs, strict=True)]


@dataclass(frozen=True, eq=False)
class Sum(Affine):
    """y = Σ_k sign_k·2^{power_k}·x_k (residual additions, differences of tensors); shapes equal. ``powers`` (exact
    powers of two, none by default) align inputs that ``relu1d.engine.scaling`` rescaled by different factors."""

    signs: tuple[int, ...] = (1, 1)
    powers: tuple[int, ...] | None = None

    @property
    def n_inputs(self) -> int:  # type: ignore[override]
        return len(self.signs)

    def out_shape(self, shapes: Sequence[Shape]) -> Shape:
        if any(tuple(s) != tuple(shapes[0]) for s in shapes):
            raise ValueError(f"sum: inputs of different shapes {[tuple(s) for s in shapes]}")
        return shapes[0]

    def linear(self, xs: Sequence[np.ndarray]) -> np.ndarray:
        xs = aligned(xs, self.powers)
        out = xs[0] if self.signs[0] > 0 else -xs[0]
        for s, x in zip(self.signs[1:], xs[1:], strict=True):
            out = out + x if s > 0 else out - x
        return out

    def positive(self, scales: Sequence[np.ndarray]) -> np.ndarray:
        scales = aligned(scales, self.powers)
        out = scales[0]
        for s in scales[1:]:
            out = out + s
        return out


@dataclass(frozen=True, eq=False)
class Reshape(Affine):
    """A reshape of the per-sample tensor (flatten, view), or a transpose when ``perm`` is given."""

    shape: Shape
    perm: tuple[int, ...] | None = None

    def out_shape(self, shapes: Sequence[Shape]) -> Shape:
        if self.perm is not None:
            if sorted(self.perm) != list(range(len(shapes[0]))):
                raise ValueError(f"transpose: {self.perm} is not a permutation of the axes of {shapes[0]}")
            return tuple(shapes[0][p] for p in self.perm)
        if math.prod(self.shape) != math.prod(shapes[0]):
            raise ValueError(f"reshape: cannot reshape {shapes[0]} to {self.shape}")
        return tuple(self.shape)

    def linear(self, xs: Sequence[np.ndarray]) -> np.ndarray:
        x = xs[0]
        if self.perm is not None:
            return np.transpose(x, (0, *(p + 1 for p in self.perm)))
        return x.reshape(x.shape[0], *self.shape)


@dataclass(frozen=True, eq=False)
class Concat(Affine):
    """Concatenation of tensors along a per-sample ``axis`` (``powers``: as for ``Sum``)."""

    axis: int
    count: int = 2
    powers: tuple[int, ...] | None = None

    @property
    def n_inputs(self) -> int:  # type: ignore[override]
        return self.count

    def out_shape(self, shapes: Sequence[Shape]) -> Shape:
        first = shapes[0]
        ax = self.axis
        if not 0 <= ax < len(first):
            raise ValueError(f"concat: axis {ax} out of range for shape {first}")
        for s in shapes[1:]:
            if len(s) != len(first) or any(a != b for i, (a, b) in enumerate(zip(s, first, strict=True)) if i != ax):
                raise ValueError(f"concat: shapes {[tuple(s) for s in shapes]} differ off axis {ax}")
        return (*first[:ax], sum(s[ax] for s in shapes), *first[ax + 1 :])

    def linear(self, xs: Sequence[np.ndarray]) -> np.ndarray:
        return np.concatenate(list(aligned(xs, self.powers)), axis=self.axis + 1)


@dataclass(frozen=True, eq=False)
class Window(Op):
    """Windows of a tensor for pooling: ``index`` (out_size, m) into the flattened input, −1 for padding."""

    index: np.ndarray
    shape: Shape

    @classmethod
    def pooling(
        cls,
        in_shape: Shape,
        kernel: Sequence[int],
        stride: Sequence[int],
        padding: Sequence[tuple[int, int]],
        dilation: Sequence[int],
        ceil_mode: bool = False,
    ) -> Window:
        """The windows of a (channels, *spatial) pooling, as torch and ONNX define them."""
        nd = len(kernel)
        if len(in_shape) != nd + 1:
            raise ValueError(f"pooling: a {nd}-d kernel needs (channels, {nd} spatial axes), got {in_shape}")
        positions = np.arange(math.prod(in_shape)).reshape(in_shape)
        pad = (
            (0, 0),
            *[(int(p0), int(p1) + (int(s) if ceil_mode else 0)) for (p0, p1), s in zip(padding, stride, strict=True)],
        )
        padded = np.pad(positions, pad, constant_values=-1)
        win = _windows(padded[None], kernel, stride, dilation)[0]  # (C, *out, *k)
        out_sp = win.shape[1 : 1 + nd]
        if ceil_mode:  # a window must start inside the input or its left padding
            keep = [
                min(o, (n + p0 + p1 - d * (k - 1) - 1 + s - 1) // s + 1)
                for o, n, (p0, p1), d, k, s in zip(out_sp, in_shape[1:], padding, dilation, kernel, stride, strict=True)
            ]
            win = win[(slice(None), *[slice(0, k) for k in keep])]
            out_sp = tuple(keep)
        if min(out_sp, default=1) < 1:
            raise ValueError(f"pooling: the kernel does not fit the input of shape {in_shape}")
        index = np.ascontiguousarray(win.reshape(-1, math.prod(kernel)))
        if np.any(np.all(index < 0, axis=1)):
            raise ValueError("pooling: a window lies entirely in the padding")
        return cls(index=index, shape=(in_shape[0], *out_sp))

    def out_shape(self, shapes: Sequence[Shape]) -> Shape:
        if int(self.index.max(initial=-1)) >= math.prod(shapes[0]):
            raise ValueError(f"pooling windows do not fit the input of shape {shapes[0]}")
        return self.shape


@dataclass(frozen=True, eq=False)
class AvgPool(Affine):
    """Average pooling over windows (``divisor[o]`` counts what torch/ONNX divide by: padding included or not)."""

    window: Window
    divisor: np.ndarray

    @classmethod
    def of(cls, window: Window, count_pad: bool) -> AvgPool:
        """Divide by the kernel size when padding counts (torch's and ONNX's ``count_include_pad``), else by the
        number of real entries of each window."""
        if count_pad:
            return cls(window, np.full(window.index.shape[0], float(window.index.shape[1])))
        return cls(window, np.count_nonzero(window.index >= 0, axis=1).astype(np.float64))

    def out_shape(self, shapes: Sequence[Shape]) -> Shape:
        return self.window.out_shape(shapes)

    def linear(self, xs: Sequence[np.ndarray]) -> np.ndarray:
        x = xs[0]
        flat = x.reshape(x.shape[0], -1)
        idx = self.window.index
        gathered = np.where(idx >= 0, flat[:, np.maximum(idx, 0)], 0)
        total = gathered.sum(axis=2)
        div = self.divisor if x.dtype != object else np.array([Fraction(int(d)) for d in self.divisor], dtype=object)
        return (total / div).reshape(x.shape[0], *self.window.shape)


# --- piecewise-linear units ---------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Activation(Op):
    """Elementwise continuous PWL σ: kinks c (r, …), slopes α and intercepts β (r + 1, …) per piece, each
    broadcastable to the tensor after its first axis (per-channel parameters as for PReLU)."""

    name: str
    kinks: np.ndarray
    slopes: np.ndarray
    intercepts: np.ndarray
    kind = "pwl"

    def __post_init__(self) -> None:
        for attr in ("kinks", "slopes", "intercepts"):
            object.__setattr__(self, attr, _finite(f"{self.name} {attr}", getattr(self, attr)))
        r = self.kinks.shape[0]
        if r < 1 or self.slopes.shape[0] != r + 1 or self.intercepts.shape[0] != r + 1:
            raise ValueError(f"{self.name}: need r ≥ 1 kinks and r + 1 pieces")
        if r > 1 and not np.all(np.diff(self.kinks, axis=0) > 0):
            raise ValueError(f"{self.name}: kinks must increase (got {self.kinks.tolist()})")
        left = self.slopes[:-1] * self.kinks + self.intercepts[:-1]
        right = self.slopes[1:] * self.kinks + self.intercepts[1:]
        if not np.allclose(left, right, rtol=1e-12, atol=1e-12 * float(np.max(np.abs(self.kinks), initial=1.0))):
            raise ValueError(f"{self.name}: the pieces do not meet at the kinks (not continuous)")

    @staticmethod
    @functools.cache
    def relu() -> Activation:
        """ReLU (one shared instance: it is immutable)."""
        return Activation("ReLU", np.zeros(1), np.array([0.0, 1.0]), np.zeros(2))

    @staticmethod
    def leaky_relu(alpha: Any) -> Activation:
        """LeakyReLU (scalar α) or PReLU (α per channel: shape (C, 1, …))."""
        a = np.asarray(alpha, dtype=np.float64)
        return Activation("LeakyReLU", np.zeros((1, *a.shape)), np.stack([a, np.ones_like(a)]), np.zeros((2, *a.shape)))

    @staticmethod
    def abs() -> Activation:
        return Activation("Abs", np.zeros(1), np.array([-1.0, 1.0]), np.zeros(2))

    @staticmethod
    def clip(lo: float, hi: float) -> Activation:
        """Hardtanh, ReLU6, Clip: lo below lo, identity between, hi above."""
        if not lo < hi:
            raise ValueError(f"clip: need min < max, got ({lo}, {hi})")
        return Activation("Clip", np.array([lo, hi]), np.array([0.0, 1.0, 0.0]), np.array([lo, 0.0, hi]))

    def out_shape(self, shapes: Sequence[Shape]) -> Shape:
        shape = shapes[0]
        for arr in (self.kinks, self.slopes):
            if arr.ndim > 1 and np.broadcast_shapes(arr.shape[1:], shape) != tuple(shape):
                raise ValueError(f"{self.name}: parameters of shape {arr.shape[1:]} do not fit the tensor {shape}")
        return shape

    def params(self, shape: Shape) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Kinks (r, m), slopes and intercepts (r + 1, m) for every entry of a tensor of ``shape`` (m entries)."""

        def full(arr: np.ndarray) -> np.ndarray:
            lead = arr.shape[0]
            arr = arr.reshape(lead, *([1] * (len(shape) - arr.ndim + 1)), *arr.shape[1:])
            return np.broadcast_to(arr, (lead, *shape)).reshape(lead, -1)

        return full(self.kinks), full(self.slopes), full(self.intercepts)

    def piece(self, z: np.ndarray) -> np.ndarray:
        """Piece index of every entry: the number of kinks strictly below z."""
        c = param_like(self.kinks, z)
        p = np.zeros(z.shape, dtype=np.int64)
        for q in range(c.shape[0]):
            p += z > c[q]
        return p

    def apply(self, z: np.ndarray, piece: np.ndarray | None = None) -> np.ndarray:
        """σ(z), or σ's piece ``piece`` applied to z. ReLU on float64 is max(z, 0), as ``Network.__call__`` computes
        it (the same bits where z·0 + 0 would give them too, faster)."""
        if piece is None and self is Activation.relu() and z.dtype == np.float64:
            return np.maximum(z, 0.0)
        p = self.piece(z) if piece is None else piece
        a, b = param_like(self.slopes, z), param_like(self.intercepts, z)
        return z * _pick(a, p) + _pick(b, p)

    def describe(self) -> str:
        return self.name


def _pick(params: np.ndarray, piece: np.ndarray) -> np.ndarray:
    """params[piece] elementwise (params: (r + 1, …), its trailing axes broadcast against piece's)."""
    return np.choose(piece, list(params))


@dataclass(frozen=True, eq=False)
class MaxPool(Op):
    """y_o = max over window o (padding never wins); a knot where the arg-max changes."""

    window: Window
    kind = "max"

    def out_shape(self, shapes: Sequence[Shape]) -> Shape:
        return self.window.out_shape(shapes)

    def gather(self, x: np.ndarray) -> np.ndarray:
        """(rows, out, m) candidates; padding entries are −∞ (float) or None-free copies of a real entry (exact)."""
        flat = x.reshape(x.shape[0], -1)
        idx = self.window.index
        g = flat[:, np.maximum(idx, 0)]
        if np.any(idx < 0):
            # a padded slot repeats a real entry of its window: it never changes the max nor its arg-max's value
            first = np.argmax(idx >= 0, axis=1)
            fill = idx[np.arange(idx.shape[0]), first]
            g = flat[:, np.where(idx >= 0, idx, fill[:, None])]
        return g

    def describe(self) -> str:
        return f"MaxPool({self.window.index.shape[1]})"


@dataclass(frozen=True, eq=False)
class Input(Op):
    shape: Shape = ()
    kind = "input"
    n_inputs = 0

    def out_shape(self, shapes: Sequence[Shape]) -> Shape:
        return self.shape


# --- the graph ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Node:
    name: str
    op: Op
    inputs: tuple[int, ...]


@dataclass(frozen=True, eq=False)
class Graph:
    """Nodes in topological order; node 0 is the input, the last node the output. Shapes exclude the batch axis."""

    nodes: tuple[Node, ...]
    shapes: tuple[Shape, ...] = field(init=False)

    def __post_init__(self) -> None:
        if not self.nodes or self.nodes[0].op.kind != "input":
            raise ValueError("graph: node 0 must be the input")
        shapes: list[Shape] = []
        for i, node in enumerate(self.nodes):
            if i > 0 and node.op.kind == "input":
                raise ValueError(f"graph: node {node.name!r} is a second input")
            if any(not 0 <= j < i for j in node.inputs) or len(node.inputs) != node.op.n_inputs:
                raise ValueError(f"graph: node {node.name!r} reads {node.inputs}, not {node.op.n_inputs} earlier nodes")
            try:
                shapes.append(tuple(int(s) for s in node.op.out_shape([shapes[j] for j in node.inputs])))
            except ValueError as err:
                raise ValueError(f"node {node.name!r}: {err}") from None
        object.__setattr__(self, "shapes", tuple(shapes))

    @property
    def input_shape(self) -> Shape:
        return self.shapes[0]

    @property
    def output_shape(self) -> Shape:
        return self.shapes[-1]

    @property
    def units(self) -> tuple[int, ...]:
        """Indices of the nodes with knots (activations and max pooling), in order."""
        return tuple(i for i, n in enumerate(self.nodes) if n.op.kind in ("pwl", "max"))

    @property
    def unit_sizes(self) -> tuple[int, ...]:
        return tuple(math.prod(self.shapes[i]) for i in self.units)

    def consumers(self) -> list[list[int]]:
        out: list[list[int]] = [[] for _ in self.nodes]
        for i, node in enumerate(self.nodes):
            for j in node.inputs:
                out[j].append(i)
        return out

    def evaluate(self, x: np.ndarray, *, all_nodes: bool = False) -> Any:
        """Forward pass of a batch x (rows, *input_shape): the output (rows, *output_shape), or every node's."""
        x = np.asarray(x) if np.asarray(x).dtype == object else np.asarray(x, dtype=np.float64)
        if x.shape[1:] != self.input_shape:
            raise ValueError(f"evaluate: inputs of shape {x.shape[1:]}, the graph takes {self.input_shape}")
        vals: list[np.ndarray] = [x]
        for node, shape in zip(self.nodes[1:], self.shapes[1:], strict=True):
            xs = [vals[j] for j in node.inputs]
            op = node.op
            if isinstance(op, Affine):
                y = op.linear(xs)
                c = op.bias(shape)
                if c is not None:
                    y = y + param_like(c, y)
            elif isinstance(op, Activation):
                y = op.apply(xs[0])
            elif isinstance(op, MaxPool):
                y = op.gather(xs[0]).max(axis=2).reshape(x.shape[0], *shape)
            else:
                raise ValueError(f"node {node.name!r}: cannot evaluate {op.describe()}")
            vals.append(y)
        return vals if all_nodes else vals[-1]


def graph_from_layers(input_shape: Shape, layers: Sequence[tuple[str, Op]]) -> Graph:
    """A chain: each (name, op) reads the node before it."""
    nodes = [Node("input", Input(tuple(input_shape)), ())]
    for i, (name, op) in enumerate(layers):
        nodes.append(Node(name, op, (i,)))
    return Graph(tuple(nodes))


def graph_from_blocks(
    input_shape: Shape, layers: Sequence[Op], act: Op, head: Sequence[tuple[str, Op]], residual: bool = False
) -> Graph:
    """Layers A_1…A_L, each followed by the unit ``act`` (φ), then the ``head`` chain. Plain:
    x ↦ head(φ(A_L ⋯ φ(A_1 x))). Residual: z¹ = A_1 x, z^ℓ = z^{ℓ−1} + A_ℓ φ(z^{ℓ−1}) for ℓ ≥ 2 (a branch scale is
    folded into A_ℓ), and the head reads φ(z^L). Nodes: ``layer1``, ``branch{ℓ}`` and ``sum{ℓ}``, ``act{ℓ}``."""
    nodes = [Node("input", Input(tuple(input_shape)), ())]
    for ell, op in enumerate(layers, start=1):
        if residual and ell > 1:
            stream = len(nodes) - 2  # z^{ℓ−1}, the node before act{ℓ−1}
            nodes.append(Node(f"branch{ell}", op, (len(nodes) - 1,)))
            nodes.append(Node(f"sum{ell}", Sum(), (stream, len(nodes) - 1)))
        else:
            nodes.append(Node(f"layer{ell}", op, (len(nodes) - 1,)))
        nodes.append(Node(f"act{ell}", act, (len(nodes) - 1,)))
    for name, op in head:
        nodes.append(Node(name, op, (len(nodes) - 1,)))
    return Graph(tuple(nodes))


def graph_from_network(net: Any) -> Graph:
    """The graph of a ``relu1d.Network`` (Dense, ReLU, …, Dense)."""
    layers: list[tuple[str, Op]] = []
    for ell, (w, b) in enumerate(zip(net.weights, net.biases, strict=True), start=1):
        layers.append((f"dense{ell}", Dense(w, b)))
        if ell < len(net.weights):
            layers.append((f"relu{ell}", Activation.relu()))
    return graph_from_layers((net.n_in,), layers)
