"""Debian's nginx in front of two instances, with docs/deploy.md's configuration
(support/nginx.py): a browser's /live upgrade on a port other than 443 passes the Origin
check, clients without a session are spread over the instances, and the site stays up
when an instance dies."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import orjson
import websockets

from support.nginx import nginx
from support.processes import DashboardProcess, wait_for


def test_live_through_nginx_on_any_port_spread_and_failed_over(
    dashboards: Callable[..., DashboardProcess],
) -> None:
    first, second = (dashboards(CN_TRUSTED_PROXIES="127.0.0.1") for _ in range(2))
    with nginx([first.port, second.port]) as (port, _):
        site = f"http://127.0.0.1:{port}"

        async def open_walls(count: int) -> list[str]:
            """``count`` walls' /live through nginx, as a browser on the site's page opens it
            (its Origin is the site, port included); the first frame of each."""
            url = f"ws://127.0.0.1:{port}/live?token={first.wall_token}"
            sockets = [await websockets.connect(url, additional_headers={"Origin": site}, max_size=2**24)
                       for _ in range(count)]
            try:
                firsts = [orjson.loads(await ws.recv())["t"] for ws in sockets]
                wait_for(lambda: first.metric("cn_live_clients") and second.metric("cn_live_clients"), 10,
                         message="clients on both instances")
                return firsts
            finally:
                await asyncio.gather(*(ws.close() for ws in sockets))

        assert asyncio.run(open_walls(16)) == ["hello"] * 16
        assert httpx.get(f"{site}/login", timeout=5).status_code == 200

        second.kill()  # an instance dies: nginx sends every request to the other

        def served() -> bool:
            return all(httpx.get(f"{site}/login", timeout=5).status_code == 200 for _ in range(6))

        wait_for(served, 20, message="the site served by the remaining instance")
