"""Redis stream entry ids (``"<ms>-<seq>"``): parsing and ordering in one place.  No I/O."""

from __future__ import annotations

ZERO = "0-0"


def parse(entry_id: str) -> tuple[int, int]:
    """``"1700000000000-3"`` → ``(1700000000000, 3)``; a bare ``"<ms>"`` has sequence 0.
    ValueError for anything else."""
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


def entry_ms(entry_id: str) -> int:
    """The millisecond time part of an entry id."""
    return parse(entry_id)[0]


def is_after(entry_id: str, other: str) -> bool:
    """True when ``entry_id`` comes later in the stream than ``other``."""
    return parse(entry_id) > parse(other)
