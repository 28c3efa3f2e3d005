"""CI: after the smoke pipeline, check that every figure, table, notebook and the report exist and are non-trivial.

Usage: python .ci/check_outputs.py RESULTS_DIR. Exits 1 with one line per problem.
"""

import sys
from pathlib import Path

MIN_BYTES = {".pdf": 5_000, ".png": 10_000, ".html": 50_000, ".ipynb": 3_000}
EXPECTED = {"figures": (".pdf", ".png"), "tables": (".csv", ".tex"), "notebooks": (".ipynb", ".html")}


def problems(results: Path) -> list[str]:
    found = []
    for folder, exts in EXPECTED.items():
        files = sorted((results / folder).glob("*"))
        stems = {f.stem for f in files}
        if not files:
            found.append(f"{folder}: empty")
        for stem in stems:
            for ext in exts:
                if not (results / folder / f"{stem}{ext}").exists():
                    found.append(f"{folder}/{stem}: no {ext}")
        for f in files:
            data = f.read_bytes()
            if len(data) < MIN_BYTES.get(f.suffix, 50):
                found.append(f"{f}: only {len(data)} bytes")
            if f.suffix == ".pdf" and not data.startswith(b"%PDF"):
                found.append(f"{f}: not a PDF")
            if f.suffix == ".png" and not data.startswith(b"\x89PNG"):
                found.append(f"{f}: not a PNG")
            if f.suffix == ".csv" and data.count(b"\n") < 2:
                found.append(f"{f}: no data rows")
            if f.suffix == ".tex" and b"\\begin{tabular}" not in data and b"\\begin{longtable}" not in data:
                found.append(f"{f}: no tabular or longtable")
            if f.suffix == ".ipynb" and b'"output_type": "error"' in data:
                found.append(f"{f}: a cell failed")
    paper = results / "paper" / "relu1d-replication.pdf"
    if not paper.exists() or paper.stat().st_size < 50_000 or not paper.read_bytes().startswith(b"%PDF"):
        found.append(f"{paper}: missing or too small")
    numbers = results / "paper" / "numbers.tex"
    if not numbers.exists() or numbers.read_text().count("\\newcommand") < 10:
        found.append(f"{numbers}: missing or too few macros")
    return found


if __name__ == "__main__":
    results = Path(sys.argv[1])
    bad = problems(results)
    for line in bad:
        print(f"check_outputs: {line}")
    counts = {k: len(list((results / k).glob("*"))) for k in EXPECTED}
    print(f"check_outputs: {'FAILED' if bad else 'ok'} ({counts})")
    sys.exit(1 if bad else 0)
