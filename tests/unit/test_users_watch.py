"""The users file is looked at when its watch says it changed (and once a second as a
safety net), not on every call: a thousand /live clients' frames cost no system call each."""

from __future__ import annotations

import asyncio
from pathlib import Path

from dashboard.auth import UserStore
from dashboard.users_watch import UsersWatch


def fresh_store(tmp_path: Path) -> Path:
    path = tmp_path / "users.json"
    cli = UserStore(path)
    cli.create()
    cli.add_user("li.wei", "officer", "a-long-password-1")
    return path


def test_without_a_notice_the_file_is_looked_at_once_per_recheck(tmp_path: Path) -> None:
    """``watched`` (the /live checks) looks once per ``recheck_s`` or notice; ``current``
    (HTTP requests) every time."""
    now = [100.0]
    store = UserStore(fresh_store(tmp_path), recheck_s=1.0, clock=lambda: now[0])
    for _ in range(10_000):
        store.watched()
    assert store.looks == 1
    now[0] += 1.5
    store.watched()
    assert store.looks == 2
    store.changed()
    store.watched()
    assert store.looks == 3
    store.current()
    store.current()
    assert store.looks == 5


async def test_a_change_by_the_cli_is_seen_at_once_through_the_watch(tmp_path: Path) -> None:
    path = fresh_store(tmp_path)
    store = UserStore(path, recheck_s=3600)  # only the watch can make it look again
    watch = UsersWatch(store)
    watch.start()
    try:
        assert "li.wei" in store.watched().users
        deadline = asyncio.get_running_loop().time() + 5
        while not watch.running:
            assert asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)  # the watch is set up on the directory
        UserStore(path).set_disabled("li.wei")  # the CLI, another store on the same file
        while not store.watched().users["li.wei"].get("disabled"):
            assert asyncio.get_running_loop().time() < deadline + 5, "the change was not noticed"
            await asyncio.sleep(0.02)
        assert watch.notices >= 1
    finally:
        await watch.stop()
