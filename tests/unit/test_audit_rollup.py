"""Repeated failures reach the audit trail as one entry per source and window with their
count, and nothing sent can make an instance write more than its bound (issue #12,
finding 3).  The entries land in the audit spool (Redis unreachable), read back here."""

from __future__ import annotations

from pathlib import Path

import orjson

from dashboard.audit import Auditor, count_of
from dashboard.audit_rollup import FailureRollup
from dashboard.bus import connect


def spooled(path: Path) -> list[dict[str, str]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()] if path.exists() else []


def auditor(tmp_path: Path) -> Auditor:
    return Auditor(connect("redis://127.0.0.1:1"), "cn:audit", tmp_path / "spool.jsonl", 100_000)


async def test_one_source_one_entry_at_once_and_one_with_the_count(tmp_path: Path) -> None:
    now = [0.0]
    rollup = FailureRollup(auditor(tmp_path), 60, 10, clock=lambda: now[0])
    for _ in range(300):
        await rollup.failure("wall.token", "?", "wall", outcome="failed", ip="10.0.0.1", target="wall:?")
    first = spooled(tmp_path / "spool.jsonl")
    assert len(first) == 1 and first[0]["count"] == "1"  # the first is written before it is answered
    now[0] = 59.0
    assert await rollup.close_due() == 0
    now[0] = 60.0
    assert await rollup.close_due() == 1
    entries = spooled(tmp_path / "spool.jsonl")
    assert len(entries) == 2 and sum(count_of(e) for e in entries) == 300
    assert entries[1]["detail_key"] == "audit.d.repeated" and entries[1]["ip"] == "10.0.0.1"
    await rollup.failure("wall.token", "?", "wall", outcome="failed", ip="10.0.0.1", target="wall:?")
    assert len(spooled(tmp_path / "spool.jsonl")) == 3  # a new window: written at once again


async def test_many_sources_cannot_write_more_than_the_bound(tmp_path: Path) -> None:
    now = [0.0]
    rollup = FailureRollup(auditor(tmp_path), 60, 50, clock=lambda: now[0])
    for n in range(5000):
        await rollup.failure("login", f"name-{n}", "", outcome="failed", ip=f"10.1.{n // 250}.{n % 250}",
                             target=f"user:name-{n}")
        assert len(rollup) <= 51  # bounded memory: max_sources plus one overflow window
    await rollup.close_due(everything=True)
    entries = spooled(tmp_path / "spool.jsonl")
    assert len(entries) == 51 and sum(count_of(e) for e in entries) == 5000
    overflow = entries[-1]
    assert overflow["detail_key"] == "audit.d.overflow" and overflow["ip"] == "*"
    assert overflow["count"] == "4950"
    assert len(rollup) == 0
