"""The exact counter: networks, the float64 propagation engine and its fused kernels, the rational ground truth,
restriction to lines and segments of an n_in-dimensional input space.

Needs only numpy, numba and array-api-compat; never imports ``relu1d.theory``, ``relu1d.replication``,
``relu1d.bench`` or ``relu1d.cli``. Definitions: docs/mathematics.md §1–2; how the engine stays exact: the
docstrings of ``relu1d.engine.propagation`` and the README.
"""

from relu1d.engine.count import count_network, prove_count
from relu1d.engine.decisions import DEFAULT_RTOL
from relu1d.engine.lines import count_on_line, count_on_segment, restrict_to_line
from relu1d.engine.network import Network, load_network, network_from_arrays, sample_network, seed_sequence
from relu1d.engine.oracles.exact import ExactCount, count_regions_exact
from relu1d.engine.proof import Certificate, certify_count
from relu1d.engine.result import RegionCount

__all__ = [
    "DEFAULT_RTOL",
    "Certificate",
    "ExactCount",
    "Network",
    "RegionCount",
    "certify_count",
    "count_network",
    "count_on_line",
    "count_on_segment",
    "count_regions_exact",
    "load_network",
    "network_from_arrays",
    "prove_count",
    "restrict_to_line",
    "sample_network",
    "seed_sequence",
]
