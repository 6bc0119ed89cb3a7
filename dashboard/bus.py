"""Everything that talks to Redis: the event log, the pub/sub bridge, dead letters,
snapshots and the audit stream.

Delivery guarantees, honestly:

* The log (a Stream, ``<prefix>events``) is the truth.  An entry that XADD acknowledged
  is read by every instance, in order, exactly once per instance (each instance keeps
  the id of the last entry it applied and reads strictly after it).
* Pub/sub (``<prefix>pub:*``) is at-most-once, as Redis pub/sub is: a message published
  while no dashboard instance is subscribed is lost.  A message that at least one
  instance receives is appended to the log exactly once, however many instances
  receive it: the append is a Lua script guarded by ``SET NX`` on the event's ``id``
  (or on a hash of the bytes when there is no id) for ``dedup_ttl_s``.
* Dead letters are written with the log entry's own id, so several instances reading
  the same bad entry leave one dead letter (a second XADD with that id is refused).
"""

from __future__ import annotations

import hashlib
import time
import zlib
from typing import Any

import msgspec
import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from dashboard.config import RedisKeys, Settings
from dashboard.eventlog import Entry  # noqa: F401  (re-exported: (entry id, raw bytes))

_BRIDGE = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', tonumber(ARGV[2])) then
  return redis.call('XADD', KEYS[2], '*', 'event', ARGV[1])
end
return false
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


def connect(url: str, max_connections: int = 64) -> aioredis.Redis:
    """An asyncio Redis client (hiredis parser when installed), bytes in and out.

    The pool is bounded and *blocking*: in a burst a command waits (up to 5 s) for a free
    connection instead of failing at once, as redis-py's default pool does when it is full
    (MaxConnectionsError at 100).  The blocking log reader and the pub/sub bridge hold one
    connection each."""
    pool = aioredis.BlockingConnectionPool.from_url(
        url, max_connections=max_connections, timeout=5, decode_responses=False,
        health_check_interval=10, socket_connect_timeout=2, retry_on_timeout=False,
    )
    return aioredis.Redis.from_pool(pool)  # closing the client closes the pool


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

    def __init__(self, client: aioredis.Redis, settings: Settings) -> None:
        self.redis = client
        self.settings = settings
        self.keys: RedisKeys = settings.keys
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
        """Entries strictly after ``after``; blocks up to ``block_ms`` when there are none."""
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
        ids, or None), in one pipelined round trip on one connection, in the order given.
        Safe to repeat after a failure: what was appended is not appended again."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for raw in raws:
                await self._bridge(keys=[self.keys.seen(idempotency_key(raw)), self.keys.log],
                                   args=[raw, self.settings.dedup_ttl_s], client=pipe)
            results: list[Any] = await pipe.execute()
        return [_text(result) if result else None for result in results]

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
