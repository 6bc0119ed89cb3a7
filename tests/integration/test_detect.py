"""The early-warning engine (``changning-dashboard detect``) as real processes on a real
Redis and the real archive (DuckDB, and PostgreSQL for two engines at once): it learns
16 days of a planted seasonal series from the archive, follows the log and raises each
anomaly once — with two engines over the same log and archive, across a restart (also one
that lost its cursor), and across Redis going away and coming back while it runs.  The
alarm the reducer makes of it explains itself in words and figures."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
import redis

from dashboard import clock
from dashboard import state as st
from dashboard.events import event_from_dict
from dashboard.history import Archive, event_row
from dashboard.history_duckdb import DuckDBArchive
from dashboard.history_postgres import PostgresArchive
from dashboard.redis_server import EmbeddedRedis
from support.events import indicator_value
from support.postgres import PostgresCluster
from support.processes import ARTIFACTS, ROOT, wait_for

KEY = "green.pm25"
STREETS = ("hongqiao", "xinhualu", "tianshanlu")
DAY, HOUR, MIN = clock.DAY_MS, clock.HOUR_MS, clock.MINUTE_MS
NOISE = 1.5
LEARN_S = 90  # learning 3 series of 16 days on a busy 2-core machine, generously
SEEN_S = 60


def truth(ts: int, street: str) -> float:
    """The planted series: 36 + 8·cos(2π(h − 9)/24), a street's own offset."""
    hour = (ts - clock.day_start(ts)) / HOUR
    return 36 + 3 * STREETS.index(street) + 8 * math.cos(2 * math.pi * (hour - 9) / 24)


def archived(archive: Archive, now: int, days: int = 16) -> int:
    """``days`` of the planted series for every street, every 10 minutes up to an hour ago."""
    rng = np.random.default_rng(5)
    rows = []
    for street in STREETS:
        for n, ts in enumerate(range(now - days * DAY, now - HOUR, 10 * MIN)):
            raw = orjson.dumps(indicator_value(KEY, float(round(truth(ts, street) + rng.normal(0, NOISE))),
                                               street=street, ts=ts, event_id=f"bf-{street}-{n}",
                                               source="backfill"))
            row = event_row(f"{ts}-{STREETS.index(street)}", raw)
            assert row is not None
            rows.append(row)
    return archive.write_events(rows, None)


def value(street: str, ts: int, jump: float = 0.0, n: int = 0) -> bytes:
    return orjson.dumps(indicator_value(KEY, float(round(truth(ts, street) + jump)), street=street, ts=ts,
                                        event_id=f"live-{street}-{ts}-{n}", source="iot"))


class Engine:
    """``python -m dashboard detect`` as a child process (its stderr kept in a file)."""

    def __init__(self, redis_url: str, name: str, **env: str) -> None:
        self.log = ARTIFACTS / f"detect-{name}-{os.getpid()}.log"
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("CN_")}
        self.env = {**inherited, "CN_REDIS_URL": redis_url, "CN_LOG_LEVEL": "info", **env}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Engine:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "dashboard", "detect"], cwd=ROOT,
                                            env=self.env, stdout=out, stderr=subprocess.STDOUT)
        return self

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.alive:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""


def log_events(client: redis.Redis, kind: str) -> list[dict[str, Any]]:
    out = []
    for _, fields in client.xrange("cn:events"):
        event = orjson.loads(fields[b"event"])
        if event.get("type") == kind:
            out.append(event)
    return out


def reduced(client: redis.Redis) -> st.State:
    """The reducer's state of the whole log (what every instance shows)."""
    state = st.State()
    for entry_id, fields in client.xrange("cn:events"):
        st.apply(state, entry_id.decode(), event_from_dict(orjson.loads(fields[b"event"])))
    return state


def caught_up(client: redis.Redis) -> bool:
    """The engine's cursor is at the log's last entry (its own writes included)."""
    last = client.xrevrange("cn:events", count=1)
    cursor = client.get("cn:detect:cursor")
    return bool(last) and cursor == last[0][0]


def ready(client: redis.Redis, streets: tuple[str, ...]) -> bool:
    """Every street's band is out and ready: the engine has learned and follows the log."""
    bands = log_events(client, "indicator.expected")
    return all(any(b.get("street") == s and b["data"]["state"] == "ready" for b in bands) for s in streets)


def anomalies_of(client: redis.Redis, street: str) -> list[dict[str, Any]]:
    return [e for e in log_events(client, "indicator.anomaly") if e.get("street") == street]


@pytest.fixture
def engines() -> Iterator[list[Engine]]:
    started: list[Engine] = []
    yield started
    for engine in started:
        engine.stop()


def settled_now() -> int:
    """Now, or just before this hour began when it began less than 6 minutes ago: the
    tests' values (5 minutes back to now) then share one Beijing hour, as the engine's
    one-anomaly-per-series-and-hour rule expects of them."""
    now = clock.now_ms()
    return now if now % HOUR >= 6 * MIN else now - now % HOUR - 1_000


def warm_up(client: redis.Redis, now: int) -> None:
    """A normal value per street (the engines answer with each street's band)."""
    for street in STREETS:
        client.xadd("cn:events", {"event": value(street, now - 5 * MIN)})


def test_two_engines_over_one_log_and_archive_raise_one_alarm(
    redis_url: str, rclient: redis.Redis, engines: list[Engine]
) -> None:
    """Two engines on one Redis and one PostgreSQL archive: one anomaly in the log for one
    anomalous value, one alarm in the reducer, explained in words and figures."""
    now = settled_now()
    with PostgresCluster() as cluster:
        archive = PostgresArchive(cluster.url)
        try:
            assert archived(archive, now) == 3 * (16 * 144 - 6)
        finally:
            archive.close()
        for name in ("a", "b"):
            engines.append(Engine(redis_url, f"two-{name}", CN_HISTORY_URL=cluster.url).start())
        warm_up(rclient, now)
        assert wait_for(lambda: ready(rclient, STREETS), LEARN_S, message="the bands out")
        wait_for(lambda: all("following the log" in e.text() for e in engines), LEARN_S,
                 message="both engines learned and follow the log")
        spike_ts = now - 2 * MIN
        rclient.xadd("cn:events", {"event": value("tianshanlu", spike_ts, jump=40.0)})
        wait_for(lambda: anomalies_of(rclient, "tianshanlu"), SEEN_S, message="the anomaly raised")
        anomaly_id = anomalies_of(rclient, "tianshanlu")[0]["id"]
        wait_for(lambda: all(f"anomaly {anomaly_id} " in e.text() for e in engines), SEEN_S,
                 message="both engines wrote the anomaly (one appended, one found it there)")
        assert sorted("already in the log" in e.text() for e in engines) == [False, True]
        assert all(engine.alive for engine in engines)
        found = anomalies_of(rclient, "tianshanlu")
        assert len(found) == 1, found
        assert anomalies_of(rclient, "hongqiao") == anomalies_of(rclient, "xinhualu") == []
        both = [e.text() for e in engines]
        assert all("learned" in text for text in both), both

    state = reduced(rclient)
    alarms = [a for a in state.alarms.values() if a["kind"] == "anomaly"]
    assert len(alarms) == 1
    alarm, anomaly = alarms[0], found[0]
    assert alarm["id"] == anomaly["id"] and alarm["sensor_id"] == f"{KEY}@tianshanlu"
    d = anomaly["data"]
    assert d["value"] == round(truth(spike_ts, "tianshanlu") + 40)
    assert d["low"] < truth(spike_ts, "tianshanlu") < d["high"] and d["score"] > 9 and d["level"] == 2
    when = clock.beijing(spike_ts)
    words = alarm["message"] or ""
    weekday = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"][when.weekday()]
    for part in (f"PM2.5浓度 {d['value']:.0f}μg/m³", f"通常 {d['low']:.0f}–{d['high']:.0f}",
                 f"{weekday} {when:%H:%M}", "天山路街道", f"偏高 {abs(d['score']):.1f} 个稳健标准差"):
        assert part in words, (part, words)
    assert ("工作日" in words) or ("休息日" in words)


def test_a_restarted_engine_raises_no_duplicate(
    tmp_path: Path, redis_url: str, rclient: redis.Redis, engines: list[Engine]
) -> None:
    """Killed after raising an anomaly, restarted twice (once with its cursor kept, once with
    it lost: it replays the last hour): each anomalous value's alarm is in the log once,
    and a new anomaly after the restart is raised; the restart reuses the baselines kept
    beside the archive instead of fitting them again."""
    now = settled_now()
    path = tmp_path / "history.duckdb"
    archive = DuckDBArchive(path)
    try:
        archived(archive, now)
    finally:
        archive.close()
    engine = Engine(redis_url, "restart", CN_HISTORY_PATH=str(path)).start()
    engines.append(engine)
    warm_up(rclient, now)
    wait_for(lambda: ready(rclient, STREETS), LEARN_S, message="learned")
    rclient.xadd("cn:events", {"event": value("hongqiao", now - 3 * MIN, jump=-30.0)})
    wait_for(lambda: anomalies_of(rclient, "hongqiao"), SEEN_S, message="the first anomaly")
    engine.kill()
    # the same series again within the hour (the dead engine's memory of it is gone) and
    # another street: one anomaly each
    rclient.xadd("cn:events", {"event": value("hongqiao", now - 2 * MIN, jump=-32.0)})
    rclient.xadd("cn:events", {"event": value("xinhualu", now - 2 * MIN, jump=35.0)})
    kept = Path(f"{path}.baselines")
    assert kept.is_file()  # the fitted baselines, kept beside the archive
    engine.start()
    wait_for(lambda: anomalies_of(rclient, "xinhualu"), LEARN_S + SEEN_S,
             message="the anomaly after the restart")
    # the restart fitted nothing: the three baselines kept were fresh and installed
    assert "3 kept baseline(s) reused" in engine.log.read_text(encoding="utf-8")
    engine.kill()
    rclient.delete("cn:detect:cursor")  # a lost cursor: the engine follows the last hour again
    engine.start()
    wait_for(lambda: caught_up(rclient), LEARN_S, interval=0.5, message="the engine replayed the hour")
    assert len(anomalies_of(rclient, "hongqiao")) == 1
    assert len(anomalies_of(rclient, "xinhualu")) == 1
    assert anomalies_of(rclient, "tianshanlu") == []
    state = reduced(rclient)
    assert sorted(a["street"] or "" for a in state.alarms.values() if a["kind"] == "anomaly") == [
        "hongqiao", "xinhualu"]


def test_redis_going_away_stops_nothing_and_the_engine_catches_up(
    tmp_path: Path, engines: list[Engine]
) -> None:
    """Redis killed while the engine runs: the engine keeps running and says why; Redis
    back (its data kept): the engine goes on from its cursor and raises the anomalies of
    what arrived after, each once."""
    now = settled_now()
    path = tmp_path / "history.duckdb"
    archive = DuckDBArchive(path)
    try:
        archived(archive, now)
    finally:
        archive.close()
    server = EmbeddedRedis(persistent=True).start()
    try:
        client = redis.Redis.from_url(server.url)
        engine = Engine(server.url, "redis", CN_HISTORY_PATH=str(path)).start()
        engines.append(engine)
        warm_up(client, now)
        wait_for(lambda: ready(client, STREETS), LEARN_S, message="learned")
        client.xadd("cn:events", {"event": value("tianshanlu", now - 4 * MIN, jump=30.0)})
        wait_for(lambda: anomalies_of(client, "tianshanlu"), SEEN_S, message="the first anomaly")
        server.kill()
        wait_for(lambda: engine.text().count("redis unavailable") >= 2, 30, interval=0.5,
                 message="the engine saying Redis is away, and retrying")
        assert engine.alive
        server.start()
        client = redis.Redis.from_url(server.url)
        client.xadd("cn:events", {"event": value("hongqiao", now - 3 * MIN, jump=-30.0)})
        client.xadd("cn:events", {"event": value("tianshanlu", now - 3 * MIN, jump=31.0)})  # no 2nd this hour
        wait_for(lambda: anomalies_of(client, "hongqiao"), SEEN_S, message="the anomaly after Redis")
        wait_for(lambda: caught_up(client), SEEN_S, interval=0.5, message="the engine past both values")
        assert engine.alive
        assert len(anomalies_of(client, "tianshanlu")) == 1
        assert len(anomalies_of(client, "hongqiao")) == 1
        engine.stop()
        assert engine.process is not None and engine.process.returncode == 0
    finally:
        server.cleanup()
