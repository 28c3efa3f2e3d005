"""Exact counts of a whole ensemble, in parallel, to Parquet (pipeline stage 2).

Networks are regenerated from their manifest (hash-checked), counted with :func:`relu1d.count_network` and
reduced to two tables:

* **counts** — one row per network: regions, per-layer knots (Σᵢ X_{ℓ,i}) and surviving breakpoints, how the
  count is known to be exact (the engine's margin flag and decision counts; ``proof``/``proven``/
  ``uncertified_decisions`` from the a-posteriori proof, docs/mathematics.md §2.3, and ``unproven_reason``, empty
  for a proven count), and the network's *probe*
  (claims H1/H2): regions on the segment between two random inputs a, a′ ~ N(0, I) and the
  distance from a to the nearest breakpoint;
* **knots** — one row per gate change (network, layer, neuron, position, whether f′ jumps there), the raw
  material of the density (Kac–Rice) and per-neuron analyses.

Networks with n_in > 1 inputs are counted along their probe's line t ↦ a + t·(a′ − a)/|a′ − a| (over all t ∈ ℝ;
knot positions are then values of t), 1-D networks along x itself.

Determinism: rows are ordered by network index, every worker does its BLAS in one thread (a multi-threaded
GEMM may sum in a different order and move a knot by an ulp), and Parquet is written without timestamps, so the
files are byte-identical whatever the number of processes.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from relu1d.engine.count import count_network, prove_count
from relu1d.engine.fallback import settling_work
from relu1d.engine.io import atomic_output
from relu1d.engine.lines import restrict_to_line
from relu1d.engine.proof import REFINE_BLOCK_ROWS
from relu1d.replication.ensemble import Cell, read_manifest, verified_network
from relu1d.replication.probes import probe_statistics, sample_probe

if TYPE_CHECKING:  # pandas and pyarrow are imported where tables are built: the fork server and its workers skip ~0.5 s
    import pandas as pd

COUNT_COLUMNS = (
    "cell",
    "experiment",
    "index",
    "widths",
    "depth",
    "sum_n",
    "sigma_b",
    "linear_regions",
    "activation_regions",
    "knots_per_layer",
    "breakpoints_per_layer",
    "method",
    "certified",
    "near_decisions",
    "weak_decisions",
    "proof",
    "proven",
    "uncertified_decisions",
    "unproven_reason",
    "probe_length",
    "probe_regions",
    "probe_distance",
)

_WORKER_CELL: Cell | None = None
_WORKER_BACKEND: Any = None
_WORKER_PROVE = 0


#: Networks whose proof costs at most this much (``relu1d.engine.fallback.settling_work``; ~0.05 s since the proofs
#: of 2026-12-08, e.g. 256 × 4 and 512 × 2) are all proven; of the others, the first ``prove`` of each cell (config
#: ``certification.networks_per_cell``). Raised from 3·10⁷ when the proof became 2–7× cheaper: the default run's
#: deciding cells (width ≥ 256, depth ≥ 2) go from 60 to ~1,440 of 3,500 networks proven.
PROVE_ALL_BELOW_WORK = 3e8


#: A count job gets one process per this many seconds of its cell's estimated work (``count_processes``): a process
#: costs ~1–2 s to start and the job's own process works alone at its start and end, so a shorter cell runs in one
#: process, beside another job on the next core (default run, 2 cores: 82 two-process jobs averaged 1.3 busy cores).
SECONDS_PER_PROCESS = 30.0


def _knots_and_weights(cell: Cell) -> tuple[int, int]:
    """(K, W): the expected knots of a network of ``cell``, K = Σn + 1 (about one per neuron, docs/mathematics.md
    §4), and its weights along a line (one input), W = Σ n_ℓn_{ℓ−1}."""
    widths = (1, *cell.widths, 1)
    return cell.n_neurons + 1, sum(a * b for a, b in itertools.pairwise(widths))


def proven_networks(cell: Cell, prove: int) -> int:
    """How many networks of ``cell`` the count stage proves (``_proof``): all when a proof is cheap (work K·W ≤
    ``PROVE_ALL_BELOW_WORK``, ``_knots_and_weights``), else the first ``prove``."""
    knots, weights = _knots_and_weights(cell)
    return cell.networks if knots * weights <= PROVE_ALL_BELOW_WORK else min(prove, cell.networks)


def estimated_cell_seconds(cell: Cell, prove: int) -> float:
    """A rough one-core time to count ``cell`` and prove its ``proven_networks``. With K knots and W weights
    (``_knots_and_weights``): per network 7·10⁻⁴ s per layer plus 5·10⁻¹² s × K·W (every knot through every
    weight); per proof K × (4·10⁻⁸ s × Σn + 10⁻¹⁰ s × W × depth) (the (knots × neurons) passes, and the refined pass
    of deep networks). Fitted to the 145 count jobs of the default run of 2026-12-06 (within a factor 2 for every
    cell of more than a second); it only has to tell short from long."""
    knots, weights = _knots_and_weights(cell)
    count = cell.networks * (7e-4 * cell.depth + 5e-12 * knots * weights)
    return count + proven_networks(cell, prove) * knots * (4e-8 * cell.n_neurons + 1e-10 * weights * cell.depth)


def estimated_count_mb(cell: Cell, processes: int, prove: int) -> int:
    """Memory for a count job of ``cell`` in ``processes`` processes that proves its ``proven_networks``, in
    MB (the count rule's ``mem_mb``): 300 for the job's own process (the tables); per process 150 and a count's
    arrays (≤ 3 float64 (Σn + 1) × max n, ``benchmarks/memory.py``); per process proving at once, what a proof holds
    (``relu1d.engine.proof``): ~22 such arrays in the first-order pass (6.0 GB measured at 2048 × 8, 2026-12-06)
    and the refined pass's block of ``REFINE_BLOCK_ROWS`` segments × ~50 float64 per neuron."""
    knots, width = _knots_and_weights(cell)[0], max(cell.widths)
    count = 150 + 8e-6 * width * 3 * knots
    proof = 8e-6 * width * (22 * knots + 50 * min(knots, REFINE_BLOCK_ROWS))
    return int(300 + processes * count + min(processes, max(proven_networks(cell, prove), 1)) * proof)


def count_processes(cell: Cell, available: int, prove: int) -> int:
    """Processes to count ``cell`` with (proving ``prove`` networks) when ``available`` cores are free: one per
    ``SECONDS_PER_PROCESS`` of estimated work, at least one (the counts are the same whatever the number)."""
    return max(1, min(available, int(estimated_cell_seconds(cell, prove) // SECONDS_PER_PROCESS)))


#: Networks estimated at this many seconds or more are handed to the pool one at a time (``_chunk_size``).
ONE_PER_CHUNK_FROM_SECONDS = 0.01


def _chunk_size(cell: Cell, processes: int, prove: int) -> int:
    """Networks per pool task: one when a network is estimated at ``ONE_PER_CHUNK_FROM_SECONDS`` or more, so that the
    first networks, which are proven and cost several times a count, go to different workers (in chunks of 3, one
    worker got all three 2048 × 8 proofs and the others waited on it); else about eight tasks per process, which
    keeps every process busy to the end at a small cost in messages."""
    if estimated_cell_seconds(cell, prove) / cell.networks >= ONE_PER_CHUNK_FROM_SECONDS:
        return 1
    return max(1, cell.networks // (8 * processes))


def _proof(net: Any, result: Any, index: int, prove: int) -> tuple[str, bool, int, str]:
    """(how the count was proven, whether it was, decisions left open, why it is not proven: "" when it is) by
    ``relu1d.engine.count.prove_count`` when the proof is cheap or the network among the first ``prove`` of its cell,
    else ("none", False, -1, the reason)."""
    work = settling_work(net, result.knots.shape[0])
    if result.method != "rational" and index >= prove and work > PROVE_ALL_BELOW_WORK:
        return (
            "none",
            False,
            -1,
            (f"not run: proof work {work:.1e} above {PROVE_ALL_BELOW_WORK:.0e}, beyond the first {prove} of its cell"),
        )
    cert = prove_count(net, result)
    if cert.certified:
        reason = ""
    elif cert.method == "rational":
        reason = "the rational recount differs from the float count"
    else:
        reason = f"{cert.open_decisions} decisions open; a rational recount is not affordable"
    return cert.method, cert.certified, cert.uncertified_decisions, reason


def count_network_tables(
    cell: Cell, index: int, expected_sha256: str, xp: Any = None, prove: int = 0
) -> tuple[dict, dict]:
    """Regenerate, verify and count network ``index`` of ``cell`` (and prove the count, see ``_proof``);
    return its counts row and its knot columns."""
    net = verified_network(cell, index, expected_sha256, cell.id)
    a, a_prime = sample_probe(cell.n_in, cell.seed_entropy(index))
    if cell.n_in == 1:
        start, end = float(a[0]), float(a_prime[0])
    else:
        length = float(np.linalg.norm(a_prime - a))
        net = restrict_to_line(net, a, (a_prime - a) / length)
        start, end = 0.0, length
    result = count_network(net, xp=xp)
    proof, proven, uncertified, unproven_reason = _proof(net, result, index, prove)
    probe_regions, probe_distance = probe_statistics(result, start, end)
    row = {
        "cell": cell.id,
        "experiment": cell.experiment,
        "index": index,
        "widths": list(cell.widths),
        "depth": cell.depth,
        "sum_n": cell.n_neurons,
        "sigma_b": cell.sigma_b,
        "linear_regions": result.linear_regions,
        "activation_regions": result.activation_regions,
        "knots_per_layer": result.knots_per_layer.tolist(),
        "breakpoints_per_layer": result.breakpoints_per_layer.tolist(),
        "method": result.method,
        "certified": result.certified,
        "near_decisions": result.near_decisions,
        "weak_decisions": result.weak_decisions,
        "proof": proof,
        "proven": proven,
        "uncertified_decisions": uncertified,
        "unproven_reason": unproven_reason,
        "probe_length": abs(end - start),
        "probe_regions": probe_regions,
        "probe_distance": probe_distance,
    }
    layer = np.concatenate(
        [np.full(idx.shape[0], ell, dtype=np.int16) for ell, idx in enumerate(result.knot_index, start=1)]
    )
    knot = np.concatenate(result.knot_index).astype(np.int32)
    knots = {
        "index": np.full(knot.shape[0], index, dtype=np.int32),
        "layer": layer,
        "neuron": np.concatenate(result.knot_neurons).astype(np.int32),
        "knot": knot,
        "position": result.knots[knot],
        "is_breakpoint": result.is_breakpoint[knot],
    }
    return row, knots


def _init_worker(cell: Cell, backend: str, prove: int = 0) -> None:
    global _WORKER_CELL, _WORKER_BACKEND, _WORKER_PROVE
    _WORKER_CELL = cell
    _WORKER_BACKEND = _backend_module(backend)
    _WORKER_PROVE = prove
    threadpool_limits(1)  # one BLAS thread per process: speed (no oversubscription) and bit-identical results


def _count_one(job: tuple[int, str]) -> tuple[dict, dict]:
    assert _WORKER_CELL is not None
    return count_network_tables(_WORKER_CELL, job[0], job[1], xp=_WORKER_BACKEND, prove=_WORKER_PROVE)


def _backend_module(backend: str) -> Any:
    if backend == "numpy":
        return None
    if backend == "cupy":
        try:
            import cupy
        except ImportError as err:
            raise ValueError(f"backend cupy: cannot import cupy ({err}); install relu1d[gpu]") from None
        return cupy
    raise ValueError(f"backend: expected 'numpy' or 'cupy', got {backend!r}")


def count_manifest(
    manifest: str | os.PathLike, processes: int = 1, backend: str = "numpy", progress: bool = True, prove: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Count every network of a manifest; returns (counts, knots) tables ordered by network index.

    ``processes`` > 1 uses a ``multiprocessing`` pool (the GPU backend always counts in this process).
    ``prove``: how many networks of the cell are proven at least (``_proof``).
    """
    import pandas as pd

    if processes < 1:
        raise ValueError(f"processes: must be >= 1, got {processes}")
    cell, hashes = read_manifest(manifest)
    jobs = list(enumerate(hashes))
    bar = {"total": len(jobs), "desc": cell.id, "disable": not progress, "mininterval": 2.0, "ascii": True}
    if processes == 1 or backend != "numpy" or len(jobs) == 1:
        with threadpool_limits(1):  # as in a worker, and the caller's BLAS threads are restored afterwards
            _init_worker(cell, backend, prove)
            results = [_count_one(job) for job in tqdm(jobs, **bar)]
    else:
        # Workers fork from a fork server that has loaded the engine and its kernels (``_warm_worker``): they start
        # at almost no cost, and never inherit this process's state (a caller's thread holding a lock at a plain
        # fork would hang the child).
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["relu1d.replication._warm_worker"])
        chunk = _chunk_size(cell, processes, prove)
        with ctx.Pool(min(processes, len(jobs)), initializer=_init_worker, initargs=(cell, backend, prove)) as pool:
            results = list(tqdm(pool.imap(_count_one, jobs, chunksize=chunk), **bar))
    counts = pd.DataFrame([row for row, _ in results], columns=list(COUNT_COLUMNS))
    knots = pd.DataFrame({key: np.concatenate([k[key] for _, k in results]) for key in results[0][1]})
    return counts, knots


def write_parquet(table: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write a table deterministically (no index, no pandas metadata timestamps) and atomically."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow = pa.Table.from_pandas(table, preserve_index=False).replace_schema_metadata(None)
    with atomic_output(path) as tmp:
        pq.write_table(arrow, tmp, compression="zstd")


def read_counts(paths: Iterable[str | os.PathLike]) -> pd.DataFrame:
    """Concatenate count tables (one per cell) into one frame."""
    import pandas as pd

    frames = [pd.read_parquet(p) for p in paths]
    if not frames:
        raise ValueError("read_counts: no count tables given")
    return pd.concat(frames, ignore_index=True)
