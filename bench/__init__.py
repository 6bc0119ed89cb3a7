"""The project's benchmarks: ``python -m bench`` (``make bench``) prints a table and writes
JSON to ``bench/results/``.  They measure the budgets of DESIGN.md on this machine, with
its two references measured in the same run: a raw Redis→WebSocket relay
(:mod:`bench.relay`) and the Dash polling pattern (:mod:`bench.dash_polling`).
Benchmarks, not tests: a missed budget is reported, not raised.  See bench/README.md.
"""
