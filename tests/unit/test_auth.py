"""Users file and sessions: the parts of zero trust that need no server (classification:
tests/unit/test_classify.py)."""

from __future__ import annotations

import time

import orjson
import pytest

from dashboard.auth import AuthError, Principal, UserStore
from dashboard.sessions import Sessions


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
    assert issued.expires_ms - issued.issued_ms == 60_000
    assert sessions.resolve(cookie + "x") is None
    assert sessions.revoke(issued.sid, issued.expires_ms)
    assert sessions.resolve(cookie) is None
    cookie, issued = sessions.issue(principal)
    store.set_password("li", "another-horse")
    assert sessions.resolve(cookie) is None
    old = sessions._serializer().dumps({"k": "user", "n": "li", "s": "s", "g": store.generation("li"),
                                        "t": int(time.time() * 1000) - 61_000})
    assert sessions.resolve(old) is None  # past the user's ttl


def test_a_session_issued_in_the_same_instant_as_a_change_ends_with_it(store: UserStore) -> None:
    """No clock decides (issue #12, finding 5): every change moves the user's generation on."""
    sessions = Sessions(store, user_ttl_s=60, wall_ttl_s=3600)
    for n in range(3):
        principal = store.check_password("li", f"password-{n}" if n else "correct-horse")
        assert principal is not None
        cookie, issued = sessions.issue(principal)
        store.set_password("li", f"password-{n + 1}")  # within the same millisecond or not
        assert sessions.resolve(cookie) is None, n
        assert store.still_valid(issued) is None
    principal = store.check_password("li", "password-3")
    assert principal is not None
    cookie, _ = sessions.issue(principal)
    store.set_disabled("li")
    store.set_disabled("li", False)  # enabled again: the session of before stays over
    assert sessions.resolve(cookie) is None


def test_cookies_from_before_generations_follow_the_old_rule(store: UserStore) -> None:
    """A cookie of whole seconds without a generation: valid if issued after the last change."""
    sessions = Sessions(store, user_ttl_s=60, wall_ttl_s=3600)
    changed = store.changed_s("li")
    after = sessions._serializer().dumps({"k": "user", "n": "li", "s": "a", "i": changed})
    before = sessions._serializer().dumps({"k": "user", "n": "li", "s": "b", "i": changed - 1})
    resolved = sessions.resolve(after)
    assert resolved is not None and resolved.generation == store.generation("li")
    assert sessions.resolve(before) is None
    store.set_password("li", "another-horse")
    assert store.still_valid(resolved) is None


def test_each_wall_session_has_its_own_id(store: UserStore) -> None:
    """Signing one wall session out leaves the wall's other sessions and its token working."""
    sessions = Sessions(store, user_ttl_s=60, wall_ttl_s=3600)
    token = store.add_wall("hall", "1920x1080")
    principal = store.check_wall_token(token)
    assert principal is not None
    (first, one), (second, two) = sessions.issue(principal), sessions.issue(principal)
    assert one.sid != two.sid and one.wall_id == two.wall_id == principal.wall_id
    sessions.revoke(one.sid, one.expires_ms)
    assert sessions.resolve(first) is None and sessions.resolve(second) == two
    assert store.still_valid(principal) is not None
