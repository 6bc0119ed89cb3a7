"""A real Chromium for the e2e tests: one browser per package, one checked page per test.

Every page records its console errors and uncaught page errors in ``page.errors``; a
test whose page logged any fails at teardown.  A test that provokes errors on purpose
(a killed server) lists regular expressions for them in ``page.allowed_errors``.

The browser lives for the e2e package only, not the whole session: while Playwright's
sync API is running it marks an asyncio loop as running in this thread, which would
break ``asyncio.run`` in the integration tests that follow.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect, sync_playwright

from support.processes import ARTIFACTS, PASSWORDS, DashboardProcess

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# Assertions wait for what a person would see, with a generous deadline (Playwright's
# default is 5 s): on a busy 2-core machine a first page load alone can take seconds.
expect.set_options(timeout=10_000)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _is_favicon_404(message: ConsoleMessage) -> bool:
    return "favicon" in (message.location or {}).get("url", "") and "404" in message.text


def _checked(context: BrowserContext) -> Any:
    """A page of ``context`` that records its console and page errors."""
    page: Any = context.new_page()
    page.errors = []
    page.allowed_errors = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and not _is_favicon_404(message):
            page.errors.append(f"console: {message.text} ({(message.location or {}).get('url')})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: page.errors.append(f"pageerror: {error}"))
    return page


@pytest.fixture
def open_page(browser: Browser) -> Iterator[Callable[..., Page]]:
    """Factory: ``open_page(width, height)`` opens a page in a fresh context (cold cache);
    the test fails at teardown if any page it opened logged an error."""
    opened: list[Any] = []

    def open_(width: int = 1920, height: int = 1080) -> Page:
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        page = _checked(context)
        opened.append(page)
        return page

    yield open_
    errors = [error for page in opened for error in page.errors
              if not any(re.search(pattern, error) for pattern in page.allowed_errors)]
    for page in opened:
        page.context.close()
    if errors:
        pytest.fail("the page logged errors:\n  " + "\n  ".join(errors), pytrace=False)


@pytest.fixture
def page(open_page: Callable[..., Page]) -> Page:
    """A 1920×1080 page; fails the test at teardown if it logged an error."""
    return open_page(1920, 1080)


def sign_in(page: Page, dashboard: DashboardProcess, user: str, next_path: str = "/") -> Page:
    """Sign ``page`` in as ``user`` through the sign-in form, landing on ``next_path``."""
    from urllib.parse import quote

    page.goto(f"{dashboard.url}/login?next={quote(next_path, safe='')}")
    page.fill("#user", user)
    page.fill("#password", PASSWORDS[user])
    with page.expect_navigation():
        page.click("button[type=submit]")
    return page
