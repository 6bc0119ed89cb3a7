"""The embedded Redis of `changning-dashboard run` (no CN_REDIS_URL): it keeps its data in
.run/redis/ across a stop (SIGTERM) and a start; `--ephemeral` keeps nothing."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import orjson
import pytest
import redis

from dashboard import state as st
from dashboard.bus import Bus, connect
from dashboard.config import load_settings
from dashboard.metrics import Metrics
from dashboard.replica import Replica
from support.events import incident_reported
from support.log import xadd
from support.processes import ROOT, DashboardProcess, wait_for

SIM = {"CN_SIM_POINTS": "50", "CN_SIM_RATE": "20", "PYTHONPATH": str(ROOT)}
RUN = [sys.executable, "-m", "dashboard", "run"]


class Quiet:
    def on_changes(self, changes: st.Changes) -> None:
        pass

    def on_restore(self, state: st.State) -> None:
        pass


START_S = 120.0


def run(tmp_path: Path, *flags: str) -> DashboardProcess:
    """`run` with ``flags`` in ``tmp_path`` (so .run/ is there), without CN_REDIS_URL."""
    # a first --demo writes 30 days of history before it serves (20 s quiet, more when busy)
    return DashboardProcess(None, workdir=tmp_path, cwd=tmp_path, command=[*RUN, *flags], **SIM).start(
        timeout=START_S)


def redis_of(tmp_path: Path) -> redis.Redis:
    """A client of the embedded Redis the running `run` names (beside its users file)."""
    return redis.Redis.from_url((tmp_path / "redis.url").read_text().strip())


def terminate(process: DashboardProcess) -> None:
    """SIGTERM, as a service manager stops it; it must leave cleanly."""
    assert process.process is not None
    process.process.send_signal(signal.SIGTERM)
    assert process.process.wait(30) == 0


def settled(process: DashboardProcess, client: redis.Redis) -> dict:
    def check() -> dict | None:
        tail = client.xinfo_stream("cn:events")["last-generated-id"].decode()
        health = process.health(digest=True)
        return health if health["last_id"] == tail else None
    return dict(wait_for(check, timeout=30, message="the instance applied the log"))


def log_events(client: redis.Redis) -> list[dict]:
    return [orjson.loads(fields[b"event"]) for _, fields in client.xrange("cn:events")]


def replayed(client: redis.Redis) -> st.State:
    """The state a fresh replica builds from the whole log (no snapshot)."""
    settings = load_settings({}, environ={})
    replica = Replica(Bus(connect("redis://127.0.0.1:9/0"), settings), settings, Metrics(), st.State(),
                      listener=Quiet())
    replica.process([(eid.decode(), fields.get(b"event")) for eid, fields in client.xrange("cn:events")])
    return replica.state


def failed_sign_in(process: DashboardProcess) -> None:
    """A wrong password: one audit entry."""
    with httpx.Client(base_url=process.url, timeout=10) as browser:
        browser.get("/login")
        browser.post("/login", data={"user": "officer", "password": "wrong", "next": "/",
                                     "csrf": browser.cookies["_csrf_token"]})


def test_a_stopped_and_restarted_demo_keeps_incidents_and_audit(tmp_path: Path) -> None:
    """run --demo, an incident and an audit entry, SIGTERM; run again: the same log,
    state and audit, and the simulator does not register its point set again."""
    demo = run(tmp_path, "--demo")
    client = redis_of(tmp_path)
    points = wait_for(lambda: sum(e["type"] == "video.point" for e in log_events(client)),
                      message="the simulator's point set")
    incident = xadd(client, incident_reported("kept-1", title="保留的事件", severity=2, street="hongqiao",
                                              event_id="kept-1"))
    failed_sign_in(demo)
    wait_for(lambda: client.xlen("cn:audit") >= 1, message="an audit entry")
    wait_for(lambda: demo.health()["last_id"] >= incident, message="the incident applied")
    audit = client.xrange("cn:audit")
    terminate(demo)
    with pytest.raises(redis.ConnectionError):
        client.ping()  # the embedded server stopped with it
    assert any(path.name.startswith("appendonly") for path in (tmp_path / ".run" / "redis").iterdir())

    again = run(tmp_path)  # no simulator: the state stays still to compare
    client = redis_of(tmp_path)
    restored = settled(again, client)
    reference = replayed(client)
    assert "kept-1" in reference.incidents
    assert restored["digest"] == st.digest(reference) and restored["applied"] == reference.applied
    assert client.xrange("cn:audit")[: len(audit)] == audit
    terminate(again)

    demo = run(tmp_path, "--demo")
    client = redis_of(tmp_path)
    before = demo.health()["applied"]
    demo.wait_applied(before + 40, timeout=60)  # the simulator is running
    assert sum(e["type"] == "video.point" for e in log_events(client)) == points
    terminate(demo)


def test_ephemeral_keeps_nothing(tmp_path: Path) -> None:
    """run --ephemeral: a temporary directory, removed on exit; the next run starts empty."""
    first = run(tmp_path, "--ephemeral")
    client = redis_of(tmp_path)
    xadd(client, incident_reported("gone-1", title="不保留", street="hongqiao", event_id="gone-1"))
    wait_for(lambda: first.health()["applied"] == 1, message="the incident applied")
    found = re.search(r"throw-away, in (\S+)\)", first.log_path.read_text(encoding="utf-8"))
    assert found, first.log_path.read_text(encoding="utf-8")
    data_dir = Path(found.group(1))
    assert data_dir.is_dir()
    terminate(first)
    assert not data_dir.exists() and not (tmp_path / ".run" / "redis").exists()

    second = run(tmp_path, "--ephemeral")
    assert second.health()["applied"] == 0 and redis_of(tmp_path).xlen("cn:events") == 0
    terminate(second)


def test_two_runs_cannot_share_the_kept_data(tmp_path: Path) -> None:
    """A second `run` on the same .run/redis stops at start-up with a clear message."""
    first = run(tmp_path)
    try:
        second = subprocess.run([*RUN, "--port", "1"], cwd=tmp_path, capture_output=True, text=True,
                                timeout=60, env={**first.env, "CN_USERS_FILE": str(first.users_file)})
        assert second.returncode == 2
        assert "is in use by another embedded Redis" in second.stderr, second.stderr
        assert first.health()["redis"] == "up"
    finally:
        terminate(first)
