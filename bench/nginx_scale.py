"""``nginx-scale``: real nginx (Debian's package; ``make bench`` installs it) in front of 1, 2
and 3 dashboard instances on loopback, each on the same Redis log, 1,000 ev/s.

nginx runs the configuration of docs/deploy.md "Several instances behind nginx"
(:mod:`support.nginx`: the same balancing rule, locations and forwarded headers; plain
HTTP on a loopback port instead of TLS, one worker process): a signed-in browser is kept
on one instance by its session cookie, anything without a session (here: the walls'
``/live`` with a token in the URL) is spread per connection, so clients behind one NAT
are not pinned to one instance.

For N instances, ``PER_INSTANCE`` × N wall clients connect through nginx (in
:data:`CLIENT_PROCESSES` processes, the :mod:`bench.live_latency` readers), the
publisher XADDs the demo mix at 1,000 ev/s, and the run reports publish → client p50 and
p99 over every (event, client) pair, the pairs delivered, how the clients spread over the
instances (their ``/live`` connections by ``cn_live_clients``) and the CPU of each
instance, of nginx and of Redis.

The machine has 2 cores: the instances, nginx, Redis, the publisher and the clients share
them, so the 3-instance row measures how the work divides, not a 3-machine deployment;
CPU per instance at a known client count is the figure to size from (docs/deploy.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from typing import Any

from bench.common import Budget, Dashboard, Row, fresh_redis, progress, xadd_pipelined
from bench.live_latency import ALL_DELIVERED, TICK_S, _report, _schedule, measure
from support.nginx import nginx, nginx_binary

RATE = 1_000
PER_INSTANCE, QUICK_PER_INSTANCE = 150, 40
INSTANCES = (1, 2, 3)
CLIENT_PROCESSES = 2
SAME_P99 = Budget("<=", 1.2, "<= 1.2×")  # DESIGN: 3 instances, 3× the clients, the same p99 ±20 %

def _row_run(n: int, clients: int, duration: float) -> dict[str, Any]:
    bootstrap, schedule = _schedule(duration, RATE)
    with fresh_redis() as (server, client), contextlib.ExitStack() as stack:
        xadd_pipelined(client, bootstrap)
        instances: list[Dashboard] = []
        for _ in range(n):
            instance = Dashboard(server.url, CN_TRUSTED_PROXIES="127.0.0.1", CN_LIVE_CONNECTS_PER_MIN=0)
            stack.callback(instance.stop)
            instance.start()
            instances.append(instance)
        for instance in instances:
            instance.wait_applied(len(bootstrap), 60)
        port, nginx_pids = stack.enter_context(nginx([i.port for i in instances]))
        ws_url = f"ws://127.0.0.1:{port}/live?token={instances[0].wall_token}"
        assert server.process is not None
        pids = {f"instance {k + 1}": i.pid for k, i in enumerate(instances)}
        pids |= {f"nginx {k}": pid for k, pid in enumerate(nginx_pids)}
        pids["redis"] = server.process.pid
        spread: list[float] = []

        async def run() -> dict[str, Any]:
            return await measure(ws_url, server.url, schedule, clients, TICK_S, pids, CLIENT_PROCESSES)

        record = asyncio.run(run())
        for instance in instances:
            spread.append(instance.metric("cn_live_frames_sent_total") or 0.0)
        record["frames_sent_per_instance"] = spread
        record["resyncs_per_instance"] = [i.metric("cn_live_resyncs_total") or 0.0 for i in instances]
    return record


def run(quick: bool) -> tuple[list[Row], dict[str, Any]]:
    nginx_binary()
    per = QUICK_PER_INSTANCE if quick else PER_INSTANCE
    duration = 5.0 if quick else 15.0
    rows: list[Row] = []
    runs: dict[int, dict[str, Any]] = {}
    for n in INSTANCES:
        clients = per * n
        progress(f"nginx-scale: {n} instance(s) behind nginx, {clients} clients, {RATE:,} ev/s, "
                 f"{duration:.0f} s")
        record = runs[n] = _row_run(n, clients, duration)
        _report(record)
        lat, cpu = record["latency_ms"], record["cpu_percent"]
        instance_cpu = [cpu.get(f"instance {k + 1}", math.nan) for k in range(n)]
        nginx_cpu = sum(v for k, v in cpu.items() if k.startswith("nginx"))
        progress(f"  CPU % per instance {instance_cpu}, nginx {nginx_cpu:.0f}, frames per instance "
                 f"{record['frames_sent_per_instance']}")
        rows += [
            Row(f"nginx.n{n}.p50", f"{n} instance(s) behind nginx, {clients} clients, {RATE:,} ev/s: p50",
                "ms", lat.get("p50", math.nan)),
            Row(f"nginx.n{n}.p99", "  p99", "ms", lat.get("p99", math.nan)),
            Row(f"nginx.n{n}.delivered", f"  delivered of {record['expected']:,} pairs", "%",
                record["delivered_percent"], budget=ALL_DELIVERED),
            Row(f"nginx.n{n}.cpu", "  CPU per instance (mean, % of a core)", "%",
                sum(instance_cpu) / n),
            Row(f"nginx.n{n}.nginx_cpu", "  CPU of nginx (% of a core)", "%", nginx_cpu),
        ]
    first, last = runs[INSTANCES[0]]["latency_ms"].get("p99"), runs[INSTANCES[-1]]["latency_ms"].get("p99")
    if first and last:
        rows.append(Row("nginx.p99_ratio", f"  p99 with {INSTANCES[-1]} instances and {INSTANCES[-1]}× the "
                        "clients ÷ p99 with 1 (2 cores shared by all)", "×", last / first, budget=SAME_P99))
    return rows, {"rate": RATE, "per_instance": per, "duration_s": duration,
                  "runs": {str(n): r for n, r in runs.items()}}
