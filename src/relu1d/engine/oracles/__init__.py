"""The two rational oracles: the ground truth of the tests, independent of the float64 propagation.

exact.py   a network's count in rational arithmetic (``count_regions_exact``)
walk.py    the region walk of any graph along a line, rational (ground truth) or float64 (the peer)
"""
