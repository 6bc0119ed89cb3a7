"""Appending events to a Redis log (``cn:events``, field ``event``), as any producer does."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson
import redis

LOG_KEY = "cn:events"


def encoded(event: Mapping[str, Any] | bytes) -> bytes:
    """An envelope as the JSON bytes a producer writes (bytes are taken as they are)."""
    return event if isinstance(event, bytes) else orjson.dumps(event)


def xadd(client: redis.Redis, event: Mapping[str, Any] | bytes, key: str = LOG_KEY) -> str:
    """XADD one event; its log entry id."""
    entry_id = client.xadd(key, {"event": encoded(event)})
    return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)


def xadd_all(client: redis.Redis, events: Iterable[Mapping[str, Any] | bytes], key: str = LOG_KEY,
             chunk: int = 1_000) -> int:
    """XADD every event in order, ``chunk`` per pipelined round trip; how many were added."""
    pipe = client.pipeline(transaction=False)
    count = 0
    for count, event in enumerate(events, start=1):
        pipe.xadd(key, {"event": encoded(event)})
        if count % chunk == 0:
            pipe.execute()
    pipe.execute()
    return count


def last_entry_id(client: redis.Redis, key: str = LOG_KEY) -> str:
    """The id of the newest entry ever added to the log (``0-0`` for none)."""
    info = client.xinfo_stream(key)
    last = info["last-generated-id"]
    return last.decode() if isinstance(last, bytes) else str(last)
