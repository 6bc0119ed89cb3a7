"""The early-warning engine's fitted baselines kept in a file, so a restart does not refit
every series before it follows the log again.

* **Where**: ``detect_baselines_path`` when set; otherwise beside an embedded archive
  (``<history_path>.baselines``); an engine on a shared archive (``history_url``) keeps
  none unless the setting names a file (each engine its own); nowhere with
  ``detect_keep_baselines = false``.
* **What**: one msgpack document: a fingerprint and every series' :class:`Baseline`.  The
  fingerprint is the model's version, the history length fitted on and the working-day
  calendar's days: a file written under another model or calendar is not used (the
  series are refitted, as on a first start) — a baseline is only as good as the rules it
  was fitted by.
* **How**: written whole to a temporary file beside it, then renamed over it (a crash
  leaves the old file or the new one, never half of one); read back tolerantly: a missing,
  unreadable or foreign file is "nothing kept", logged, never an error that stops the
  engine.
* **Used**: :meth:`dashboard.detect_engine.Engine.learn` installs the kept baselines
  still fresh (fitted less than :data:`dashboard.detect.REFIT_MS` ago) of the series it
  learned from the archive, so only the others are fitted before the log is followed.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

import msgspec

from dashboard.baselines import MODEL, Baseline
from dashboard.config import Settings
from dashboard.workdays import Calendar

log = logging.getLogger("dashboard.detect")


class Kept(msgspec.Struct):
    fingerprint: str
    baselines: dict[str, Baseline]


def path_for(settings: Settings) -> Path | None:
    """The file the baselines are kept in (None: nowhere)."""
    if not settings.detect_keep_baselines:
        return None
    if settings.detect_baselines_path:
        return Path(settings.detect_baselines_path)
    if settings.history_path and not settings.history_url:
        return Path(f"{settings.history_path}.baselines")
    return None


def fingerprint(calendar: Calendar, history_ms: int) -> str:
    """What the baselines depend on besides the data: the model, the history, the calendar."""
    days = ",".join(sorted(d.isoformat() for d in calendar.holidays)) + "|" + ",".join(
        sorted(d.isoformat() for d in calendar.workdays))
    return f"{MODEL}|{history_ms}|" + hashlib.sha256(days.encode()).hexdigest()[:16]


def save(path: Path, print_: str, kept: dict[str, Baseline]) -> None:
    """Write every baseline (atomically: a temporary file renamed over the old one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(msgspec.msgpack.encode(Kept(print_, kept)))
    os.replace(tmp, path)


def load(path: Path, print_: str) -> dict[str, Baseline]:
    """The baselines kept in ``path`` under the same fingerprint; {} when none can be used."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        log.warning("detect: kept baselines %s cannot be read (%s); fitting anew", path, exc)
        return {}
    try:
        kept = msgspec.msgpack.decode(raw, type=Kept)
    except msgspec.DecodeError as exc:
        log.warning("detect: kept baselines %s are not readable (%s); fitting anew", path, exc)
        return {}
    if kept.fingerprint != print_:
        log.info("detect: kept baselines %s were fitted under another model or calendar; fitting anew", path)
        return {}
    return kept.baselines
