"""HTTP headers: the security headers every response gets, and the cookies of the door.

:class:`SecurityHeaders` is built once at start-up from the settings and the SHA-256
hashes of Dash's own inline scripts; :meth:`SecurityHeaders.add_to` completes a
response's headers without overriding what the app set (``Cache-Control``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlsplit

SESSION_COOKIE = "cn_session"
CSRF_COOKIE = "_csrf_token"  # the name dash-renderer reads to send X-CSRFToken
CSRF_HEADER = "x-csrftoken"

RawHeaders = list[tuple[bytes, bytes]]


def content_security_policy(script_hashes: Iterable[str], frame_ancestors: str,
                            tile_url: str | None) -> str:
    """Scripts only from the app plus the given inline-script hashes (no inline script,
    no eval); inline styles allowed (React and AG Grid set them); images also from the
    tile server; framing only by ``frame_ancestors`` (space-separated; empty: none)."""
    ancestors = " ".join(frame_ancestors.split()) or "'none'"
    img = "'self' data: blob:"
    if tile_url:
        parts = urlsplit(tile_url.replace("{s}", "a"))
        img += f" {parts.scheme}://{parts.netloc.replace('a.', '*.', 1)}"
    scripts = " ".join(dict.fromkeys(h if h.startswith("'") else f"'{h}'" for h in script_hashes))
    return (f"default-src 'self'; script-src 'self' {scripts}; style-src 'self' 'unsafe-inline'; "
            f"img-src {img}; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
            f"base-uri 'self'; form-action 'self'; frame-ancestors {ancestors}")


class SecurityHeaders:
    """The headers added to every HTTP response of the instance."""

    def __init__(self, script_hashes: Iterable[str], frame_ancestors: str, tile_url: str | None) -> None:
        self.csp = content_security_policy(script_hashes, frame_ancestors, tile_url)
        fixed = [
            (b"content-security-policy", self.csp.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]
        if not frame_ancestors.strip():
            fixed.append((b"x-frame-options", b"DENY"))
        self.fixed: RawHeaders = fixed

    def add_to(self, headers: RawHeaders, set_cookie: str | None = None) -> RawHeaders:
        """``headers`` plus the security headers, ``Cache-Control: no-store`` unless the app
        chose a policy, and ``set_cookie`` unless the app sets that cookie itself."""
        names = {k.lower() for k, _ in headers}
        out = [*headers, *self.fixed]
        if b"cache-control" not in names:
            out.append((b"cache-control", b"no-store"))
        if set_cookie is not None:
            name = set_cookie.split("=", 1)[0].encode()
            if not any(k.lower() == b"set-cookie" and v.startswith(name + b"=") for k, v in headers):
                out.append((b"set-cookie", set_cookie.encode()))
        return out


def cookie_header(name: str, value: str, max_age: int, *, http_only: bool = True,
                  same_site: str = "Lax", secure: bool = False, path: str = "/") -> str:
    """A ``Set-Cookie`` value for the whole site (or for the paths under ``path``)."""
    parts = [f"{name}={value}", f"Path={path}", f"Max-Age={max_age}", f"SameSite={same_site}"]
    if http_only:
        parts.append("HttpOnly")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def csrf_cookie(token: str, max_age: int, secure: bool) -> str:
    """The CSRF cookie: readable by the page's script (dash-renderer echoes it), Strict."""
    return cookie_header(CSRF_COOKIE, token, max_age, http_only=False, same_site="Strict", secure=secure)


def request_headers(scope: Mapping[str, Any]) -> dict[str, str]:
    """An ASGI scope's headers, names lower-cased (a repeated header: the last one)."""
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def request_cookies(headers: dict[str, str]) -> dict[str, str]:
    """The cookies of a request (a malformed Cookie header counts as none)."""
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:
        return {}
    return {k: m.value for k, m in jar.items()}
