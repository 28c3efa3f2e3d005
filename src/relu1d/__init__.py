"""relu1d: exact linear-region counting for one-dimensional-input ReLU networks.

Replication instrument for Kogan, Jananthan & Kepner, *Complexity of One-Dimensional ReLU DNNs*
(arXiv 2512.08091), with Hanin & Rolnick (2019) and Arora et al. (2018).

One door: ``relu1d.count_regions(model, a=None, b=None, *, window, classes, rtol, prove)`` counts any supported model
over ℝ or along a line and returns a ``RegionCount``. ``count_along_line`` is its deprecated alias.
"""

from relu1d.engine.count import prove_count
from relu1d.engine.decisions import DEFAULT_RTOL
from relu1d.engine.network import Network, load_network, network_from_arrays, sample_network, seed_sequence
from relu1d.engine.proof import Certificate, certify_count
from relu1d.engine.result import RegionCount
from relu1d.models import count_along_line, count_regions, to_graph

__all__ = [
    "DEFAULT_RTOL",
    "Certificate",
    "Network",
    "RegionCount",
    "certify_count",
    "count_along_line",
    "count_regions",
    "load_network",
    "network_from_arrays",
    "prove_count",
    "sample_network",
    "seed_sequence",
    "to_graph",
]
__version__ = "0.1.0"
