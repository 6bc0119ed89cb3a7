"""The one place that builds Redis clients, for every kind of ``redis_url``
(:mod:`dashboard.redis_url`): one server, a Sentinel-managed master, or a Cluster.

Every client is bytes in and bytes out, with a bounded pool, socket and connect
timeouts, and no hidden retries (a failed command raises at once; the callers retry
with backoff and report ``redis: "down"`` meanwhile).

What the client does when the deployment changes under it:

* **Sentinel**: each new connection asks the sentinels for the master of the service
  first; a connection to a master that was demoted (``READONLY``) or went away is
  closed, so after a fail-over the next command reaches the new master.  A master that
  stops answering (a cut network, a paused process) is noticed by the socket timeout.
* **Cluster**: redis-py's :class:`~redis.asyncio.cluster.RedisCluster` keeps the slot
  map and follows ``MOVED``/``ASK`` redirections.  The project's keys share one hash
  tag (``{cn}:``, :attr:`dashboard.config.Settings.keys`), so they live in one slot
  and every multi-key script is allowed; ``max_connections`` is per node.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import redis
import redis.asyncio as aioredis
import redis.cluster
import redis.sentinel
from redis.asyncio.cluster import ClusterNode, RedisCluster
from redis.asyncio.sentinel import Sentinel, SentinelConnectionPool
from redis.exceptions import (
    ClusterDownError,
    RedisClusterException,
    SlotNotCoveredError,
    TryAgainError,
)
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from dashboard.redis_url import RedisTarget, parse_redis_url

#: an asyncio client of any deployment; both offer the commands the project uses
RedisClient = aioredis.Redis | RedisCluster

#: errors that mean "Redis (or the Cluster node holding our slot) does not answer now":
#: retry later, nothing is wrong with what was sent
REDIS_AWAY: tuple[type[BaseException], ...] = (
    RedisConnectionError, RedisTimeoutError, OSError, ClusterDownError, TryAgainError,
    SlotNotCoveredError,
)
#: what may fail while following the log: the above, and a Cluster client that cannot
#: (re)build its slot map ("Redis Cluster cannot be connected")
REDIS_DOWN: tuple[type[BaseException], ...] = (*REDIS_AWAY, RedisClusterException)


def error_text(exc: BaseException) -> str:
    """``Type: message`` of a Redis error, for logs and dead letters (``%r`` of a Cluster
    exception shows only its class)."""
    message = str(exc).strip() or repr(exc)
    return f"{type(exc).__name__}: {message}"


POOL_WAIT_S = 5.0  # a command waits this long for a free connection of a full pool


@dataclass(frozen=True, slots=True)
class ClientOptions:
    """Pool size and timeouts (seconds) of a client: ``Settings.redis_max_connections``,
    ``redis_socket_timeout_s`` and ``redis_connect_timeout_s``."""

    max_connections: int = 64
    socket_timeout_s: float = 5.0
    connect_timeout_s: float = 2.0

    @classmethod
    def of(cls, settings: Any) -> ClientOptions:
        return cls(settings.redis_max_connections, settings.redis_socket_timeout_s,
                   settings.redis_connect_timeout_s)


class _BlockingSentinelPool(SentinelConnectionPool, aioredis.BlockingConnectionPool):
    """A Sentinel-managed pool that waits for a free connection when it is full (as the
    one-server pool does) instead of failing at once."""


def blocking_read_ms(options: ClientOptions, wanted_ms: int) -> int:
    """How long a blocking read (XREAD BLOCK) may wait: ``wanted_ms``, but at most half
    the socket timeout, so that a waiting read is never mistaken for a dead server."""
    return max(10, min(wanted_ms, int(options.socket_timeout_s * 500)))


def connect(url: str, options: ClientOptions | None = None) -> RedisClient:
    """An asyncio client of the deployment ``url`` names (hiredis parser when installed).

    The pool is bounded; for one server and Sentinel it is *blocking*: in a burst a
    command waits (up to :data:`POOL_WAIT_S`) for a free connection instead of failing,
    as redis-py's default pool does when it is full.  The blocking log reader and the
    pub/sub bridge hold one connection each.  Raises :class:`~dashboard.redis_url.RedisUrlError`
    for a URL that names no deployment."""
    options = options or ClientOptions()
    target = parse_redis_url(url)
    common: dict[str, Any] = {
        "decode_responses": False, "socket_timeout": options.socket_timeout_s,
        "socket_connect_timeout": options.connect_timeout_s,
    }
    if target.kind == "single":
        pool = aioredis.BlockingConnectionPool.from_url(
            target.url, max_connections=options.max_connections, timeout=POOL_WAIT_S,
            health_check_interval=10, retry_on_timeout=False, **common)
        return aioredis.Redis.from_pool(pool)  # closing the client closes the pool
    if target.kind == "sentinel":
        return _sentinel_master(target, options, common)
    return RedisCluster(
        startup_nodes=[ClusterNode(host, port) for host, port in target.nodes],
        max_connections=options.max_connections, username=target.username,
        password=target.password, health_check_interval=10, **common)


def _sentinel_master(target: RedisTarget, options: ClientOptions, common: dict[str, Any]
                     ) -> aioredis.Redis:
    timeouts = {"socket_timeout": options.socket_timeout_s,
                "socket_connect_timeout": options.connect_timeout_s}
    sentinel = Sentinel(list(target.nodes), sentinel_kwargs=timeouts)
    assert target.service is not None  # parse_redis_url gives every Sentinel URL one
    client: aioredis.Redis = sentinel.master_for(
        target.service, connection_pool_class=_BlockingSentinelPool,
        max_connections=options.max_connections, timeout=POOL_WAIT_S, db=target.db,
        username=target.username, password=target.password, health_check_interval=10,
        check_connection=True, **common)
    return client


def sync_client(url: str, options: ClientOptions | None = None) -> Any:
    """A synchronous client of the same deployment (producers in tests, benchmarks and
    scripts): ``redis.Redis``, a Sentinel master's ``redis.Redis`` or
    ``redis.cluster.RedisCluster``; bytes in and out.  The default socket timeout is a
    generous 30 s: a producer's bulk write on a loaded machine is no dead server."""
    options = options or ClientOptions(socket_timeout_s=30.0)
    target = parse_redis_url(url)
    common: dict[str, Any] = {"socket_timeout": options.socket_timeout_s,
                              "socket_connect_timeout": options.connect_timeout_s}
    if target.kind == "single":
        return redis.Redis.from_url(target.url, **common)
    if target.kind == "sentinel":
        sentinel = redis.sentinel.Sentinel(list(target.nodes), sentinel_kwargs=common)
        assert target.service is not None
        return sentinel.master_for(target.service, db=target.db, username=target.username,
                                   password=target.password, **common)
    return redis.cluster.RedisCluster(
        startup_nodes=[redis.cluster.ClusterNode(h, p) for h, p in target.nodes],
        username=target.username, password=target.password, **common)
