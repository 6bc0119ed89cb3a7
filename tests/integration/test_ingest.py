"""Events reach the state from XADD, PUBLISH and the CLI; bad ones are dead-lettered.

Single-instance tests share the module's dashboard (``shared_dashboard``): each writes
its own ids and counts from what the dashboard had dealt with before.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import orjson
import redis

from dashboard.redis_server import EmbeddedRedis, redis_server_binary
from support.events import video_point, video_status
from support.log import last_entry_id, xadd
from support.processes import ROOT, DashboardProcess, wait_for


def applied(dashboard: DashboardProcess, n: int) -> Callable[[], bool]:
    return lambda: dashboard.health()["applied"] >= n


def test_xadd_event_is_applied(shared_dashboard: DashboardProcess, shared_rclient: redis.Redis) -> None:
    """An event XADDed by any Redis client is applied."""
    before = shared_dashboard.health()["applied"]
    xadd(shared_rclient, video_point("xadd-c1", street="hongqiao"))
    wait_for(applied(shared_dashboard, before + 1), message="applied +1")
    assert shared_dashboard.health()["last_id"] == last_entry_id(shared_rclient)


def test_redis_cli_xadd_is_applied(shared_dashboard: DashboardProcess, module_redis: EmbeddedRedis) -> None:
    """The redis-cli binary can produce events too."""
    cli = os.path.join(os.path.dirname(redis_server_binary()), "redis-cli")
    before = shared_dashboard.health()["applied"]
    subprocess.run([cli, "-u", module_redis.url, "XADD", "cn:events", "*", "event",
                    orjson.dumps(video_point("cli-c2", street="hongqiao")).decode()], check=True,
                   capture_output=True)
    wait_for(applied(shared_dashboard, before + 1), message="applied +1")


def test_pubsub_event_lands_in_log_exactly_once_with_two_instances(
    dashboards: Callable[..., DashboardProcess], rclient: redis.Redis
) -> None:
    """A PUBLISHed event received by two instances is appended to the log once."""
    first, second = dashboards(), dashboards()
    wait_for(lambda: sum(int(c["psub"]) for c in rclient.client_list()) >= 2,
             message="both instances subscribed")
    for n in range(20):
        event = video_point(f"p{n}", street="hongqiao", event_id=f"e{n}")
        rclient.publish("cn:pub:video", orjson.dumps(event))
    wait_for(lambda: first.health()["applied"] >= 20 and second.health()["applied"] >= 20,
             message="20 applied on both")
    assert rclient.xlen("cn:events") == 20
    assert first.health(digest=True)["digest"] == second.health(digest=True)["digest"]


def test_cli_publish_flags_and_stdin(shared_dashboard: DashboardProcess, module_redis: EmbeddedRedis) -> None:
    """`publish` writes one event from flags and many from JSON lines; bad lines are reported."""
    dashboard = shared_dashboard
    before = dashboard.health()["applied"]
    env = {**os.environ, "CN_REDIS_URL": module_redis.url}
    one = subprocess.run(
        [sys.executable, "-m", "dashboard", "publish", "--type", "video.point", "--street",
         "hongqiao", "--data", '{"point_id":"pub-c1","name":"n","lat":31.2,"lon":121.4}'],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert "published 1 event(s)" in one.stdout
    lines = b"\n".join([orjson.dumps(video_status("pub-c1", "offline")), b'{"type":"nope","data":{}}',
                        orjson.dumps(video_status("pub-c1", "online"))])
    many = subprocess.run([sys.executable, "-m", "dashboard", "publish", "--stdin"], cwd=ROOT,
                          env=env, input=lines, capture_output=True)
    assert many.returncode == 1
    assert b"line 2: unknown event type 'nope'" in many.stderr
    assert b"published 2 event(s), 1 refused" in many.stdout
    wait_for(applied(dashboard, before + 3), message="applied +3")


def test_cli_publish_finds_the_redis_of_a_running_dashboard(
    shared_dashboard: DashboardProcess, module_redis: EmbeddedRedis, tmp_path: Path
) -> None:
    """Without CN_REDIS_URL, `publish` uses the Redis that `run` named in .run/redis.url,
    and says so clearly when that Redis no longer answers."""
    dashboard = shared_dashboard
    before = dashboard.health()["applied"]
    run_dir = tmp_path / ".run"
    run_dir.mkdir()
    (run_dir / "redis.url").write_text(module_redis.url + "\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CN_")}
    command = [sys.executable, "-m", "dashboard", "publish", "--type", "video.point", "--street",
               "hongqiao", "--data", '{"point_id":"pub-url-1","name":"n","lat":31.2,"lon":121.4}']
    found = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert found.returncode == 0 and "published 1 event(s)" in found.stdout, found.stderr
    wait_for(applied(dashboard, before + 1), message="applied +1")
    (run_dir / "redis.url").write_text("redis://127.0.0.1:9/0\n")  # nobody listens there
    stale = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert stale.returncode == 2 and "does not answer" in stale.stderr, stale.stderr


def test_malformed_events_are_dead_lettered_while_good_ones_flow(
    shared_dashboard: DashboardProcess, shared_rclient: redis.Redis
) -> None:
    """Malformed, oversized and wrongly typed entries go to cn:dead with reasons; the rest apply."""
    dashboard, rclient = shared_dashboard, shared_rclient
    before = dashboard.health()
    bad = [
        b"{not json",
        orjson.dumps({"type": "video.status", "data": {"point_id": 7, "status": "online"}}),
        orjson.dumps({"type": "alien.landing", "data": {}}),
        orjson.dumps({"type": "video.point", "data": {"point_id": "x", "name": "y" * 70_000,
                                                      "lat": 1, "lon": 1}}),
    ]
    pipe = rclient.pipeline()
    for n in range(50):
        pipe.xadd("cn:events", {"event": orjson.dumps(video_point(f"dead-g{n}", street="hongqiao"))})
        pipe.xadd("cn:events", {"event": bad[n % len(bad)]})
    pipe.xadd("cn:events", {"wrong_field": b"1"})
    first_entry = pipe.execute()[0].decode()
    wait_for(lambda: dashboard.health()["dead"] == before["dead"] + 51, message="51 more dead")
    health = dashboard.health()
    assert health["applied"] == before["applied"] + 50
    dead = rclient.xrange("cn:dead", min=first_entry)  # a dead letter's id is its log entry's
    assert len(dead) == 51
    reasons = " | ".join(sorted({fields[b"reason"].decode() for _, fields in dead}))
    for expected in ("not valid JSON", "Expected `str`, got `int` - at `data.point_id`",
                     "unknown event type 'alien.landing'", "bytes; the limit is 65536",
                     "log entry has no 'event' field"):
        assert expected in reasons
    assert any(b"alien.landing" in fields[b"raw"] for _, fields in dead)
    assert all(fields[b"at"].isdigit() for _, fields in dead)


def test_two_instances_leave_one_dead_letter(
    dashboards: Callable[..., DashboardProcess], rclient: redis.Redis
) -> None:
    """A bad entry read by two instances is dead-lettered once."""
    first, second = dashboards(), dashboards()
    rclient.xadd("cn:events", {"event": b"garbage"})
    wait_for(lambda: first.health()["dead"] == 1 and second.health()["dead"] == 1,
             message="both saw the dead entry")
    assert rclient.xlen("cn:dead") == 1
