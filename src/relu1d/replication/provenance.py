"""What the report was built from: the commit, the command that reproduces it, the configuration's digest and
seeds, the package versions and the machine, as a LaTeX table for the report's reproducibility section."""

from __future__ import annotations

import hashlib
import json
import platform
import re
import subprocess
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from relu1d.replication.plotting import latex_text

#: The distributions whose versions can change a result or a figure.
PACKAGES = (
    "relu1d",
    "numpy",
    "numba",
    "array-api-compat",
    "scipy",
    "pandas",
    "pyarrow",
    "scikit-learn",
    "snakemake",
    "matplotlib",
    "seaborn",
    "jupytext",
    "papermill",
    "regioncam",
)


def config_digest(config: Mapping[str, Any]) -> str:
    """SHA-256 of the validated configuration (canonical JSON: sorted keys, no spaces)."""
    return hashlib.sha256(json.dumps(config, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def config_seeds(config: Mapping[str, Any]) -> dict[str, int]:
    """Every seed of the configuration, by where it sits (``experiments.<name>.seed``, ``<section>.seed``)."""
    seeds = {f"experiments.{name}.seed": int(exp["seed"]) for name, exp in config.get("experiments", {}).items()}
    for section, value in config.items():
        if isinstance(value, Mapping) and "seed" in value:
            seeds[f"{section}.seed"] = int(value["seed"])
    return seeds


def git_commit(repository: str | Path) -> str:
    """The commit checked out in ``repository``, with a note when tracked files differ from it."""
    try:
        head = subprocess.run(
            ["git", "-C", str(repository), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(repository), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "not a git checkout"
    return f"{head} (with uncommitted changes)" if dirty else head


def package_versions(packages: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    """Installed version of each distribution, or ``absent``; Python's own version first."""
    versions = {"python": platform.python_version()}
    for name in packages:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def provenance_rows(
    commit: str, command: str, digest: str, seeds: Mapping[str, int], versions: Mapping[str, str], machine: Mapping
) -> list[tuple[str, str]]:
    """(item, value) rows of the reproducibility table."""
    return [
        ("commit", commit),
        ("command", command),
        ("configuration SHA-256", digest),
        ("seeds", "; ".join(f"{key} = {value}" for key, value in seeds.items())),
        ("packages", "; ".join(f"{name} {version}" for name, version in versions.items())),
        ("machine", "; ".join(f"{key}: {value}" for key, value in machine.items())),
    ]


def provenance_tex(rows: list[tuple[str, str]]) -> str:
    """The rows as a two-column longtable (values wrap: commits and digests are long)."""

    def cell(text: str) -> str:
        ascii_text = text.encode("ascii", "replace").decode()
        # long tokens (hashes, paths) may break inside: every 16 hex digits, after / and ;
        ascii_text = re.sub(r"([0-9a-f]{16})(?=[0-9a-f])", "\\1\0", ascii_text)
        return (
            latex_text(ascii_text, scripts=False)
            .replace("\0", "\\allowbreak{}")
            .replace("/", "/\\allowbreak{}")
            .replace(";", ";\\allowbreak{}")
        )

    body = "\n".join(f"{cell(item)} & \\texttt{{{cell(value)}}} \\\\" for item, value in rows)
    return (
        "{\\small\n\\begin{longtable}{@{}lp{0.72\\linewidth}@{}}\n\\toprule\n"
        f"{body}\n\\bottomrule\n\\end{{longtable}}}}\n"
    )
