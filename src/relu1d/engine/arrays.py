"""Array-API helpers of the engine: the namespace, conversions, and the gathers, scatters and reductions the
array API spells differently from numpy (numpy's own calls are used on numpy arrays: array_api_compat's wrappers
cost 10–70 µs a call)."""

from __future__ import annotations

from typing import Any

import array_api_compat
import numpy as np


def namespace(xp: Any) -> Any:
    """The array-API namespace for a module (numpy, cupy, array_api_strict) or None (numpy)."""
    return array_api_compat.array_namespace((np if xp is None else xp).asarray(0.0))


def to_numpy(x: Any) -> np.ndarray:
    """x as a numpy array (a copy from a GPU)."""
    if isinstance(x, np.ndarray):
        return x
    if array_api_compat.is_cupy_array(x):
        return x.get()
    return np.asarray(np.from_dlpack(x))


def scatter(x: Any, rows: Any, cols: Any, values: Any, xp: Any) -> Any:
    """x with x[rows[j], cols[j]] = values[j] (distinct positions); a copy where the namespace needs one."""
    if rows.shape[0] == 0:
        return x
    if array_api_compat.is_numpy_namespace(xp) or array_api_compat.is_cupy_namespace(xp):
        x[rows, cols] = values
        return x
    # Generic array API has no integer scatter: a sorted-key lookup over the flat array (tests only).
    width = x.shape[1]
    keys = rows * width + cols
    order = xp.argsort(keys)
    keys, values = xp.take(keys, order), xp.take(values, order)
    flat = xp.reshape(x, (-1,))
    pos = xp.arange(flat.shape[0], dtype=keys.dtype)
    at = clip(xp.searchsorted(keys, pos), 0, keys.shape[0] - 1, xp)
    hit = xp.take(keys, at) == pos
    return xp.reshape(xp.where(hit, xp.astype(xp.take(values, at), x.dtype), flat), x.shape)


def clip(x: Any, lo: Any, hi: Any, xp: Any) -> Any:
    """``xp.clip``; numpy's own on numpy arrays (array_api_compat's wrapper costs ~70 µs a call)."""
    return np.clip(x, lo, hi) if isinstance(x, np.ndarray) else xp.clip(x, lo, hi)


def total(x: Any, xp: Any) -> float:
    """Σ x as a Python float (numpy's own sum on numpy arrays: the array-API wrapper costs ~10 µs a call)."""
    return float(x.sum()) if isinstance(x, np.ndarray) else float(xp.sum(x))


def gather2(x: Any, rows: Any, cols: Any, xp: Any) -> Any:
    """x[rows[j], cols[j]] for index vectors rows, cols."""
    return xp.take(xp.reshape(x, (-1,)), rows * x.shape[1] + cols)


def row_norms(x: Any, xp: Any) -> Any:
    """‖x_k‖₂ of every row (one pass: ``vecdot``, not a squared temporary)."""
    return xp.sqrt(xp.vecdot(x, x))


def replace_rows(x: Any, rows: Any, new: Any, xp: Any) -> Any:
    """x with x[rows[j]] = new[j] (rows increasing); in place where the namespace allows it."""
    if array_api_compat.is_numpy_namespace(xp) or array_api_compat.is_cupy_namespace(xp):
        x[rows] = new
        return x
    at = clip(xp.searchsorted(rows, xp.arange(x.shape[0], dtype=rows.dtype)), 0, rows.shape[0] - 1, xp)
    hit = xp.take(rows, at) == xp.arange(x.shape[0], dtype=rows.dtype)
    return xp.where(hit[:, None], xp.take(new, at, axis=0), x)


def c_contiguous(x: Any, xp: Any) -> Any:
    """x as a C-contiguous array (numpy and cupy; a plain copy elsewhere)."""
    if hasattr(xp, "ascontiguousarray"):
        return xp.ascontiguousarray(x)
    return xp.asarray(x, copy=True)
