"""Reading the history archive from an instance: where it may be read, and why not.

A DuckDB archive file has one process that may open it (the instance that archives), so
analytics run in the archiver's own thread with its open archive
(:meth:`dashboard.archiver.Archiver.read`); with PostgreSQL the lease holder reads.  An
instance without an archive, or not holding the lease, cannot answer: :class:`Unavailable`
says why (the routes answer 503 with it).  Used by the perception and alarm-load routes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dashboard.history import Archive, ArchiveError

if TYPE_CHECKING:
    from dashboard.archiver import Archiver


class Unavailable(RuntimeError):
    """No archive can be read here; the message says why (answered 503)."""


async def read(archiver: Archiver | None, fn: Callable[[Archive], Any]) -> Any:
    """``fn(archive)`` in the archiver's thread; :class:`Unavailable` when it cannot run."""
    if archiver is None:
        raise Unavailable("no history archive is configured (history_path / history_url)")
    try:
        result = await archiver.read(fn)
    except ArchiveError as exc:
        raise Unavailable(f"the archive cannot be read: {exc}") from None
    if result is None:
        raise Unavailable("this instance does not hold the archive now (the archiver's lease); "
                          "ask the one that archives")
    return result
