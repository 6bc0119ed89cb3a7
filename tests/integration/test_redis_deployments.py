"""Redis deployments by configuration, on real servers (support/redis_topologies.py):
a Sentinel fail-over under a writing producer, a network cut (the master paused), and a
3-master Cluster with XADD, PUBLISH, dead letters, snapshots and two instances."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pytest

from dashboard.config import load_settings
from dashboard.redis_clients import sync_client
from support.events import video_point
from support.processes import DashboardProcess, wait_for
from support.redis_topologies import ClusterSet, SentinelSet
from tests.integration.streams import mixed_events

SOCKET_TIMEOUT_S = 2.0
CLUSTER_KEYS = load_settings({}, environ={"CN_REDIS_URL": "redis+cluster://h:1"}).keys


@pytest.fixture
def sentinels() -> Iterator[SentinelSet]:
    """Master, replica, three sentinels; a master is down after 1 s without answers."""
    with SentinelSet(down_after_ms=1000) as deployment:
        yield deployment


@pytest.fixture
def patient_sentinels() -> Iterator[SentinelSet]:
    """The same, with sentinels that wait a minute before a fail-over."""
    with SentinelSet(down_after_ms=60_000) as deployment:
        yield deployment


@pytest.fixture
def cluster() -> Iterator[ClusterSet]:
    with ClusterSet() as deployment:
        yield deployment


@pytest.fixture
def instances() -> Iterator[Callable[..., DashboardProcess]]:
    """Factory: ``instances(url, **env)`` starts a dashboard on ``url``; all stopped after,
    before the deployment (the deployment fixtures come first in each test's arguments)."""
    started: list[DashboardProcess] = []

    def start(url: str, **env: Any) -> DashboardProcess:
        process = DashboardProcess(url, CN_REDIS_SOCKET_TIMEOUT_S=SOCKET_TIMEOUT_S, **env).start(timeout=60)
        started.append(process)
        return process

    yield start
    for process in started:
        process.interrupt()
    for process in started:
        with contextlib.suppress(Exception):
            process.stop()


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def caught_up(instance: DashboardProcess, client: Any, log_key: str) -> Callable[[], dict[str, Any] | None]:
    """A condition: the instance has applied up to the log's newest entry (its health)."""
    def check() -> dict[str, Any] | None:
        last = _text(client.xinfo_stream(log_key)["last-generated-id"])
        health = instance.health()
        return health if health["last_id"] == last and health["redis"] == "up" else None
    return check


class Producer(threading.Thread):
    """Writes one event every few ms with a unique id until stopped.  An event counts as
    acknowledged when XADD returned and WAIT saw it on the replica (Redis replicates
    asynchronously: a producer that must not lose events over a fail-over waits for
    ``replicas`` replicas; 0 once the new master has none left).  A write that fails is
    not retried, so no id is written twice."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.client = sync_client(url)
        self.acknowledged: list[str] = []
        self.failed = 0
        self.replicas = 1
        self.halt = threading.Event()

    def run(self) -> None:
        n = 0
        while not self.halt.is_set():
            event_id = f"cam-{n}"
            n += 1
            try:
                self.client.xadd("cn:events", {"event": orjson.dumps(
                    video_point(event_id, name=event_id, street="hongqiao", event_id=event_id))})
                replicas = self.replicas
                if not replicas or int(self.client.execute_command("WAIT", replicas, 1000)) >= replicas:
                    self.acknowledged.append(event_id)
                else:
                    self.failed += 1
            except Exception:  # Redis away during the fail-over: the next event
                self.failed += 1
                time.sleep(0.05)
            time.sleep(0.01)

    def stop(self) -> None:
        self.halt.set()
        self.join(10)
        self.client.close()


def test_sentinel_fail_over_under_a_writing_producer_loses_and_doubles_nothing(
    sentinels: SentinelSet, instances: Callable[..., DashboardProcess]
) -> None:
    """SIGKILL of the Sentinel master while a producer writes: the instance on the
    redis+sentinel:// URL follows the new master; every acknowledged event is in the log
    once and applied once, pub/sub is bridged again, and a fresh instance reaches the same
    digest."""
    deployment = sentinels
    instance = instances(deployment.url)
    producer = Producer(deployment.url)
    producer.start()
    try:
        wait_for(lambda: len(producer.acknowledged) >= 100, timeout=30, message="100 events before")
        deployment.master.kill()
        new_master = deployment.wait_failover()
        producer.replicas = 0  # the old master, the one replica, is gone
        before = len(producer.acknowledged)
        wait_for(lambda: len(producer.acknowledged) >= before + 100, timeout=30,
                 message="100 events acknowledged by the new master")
    finally:
        producer.stop()
    client = new_master.client()
    logged = [orjson.loads(fields[b"event"])["id"] for _, fields in client.xrange("cn:events")]
    assert len(logged) == len(set(logged)), "an event is in the log twice"
    assert set(producer.acknowledged) <= set(logged), "an acknowledged event was lost"
    health = wait_for(caught_up(instance, client, "cn:events"), timeout=60,
                      message="the instance caught up on the new master")
    assert health["applied"] + health["dead"] == len(logged)
    # the bridge subscribed again, on the new master
    wait_for(lambda: sum(int(c["psub"]) for c in client.client_list()) >= 1, timeout=30,
             message="the bridge subscribed on the new master")
    client.publish("cn:pub:cams", orjson.dumps(video_point("after", street="hongqiao",
                                                           event_id="published-after")))
    wait_for(lambda: instance.health()["applied"] == len(logged) + 1, timeout=30,
             message="an event published after the fail-over applied")
    fresh = instances(deployment.url)
    wait_for(caught_up(fresh, client, "cn:events"), timeout=60, message="a fresh instance caught up")
    assert instance.health(digest=True)["digest"] == fresh.health(digest=True)["digest"]


def test_a_paused_master_shows_as_down_within_the_socket_timeout(
    patient_sentinels: SentinelSet, instances: Callable[..., DashboardProcess]
) -> None:
    """SIGSTOP of the master (a cut network: connections stay open, nothing answers): the
    instance's /healthz says redis "down" within redis_socket_timeout_s (+ a margin for a
    read in flight and a loaded machine); after SIGCONT it is "up" again and catches up."""
    deployment = patient_sentinels  # no fail-over during the cut
    instance = instances(deployment.url)
    client = deployment.master.client()
    client.xadd("cn:events", {"event": orjson.dumps(video_point("c1", street="hongqiao"))})
    wait_for(lambda: instance.health()["applied"] == 1, timeout=30, message="first event applied")
    deployment.master.pause()
    paused_at = time.monotonic()
    try:
        wait_for(lambda: instance.health()["redis"] == "down", timeout=SOCKET_TIMEOUT_S * 4 + 10,
                 interval=0.05, message="redis reported down")
        noticed_after = time.monotonic() - paused_at
    finally:
        deployment.master.cont()
    margin = 3.0  # a read sent just before the pause waits its full timeout; polling
    assert noticed_after <= SOCKET_TIMEOUT_S * 2 + margin, f"noticed after {noticed_after:.1f} s"
    client.xadd("cn:events", {"event": orjson.dumps(video_point("c2", street="hongqiao"))})
    wait_for(lambda: instance.health()["redis"] == "up" and instance.health()["applied"] == 2,
             timeout=30, message="up again and the event after the cut applied")


def test_cluster_applies_xadd_and_publish_dead_letters_snapshots_and_twins_agree(
    cluster: ClusterSet, instances: Callable[..., DashboardProcess]
) -> None:
    """On a 3-master Cluster (redis+cluster:// URL, keys under {cn}:): XADDed and PUBLISHed
    events (published on every node) are applied, each published id logged once although two
    instances receive it, a malformed event is dead-lettered with its reason, a snapshot is
    written and restored by a new instance, and the instances' digests are equal."""
    keys = CLUSTER_KEYS
    first = instances(cluster.url, CN_SNAPSHOT_EVERY_S=1, CN_SNAPSHOT_EVERY_EVENTS=100)
    client = sync_client(cluster.url)
    try:
        client.xadd(keys.log, {"event": b"{not json"})
        pipe = client.pipeline(transaction=False)
        for raw in mixed_events(1_000):
            pipe.xadd(keys.log, {"event": raw})
        pipe.execute()
        wait_for(caught_up(first, client, keys.log), timeout=60, message="XADDed events applied")
        assert first.health()["dead"] == 1
        dead = client.xrange(keys.dead)
        assert len(dead) == 1 and dead[0][1][b"reason"].startswith(b"not valid JSON")
        wait_for(lambda: first.health()["snapshot_id"] != "0-0", timeout=30, message="a snapshot")
        assert client.hget(keys.snapshot, "id") is not None

        second = instances(cluster.url)
        assert second.health()["snapshot_id"] != "0-0"  # it started from the snapshot
        nodes = [node.client() for node in cluster.nodes]
        wait_for(lambda: sum(int(c["psub"]) for n in nodes for c in n.client_list()) >= 2,
                 timeout=30, message="both instances subscribed")
        published = []
        for n, node in enumerate(nodes):  # a producer may publish on any node
            for m in range(10):
                event_id = f"pub-{n}-{m}"
                node.publish(keys.pub("cams"), orjson.dumps(
                    video_point(f"pub-cam-{n}-{m}", street="hongqiao", event_id=event_id)))
                published.append(event_id)
        for instance in (first, second):
            wait_for(lambda instance=instance: instance.health()["applied"] >= 1_030, timeout=60,
                     message="the 30 published events applied")
        logged = [orjson.loads(fields[b"event"]).get("id") for _, fields in client.xrange(keys.log)
                  if fields[b"event"].startswith(b"{\"")]
        assert sorted(i for i in logged if i and i.startswith("pub-")) == sorted(published)
        for instance in (first, second):
            wait_for(caught_up(instance, client, keys.log), timeout=60, message="caught up")
        assert first.health(digest=True)["digest"] == second.health(digest=True)["digest"]
        # signing in runs the limits' multi-key script and a transaction, and is audited
        first.session("officer").close()
        wait_for(lambda: any(fields.get(b"action") == b"login"
                             for _, fields in client.xrange(keys.audit)),
                 timeout=30, message="the sign-in audited under {cn}:")
    finally:
        client.close()
