"""The package's layers (docs/architecture.md): no module imports a higher layer, and the counting library loads
none of the pipeline's dependencies."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import relu1d

PACKAGE = Path(relu1d.__file__).parent

#: Each layer and the layers it may import (besides itself and the package root's public API).
MAY_IMPORT = {
    "engine": set(),
    "models": {"engine"},
    "theory": {"engine"},
    "replication": {"engine", "models", "theory"},
    "bench": {"engine", "models", "theory", "replication"},
    "cli": {"engine", "models", "theory", "replication", "bench"},
}
HEAVY = ("pandas", "pyarrow", "scipy", "sklearn", "snakemake", "tqdm", "threadpoolctl", "matplotlib", "torch", "onnx")


def _imported_layers(path: Path) -> set[str]:
    """The relu1d subpackages a module imports, wherever the import statement sits (top level or inside a function)."""
    layers = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "relu1d" and len(parts) > 1 and parts[1] in MAY_IMPORT:
                layers.add(parts[1])
    return layers


def test_every_module_belongs_to_a_layer():
    loose = [p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py"]
    assert loose == []
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"} == set(MAY_IMPORT)


@pytest.mark.parametrize("layer", sorted(MAY_IMPORT))
def test_no_layer_imports_a_higher_one(layer):
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        above = _imported_layers(path) - MAY_IMPORT[layer] - {layer}
        assert not above, f"{path.relative_to(PACKAGE)} imports {sorted(above)}"


def test_counting_library_and_its_command_load_no_pipeline_dependency():
    code = (
        # numba imports scipy when scipy is installed: what numba brings is not ours (the CI checks a base install)
        "import sys, numba\nbefore = set(sys.modules)\n"
        "import relu1d, relu1d.engine, relu1d.theory.gaussian_process, relu1d.theory.complexity,"
        " relu1d.theory.constructions, relu1d.cli\n"
        "relu1d.count_regions(relu1d.sample_network([8, 8], 1.0, seed=0))\n"
        "relu1d.count_regions(relu1d.sample_network([4], 1.0, seed=0, n_in=3), [0, 0, 0], [1, 2, 3])\n"
        "relu1d.cli.parser()\n"
        f"print(sorted(m for m in {HEAVY!r} if m in set(sys.modules) - before))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_imports_are_found_wherever_they_sit(tmp_path):
    module = tmp_path / "m.py"
    module.write_text(
        "from relu1d.engine.network import Network\n"
        "def f():\n    from relu1d.replication import stats\n    import relu1d.bench.timing\n"
    )
    assert _imported_layers(module) == {"engine", "replication", "bench"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _relu1d_imports(path: Path) -> list[tuple[str, str]]:
    """(module, name) of every ``from relu1d.… import name`` and (module, "") of every ``import relu1d.…``."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("relu1d"):
            out += [(node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            out += [(alias.name, "") for alias in node.names if alias.name.startswith("relu1d")]
    return out


def _import_graph() -> dict[str, set[str]]:
    """Module → the relu1d modules it imports (wherever the import sits), packages' __init__ included."""
    paths = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        targets = set()
        for module, imported in _relu1d_imports(path):
            sub = f"{module}.{imported}"
            targets.add(sub if sub in paths else module)
        graph[name] = targets - {name}
    return graph


def test_no_import_cycles():
    graph = _import_graph()
    done: set[str] = set()

    def visit(stack: list[str]) -> None:
        for nxt in sorted(graph[stack[-1]]):
            if nxt == "relu1d" or nxt not in graph:  # the package root re-exports the public API
                continue
            assert nxt not in stack, "import cycle: " + " → ".join([*stack[stack.index(nxt) :], nxt])
            if nxt not in done:
                visit([*stack, nxt])
        done.add(stack[-1])

    for node in sorted(graph):
        if node not in done:
            visit([node])


def test_no_private_name_is_imported_across_modules():
    leaks = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for module, name in _relu1d_imports(path):
            private = [part for part in [*module.split("."), name] if part.startswith("_") and part != "__init__"]
            if private:
                leaks.append(f"{path.relative_to(PACKAGE)} imports {module}{'.' + name if name else ''}")
    assert leaks == []


def test_the_oracles_are_independent_of_the_float_engine():
    # The rational oracles are the tests' ground truth: nothing they import, directly or not, is the float64
    # propagation, its kernels, the proof or the automatic fallback that calls them.
    graph = _import_graph()
    float_engine = ("relu1d.engine.propagation", "relu1d.engine.kernels", "relu1d.engine.proof", "relu1d.engine.count")
    for oracle in ("relu1d.engine.oracles.exact", "relu1d.engine.oracles.walk"):
        reached, todo = set(), [oracle]
        while todo:
            for nxt in graph.get(todo.pop(), ()):
                if nxt not in reached and nxt != "relu1d":
                    reached.add(nxt)
                    todo.append(nxt)
        assert not [m for m in reached if m.startswith(float_engine)], f"{oracle} reaches {sorted(reached)}"
        assert "relu1d.engine.graph" in reached or oracle.endswith("exact")  # the test sees real imports
