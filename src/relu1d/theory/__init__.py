"""What the counts are compared with, in closed form or exactly: the NNGP kernel of He-initialised ReLU networks,
its one-point derivative moments and the Kac–Rice density of knots (``gaussian_process``), the minimal linear
complexity N_f(ε) of a sampled function (``complexity``), and networks with known counts (``constructions``).

Beside the engine (it may use ``relu1d.engine`` for networks), never above it: no pandas, no replication.
Mathematics: ``docs/mathematics.md`` §3–6.
"""
