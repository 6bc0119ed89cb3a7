"""Who may try how often: the sign-in and wall-token doors, and ``/live`` connections.

Sign-in attempts (:class:`SignInLimits`) are counted *before* the password is checked,
in one atomic step (dashboard/attempts.py), within ``login_window_s``:

* per address and account (``login_max_failures``): full → that account is locked *from
  that address* (429) until the window has passed;
* per address (``login_address_max_failures``, over every account): full → the address
  is locked;
* per account over every address (``login_account_slow_after``): beyond it each attempt
  waits before its password is checked (0.25 s, 0.5 s, ... 8 s), but is never refused,
  so nobody can lock an account (the admin's included) by knowing its name.

The right password gives its attempt back (an address's successful sign-ins never count
against it) and empties the account's window at that address.  Bad wall tokens are
counted the same way per address (``wall_token_max_failures``), apart from sign-in, so
a flood of them locks neither the address's sign-in nor anyone else; so are failed
政务微信/WeCom sign-ins (``wecom_max_failures``: a bad state, a code WeCom refuses, a
member linked to no user).  An admin lifts a
lock with ``changning-dashboard users unlock NAME`` / ``--address A``.

``/live`` connections per address per minute (:class:`ConnectionLimit`) are counted on
this instance only, in the same bounded windows as sign-in's local fallback
(:class:`dashboard.attempts.LocalWindows`: at most ``per_minute`` times per address and
``max_addresses`` addresses, the least recently seen dropped first).  The ``limits``
library's memory store was used before: it expires entries only when a later hit comes
and pays a thread hop per tracked address on each pass, so a burst of many addresses
stayed in memory after it ended.

An "address" is counted as :func:`source`: an IPv4 address itself, an IPv6 address by its
/64 (one host may take any address of its /64 at will, so counting single IPv6 addresses
would let it rotate past every ceiling and grow every store).
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase

from dashboard.attempts import Attempts, Ceiling, LocalWindows, Taken
from dashboard.config import Settings

_PLAIN_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _part(text: str) -> str:
    """A key part for any text: a user name as it is, anything else as a digest."""
    if _PLAIN_NAME.fullmatch(text):
        return text
    return "~" + hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:16]


def source(ip: str) -> str:
    """The unit an address is counted as (see the module doc); text that is no address is
    counted as it is (a test client's name, say)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


@dataclass(frozen=True, slots=True)
class Admission:
    """An attempt, counted: whether it may be checked; ``failures`` in the window that
    decided (the account's at this address, this attempt included; when refused, the
    full window's: ``locked_by`` ``"account"`` or ``"address"``); ``over``: attempts beyond
    the account's slow-down ceiling (0: no wait)."""

    admitted: bool
    failures: int
    over: int
    taken: Taken
    ceilings: tuple[Ceiling, ...]
    locked_by: str = ""


class SignInLimits:
    """The sign-in and wall-token doors' counts (see the module doc)."""

    def __init__(self, attempts: Attempts, prefix: str, *, max_failures: int, address_max_failures: int,
                 account_slow_after: int, wall_max_failures: int, wecom_max_failures: int = 10) -> None:
        self.attempts = attempts
        self.prefix = prefix
        self.max_failures = max_failures
        self.address_max_failures = address_max_failures
        self.account_slow_after = account_slow_after
        self.wall_max_failures = wall_max_failures
        self.wecom_max_failures = wecom_max_failures
        self.window_s = attempts.window_ms // 1000

    @classmethod
    def from_settings(cls, attempts: Attempts, settings: Settings) -> SignInLimits:
        """The ceilings of ``settings``, keys under ``RedisKeys.limits``."""
        return cls(attempts, settings.keys.limits, max_failures=settings.login_max_failures,
                   address_max_failures=settings.login_address_max_failures,
                   account_slow_after=settings.login_account_slow_after,
                   wall_max_failures=settings.wall_token_max_failures,
                   wecom_max_failures=settings.wecom_max_failures)

    # ---- keys (the CLI's unlock finds them by the same rules)
    def _pair(self, account: str, ip: str) -> str:
        return f"{self.prefix}:login/pair/{_part(account)}/{source(ip) if ip else ''}"

    def _address(self, ip: str) -> str:
        return f"{self.prefix}:login/address/{source(ip)}"

    def _account(self, account: str) -> str:
        return f"{self.prefix}:login/account/{_part(account)}"

    def _wall(self, ip: str) -> str:
        return f"{self.prefix}:wall/address/{source(ip)}"

    def _wecom(self, ip: str) -> str:
        return f"{self.prefix}:wecom/address/{source(ip)}"

    # ---- sign-in
    async def admit(self, ip: str, account: str) -> Admission:
        """Count this attempt (as a failure until :meth:`succeeded` says otherwise)."""
        ceilings = (Ceiling(self._pair(account, ip), self.max_failures),
                    Ceiling(self._address(ip), self.address_max_failures),
                    Ceiling(self._account(account), self.account_slow_after + 8, locks=False))
        taken = await self.attempts.take(ceilings)
        pair, address, account_count = taken.counts
        if not taken.admitted and pair < self.max_failures:
            return Admission(False, address, 0, taken, ceilings, "address")
        return Admission(taken.admitted, pair, max(0, account_count - self.account_slow_after), taken,
                         ceilings, "" if taken.admitted else "account")

    async def succeeded(self, admission: Admission) -> None:
        """The right password: its attempt is no failure, the account's failures at this
        address are forgotten (the account's elsewhere stay)."""
        pair, address, account = (c.key for c in admission.ceilings)
        await self.attempts.refund(admission.taken, [address, account], clear=[pair])

    # ---- wall tokens
    async def admit_wall(self, ip: str) -> Admission:
        ceilings = (Ceiling(self._wall(ip), self.wall_max_failures),)
        taken = await self.attempts.take(ceilings)
        return Admission(taken.admitted, taken.counts[0], 0, taken, ceilings,
                         "" if taken.admitted else "address")

    async def wall_succeeded(self, admission: Admission) -> None:
        await self.attempts.refund(admission.taken, [c.key for c in admission.ceilings])

    # ---- 政务微信 / WeCom sign-ins (dashboard/wecom_signin.py)
    async def admit_wecom(self, ip: str) -> Admission:
        """Count a WeCom callback from ``ip`` before its state and code are checked."""
        ceilings = (Ceiling(self._wecom(ip), self.wecom_max_failures),)
        taken = await self.attempts.take(ceilings)
        return Admission(taken.admitted, taken.counts[0], 0, taken, ceilings,
                         "" if taken.admitted else "address")

    async def wecom_not_failed(self, admission: Admission) -> None:
        """A WeCom sign-in that succeeded, or failed through no fault of its sender (WeCom
        away): its attempt is given back."""
        await self.attempts.refund(admission.taken, [c.key for c in admission.ceilings])

    # ---- unlocking (an admin's command)
    def unlock_patterns(self, account: str | None, address: str | None) -> list[str]:
        """The glob patterns of the windows an unlock empties: the account at one address,
        the account everywhere, or everything of one address.  The parts hold no glob
        characters: an account is a user name (or a digest), an address an IP address."""
        if address is not None:
            address = source(str(ipaddress.ip_address(address)))  # ValueError: not an address
        if account is not None and address is not None:
            return [self._pair(account, address)]
        if account is not None:
            return [self._pair(account, "") + "*", self._account(account)]
        if address is not None:
            return [f"{self.prefix}:login/pair/*/{address}", self._address(address), self._wall(address),
                    self._wecom(address)]
        raise ValueError("unlock needs an account, an address or both")

    async def unlock(self, account: str | None, address: str | None) -> int:
        """Empty those windows in Redis and here; how many there were in Redis."""
        count = 0
        for pattern in self.unlock_patterns(account, address):
            count += await self.attempts.forget(pattern)
        self.forget_local(account, address)
        return count

    def forget_local(self, account: str | None, address: str | None) -> int:
        """Empty this process's windows of an unlock (told by another instance or the CLI)."""
        patterns = self.unlock_patterns(account, address)
        return self.attempts.local.forget(lambda key: any(fnmatchcase(key, p) for p in patterns))


class ConnectionLimit:
    """At most ``per_minute`` new ``/live`` connections per address (:func:`source`) within
    ``window_s`` (0: no limit), counted on this instance only."""

    def __init__(self, per_minute: int, window_s: float = 60, max_addresses: int = 50_000) -> None:
        self.per_minute = per_minute
        self.windows = LocalWindows(int(window_s * 1000), max_keys=max_addresses)

    def admit(self, ip: str) -> bool:
        if self.per_minute <= 0:
            return True
        return self.windows.take([Ceiling(source(ip), self.per_minute)], "").admitted
