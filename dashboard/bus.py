"""Everything that talks to Redis: the event log, the pub/sub bridge, dead letters,
snapshots and the audit stream.  Clients are built by :mod:`dashboard.redis_clients`
(one server, Sentinel or Cluster, by ``redis_url``); this module works with any of them.

Delivery guarantees, honestly:

* The log (a Stream, ``<prefix>events``) is the truth.  An entry that XADD acknowledged
  is read by every instance, in order, exactly once per instance (each instance keeps
  the id of the last entry it applied and reads strictly after it).
* Pub/sub (``<prefix>pub:*``) is at-most-once, as Redis pub/sub is: a message published
  while no dashboard instance is subscribed is lost.  A message that at least one
  instance receives is appended to the log exactly once, however many instances
  receive it: the append is a Lua script guarded by ``SET NX`` on the event's ``id``
  (or on a hash of the bytes when there is no id) for ``dedup_ttl_s``.  One script call
  bridges a whole batch, never inside a client pipeline (a Cluster client refuses
  EVALSHA there), and all its keys share the prefix's hash tag on a Cluster.
* On a Cluster the bridge subscribes with PSUBSCRIBE on one node: a Cluster forwards
  every classic PUBLISH to all its nodes over the cluster bus, so one node hears every
  producer channel whichever node the producer published on.  (Sharded pub/sub,
  SSUBSCRIBE, needs Redis 7 and has no patterns; producers would have to SPUBLISH.)
* Dead letters are written with the log entry's own id, so several instances reading
  the same bad entry leave one dead letter (a second XADD with that id is refused).  A
  published message that Redis keeps refusing to log is dead-lettered too, once per
  idempotency key (:meth:`Bus.dead_letter_published`).
"""

from __future__ import annotations

import contextlib
import hashlib
import time
import zlib
from typing import Any

import msgspec
from redis.exceptions import ResponseError

from dashboard.config import RedisKeys, Settings
from dashboard.eventlog import Entry  # noqa: F401  (re-exported: (entry id, raw bytes))
from dashboard.redis_clients import ClientOptions, RedisClient, blocking_read_ms
from dashboard.redis_clients import connect as connect_client

BRIDGE_CHUNK = 100  # published messages per script call

# KEYS[1] the log, KEYS[i] (i > 1) the idempotency key of ARGV[i]; ARGV[1] the TTL.
# Each message is appended unless its key was set already: the new id, or 0.
_BRIDGE = """
local ttl, out = tonumber(ARGV[1]), {}
for i = 2, #KEYS do
  if redis.call('SET', KEYS[i], '1', 'NX', 'EX', ttl) then
    out[i - 1] = redis.call('XADD', KEYS[1], '*', 'event', ARGV[i])
  else
    out[i - 1] = 0
  end
end
return out
"""

# Keep the snapshot with the newest log id: a slower instance never overwrites a newer one.
_SNAPSHOT = """
local old = redis.call('HGET', KEYS[1], 'id')
if old then
  local oms, oseq = string.match(old, '(%d+)-(%d+)')
  local nms, nseq = string.match(ARGV[1], '(%d+)-(%d+)')
  if tonumber(nms) < tonumber(oms) or (nms == oms and tonumber(nseq) <= tonumber(oseq)) then
    return 0
  end
end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'state', ARGV[2], 'format', ARGV[3], 'at', ARGV[4])
return 1
"""


def _text(value: Any) -> str:
    """A Redis reply (bytes: the client does not decode) as text."""
    return value.decode() if isinstance(value, bytes) else str(value)


def connect(url: str, max_connections: int = 64) -> RedisClient:
    """A client of the deployment ``url`` names, with this pool size and the default
    timeouts (:func:`dashboard.redis_clients.connect`; :func:`connect_for` takes them from
    the settings)."""
    return connect_client(url, ClientOptions(max_connections=max_connections))


def connect_for(settings: Settings, url: str | None = None) -> RedisClient:
    """The client of ``settings`` (``url`` instead of ``settings.redis_url`` when given):
    pool size and timeouts from ``redis_max_connections``, ``redis_socket_timeout_s``,
    ``redis_connect_timeout_s``."""
    target = url or settings.redis_url
    if not target:
        raise ValueError("no Redis URL: set redis_url (CN_REDIS_URL)")
    return connect_client(target, ClientOptions.of(settings))


def idempotency_key(raw: bytes) -> str:
    """The event's ``id`` when it has a usable one, else a hash of the bytes."""
    try:
        obj = msgspec.json.decode(raw)
        if isinstance(obj, dict) and isinstance(obj.get("id"), str | int) and obj["id"] != "":
            return f"id:{obj['id']}"
    except msgspec.DecodeError:
        pass
    return "sha1:" + hashlib.sha1(raw).hexdigest()


class Bus:
    """The Redis side of one dashboard instance.  Methods raise redis ConnectionError when
    Redis is away; callers decide whether to retry."""

    def __init__(self, client: RedisClient, settings: Settings) -> None:
        self.redis = client
        self.settings = settings
        self.keys: RedisKeys = settings.keys
        self._options = ClientOptions.of(settings)
        self._bridge = client.register_script(_BRIDGE)
        self._snapshot = client.register_script(_SNAPSHOT)

    # ---- the log
    async def append(self, raw: bytes) -> str:
        """XADD one event to the log; returns the entry id."""
        entry_id: Any = await self.redis.xadd(self.keys.log, {"event": raw})
        return _text(entry_id)

    async def append_many(self, raws: list[bytes]) -> list[str]:
        async with self.redis.pipeline(transaction=False) as pipe:
            for raw in raws:
                pipe.xadd(self.keys.log, {"event": raw})
            ids: list[Any] = await pipe.execute()
        return [_text(i) for i in ids]

    async def read(self, after: str, count: int, block_ms: int | None) -> list[Entry]:
        """Entries strictly after ``after``; blocks up to ``block_ms`` when there are none
        (at most half the socket timeout: a wait is never taken for a dead server)."""
        if block_ms:
            block_ms = blocking_read_ms(self._options, block_ms)
        reply: Any = await self.redis.xread({self.keys.log: after}, count=count, block=block_ms)
        if not reply:
            return []
        return [(_text(eid), fields.get(b"event")) for eid, fields in reply[0][1]]

    async def read_range(self, after: str, count: int) -> list[Entry]:
        """Non-blocking variant of :meth:`read` (XRANGE, exclusive start)."""
        reply: Any = await self.redis.xrange(self.keys.log, min=f"({after}", count=count)
        return [(_text(eid), fields.get(b"event")) for eid, fields in reply]

    async def log_head_id(self) -> str | None:
        """The id of the oldest entry still in the log (None when the log is empty)."""
        reply: Any = await self.redis.xrange(self.keys.log, min="-", max="+", count=1)
        return _text(reply[0][0]) if reply else None

    async def log_tail_id(self) -> str:
        info: Any = await self.redis.xinfo_stream(self.keys.log)
        return _text(info.get("last-generated-id") or info.get(b"last-generated-id") or b"0-0")

    async def log_length(self) -> int:
        return int(await self.redis.xlen(self.keys.log))

    async def trim_before(self, entry_id: str) -> int:
        """Drop log entries older than ``entry_id`` (approximately, cheaply)."""
        return int(await self.redis.xtrim(self.keys.log, minid=entry_id, approximate=True))

    # ---- pub/sub
    async def bridge_many(self, raws: list[bytes]) -> list[str | None]:
        """Append pub/sub messages to the log, each unless an instance already did (the new
        ids, or None), in the order given: one script call per :data:`BRIDGE_CHUNK`
        messages, outside any pipeline.  Safe to repeat after a failure: what was appended
        is not appended again."""
        out: list[str | None] = []
        ttl = self.settings.dedup_ttl_s
        for start in range(0, len(raws), BRIDGE_CHUNK):
            chunk = raws[start:start + BRIDGE_CHUNK]
            keys = [self.keys.log, *(self.keys.seen(idempotency_key(raw)) for raw in chunk)]
            results: Any = await self._bridge(keys=keys, args=[ttl, *chunk])
            out += [_text(result) if result else None for result in results]
        return out

    async def publish(self, channel: str, raw: bytes) -> int:
        """PUBLISH on a producer channel (as a producer would); how many received it."""
        return int(await self.redis.publish(self.keys.pub(channel), raw))

    async def subscribe(self) -> RedisSubscription:
        """PSUBSCRIBE to every producer channel (``<prefix>pub:*``)."""
        pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.psubscribe(self.keys.pub_pattern)
        except BaseException:
            await pubsub.aclose()
            raise
        return RedisSubscription(pubsub)

    # ---- dead letters
    async def dead_letter(self, entry_id: str, raw: bytes | None, reason: str) -> bool:
        """Record a bad log entry once (keyed by its log id); False if already recorded."""
        try:
            await self.redis.xadd(
                self.keys.dead,
                {"entry": entry_id, "reason": reason, "raw": raw or b"",
                 "at": str(int(time.time() * 1000))},
                id=entry_id, maxlen=100_000, approximate=True,
            )
        except ResponseError as exc:
            if "equal or smaller" in str(exc):
                return False
            raise
        return True

    async def dead_letter_published(self, raw: bytes, reason: str) -> bool:
        """Record a published message that could not be logged (no log entry id), once per
        idempotency key for ``dedup_ttl_s`` however many instances give up on it; False
        if it was recorded already."""
        key = self.keys.seen("dead:" + idempotency_key(raw))
        if not await self.redis.set(key, b"1", nx=True, ex=self.settings.dedup_ttl_s):
            return False
        try:
            await self.redis.xadd(
                self.keys.dead,
                {"entry": "", "source": "pubsub", "reason": reason, "raw": raw,
                 "at": str(int(time.time() * 1000))},
                maxlen=100_000, approximate=True,
            )
        except BaseException:
            with contextlib.suppress(Exception):  # not recorded: let the next try record it
                await self.redis.delete(key)
            raise
        return True

    # ---- snapshots
    async def save_snapshot(self, last_id: str, blob: bytes) -> bool:
        """Store a snapshot (``json+zlib``, dashboard/snapshots.py) unless a newer one is
        there already."""
        stored = await self._snapshot(
            keys=[self.keys.snapshot],
            args=[last_id, blob, "json+zlib", str(int(time.time() * 1000))],
        )
        return bool(stored)

    async def load_snapshot(self) -> tuple[str, bytes] | None:
        """(last id included, state JSON) of the newest snapshot, or None."""
        fields: Any = await self.redis.hgetall(self.keys.snapshot)
        if not fields or b"state" not in fields:
            return None
        if fields.get(b"format", b"json+zlib") != b"json+zlib":
            return None
        return fields[b"id"].decode(), zlib.decompress(fields[b"state"])

    # ---- audit
    async def audit(self, record: dict[str, Any]) -> str:
        """Append one record to the append-only audit stream."""
        flat: dict[Any, Any] = {k: (v if isinstance(v, str | bytes) else msgspec.json.encode(v))
                                for k, v in record.items()}
        entry_id: Any = await self.redis.xadd(self.keys.audit, flat)
        return _text(entry_id)


class RedisSubscription:
    """A pub/sub subscription of the bridge (at most once, as Redis pub/sub is)."""

    def __init__(self, pubsub: Any) -> None:
        self.pubsub = pubsub

    async def batch(self, timeout: float, limit: int) -> list[bytes]:
        message = await self.pubsub.get_message(timeout=timeout)
        if message is None:
            return []
        batch = [message]
        while len(batch) < limit:  # drain what is already here, bridge it at once
            more = await self.pubsub.get_message(timeout=0)
            if more is None:
                break
            batch.append(more)
        return [m["data"] for m in batch if m.get("type") == "pmessage"]

    async def aclose(self) -> None:
        await self.pubsub.aclose()
