"""Limits on what a client may make the server hold before the guard sees a request.

uvicorn's httptools protocol accepts request heads of any size, sent as slowly as the
client likes: eight connections each holding an unfinished 8 MiB header grew the server
by 80 MiB without signing in, and slow connections were never timed out.  The guard
(dashboard/guard.py) only runs once a head is complete, so these limits live one layer
down, in the HTTP protocol (:func:`guarded_protocol`, given to uvicorn as its ``http``
class; WebSocket upgrades are parsed by it too):

* the head (request line and headers) is at most ``max_head_bytes`` (431 otherwise),
  the request line (the URL) at most ``max_url_bytes`` (414), at most ``max_headers``
  header fields (431);
* a head must be complete within ``head_timeout_s`` of the connection's first byte or of
  the connection itself (a silent or slow client is disconnected);
* at most ``max_connections_per_address`` open connections per client address, trusted
  proxies excepted (every client behind them shares their address).

Body read timeouts are the guard's (it reads every body), keep-alive idling uvicorn's
``timeout_keep_alive``, the total number of connections uvicorn's ``limit_concurrency``.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

_REASONS = {414: b"URI Too Long", 431: b"Request Header Fields Too Large"}


@dataclass(frozen=True)
class HttpLimits:
    max_head_bytes: int = 32_768
    max_url_bytes: int = 8_192
    max_headers: int = 100
    head_timeout_s: float = 10.0
    max_connections_per_address: int = 256


class _Refused(Exception):
    """Raised in a parser callback; uvicorn sees a parser error and calls
    ``send_400_response``, which answers this status instead."""

    def __init__(self, status: int) -> None:
        self.status = status


def proxy_list(spec: str) -> list[str]:
    """The ``trusted_proxies`` setting as a list (addresses or networks, comma- or
    space-separated; "*" trusts every address)."""
    return [item for item in spec.replace(",", " ").split() if item]


def trusts(spec: str) -> Callable[[str], bool]:
    """Whether an address is one of the ``trusted_proxies``."""
    items = proxy_list(spec)
    if "*" in items:
        return lambda address: True
    networks = [ipaddress.ip_network(item, strict=False) for item in items]

    def trusted(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in networks)

    return trusted


def guarded_protocol(limits: HttpLimits, exempt: Callable[[str], bool] = lambda a: False
                     ) -> type[HttpToolsProtocol]:
    """An HttpToolsProtocol class enforcing ``limits``; ``exempt`` addresses (trusted
    proxies) have no per-address connection limit."""
    open_by_address: dict[str, int] = {}

    def release(address: str) -> None:
        left = open_by_address.get(address, 1) - 1
        if left > 0:
            open_by_address[address] = left
        else:
            open_by_address.pop(address, None)

    class GuardedHttpToolsProtocol(HttpToolsProtocol):
        _address = ""
        _in_head = True
        _head_bytes = 0  # raw bytes received since the head began
        _fields_bytes = 0  # the URL and header fields parsed so far
        _head_timer: asyncio.TimerHandle | None = None
        _refused = 0

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            address = self.client[0] if self.client else ""
            if address and not exempt(address):
                if open_by_address.get(address, 0) >= limits.max_connections_per_address:
                    transport.abort()  # no answer: this address holds too many already
                    return
                open_by_address[address] = open_by_address.get(address, 0) + 1
                self._address = address
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            if self._address:
                release(self._address)
                self._address = ""
            super().connection_lost(exc)

        def handle_websocket_upgrade(self) -> None:
            # the WebSocket protocol takes the connection over: it gives the address back
            address, self._address = self._address, ""
            self._disarm()
            super().handle_websocket_upgrade()
            if address:
                websocket = self.transport.get_protocol()
                lost = websocket.connection_lost

                def connection_lost(exc: Exception | None) -> None:
                    release(address)
                    lost(exc)

                websocket.connection_lost = connection_lost  # type: ignore[method-assign]

        def data_received(self, data: bytes) -> None:
            if self._in_head:
                self._head_bytes += len(data)
            super().data_received(data)
            # still no end of the head: the parser holds what came (one read more at most)
            if self._in_head and self._head_bytes > limits.max_head_bytes:
                self._refuse(431)

        # the parser's callbacks (they run inside super().data_received)
        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._in_head, self._fields_bytes = True, 0
            if self._head_timer is None:  # a request after a keep-alive pause
                self._head_bytes = 0
                self._arm()

        def on_url(self, url: bytes) -> None:
            super().on_url(url)
            self._fields_bytes += len(url)
            if len(self.url) > limits.max_url_bytes:
                self._refused = 414
                raise _Refused(414)

        def on_header(self, name: bytes, value: bytes) -> None:
            super().on_header(name, value)
            self._fields_bytes += len(name) + len(value) + 4
            if len(self.headers) > limits.max_headers or self._fields_bytes > limits.max_head_bytes:
                self._refused = 431
                raise _Refused(431)

        def on_headers_complete(self) -> None:
            self._in_head, self._head_bytes = False, 0
            self._disarm()
            super().on_headers_complete()

        def send_400_response(self, msg: str) -> None:
            if self._refused:
                self._refuse(self._refused)
            else:
                super().send_400_response(msg)

        # ------------------------------------------------------------ helpers
        def _arm(self) -> None:
            self._disarm()
            self._head_timer = self.loop.call_later(limits.head_timeout_s, self._too_slow)

        def _disarm(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _too_slow(self) -> None:
            self._head_timer = None
            if self._in_head and not self.transport.is_closing():
                self.transport.close()

        def _refuse(self, status: int) -> None:
            self._disarm()
            if self.transport.is_closing():
                return
            reason = _REASONS[status]
            self.transport.write(b"HTTP/1.1 %d %s\r\ncontent-type: text/plain\r\ncontent-length: %d\r\n"
                                 b"connection: close\r\n\r\n%s\n" % (status, reason, len(reason) + 1, reason))
            self.transport.close()

    return GuardedHttpToolsProtocol
