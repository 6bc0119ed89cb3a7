"""Sign-in and wall tokens under attack, against real dashboard processes on a real Redis
(issue #12, findings 2, 3 and 9): parallel guesses stop at the ceiling, an account
cannot be locked by its name alone and an admin lifts a lock, bad wall tokens are
throttled per address without locking its sign-in, and floods of failures reach the
audit trail as a few entries with their counts.

Other client addresses are real: the tests bind their sockets to 127.0.0.x."""

from __future__ import annotations

import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import redis

from dashboard.audit import count_of
from support.processes import PASSWORDS, ROOT, DashboardProcess


def client_from(dashboard: DashboardProcess, address: str = "127.0.0.1") -> httpx.Client:
    """An HTTP client whose connections come from ``address`` (with the sign-in form's cookie)."""
    client = httpx.Client(base_url=dashboard.url, timeout=60, follow_redirects=False,
                          transport=httpx.HTTPTransport(local_address=address))
    client.get("/login")
    return client


def sign_in(client: httpx.Client, user: str, password: str) -> int:
    return client.post("/login", data={"user": user, "password": password, "next": "/",
                                       "csrf": client.cookies["_csrf_token"]}).status_code


def all_at_once(calls: list[Callable[[], int]]) -> list[int]:
    """Run the calls in as many threads, released together."""
    start = threading.Barrier(len(calls))

    def run(call: Callable[[], int]) -> int:
        start.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def audit_of(client: redis.Redis, action: str) -> list[dict[str, str]]:
    return [{k.decode(): v.decode() for k, v in raw.items()} for _, raw in client.xrange("cn:audit")
            if raw.get(b"action") == action.encode()]


def test_thirty_parallel_guesses_cannot_pass_the_lock(dashboards: Any) -> None:
    """With the ceilings at 5, thirty sign-ins at once (29 wrong, the right one among them)
    check at most 5 passwords: the others are refused unchecked (429)."""
    dashboard = dashboards(CN_LOGIN_MAX_FAILURES=5, CN_LOGIN_ADDRESS_MAX_FAILURES=5)
    clients = [client_from(dashboard) for _ in range(30)]
    passwords = ["wrong-password"] * 29 + [PASSWORDS["officer"]]
    statuses = all_at_once([lambda c=c, p=p: sign_in(c, "officer", p)
                            for c, p in zip(clients, passwords, strict=True)])
    checked = [s for s in statuses if s in (401, 303)]
    assert len(checked) <= 5 and statuses.count(429) >= 25, statuses
    if 303 not in statuses:  # the right one came too late: locked, right password or not
        assert sign_in(clients[-1], "officer", PASSWORDS["officer"]) == 429


def test_parallel_guesses_at_many_accounts_stop_at_the_address_ceiling(dashboards: Any) -> None:
    """Thirty accounts tried at once from one address: the address's ceiling (5) holds,
    though every account is below its own."""
    dashboard = dashboards(CN_LOGIN_ADDRESS_MAX_FAILURES=5)
    clients = [client_from(dashboard) for _ in range(30)]
    statuses = all_at_once([lambda c=c, n=n: sign_in(c, f"account-{n}", "wrong-password")
                            for n, c in enumerate(clients)])
    assert statuses.count(401) == 5 and statuses.count(429) == 25, statuses


def test_an_account_cannot_be_locked_by_its_name_and_an_admin_unlocks(dashboards: Any) -> None:
    """Guesses at ``admin`` lock it at the guessing address only; from elsewhere the admin
    still signs in (slowed while the account is under attack); `users unlock` lifts the lock."""
    dashboard = dashboards(CN_LOGIN_MAX_FAILURES=3, CN_LOGIN_ACCOUNT_SLOW_AFTER=4)
    attacker, other, admin = (client_from(dashboard, f"127.0.0.{n}") for n in (2, 3, 4))
    assert [sign_in(attacker, "admin", "wrong-password") for _ in range(4)] == [401, 401, 401, 429]
    assert [sign_in(other, "admin", "wrong-password") for _ in range(2)] == [401, 401]
    started = time.monotonic()
    assert sign_in(admin, "admin", PASSWORDS["admin"]) == 303  # five failures: slowed, not locked
    assert time.monotonic() - started >= 0.25  # a lower bound: waited before the check
    assert dashboard.metric("cn_logins_total") >= 1 and "slowed" in httpx.get(f"{dashboard.url}/metrics").text
    assert sign_in(attacker, "admin", PASSWORDS["admin"]) == 429  # still locked there
    unlock = subprocess.run([sys.executable, "-m", "dashboard", "users", "--file", str(dashboard.users_file),
                             "unlock", "admin", "--address", "127.0.0.2"], cwd=ROOT, env=dashboard.env,
                            capture_output=True, text=True, timeout=60)
    assert unlock.returncode == 0 and "unlocked admin at 127.0.0.2" in unlock.stdout, unlock.stderr
    assert sign_in(attacker, "admin", PASSWORDS["admin"]) == 303


def test_bad_wall_tokens_are_throttled_and_audited_as_a_few_entries(
    dashboards: Any, rclient: redis.Redis
) -> None:
    """300 made-up wall tokens from one address: at most the ceiling (10) are checked, the
    rest refused unchecked; the audit trail gets a few entries whose counts add up to 300;
    the address's password sign-in is not locked by them."""
    dashboard = dashboards(CN_WALL_TOKEN_MAX_FAILURES=10, CN_AUDIT_ROLLUP_S=120)
    kiosk = httpx.Client(base_url=dashboard.url, timeout=60, follow_redirects=False)

    def bad_token() -> int:
        return kiosk.get(f"/?token=cnw.{secrets.token_hex(4)}.x").status_code

    with ThreadPoolExecutor(20) as pool:
        statuses = list(pool.map(lambda _: bad_token(), range(300)))
    assert statuses.count(401) <= 10 and statuses.count(401) + statuses.count(429) == 300, statuses
    assert len(audit_of(rclient, "wall.token")) == 2  # the first of each source: failed, locked
    officer = client_from(dashboard)
    assert sign_in(officer, "officer", PASSWORDS["officer"]) == 303
    dashboard.stop()  # the open windows are written on the way out
    entries = audit_of(rclient, "wall.token")
    assert len(entries) == 4 and sum(map(count_of, entries)) == 300, entries
    assert {e["outcome"] for e in entries} == {"failed", "locked"}
    assert all(e["ip"] == "127.0.0.1" for e in entries)


def test_locked_sign_ins_are_audited_as_one_entry_per_source_and_window(
    dashboards: Any, rclient: redis.Redis
) -> None:
    """40 wrong passwords from one address for one account, the window still open: two
    entries so far (the first failure, the first lock-out); the window's entry with the
    rest of the count when it closes (here: at shutdown)."""
    dashboard = dashboards(CN_LOGIN_MAX_FAILURES=2, CN_AUDIT_ROLLUP_S=120)
    client = client_from(dashboard)
    statuses = [sign_in(client, "officer", "wrong-password") for _ in range(40)]
    assert statuses[:2] == [401, 401] and set(statuses[2:]) == {429}
    assert [e["outcome"] for e in audit_of(rclient, "login")] == ["failed", "locked"]
    dashboard.stop()
    entries = audit_of(rclient, "login")
    assert len(entries) == 4 and sum(map(count_of, entries)) == 40, entries
    assert all(e["who"] == "officer" and e["target"] == "user:officer" for e in entries)
