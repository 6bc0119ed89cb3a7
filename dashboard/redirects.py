"""Where this application may send a browser: its own paths only.

One function decides, for every redirect the application makes from something a client
sent (sign-in's ``next``, the kiosk token exchange's target path): a single leading "/"
followed by neither "/" nor "\\", no control character or whitespace a browser strips,
no scheme or host, and the same once percent-decoded (browsers and proxies decode).
Anything else goes to "/".
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

HOME = "/"


def _plain_path(text: str, *, encoded: bool) -> bool:
    if not text.startswith("/") or text[1:2] in ("/", "\\") or "\\" in text:
        return False
    lowest = 0x21 if encoded else 0x20  # as sent, not even a space; decoded, a space is text
    if any(ord(c) < lowest or ord(c) == 0x7F or c in "\u00a0\u2028\u2029\ufeff" for c in text):
        return False  # control characters (browsers strip tabs and newlines, then read "//")
    parts = urlsplit(text)
    return not parts.scheme and not parts.netloc


def own_path(target: str | None) -> str:
    """``target`` if it is a path of this application, else :data:`HOME`."""
    if not target or len(target) > 2048:
        return HOME
    decoded = unquote(target)
    if (_plain_path(target, encoded=True) and _plain_path(decoded, encoded=False)
            and _plain_path(unquote(decoded), encoded=False)):
        return target
    return HOME
