"""What ``redis_url`` names: one server, a Sentinel-managed master, or a Cluster.

The one place that reads the setting's text (DESIGN "Redis deployments by configuration"):

* ``redis://[user:password@]host:port/<db>`` and ``rediss://...`` (TLS): one server,
  passed to redis-py as it is;
* ``redis+sentinel://[user:password@]h1:p1,h2:p2/<service>/<db>``: the master of
  ``<service>`` as the sentinels at ``h1:p1, h2:p2`` name it (the credentials are the
  data nodes'; the sentinels are asked without);
* ``redis+cluster://[user:password@]h1:p1,h2:p2``: a Redis Cluster found from these
  start-up nodes (database 0 only, as Cluster has no other).

:func:`parse_redis_url` turns the text into a :class:`RedisTarget` or raises
:class:`RedisUrlError` saying what is wrong (the password is never repeated).  No I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote, urlsplit

Kind = Literal["single", "sentinel", "cluster"]

SCHEMES: dict[str, Kind] = {"redis": "single", "rediss": "single",
                            "redis+sentinel": "sentinel", "redis+cluster": "cluster"}
DEFAULT_PORTS = {"single": 6379, "sentinel": 26379, "cluster": 6379}


class RedisUrlError(ValueError):
    """``redis_url`` cannot be used; the message says why (without the password)."""


@dataclass(frozen=True, slots=True)
class RedisTarget:
    """A parsed ``redis_url``.  ``url`` is the text for redis-py's ``from_url`` (one
    server only); ``nodes`` the (host, port) pairs to start from; ``service`` the
    Sentinel service name."""

    kind: Kind
    nodes: tuple[tuple[str, int], ...]
    db: int = 0
    service: str | None = None
    username: str | None = None
    password: str | None = None
    url: str = ""

    @property
    def is_cluster(self) -> bool:
        return self.kind == "cluster"


def redacted(url: str) -> str:
    """``url`` with any password replaced by ``***`` (for messages and logs)."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest.split("/", 1)[0]:
        return url
    credentials, _, after = rest.partition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{after}" if ":" in credentials else url


def is_cluster_url(url: str | None) -> bool:
    """Whether ``url`` names a Redis Cluster (cheap: the scheme only)."""
    return bool(url) and str(url).lower().startswith("redis+cluster://")


def parse_redis_url(url: str) -> RedisTarget:
    """The deployment ``url`` names; :class:`RedisUrlError` if it names none."""
    shown = redacted(url)
    scheme, sep, _ = url.partition("://")
    kind = SCHEMES.get(scheme.lower()) if sep else None
    if kind is None:
        raise RedisUrlError(f"{shown!r} must start with one of "
                            + ", ".join(f"{s}://" for s in SCHEMES))
    parts = urlsplit(url)
    location = parts.netloc.rpartition("@")
    credentials, hosts = location[0], location[2]
    username = password = None
    if credentials:
        user, colon, secret = credentials.partition(":")
        username = unquote(user) or None
        password = unquote(secret) if colon else None
    nodes = _nodes(hosts, DEFAULT_PORTS[kind], shown)
    path = [p for p in parts.path.split("/") if p]
    if kind == "single":
        if len(nodes) != 1:
            raise RedisUrlError(f"{shown!r} names {len(nodes)} hosts; a {scheme}:// URL names one "
                                "(use redis+sentinel:// or redis+cluster:// for several)")
        db = _db(path[0] if path else "0", shown)
        if len(path) > 1:
            raise RedisUrlError(f"{shown!r}: the path must be /<db>, got {parts.path!r}")
        return RedisTarget("single", nodes, db, None, username, password, url)
    if kind == "sentinel":
        if len(path) not in (1, 2):
            raise RedisUrlError(f"{shown!r}: a Sentinel URL ends in /<service>/<db>, "
                                f"e.g. redis+sentinel://s1:26379,s2:26379/changning/0")
        db = _db(path[1] if len(path) == 2 else "0", shown)
        return RedisTarget("sentinel", nodes, db, unquote(path[0]), username, password)
    if path and (len(path) > 1 or _db(path[0], shown) != 0):
        raise RedisUrlError(f"{shown!r}: a Cluster has database 0 only (no path, or /0)")
    return RedisTarget("cluster", nodes, 0, None, username, password)


def _nodes(hosts: str, default_port: int, shown: str) -> tuple[tuple[str, int], ...]:
    if not hosts:
        raise RedisUrlError(f"{shown!r} names no host")
    nodes = []
    for item in hosts.split(","):
        host, port = item, str(default_port)
        if item.startswith("["):  # [::1]:6379
            host, _, tail = item[1:].partition("]")
            port = tail[1:] if tail.startswith(":") else port
        elif item.count(":") == 1:
            host, port = item.split(":")
        if not host:
            raise RedisUrlError(f"{shown!r}: {item!r} has no host name")
        if not port.isdigit() or not 1 <= int(port) <= 65535:
            raise RedisUrlError(f"{shown!r}: {item!r} has no valid port (1-65535)")
        nodes.append((host, int(port)))
    return tuple(nodes)


def _db(text: str, shown: str) -> int:
    if not text.isdigit():
        raise RedisUrlError(f"{shown!r}: the database must be a number, got {text!r}")
    return int(text)
