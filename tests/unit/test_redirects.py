"""Redirects go only to this application's own paths (dashboard/redirects.py): sign-in's
``next`` and the kiosk token exchange both ask :func:`own_path`."""

from __future__ import annotations

import pytest

from dashboard.redirects import HOME, own_path

OWN = [
    "/",
    "/console",
    "/console?incident=inc-1&lang=en",
    "/console?street=jiangsulu#detail",
    "/?wall=5760x1080&lang=en",
    "/admin",
    "/console?q=%E5%A4%A9%E5%B1%B1",  # 天山, percent-encoded
    "/console?q=a%20b",  # a space, encoded
]

HOSTILE = [
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/%09/evil.example",
    "/%0a/evil.example",
    "/%0d%0aSet-Cookie:x=1",
    "/%2F/evil.example",
    "/%2f%2fevil.example",
    "/%5Cevil.example",
    "/%5c%5cevil.example",
    "/%252F/evil.example",  # decoded twice by a proxy and a browser
    "https://evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
    "evil.example",
    "console",
    "",
    " /console",
    "/ /evil.example",
    "/\x00",
    "/\x7f/evil.example",
    "/\u2028/evil.example",
    "/\ufeff/evil.example",
    "/" + "a" * 3000,
]


@pytest.mark.parametrize("target", OWN)
def test_own_paths_are_kept(target: str) -> None:
    assert own_path(target) == target


@pytest.mark.parametrize("target", HOSTILE)
def test_anything_else_goes_home(target: str) -> None:
    assert own_path(target) == HOME


def test_none_goes_home() -> None:
    assert own_path(None) == HOME
