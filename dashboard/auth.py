"""Who is asking: users, wall tokens, sessions and roles.  No network I/O.

Users and wall devices live in one JSON file (``users_file``), written only by
``changning-dashboard users ...`` and read by every instance, which notices a change on
the next request (the file's mtime), so a disabled user or a revoked wall token stops
working at once.  Passwords are argon2id hashes (argon2-cffi); wall tokens are random
and stored as SHA-256 digests; the file's secret signs the sessions (dashboard/sessions.py).

Every change of a user (password, disable, enable) moves the user's *generation* on; a
session (dashboard/sessions.py) of an older generation is over, however close in time
the change came.

Roles and what they may do are in dashboard/access.py; the scope of an officer (the
district, or one unit code) limits every record they receive.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import orjson
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from dashboard.access import ROLES, can
from dashboard.units import UNIT_CODES
from dashboard.walls import DEFAULT_LAYOUT, WALL_LAYOUTS

_hasher = PasswordHasher()  # argon2id, the library's current recommended parameters
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class AuthError(ValueError):
    """A users-file operation that cannot be done (unknown user, bad role, ...)."""


@dataclass(frozen=True, slots=True)
class Principal:
    """The one asking, as checked on this request or message."""

    kind: str  # "user", "wall" or "anonymous"
    name: str  # user name, wall device name, or "anonymous"
    role: str
    scope: str | None = None  # None: the whole district
    layout: str | None = None  # a wall token's layout
    sid: str = ""  # the session (or wall token id) it came from
    issued_ms: int = 0  # a session's: when it was issued
    expires_ms: int = 0  # a session's: when it ends (0: no session, e.g. a bearer wall token)
    generation: int = 0  # a user's: the users file's generation of the user it was checked against
    person: str | None = None  # a user's: the person the duty roster names them (users set-person)

    def can(self, permission: str) -> bool:
        return can(self.role, permission)

    @property
    def audience(self) -> str:
        """Which kind of view it gets: individual records, or aggregates only."""
        return "records" if self.can("records") else "aggregates"

    def sees_street(self, street: str | None) -> bool:
        return self.scope is None or street == self.scope

    def label(self) -> str:
        return f"{self.name} ({self.role})"

    @property
    def on_roster(self) -> str:
        """The name the duty roster knows this user by: their ``person`` when one is set
        (an account such as ``wangw`` for the roster's 王伟), else the user name."""
        return self.person or self.name

    @property
    def wall_id(self) -> str:
        """A wall's token id (its sid is ``wall:<id>`` or, for a session, ``wall:<id>:<n>``)."""
        return self.sid.split(":")[1] if self.kind == "wall" and self.sid.count(":") >= 1 else ""

    def expired(self, now_ms: int) -> bool:
        return self.expires_ms > 0 and now_ms >= self.expires_ms


ANONYMOUS_VISITOR = Principal("anonymous", "anonymous", "visitor", sid="anonymous")


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise AuthError("a password needs at least 8 characters")
    return _hasher.hash(password)


def new_password() -> str:
    return secrets.token_urlsafe(12)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


# ---------------------------------------------------------------------- the users file


@dataclass
class Directory:
    """The parsed users file."""

    secret: str
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    walls: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> bytes:
        return orjson.dumps({"version": 1, "secret": self.secret, "users": self.users,
                             "walls": self.walls}, option=orjson.OPT_INDENT_2)


class UserStore:
    """The users file: read on change, written atomically, 0600.

    :meth:`current` stats the file on every call (an HTTP request, the CLI): a change is
    seen by the very next request.  :meth:`watched` is for the ``/live`` checks before
    every frame: it stats the file only when a :class:`~dashboard.users_watch.UsersWatch`
    has said it changed, or when ``recheck_s`` has passed since the last look (the safety
    net for file systems that send no notification), so the frames of a thousand clients
    cost no system call each."""

    def __init__(self, path: str | Path, recheck_s: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.path = Path(path)
        self.recheck_s = recheck_s
        self.clock = clock
        self.looks = 0  # how many times the file was looked at (tests)
        self._stamp: tuple[int, int] | None = None
        self._directory: Directory | None = None
        self._looked = 0.0
        self._changed = True

    # ---- reading
    def exists(self) -> bool:
        return self.path.exists()

    def changed(self) -> None:
        """The file may have changed (a notification): :meth:`watched` looks next time."""
        self._changed = True

    def watched(self) -> Directory:
        """The file as last seen, looked at again after a notice or ``recheck_s``."""
        if (self._directory is not None and not self._changed
                and self.clock() - self._looked < self.recheck_s):
            return self._directory
        return self.current()

    def current(self) -> Directory:
        """The file as it is now."""
        self._changed = False
        self._looked = self.clock()
        self.looks += 1
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            raise AuthError(f"users file {self.path} does not exist") from None
        stamp = (stat.st_mtime_ns, stat.st_size)
        if self._directory is None or stamp != self._stamp:
            self._directory = self._parse(self.path.read_bytes())
            self._stamp = stamp
        return self._directory

    def _parse(self, raw: bytes) -> Directory:
        try:
            body = orjson.loads(raw)
            directory = Directory(str(body["secret"]), dict(body.get("users", {})),
                                  dict(body.get("walls", {})))
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise AuthError(f"users file {self.path} is not valid: {exc}") from None
        if len(directory.secret) < 32:
            raise AuthError(f"users file {self.path}: 'secret' is too short")
        return directory

    # ---- writing (the CLI, and the first start of `run`)
    def _write(self, directory: Directory) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + f".{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(directory.to_json())
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, self.path)
        self._changed = True

    def create(self) -> Directory:
        if self.path.exists():
            raise AuthError(f"users file {self.path} already exists")
        directory = Directory(secrets.token_urlsafe(48))
        self._write(directory)
        return directory

    def _load_for_change(self) -> Directory:
        return self._parse(self.path.read_bytes()) if self.path.exists() else Directory(
            secrets.token_urlsafe(48))

    def add_user(self, name: str, role: str, password: str, scope: str | None = None,
                 unit: str | None = None, wecom_userid: str | None = None) -> None:
        if not name or not name.replace("-", "").replace("_", "").replace(".", "").isalnum():
            raise AuthError(f"user name {name!r}: use letters, digits, '-', '_' or '.'")
        if role not in ROLES or role == "wall":
            raise AuthError(f"role {role!r}: one of officer, admin, visitor (walls get tokens)")
        if scope is not None and scope not in UNIT_CODES:
            raise AuthError(f"scope {scope!r} is not a unit code ({', '.join(sorted(UNIT_CODES))})")
        if role != "officer" and scope is not None:
            raise AuthError("only officers have a scope")
        if unit is not None:
            _check_unit(unit, role)
        directory = self._load_for_change()
        if name in directory.users:
            raise AuthError(f"user {name!r} already exists")
        wecom = None if wecom_userid is None else self._free_wecom(wecom_userid, name, directory)
        now = int(time.time())
        directory.users[name] = {"role": role, "scope": scope, "hash": hash_password(password),
                                 "disabled": False, "created": now, "changed": now, "generation": 0,
                                 **({"wecom_userid": wecom} if wecom else {})}
        if unit is not None:
            directory.users[name]["unit"] = unit
        self._write(directory)

    def set_unit(self, name: str, unit: str | None) -> None:
        """Set (or, with None, clear) the unit whose 12345 tickets an officer works on
        (the phone page, dashboard/phone.py); their sessions end, as for any change of
        what they may act on."""
        user = self._load_for_change().users.get(name)
        if user is None:
            raise AuthError(f"no user {name!r}")
        if unit is not None:
            _check_unit(unit, user["role"])
        self._change_user(name, unit=unit)

    def set_person(self, name: str, person: str | None) -> None:
        """Set (or, with None, clear) the person the duty roster names this user by
        (check-in and handover match the roster's names); their sessions end."""
        if person is not None:
            person = person.strip()
            if not person or len(person) > 64 or any(not c.isprintable() for c in person):
                raise AuthError(f"person {person!r}: 1–64 printable characters")
        self._change_user(name, person=person)

    def set_password(self, name: str, password: str) -> None:
        self._change_user(name, hash=hash_password(password))

    def set_disabled(self, name: str, disabled: bool = True) -> None:
        self._change_user(name, disabled=disabled)

    def _change_user(self, name: str, **fields: Any) -> None:
        directory = self._load_for_change()
        user = directory.users.get(name)
        if user is None:
            raise AuthError(f"no user {name!r}")
        # the sessions of the user's earlier generations end (exactly: not by the clock)
        user.update(fields, changed=int(time.time()), generation=int(user.get("generation", 0)) + 1)
        self._write(directory)

    def set_wecom(self, name: str, userid: str | None) -> None:
        """Link the user to a 政务微信/WeCom member (their ``userid`` in the organisation),
        or unlink them (None).  One local user per WeCom member.  Their sessions end (a
        change of the user, as any other)."""
        if userid is not None:
            userid = self._free_wecom(userid, name, self._load_for_change())
        self._change_user(name, wecom_userid=userid)

    def _free_wecom(self, userid: str, name: str, directory: Directory) -> str:
        """``userid`` checked: well formed, and linked to no other user than ``name``."""
        userid = userid.strip()
        if not userid or len(userid) > 64 or any(c.isspace() or not c.isprintable() for c in userid):
            raise AuthError(f"WeCom userid {userid!r}: 1–64 printable characters, no spaces")
        holder = self.user_of_wecom(userid, directory)
        if holder is not None and holder != name:
            raise AuthError(f"WeCom userid {userid!r} is already linked to user {holder!r}")
        return userid

    @staticmethod
    def user_of_wecom(userid: str, directory: Directory) -> str | None:
        """The local user whose ``wecom_userid`` is ``userid`` (None: nobody)."""
        for name, user in directory.users.items():
            if user.get("wecom_userid") == userid:
                return name
        return None

    def add_wall(self, name: str, layout: str = DEFAULT_LAYOUT, scope: str | None = None) -> str:
        """A new wall device token (returned once; only its digest is kept)."""
        if layout not in WALL_LAYOUTS:
            raise AuthError(f"layout {layout!r}: one of {', '.join(WALL_LAYOUTS)}")
        if scope is not None and scope not in UNIT_CODES:
            raise AuthError(f"scope {scope!r} is not a unit code")
        directory = self._load_for_change()
        wall_id = secrets.token_hex(4)
        secret = secrets.token_urlsafe(24)
        directory.walls[wall_id] = {"name": name, "layout": layout, "scope": scope,
                                    "hash": _digest(secret), "revoked": False,
                                    "created": int(time.time())}
        self._write(directory)
        return f"cnw.{wall_id}.{secret}"

    def revoke_wall(self, wall_id: str) -> None:
        directory = self._load_for_change()
        wall = directory.walls.get(wall_id)
        if wall is None:
            raise AuthError(f"no wall token {wall_id!r}")
        wall["revoked"] = True
        wall["revoked_at"] = int(time.time())
        self._write(directory)

    # ---- checking
    def check_password(self, name: str, password: str) -> Principal | None:
        """The user's principal if the password is right and the user enabled (slow: argon2)."""
        user = self.current().users.get(name)
        try:
            _hasher.verify(user["hash"] if user else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        if user is None or user.get("disabled"):
            return None
        return Principal("user", name, user["role"], user.get("scope"),
                         generation=int(user.get("generation", 0)), person=user.get("person"))

    def check_wecom(self, userid: str) -> tuple[str, Principal | None]:
        """The local user linked to WeCom member ``userid``: ("", principal), or why not:
        ("unknown", None) when no user is linked, ("disabled", None) when the user is."""
        directory = self.current()
        name = self.user_of_wecom(userid, directory)
        if name is None:
            return "unknown", None
        user = directory.users[name]
        if user.get("disabled"):
            return "disabled", None
        return "", Principal("user", name, user["role"], user.get("scope"),
                             generation=int(user.get("generation", 0)), person=user.get("person"))

    def check_wall_token(self, token: str) -> Principal | None:
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != "cnw":
            return None
        wall = self.current().walls.get(parts[1])
        if wall is None or wall.get("revoked"):
            return None
        if not hmac.compare_digest(wall["hash"], _digest(parts[2])):
            return None
        return Principal("wall", wall["name"], "wall", wall.get("scope"), wall["layout"],
                         sid=f"wall:{parts[1]}")

    def generation(self, name: str) -> int | None:
        """The user's generation now (None: no such user)."""
        user = self.current().users.get(name)
        return None if user is None else int(user.get("generation", 0))

    def changed_s(self, name: str) -> int:
        """When the user last changed (whole seconds; for cookies from before generations)."""
        user = self.current().users.get(name)
        return 0 if user is None else int(user.get("changed", 0))

    def still_valid(self, principal: Principal, *, watched: bool = False) -> Principal | None:
        """``principal`` as the file says now (role and scope may have changed), or None
        when it no longer may come in (disabled, revoked, changed since: another generation).
        ``watched``: as :meth:`watched` has it (the ``/live`` checks)."""
        if principal.kind == "anonymous":
            return principal
        directory = self.watched() if watched else self.current()
        if principal.kind == "wall":
            wall = directory.walls.get(principal.wall_id)
            if wall is None or wall.get("revoked"):
                return None
            return replace(principal, name=wall["name"], role="wall", scope=wall.get("scope"),
                           layout=wall["layout"])
        user = directory.users.get(principal.name)
        if user is None or user.get("disabled") or principal.generation != int(user.get("generation", 0)):
            return None
        return replace(principal, role=user["role"], scope=user.get("scope"), person=user.get("person"))


def _check_unit(unit: str, role: str) -> None:
    """A user's unit must be one a 12345 ticket can be dispatched to (hotline.UNITS_KNOWN)."""
    from dashboard.hotline import UNITS_KNOWN

    if role != "officer":
        raise AuthError("only officers have a unit")
    if unit not in UNITS_KNOWN:
        raise AuthError(f"unit {unit!r} is not a unit 12345 tickets are dispatched to; one of: "
                        f"{', '.join(sorted(UNITS_KNOWN))}")
