"""The one float64 propagation of the engine: a model's graph along a line, node by node (docs/mathematics.md §2, §7).

state.py      OnPoints: a tensor on the point set (values, slope jumps, tail slopes, scales); Counter
dense.py      the dense step: a dense node feeding ReLU units in one product of the jumps; the output's dense node
units.py      the steps of every other unit: piecewise-linear activations, max pooling
insertion.py  new points merged into the point set, every live tensor interpolated there
line.py       propagate: the loop over the nodes, the other affine operations, the result and its class changes
"""
