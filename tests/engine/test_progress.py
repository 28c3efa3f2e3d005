"""The progress bar of long counts and proofs: on stderr once a loop runs past its delay, only where asked."""

from __future__ import annotations

import numpy as np

from relu1d.engine import progress
from relu1d.engine.count import count_graph
from relu1d.engine.graph_proof import certify_graph_count
from tests.graphs import FAMILIES, random_line


def test_a_long_proof_shows_a_bar_and_a_short_or_unasked_one_does_not(monkeypatch, capsys):
    graph = FAMILIES["conv2d-max"](1)
    a, d = random_line(np.random.default_rng(1), graph.input_shape)
    result = count_graph(graph, a, d, exact_fallback=False)
    certify_graph_count(graph, a, d, result, block_bytes=1, progress=True)
    assert capsys.readouterr().err == ""  # faster than the delay
    monkeypatch.setattr(progress, "DELAY_SECONDS", 0.0)
    assert certify_graph_count(graph, a, d, result, block_bytes=1, progress=True).certified
    assert "proof (blocks of segments)" in capsys.readouterr().err
    certify_graph_count(graph, a, d, result, block_bytes=1, progress=False)
    certify_graph_count(graph, a, d, result, block_bytes=1)  # stderr is not a terminal here
    assert capsys.readouterr().err == ""
