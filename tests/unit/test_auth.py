"""Users file and sessions: the parts of zero trust that need no server (classification:
tests/unit/test_classify.py)."""

from __future__ import annotations

import time

import orjson
import pytest

from dashboard.auth import AuthError, Principal, Sessions, UserStore


def test_passwords_are_argon2_and_checked(store: UserStore) -> None:
    body = orjson.loads(store.path.read_bytes())
    assert body["users"]["li"]["hash"].startswith("$argon2id$")
    assert "correct-horse" not in store.path.read_text()
    assert store.path.stat().st_mode & 0o777 == 0o600
    assert store.check_password("li", "correct-horse") == Principal("user", "li", "officer", "jiangsulu")
    assert store.check_password("li", "wrong") is None
    assert store.check_password("nobody", "correct-horse") is None
    store.set_disabled("li")
    assert store.check_password("li", "correct-horse") is None


def test_bad_input_is_refused_with_a_reason(store: UserStore) -> None:
    with pytest.raises(AuthError, match="at least 8"):
        store.add_user("x", "officer", "short")
    with pytest.raises(AuthError, match="not a unit code"):
        store.add_user("y", "officer", "long-enough", scope="nowhere")
    with pytest.raises(AuthError, match="walls get tokens"):
        store.add_user("z", "wall", "long-enough")
    with pytest.raises(AuthError, match="already exists"):
        store.add_user("li", "officer", "long-enough")
    with pytest.raises(AuthError, match="layout"):
        store.add_wall("w", "800x600")


def test_wall_tokens_are_stored_as_digests_and_revocable(store: UserStore) -> None:
    token = store.add_wall("hall", "5760x1080")
    _, wall_id, secret = token.split(".")
    assert secret not in store.path.read_text()
    principal = store.check_wall_token(token)
    assert principal is not None and principal.role == "wall" and principal.layout == "5760x1080"
    assert store.check_wall_token(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    store.revoke_wall(wall_id)
    assert store.check_wall_token(token) is None
    assert store.still_valid(principal) is None


def test_sessions_expire_and_end_on_password_change_and_logout(store: UserStore) -> None:
    sessions = Sessions(store, user_ttl_s=60, wall_ttl_s=3600)
    principal = store.check_password("li", "correct-horse")
    assert principal is not None
    cookie, issued = sessions.issue(principal)
    assert sessions.resolve(cookie) == issued
    assert sessions.resolve(cookie + "x") is None
    sessions.revoke(issued.sid)
    assert sessions.resolve(cookie) is None
    cookie, issued = sessions.issue(principal)
    time.sleep(1.1)  # deliberately lets time pass: sessions and password changes are stamped in whole
    # seconds, and this password change must come after the session was issued
    store.set_password("li", "another-horse")
    assert sessions.resolve(cookie) is None
    old = Sessions(store, user_ttl_s=60, wall_ttl_s=3600)._serializer().dumps(
        {"k": "user", "n": "li", "s": "s", "i": int(time.time()) - 120})
    assert sessions.resolve(old) is None  # past the user's ttl
