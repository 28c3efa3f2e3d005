"""Restricting an n_in-dimensional network to a line (``relu1d.count_regions(net, a, b)`` counts along it).

Hanin & Rolnick (2019) count regions along 1-D lines x(t) = a + t·v through input space. Composing the line
into the first layer gives a 1-D network: W¹x(t) + b¹ = (W¹v)·t + (W¹a + b¹). The composition is rounded to
float64 once (the count is then exact for that 1-D network); ``relu1d.engine.oracles.exact.count_regions_exact(net,
origin, direction)`` composes in rational arithmetic for checks.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from relu1d.engine.count import count_network
from relu1d.engine.decisions import checked_line
from relu1d.engine.network import Network
from relu1d.engine.result import RegionCount


def restrict_to_line(net: Network, origin: np.ndarray, direction: np.ndarray) -> Network:
    """The 1-D network t ↦ net(origin + t·direction)."""
    origin, direction = checked_line(np.ravel(origin), np.ravel(direction), (net.n_in,))
    w1, b1 = net.weights[0], net.biases[0]
    first_w = (w1 @ direction)[:, None]
    first_b = w1 @ origin + b1
    return Network([first_w, *net.weights[1:]], [first_b, *net.biases[1:]])


def count_on_line(
    net: Network,
    origin: np.ndarray,
    direction: np.ndarray,
    window: tuple[float, float] | None = None,
    **kwargs: Any,
) -> RegionCount:
    """Deprecated (one release): ``relu1d.count_regions(net, a, b, window=...)`` counts along a + t·(b − a)."""
    warnings.warn("count_on_line is deprecated: use relu1d.count_regions(net, a, b)", DeprecationWarning, 2)
    return count_network(restrict_to_line(net, origin, direction), window=window, **kwargs)


def count_on_segment(net: Network, start: np.ndarray, end: np.ndarray, **kwargs: Any) -> RegionCount:
    """Deprecated (one release): ``relu1d.count_regions(net, start, end, window=(0, 1))``."""
    warnings.warn(
        "count_on_segment is deprecated: use relu1d.count_regions(net, a, b, window=(0, 1))", DeprecationWarning, 2
    )
    start = np.asarray(start, dtype=np.float64)
    direction = np.asarray(end, dtype=np.float64) - start
    return count_network(restrict_to_line(net, start, direction), window=(0.0, 1.0), **kwargs)
