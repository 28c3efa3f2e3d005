"""Network ensembles: experiment cells, their seed manifests and bit-identical regeneration (pipeline stage 1).

A *cell* is one architecture × σ_b × number of networks of an experiment. Its networks are never stored: the
manifest records, per network, the ``SeedSequence`` entropy it is drawn from and the SHA-256 of its parameters.
Regenerating a network costs O(#parameters) random draws, far below the O(B·n²) of counting it, and the hash
makes any drift (a different numpy stream, a corrupted manifest) a hard error instead of a silent change.
Disk stays O(#networks) whatever the widths. Seeds are keyed by (experiment seed, cell key, network index),
never by worker (docs/mathematics.md §6).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from relu1d.engine.io import write_text
from relu1d.engine.network import Network, architecture_name, sample_network

MANIFEST_VERSION = 1
_CELL_ID = re.compile(r"^[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class Cell:
    """One experiment cell: ``networks`` He-initialised networks with hidden ``widths`` and bias std ``sigma_b``."""

    experiment: str
    widths: tuple[int, ...]
    sigma_b: float
    networks: int
    seed: int
    n_in: int = 1

    def __post_init__(self) -> None:
        if not _CELL_ID.match(self.experiment):
            raise ValueError(f"experiment name {self.experiment!r}: use letters, digits, '_', '-' or '.'")
        if not self.widths or any(int(n) < 1 for n in self.widths):
            raise ValueError(f"{self.experiment}: widths must be a non-empty list of integers >= 1, got {self.widths}")
        if not (np.isfinite(self.sigma_b) and self.sigma_b >= 0):
            raise ValueError(f"{self.experiment}: sigma_b must be a finite number >= 0, got {self.sigma_b}")
        if self.networks < 1:
            raise ValueError(f"{self.experiment}: networks must be >= 1, got {self.networks}")
        if self.n_in < 1:
            raise ValueError(f"{self.experiment}: n_in must be >= 1, got {self.n_in}")

    @property
    def id(self) -> str:
        """File-name-safe identifier, e.g. ``equal_width__64x64__sb1``."""
        arch = architecture_name(self.widths)
        inputs = "" if self.n_in == 1 else f"__in{self.n_in}"
        return f"{self.experiment}__{arch}__sb{self.sigma_b:g}{inputs}"

    @property
    def key(self) -> int:
        """A 32-bit integer derived from the cell id (stable across runs and machines)."""
        return int.from_bytes(hashlib.sha256(self.id.encode()).digest()[:4], "little")

    @property
    def depth(self) -> int:
        return len(self.widths)

    @property
    def n_neurons(self) -> int:
        """Σ n_ℓ over hidden layers."""
        return int(sum(self.widths))

    def seed_entropy(self, index: int) -> list[int]:
        """``SeedSequence`` entropy of network ``index``: (experiment seed, cell key, index)."""
        return [int(self.seed), self.key, int(index)]

    def network(self, index: int) -> Network:
        """Network ``index`` of this cell, regenerated from its seed."""
        if not 0 <= index < self.networks:
            raise ValueError(f"{self.id}: network index {index} out of range 0..{self.networks - 1}")
        return sample_network(self.widths, self.sigma_b, seed=self.seed_entropy(index), n_in=self.n_in)


def parameter_sha256(net: Network) -> str:
    """SHA-256 over the shapes and little-endian float64 bytes of W1, b1, …, W{L+1}, b{L+1}, in that order."""
    digest = hashlib.sha256()
    for name, arr in net.arrays().items():
        digest.update(f"{name}{arr.shape}".encode())
        digest.update(np.ascontiguousarray(arr, dtype="<f8").tobytes())
    return digest.hexdigest()


def cells_from_config(config: Mapping[str, Any]) -> dict[str, Cell]:
    """All cells of the ``experiments`` section of a (schema-validated) configuration, keyed by cell id.

    An experiment gives ``depths`` × ``widths`` (equal-width networks), ``depths`` × ``total_neurons`` (equal
    widths N/L, so that depths are compared at the same N) or explicit ``architectures``, times each value of
    ``sigma_b``. ``networks`` is an int, or a list aligned with ``widths``, ``total_neurons`` or ``architectures``.
    """
    cells: dict[str, Cell] = {}
    for name, exp in (config.get("experiments") or {}).items():
        if "architectures" in exp:
            archs = [tuple(int(n) for n in a) for a in exp["architectures"]]
            counts = aligned_counts(exp["networks"], len(archs), f"experiments.{name}", "architectures")
        elif "total_neurons" in exp:
            totals = [int(n) for n in exp["total_neurons"]]
            per_total = aligned_counts(exp["networks"], len(totals), f"experiments.{name}", "total_neurons")
            archs, counts = [], []
            for depth in exp["depths"]:
                for total, n in zip(totals, per_total, strict=True):
                    if total % int(depth):
                        raise ValueError(f"experiments.{name}: total_neurons {total} is not divisible by depth {depth}")
                    archs.append((total // int(depth),) * int(depth))
                    counts.append(n)
        else:
            widths = [int(n) for n in exp["widths"]]
            per_width = aligned_counts(exp["networks"], len(widths), f"experiments.{name}", "widths")
            archs, counts = [], []
            for depth in exp["depths"]:
                for width, n in zip(widths, per_width, strict=True):
                    archs.append((width,) * int(depth))
                    counts.append(n)
        for arch, n in zip(archs, counts, strict=True):
            for sigma_b in exp.get("sigma_b", [1.0]):
                cell = Cell(name, arch, float(sigma_b), int(n), int(exp["seed"]), int(exp.get("n_in", 1)))
                if cell.id in cells:
                    raise ValueError(f"experiments.{name}: cell {cell.id} is defined twice")
                cells[cell.id] = cell
    return cells


def aligned_counts(networks: int | Sequence[int], length: int, where: str, against: str) -> list[int]:
    """``networks`` (an int for all, or one per entry of ``against``) as a list of ``length`` ints."""
    if isinstance(networks, int):
        return [networks] * length
    if len(networks) != length:
        raise ValueError(
            f"{where}.networks: has {len(networks)} entries but {against} has {length} (give one per entry)"
        )
    return [int(n) for n in networks]


def write_manifest(cell: Cell, path: str | os.PathLike) -> dict[str, Any]:
    """Sample every network of ``cell`` once, hash it and write the manifest JSON atomically."""
    manifest = {
        "version": MANIFEST_VERSION,
        "cell": cell.id,
        "experiment": cell.experiment,
        "widths": list(cell.widths),
        "sigma_b": cell.sigma_b,
        "n_in": cell.n_in,
        "seed": cell.seed,
        "cell_key": cell.key,
        "sampler": "relu1d.sample_network: PCG64(SeedSequence(entropy)), He init, draw order W1,b1,...",
        "networks": [
            {"index": i, "entropy": cell.seed_entropy(i), "sha256": parameter_sha256(cell.network(i))}
            for i in range(cell.networks)
        ],
    }
    write_text(path, json.dumps(manifest, indent=1) + "\n")
    return manifest


def read_manifest(path: str | os.PathLike) -> tuple[Cell, list[str]]:
    """The cell and the per-network parameter hashes recorded in a manifest; malformed files raise ``ValueError``."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
        cell = Cell(
            data["experiment"],
            tuple(int(n) for n in data["widths"]),
            float(data["sigma_b"]),
            len(data["networks"]),
            int(data["seed"]),
            int(data.get("n_in", 1)),
        )
        hashes = [str(entry["sha256"]) for entry in data["networks"]]
        indices = [int(entry["index"]) for entry in data["networks"]]
    except FileNotFoundError:
        raise ValueError(f"{path}: no such manifest") from None
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
        raise ValueError(f"{path}: malformed manifest ({type(err).__name__}: {err})") from None
    if data.get("version") != MANIFEST_VERSION:
        raise ValueError(f"{path}: manifest version {data.get('version')!r}, expected {MANIFEST_VERSION}")
    if data.get("cell") != cell.id or indices != list(range(cell.networks)):
        raise ValueError(f"{path}: manifest is inconsistent (cell id or network indices do not match)")
    return cell, hashes


def verified_networks(path: str | os.PathLike) -> Iterator[tuple[int, Network]]:
    """Regenerate the networks of a manifest, checking each against its recorded SHA-256."""
    cell, hashes = read_manifest(path)
    for index, expected in enumerate(hashes):
        yield index, verified_network(cell, index, expected, path)


def verified_network(cell: Cell, index: int, expected_sha256: str, source: object = "manifest") -> Network:
    """Network ``index`` of ``cell``, raising ``ValueError`` if its parameters do not hash to the recorded value."""
    net = cell.network(index)
    got = parameter_sha256(net)
    if got != expected_sha256:
        raise ValueError(
            f"{source}: network {index} regenerates with SHA-256 {got[:12]}..., manifest says "
            f"{expected_sha256[:12]}... (different numpy random stream or edited manifest)"
        )
    return net
