"""Benchmarks: `make bench` prints one table of figures and ratios measured in one run.

Figures are compared with a baseline measured in the same run on the same
machine (a bare Litestar route, the middleware switched off, ...), never
asserted: the bench fails only when something breaks.
"""
