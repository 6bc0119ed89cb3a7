"""The console worker (dashboard/console_worker.py): the console's requests are answered
by a second process that follows the same log, started by the instance on the first
console request, restarted when it dies, and never in the way: until it is ready, and
while it is not, the instance answers itself.

Real processes, a real Redis; the CSV export stands for every console request (the
callbacks take the same path through the guard).
"""

from __future__ import annotations

import os
import signal
from typing import Any

import httpx
import psutil
import redis

from support.events import incident_reported
from support.log import xadd, xadd_all
from support.processes import DashboardProcess, wait_for


def worker_of(dashboard: DashboardProcess) -> dict[str, Any]:
    return dict(dashboard.health()["console_worker"])


def ready_worker(dashboard: DashboardProcess, client: Any, timeout: float = 60.0) -> dict[str, Any]:
    """Ask the console something (which starts the worker) until the worker is ready."""
    def ready() -> dict[str, Any] | None:
        assert client.get("/console/export/incidents.csv").status_code == 200
        worker = worker_of(dashboard)
        return worker if worker["status"] == "ready" else None
    return dict(wait_for(ready, timeout, interval=0.2, message="console worker ready"))


def test_the_worker_starts_with_the_first_console_request_and_answers_it(
    dashboards: Any, rclient: redis.Redis
) -> None:
    dashboard: DashboardProcess = dashboards()
    assert worker_of(dashboard)["status"] == "idle"  # a wall-only instance never starts one
    officer = dashboard.session("officer")
    worker = ready_worker(dashboard, officer)
    assert worker["pid"] != dashboard.process.pid and psutil.pid_exists(worker["pid"])
    assert psutil.Process(worker["pid"]).nice() > psutil.Process(dashboard.process.pid).nice()

    # a request after the instance applied an entry sees it: the worker waits for it
    before = worker_of(dashboard)["forwarded"]
    entry = xadd(rclient, incident_reported("inc-worker-1", title="worker sees this", street="hongqiao"))
    wait_for(lambda: dashboard.health()["last_id"] == entry, 10, message="the instance applied it")
    csv = officer.get("/console/export/incidents.csv")
    assert csv.status_code == 200 and "worker sees this" in csv.text
    assert csv.headers["content-type"].startswith("text/csv")
    assert "content-security-policy" in csv.headers  # the instance's guard added its headers
    assert worker_of(dashboard)["forwarded"] > before

    # the worker audited the export with the caller's address, as the instance would
    exports = [{k.decode(): v.decode() for k, v in fields.items()}
               for _, fields in rclient.xrevrange("cn:audit", count=20)]
    exports = [e for e in exports if e["action"] == "console.export"]
    assert exports and exports[0]["ip"] == "127.0.0.1" and exports[0]["who"] == "officer"

    # the worker checks the session itself: asked on its socket without one, it refuses
    socket = psutil.Process(worker["pid"]).cmdline()[-1]
    with httpx.Client(transport=httpx.HTTPTransport(uds=socket), base_url="http://console-worker") as direct:
        assert direct.get("/console/export/incidents.csv").status_code == 401
        forged = direct.get("/console/export/incidents.csv", headers={"cookie": "cn_session=forged"})
        assert forged.status_code == 401

    # its metrics are the instance's /metrics?process=console
    metrics = officer.get(f"{dashboard.url}/metrics", params={"process": "console"})
    assert metrics.status_code == 200 and "cn_events_applied" in metrics.text
    officer.close()


def test_a_dead_worker_is_replaced_and_the_instance_answers_meanwhile(dashboards: Any,
                                                                       rclient: redis.Redis) -> None:
    xadd_all(rclient, [incident_reported(f"inc-{n}", title=f"case {n}") for n in range(20)])
    dashboard: DashboardProcess = dashboards()
    dashboard.wait_applied(20)
    officer = dashboard.session("officer")
    first = ready_worker(dashboard, officer)
    os.kill(first["pid"], signal.SIGKILL)
    wait_for(lambda: worker_of(dashboard)["status"] != "ready", 10, message="the instance noticed")
    here = worker_of(dashboard)["served_here"]
    answered = officer.get("/console/export/incidents.csv")  # meanwhile: answered by the instance
    assert answered.status_code == 200 and answered.text.count("\n") == 21
    assert worker_of(dashboard)["served_here"] > here
    second = wait_for(lambda: (w := worker_of(dashboard))["status"] == "ready" and w, 60,
                      message="a new worker")
    assert second["pid"] != first["pid"] and second["restarts"] >= 1
    assert officer.get("/console/export/incidents.csv").text == answered.text
    officer.close()


def test_the_worker_leaves_with_its_instance(dashboards: Any) -> None:
    for stop in ("stop", "kill"):
        dashboard: DashboardProcess = dashboards()
        officer = dashboard.session("officer")
        worker = psutil.Process(ready_worker(dashboard, officer)["pid"])
        officer.close()
        getattr(dashboard, stop)()  # SIGINT, then SIGKILL: a crash closes the worker's stdin too
        worker.wait(timeout=20)
        assert not worker.is_running()
