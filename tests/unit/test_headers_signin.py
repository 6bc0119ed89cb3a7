"""Security headers, the sign-in room's small rules, and the wiring rule: every
collaborator of the door and of /live is a required constructor argument."""

from __future__ import annotations

import inspect

from dashboard.guard import Guard
from dashboard.headers import SecurityHeaders, content_security_policy, cookie_header, request_cookies
from dashboard.identity import Identity
from dashboard.live import Hub
from dashboard.signin import MAX_DELAY_S, SignIn, failure_delay


def test_csp_allows_scripts_only_from_the_app_and_its_hashes() -> None:
    csp = content_security_policy(["sha256-abc=", "'sha256-abc='", "sha256-def="], "", None)
    scripts = csp.split("script-src")[1].split(";")[0]
    assert scripts == " 'self' 'sha256-abc=' 'sha256-def='"
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-eval" not in csp
    framed = content_security_policy([], "https://a.example  https://b.example",
                                     "https://{s}.tile.example/{z}/{x}/{y}.png")
    assert "frame-ancestors https://a.example https://b.example" in framed
    assert "img-src 'self' data: blob: https://*.tile.example" in framed


def test_headers_are_added_without_overriding_the_app() -> None:
    headers = SecurityHeaders([], "", None)
    out = dict(headers.add_to([(b"content-type", b"text/html")], "_csrf_token=t; Path=/"))
    assert out[b"x-content-type-options"] == b"nosniff" and out[b"x-frame-options"] == b"DENY"
    assert out[b"cache-control"] == b"no-store" and out[b"set-cookie"] == b"_csrf_token=t; Path=/"
    kept = headers.add_to([(b"cache-control", b"max-age=3600"), (b"set-cookie", b"_csrf_token=mine")],
                          "_csrf_token=t; Path=/")
    assert [v for k, v in kept if k == b"cache-control"] == [b"max-age=3600"]
    assert [v for k, v in kept if k == b"set-cookie"] == [b"_csrf_token=mine"]
    framed = dict(SecurityHeaders([], "https://a.example", None).add_to([]))
    assert b"x-frame-options" not in framed


def test_cookies() -> None:
    assert cookie_header("cn_session", "v", 60, secure=True) == \
        "cn_session=v; Path=/; Max-Age=60; SameSite=Lax; HttpOnly; Secure"
    assert request_cookies({"cookie": "a=1; cn_session=xyz"}) == {"a": "1", "cn_session": "xyz"}
    assert request_cookies({"cookie": 'a="unterminated'}) == {}


def test_failures_are_slowed_more_and_more() -> None:
    assert [failure_delay(n) for n in (1, 2, 3, 4)] == [0.25, 0.5, 1.0, 2.0]
    assert failure_delay(20) == MAX_DELAY_S


def test_collaborators_are_required_arguments() -> None:
    """No collaborator has a default that could fail open if the wiring forgot it."""
    for cls, names in ((Hub, ("revalidate", "status")),
                       (Guard, ("callbacks", "identity", "sign_in", "connections", "headers", "refusals")),
                       (SignIn, ("identity", "limits", "auditor", "rollup", "metrics", "refusals")),
                       (Identity, ("store", "sessions", "feed"))):
        parameters = inspect.signature(cls.__init__).parameters
        for name in names:
            assert parameters[name].default is inspect.Parameter.empty, (cls.__name__, name)
