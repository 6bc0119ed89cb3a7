"""Take Chromium screenshots of a running dashboard: python scripts/screenshot.py URL OUT.png [W H]."""

from __future__ import annotations

import sys

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def main() -> None:
    url, out = sys.argv[1], sys.argv[2]
    width, height = (int(sys.argv[3]), int(sys.argv[4])) if len(sys.argv) > 4 else (1920, 1080)
    wait_s = float(sys.argv[5]) if len(sys.argv) > 5 else 4.0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                    args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url)
        page.wait_for_selector("#wall-root", timeout=20_000)
        page.wait_for_timeout(wait_s * 1000)
        page.screenshot(path=out)
        browser.close()
    for error in errors:
        print("console error:", error)


if __name__ == "__main__":
    main()
