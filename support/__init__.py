"""What the tests and the benchmarks share, kept out of both and out of the wheel.

* :mod:`support.processes`: dashboard processes on loopback, signed-in clients, waiting
  for a condition with a deadline, reading /metrics;
* :mod:`support.events`: one typed factory per event type, producing envelopes as
  DESIGN.md and docs/events.md define them (no I/O);
* :mod:`support.log`: appending envelopes to a Redis log.
"""
