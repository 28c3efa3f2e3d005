"""Fused numba kernels of the engine's dense passes: ``chain`` (a dense layer feeding ReLU), ``graph`` (the units of
a graph), ``proof`` (the rigorous bounds of ``relu1d.engine.proof``). Each does the float operations of the array
code it replaces, in the same order (bit-identical; tests/engine/test_fused.py)."""
