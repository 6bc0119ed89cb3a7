"""The audit trail (调阅留痕): who did or saw what, when, from where, in ``cn:audit``.

An entry is written to the append-only Redis stream before the act it records is
answered.  When Redis cannot take it, the entry goes to a bounded local spool (a JSON
lines file, so it outlives a restart) and is flushed, in order, once Redis is back; the
admin health page shows the spool.  Only when the spool is full is an entry refused:
:meth:`Auditor.record` then returns False and the caller must not go on with an act
that has to be audited (a reveal is refused, not done unrecorded).

The CLI, which changes users without a server, writes its entries to the same spool.

``detail`` is English text for any reader of the stream (the CSV export, a SIEM).  An
entry whose detail the system wrote (not an officer's note or reason) also carries it as
``detail_key`` (a message of dashboard/i18n.py) and ``detail_values`` (JSON), so the admin
page shows it in the reader's language.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections import deque
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson
from redis.exceptions import RedisError

from dashboard.i18n import message

log = logging.getLogger("dashboard.audit")
FIELDS = ("ts", "who", "role", "action", "target", "detail", "outcome", "ip", "instance",
          "detail_key", "detail_values", "count")
AUDIT_MAX_LEN = 5_000_000  # entries kept in the stream (approximate trim; docs/security.md)


def entry(action: str, who: str, role: str, *, target: str = "", detail: str = "",
          detail_key: str = "", detail_values: Mapping[str, Any] | None = None,
          outcome: str = "ok", ip: str = "", ts_ms: int | None = None,
          count: int | None = None) -> dict[str, str]:
    """One audit entry, every field a string (as the stream stores it).  With
    ``detail_key``, ``detail`` defaults to that message in English.  ``count``: how many
    acts the entry stands for (repeated failures, dashboard/audit_rollup.py); absent: one."""
    item = {"ts": str(ts_ms if ts_ms is not None else int(time.time() * 1000)), "who": who,
            "role": role, "action": action, "target": target,
            "detail": (detail or (message(detail_key, detail_values, "en") if detail_key else ""))[:500],
            "outcome": outcome, "ip": ip, "instance": f"{os.uname().nodename}:{os.getpid()}"}
    if detail_key:
        item["detail_key"] = detail_key
        item["detail_values"] = orjson.dumps(dict(detail_values or {}), default=str).decode()
    if count is not None:
        item["count"] = str(count)
    return item


def count_of(item: Mapping[str, str]) -> int:
    """How many acts an entry stands for (1 unless it says)."""
    raw = item.get("count", "")
    return int(raw) if raw.isdigit() else 1


def detail_of(item: Mapping[str, str]) -> tuple[str, dict[str, Any]] | None:
    """An entry's ``(detail_key, values)``, or None when its detail is free text."""
    key = item.get("detail_key")
    if not key:
        return None
    try:
        values = orjson.loads(item.get("detail_values") or "{}")
    except orjson.JSONDecodeError:
        return None
    return (key, values) if isinstance(values, dict) else None


def spool_append(path: str | Path, records: Iterable[dict[str, str]], limit: int) -> int:
    """Append ``records`` to the spool file; how many it took (it stops at ``limit`` lines)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = _count_lines(path)
    taken = 0
    with path.open("ab") as out:
        for record in records:
            if count + taken >= limit:
                break
            out.write(orjson.dumps(record) + b"\n")
            taken += 1
        out.flush()
        os.fsync(out.fileno())
    return taken


def _count_lines(path: Path) -> int:
    try:
        with path.open("rb") as f:
            return sum(1 for _ in f)
    except FileNotFoundError:
        return 0


class Auditor:
    """Writes audit entries for one instance (see the module doc)."""

    def __init__(self, redis: Any, key: str, spool_path: str | Path, spool_max: int,
                 metrics: Any = None) -> None:
        self.redis = redis
        self.key = key
        self.spool_path = Path(spool_path)
        self.spool_max = spool_max
        self.metrics = metrics
        self.spooled = _count_lines(self.spool_path)
        self.refused = 0
        self.written = 0
        self.last_error: str | None = None
        self.recent_failures: deque[dict[str, str]] = deque(maxlen=200)
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    async def record(self, action: str, who: str, role: str, **fields: Any) -> bool:
        """Write one entry; False only when neither Redis nor the spool could take it."""
        item = entry(action, who, role, **fields)
        if item["outcome"] != "ok":
            self.recent_failures.append(item)
        async with self._lock:
            if not self.spooled:
                try:
                    await asyncio.wait_for(self._xadd(item), 2.0)
                    return True
                except (RedisError, OSError, TimeoutError) as exc:
                    self.last_error = f"{type(exc).__name__}: {exc}"
            # keep the order: once something waits in the spool, new entries queue behind it
            taken = await asyncio.to_thread(spool_append, self.spool_path, [item], self.spool_max)
            if taken:
                self.spooled += 1
                self._count("spooled")
                return True
            self.refused += 1
            self._count("refused")
            log.error("audit entry refused: spool %s is full (%d entries)", self.spool_path,
                      self.spool_max)
            return False

    async def _xadd(self, item: dict[str, str]) -> None:
        await self.redis.xadd(self.key, item, maxlen=AUDIT_MAX_LEN, approximate=True)
        self.written += 1
        self._count("written")

    def _count(self, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.audit.labels(outcome).inc()

    # ---- the spool
    def start(self) -> None:
        self._task = asyncio.create_task(self._flush_loop(), name="audit-spool")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            with contextlib.suppress(RedisError, OSError, TimeoutError):
                await self.flush()

    async def flush(self) -> int:
        """Move what waits in the spool (CLI entries too) to the stream, oldest first."""
        async with self._lock:
            if not self.spool_path.exists():
                self.spooled = 0
                return 0
            lines = self.spool_path.read_bytes().splitlines()
            moved = 0
            try:
                for line in lines:
                    with contextlib.suppress(orjson.JSONDecodeError):
                        await asyncio.wait_for(self._xadd(orjson.loads(line)), 2.0)
                    moved += 1
            finally:
                rest = lines[moved:]
                if rest:
                    self.spool_path.write_bytes(b"\n".join(rest) + b"\n")
                else:
                    self.spool_path.unlink(missing_ok=True)
                self.spooled = len(rest)
            if moved:
                self.last_error = None
            return moved

    def health(self) -> dict[str, Any]:
        return {"spooled": self.spooled, "spool_max": self.spool_max, "refused": self.refused,
                "written": self.written, "last_error": self.last_error,
                "spool_path": str(self.spool_path)}


async def query(redis: Any, key: str, *, count: int = 2000, who: str = "", action: str = "",
                target: str = "", outcomes: Iterable[str] = (), since_ms: int | None = None,
                until_ms: int | None = None) -> list[dict[str, str]]:
    """Newest first, up to ``count`` entries matching every filter given (substring match
    for who/action/target; ``outcomes``: one of these outcomes exactly)."""
    wanted = frozenset(outcomes)
    start = str(until_ms) if until_ms else "+"
    end = str(since_ms) if since_ms else "-"
    out: list[dict[str, str]] = []
    last = start
    while len(out) < count:
        batch = await redis.xrevrange(key, max=last, min=end, count=1000)
        if not batch:
            break
        for entry_id, raw in batch:
            item = {k.decode(): v.decode() for k, v in raw.items()}
            item["id"] = entry_id.decode()
            if who and who.lower() not in item.get("who", "").lower():
                continue
            if action and action.lower() not in item.get("action", "").lower():
                continue
            if target and target.lower() not in item.get("target", "").lower():
                continue
            if wanted and item.get("outcome") not in wanted:
                continue
            out.append(item)
            if len(out) >= count:
                break
        last = "(" + batch[-1][0].decode()
        if len(batch) < 1000:
            break
    return out
