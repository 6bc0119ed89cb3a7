"""The project's benchmarks: ``python -m bench`` (``make bench``) prints a table and writes
JSON to ``bench/results/``.  They measure the budgets of DESIGN.md on this machine, with
a raw Redis→WebSocket relay (:mod:`bench.relay`) measured in the same run as reference.
Benchmarks, not tests: a missed budget is reported, not raised.  See bench/README.md.
"""
