"""Measuring the counter: the peer counters (dense grid, region walk, the regioncam adapter), the timing harness,
the measurements of the performance stage and the report's tables of them. The goals they are held to are data
in ``relu1d.bench.goals``.
"""
