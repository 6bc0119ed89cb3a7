"""Which history archive the settings name, and how to open it.

``history_url`` (``postgresql://…``) wins: several instances share that database.  Else
``history_path`` names an embedded DuckDB file, for one instance only (DuckDB lets one
process write a file; a second instance pointed at the same file would find it locked
and keep retrying).  With neither there is no archive.
"""

from __future__ import annotations

from collections.abc import Callable

from dashboard.config import Settings
from dashboard.history import Archive


def archive_where(settings: Settings) -> str | None:
    """The archive as /healthz names it (no password), or None when there is none."""
    if settings.history_url:
        return "postgresql " + settings.history_url.split("@")[-1]
    if settings.history_path:
        return f"duckdb {settings.history_path}"
    return None


def archive_opener(settings: Settings) -> Callable[[], Archive] | None:
    """A function that opens (and creates, the first time) the archive; None when there is
    none.  Opening raises :class:`dashboard.history.ArchiveError` when the engine is away."""
    url, path = settings.history_url, settings.history_path
    if url:
        def open_postgres() -> Archive:
            from dashboard.history_postgres import PostgresArchive

            return PostgresArchive(url)
        return open_postgres
    if path:
        def open_duckdb() -> Archive:
            from dashboard.history_duckdb import DuckDBArchive

            return DuckDBArchive(path)
        return open_duckdb
    return None


def open_archive(settings: Settings) -> Archive:
    """The settings' archive, open (for the CLI's backfill and the benchmarks)."""
    opener = archive_opener(settings)
    if opener is None:
        raise ValueError("no history archive: set history_path or history_url")
    return opener()
