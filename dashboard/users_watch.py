"""Tell the users store when its file changes (watchfiles: inotify on Linux), so a
password change, a disable or a revoked wall token reaches every open ``/live``
connection within a beat without a ``stat`` of the file for every frame of every client.

The file is replaced atomically (written beside it, then renamed), so the watch is on its
directory, for its name.  If the watch cannot run (no inotify, a file system that sends
nothing) the store's ``recheck_s`` still looks at the file once a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

import watchfiles

from dashboard.auth import UserStore

log = logging.getLogger(__name__)


class UsersWatch:
    """A task that calls ``store.changed()`` on every change of the users file."""

    def __init__(self, store: UserStore) -> None:
        self.store = store
        self.notices = 0
        self.running = False
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._watch(), name="users-watch")

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _watch(self) -> None:
        folder, name = self.store.path.parent, self.store.path.name
        folder.mkdir(parents=True, exist_ok=True)
        try:
            self.running = True
            async for _ in watchfiles.awatch(folder, watch_filter=lambda _c, path: Path(path).name == name,
                                             debounce=50, step=20, stop_event=self._stop,
                                             recursive=False):
                self.notices += 1
                self.store.changed()
        except (OSError, RuntimeError) as exc:  # no inotify here: the once-a-second look stays
            log.warning("users file %s is not watched (%s); it is looked at once a second",
                        self.store.path, exc)
        finally:
            self.running = False
