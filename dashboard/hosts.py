"""Which Host names an instance answers to (the guard refuses others: DNS rebinding, a
request meant for another site)."""

from __future__ import annotations

import contextlib
import socket

#: Host names every instance answers to (besides ``host`` and ``allowed_hosts``).
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def served_hosts(host: str, allowed_hosts: str) -> frozenset[str]:
    """The Host names this instance answers to: ``allowed_hosts`` (space-separated) or,
    when it is empty, the ``host`` it listens on and the loopback names; a wildcard
    listen address (0.0.0.0, ::) adds this machine's own names and addresses."""
    names = set(allowed_hosts.replace(",", " ").lower().split())
    if names:
        return frozenset(names | LOOPBACK_NAMES)
    names = {host.lower(), *LOOPBACK_NAMES}
    if host in ("0.0.0.0", "::", ""):
        machine = socket.gethostname().lower()
        names |= {machine, socket.getfqdn().lower()}
        with contextlib.suppress(OSError):
            names |= {str(info[4][0]) for info in socket.getaddrinfo(machine, None)}
    return frozenset(names)


def host_name(host_header: str) -> str:
    """The name of a Host header without its port ("[::1]:8050" → "::1")."""
    value = host_header.strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value
