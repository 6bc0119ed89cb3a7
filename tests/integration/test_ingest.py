"""Events reach the state from XADD, PUBLISH and the CLI; bad ones are dead-lettered."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

import orjson
import redis

from support.events import video_point, video_status
from support.log import xadd
from support.processes import ROOT, DashboardProcess, wait_for


def applied(dashboard: DashboardProcess, n: int) -> Callable[[], bool]:
    return lambda: dashboard.health()["applied"] >= n


def test_xadd_event_is_applied(dashboard: DashboardProcess, rclient: redis.Redis) -> None:
    """An event XADDed by any Redis client is applied."""
    xadd(rclient, video_point("c1", street="hongqiao"))
    wait_for(applied(dashboard, 1), message="applied=1")
    assert dashboard.health()["last_id"] == rclient.xinfo_stream("cn:events")[
        "last-generated-id"].decode()


def test_redis_cli_xadd_is_applied(dashboard: DashboardProcess, redis_url: str) -> None:
    """The redis-cli binary can produce events too."""
    from dashboard.redis_server import redis_server_binary

    cli = os.path.join(os.path.dirname(redis_server_binary()), "redis-cli")
    subprocess.run([cli, "-u", redis_url, "XADD", "cn:events", "*", "event",
                    orjson.dumps(video_point("c2", street="hongqiao")).decode()], check=True,
                   capture_output=True)
    wait_for(applied(dashboard, 1), message="applied=1")


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
    assert first.health()["digest"] == second.health()["digest"]


def test_cli_publish_flags_and_stdin(dashboard: DashboardProcess, redis_url: str) -> None:
    """`publish` writes one event from flags and many from JSON lines; bad lines are reported."""
    env = {**os.environ, "CN_REDIS_URL": redis_url}
    one = subprocess.run(
        [sys.executable, "-m", "dashboard", "publish", "--type", "video.point", "--street",
         "hongqiao", "--data", '{"point_id":"c1","name":"n","lat":31.2,"lon":121.4}'],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert "published 1 event(s)" in one.stdout
    lines = b"\n".join([orjson.dumps(video_status("c1", "offline")), b'{"type":"nope","data":{}}',
                        orjson.dumps(video_status("c1", "online"))])
    many = subprocess.run([sys.executable, "-m", "dashboard", "publish", "--stdin"], cwd=ROOT,
                          env=env, input=lines, capture_output=True)
    assert many.returncode == 1
    assert b"line 2: unknown event type 'nope'" in many.stderr
    assert b"published 2 event(s), 1 refused" in many.stdout
    wait_for(applied(dashboard, 3), message="applied=3")


def test_malformed_events_are_dead_lettered_while_good_ones_flow(
    dashboard: DashboardProcess, rclient: redis.Redis
) -> None:
    """Malformed, oversized and wrongly typed entries go to cn:dead with reasons; the rest apply."""
    bad = [
        b"{not json",
        orjson.dumps({"type": "video.status", "data": {"point_id": 7, "status": "online"}}),
        orjson.dumps({"type": "alien.landing", "data": {}}),
        orjson.dumps({"type": "video.point", "data": {"point_id": "x", "name": "y" * 70_000,
                                                      "lat": 1, "lon": 1}}),
    ]
    pipe = rclient.pipeline()
    for n in range(50):
        pipe.xadd("cn:events", {"event": orjson.dumps(video_point(f"g{n}", street="hongqiao"))})
        pipe.xadd("cn:events", {"event": bad[n % len(bad)]})
    pipe.xadd("cn:events", {"wrong_field": b"1"})
    pipe.execute()
    wait_for(lambda: dashboard.health()["dead"] == 51, message="51 dead")
    health = dashboard.health()
    assert health["applied"] == 50
    dead = rclient.xrange("cn:dead")
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
