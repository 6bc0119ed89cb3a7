"""``changning-dashboard users ...`` and the first start of ``run``.

Every change is written to the users file (which running instances re-read on their
next request) and to the audit spool, which a running instance flushes to ``cn:audit``.
``unlock`` works on the dashboard's Redis instead: it empties the failure counts there
and tells every instance, through the security feed, to forget its own.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from pathlib import Path

import msgspec
from redis.exceptions import RedisError

from dashboard.attempts import Attempts
from dashboard.audit import entry, spool_append
from dashboard.auth import AuthError, UserStore, new_password
from dashboard.config import Settings
from dashboard.ratelimits import SignInLimits
from dashboard.security_feed import Notice, SecurityFeed
from dashboard.walls import DEFAULT_LAYOUT, WALL_LAYOUTS

FIRST_LOGIN = "first-login.txt"


def _audit(settings: Settings, action: str, target: str, detail_key: str = "", **values: str) -> None:
    """Spool an entry; its detail, if any, is a message of dashboard/i18n.py with ``values``."""
    who = os.environ.get("SUDO_USER") or os.environ.get("USER") or "cli"
    spool_append(settings.audit_spool, [entry(action, f"cli:{who}", "admin", target=target,
                                              detail_key=detail_key, detail_values=values, ip="local")],
                 settings.audit_spool_max)


def _password(from_stdin: bool) -> str | None:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if first != getpass.getpass("again: "):
            raise AuthError("the passwords differ")
        return first
    return None  # generate one


def _set_wecom(settings: Settings, store: UserStore, name: str, userid: str | None) -> None:
    if userid is None:
        store.set_wecom(name, None)
        _audit(settings, "user.set-wecom", f"user:{name}", "audit.d.wecom_unlinked")
        print(f"{name} is no longer linked to a 政务微信/WeCom member; their sessions have ended")
        return
    store.set_wecom(name, userid)
    _audit(settings, "user.set-wecom", f"user:{name}", "audit.d.wecom_linked", userid=userid)
    print(f"{name} signs in with 政务微信/WeCom as member {userid}")


def redis_url_file(settings: Settings) -> Path:
    """Where ``run`` names its embedded Redis while it runs (beside the users file)."""
    return Path(settings.users_file).parent / "redis.url"


def _redis_url(settings: Settings) -> str:
    if settings.redis_url:
        return settings.redis_url
    named = redis_url_file(settings)
    if named.is_file():
        return named.read_text(encoding="utf-8").strip()
    raise AuthError(f"set CN_REDIS_URL or --redis-url (no running `run` named its Redis in {named})")


async def unlock(settings: Settings, account: str | None, address: str | None) -> int:
    """Lift the lock of ``account`` (at ``address``, or everywhere) or of ``address`` on
    every instance; how many windows held counts in Redis."""
    from dashboard.bus import connect_for

    client = connect_for(msgspec.structs.replace(settings, redis_max_connections=4), _redis_url(settings))
    try:
        limits = SignInLimits.from_settings(Attempts(client, settings.login_window_s), settings)
        emptied = await limits.unlock(account, address)
        feed = SecurityFeed(client, settings.keys.security,
                            max(settings.session_ttl_s, settings.wall_session_ttl_s))
        if not await feed.publish(Notice.unlock(account, address)):
            raise OSError("the instances could not be told (Redis went away)")
        return emptied
    finally:
        await client.aclose()


def wall_url(settings: Settings, token: str, base_url: str | None = None) -> str:
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    base = (base_url or f"http://{host}:{settings.port}").rstrip("/")
    return f"{base}/?token={token}"


def users_command(settings: Settings, args: argparse.Namespace) -> int:
    store = UserStore(settings.users_file)
    try:
        if args.verb == "list":
            directory = store.current()
            print(f"users in {store.path}:")
            for name, u in sorted(directory.users.items()):
                state = "disabled" if u.get("disabled") else "active"
                wecom = f"  wecom:{u['wecom_userid']}" if u.get("wecom_userid") else ""
                unit = f" unit={u['unit']}" if u.get("unit") else ""
                person = f" person={u['person']}" if u.get("person") else ""
                print(f"  {name:<20} {u['role']:<8} {u.get('scope') or 'district':<12} {state}{unit}{person}"
                      f"{wecom}")
            print("wall tokens:")
            for wall_id, w in sorted(directory.walls.items()):
                state = "revoked" if w.get("revoked") else "active"
                scope = w.get("scope") or "district"
                print(f"  {wall_id}  {w['name']:<20} {w['layout']:<10} {scope:<12} {state}")
            return 0
        if args.verb == "add":
            password = _password(args.password_stdin)
            generated = password is None
            password = password or new_password()
            store.add_user(args.name, args.role, password, args.scope, args.unit, wecom_userid=args.wecom)
            _audit(settings, "user.add", f"user:{args.name}", "audit.d.user", role=args.role,
                   scope=args.scope or "district")
            if args.unit:
                _audit(settings, "user.set-unit", f"user:{args.name}", "audit.d.unit", unit=args.unit)
            print(f"added {args.name} ({args.role})" + (f"; password: {password}" if generated else ""))
            if args.wecom:
                _audit(settings, "user.set-wecom", f"user:{args.name}", "audit.d.wecom_linked",
                       userid=args.wecom)
                print(f"{args.name} signs in with 政务微信/WeCom as member {args.wecom}")
        elif args.verb == "set-password":
            password = _password(args.password_stdin)
            generated = password is None
            password = password or new_password()
            store.set_password(args.name, password)
            _audit(settings, "user.set-password", f"user:{args.name}")
            print(f"password of {args.name} changed; their sessions have ended"
                  + (f"; new password: {password}" if generated else ""))
        elif args.verb == "set-wecom":
            if bool(args.userid) == bool(args.unlink):
                raise AuthError("set-wecom needs a userid, or --unlink")
            _set_wecom(settings, store, args.name, None if args.unlink else args.userid)
        elif args.verb == "set-unit":
            new_unit: str | None = None if args.clear else args.unit
            if new_unit is None and not args.clear:
                raise AuthError("set-unit needs a unit, or --clear")
            store.set_unit(args.name, new_unit)
            _audit(settings, "user.set-unit", f"user:{args.name}", "audit.d.unit", unit=new_unit or "-")
            print(f"unit of {args.name}: {new_unit or 'none (their scope decides)'}; "
                  "their sessions have ended")
        elif args.verb == "set-person":
            new_person: str | None = None if args.clear else args.person
            if new_person is None and not args.clear:
                raise AuthError("set-person needs a person, or --clear")
            store.set_person(args.name, new_person)
            _audit(settings, "user.set-person", f"user:{args.name}", "audit.d.person",
                   person=new_person or "-")
            print(f"{args.name} is {new_person or 'matched by their user name'} on the duty roster; "
                  "their sessions have ended")
        elif args.verb in ("disable", "enable"):
            store.set_disabled(args.name, args.verb == "disable")
            _audit(settings, f"user.{args.verb}", f"user:{args.name}")
            print(f"{args.name} {args.verb}d")
        elif args.verb == "add-wall":
            token = store.add_wall(args.name, args.layout, args.scope)
            wall_id = token.split(".")[1]
            _audit(settings, "wall.add", f"wall:{wall_id}", "audit.d.wall", name=args.name,
                   layout=args.layout)
            print(f"wall token {wall_id} for {args.name} ({args.layout}); open this URL on the kiosk:")
            print(f"  {wall_url(settings, token, args.base_url)}")
        elif args.verb == "unlock":
            if not args.name and not args.address:
                raise AuthError("unlock needs an account name, --address, or both")
            try:
                emptied = asyncio.run(unlock(settings, args.name, args.address))
            except ValueError as exc:
                raise AuthError(f"--address {args.address!r}: {exc}") from None
            except RedisError as exc:
                raise AuthError(f"the dashboard's Redis does not answer ({exc})") from None
            target = f"user:{args.name}" if args.name else f"address:{args.address}"
            _audit(settings, "user.unlock", target, "audit.d.unlock", account=args.name or "*",
                   address=args.address or "*")
            where = f" at {args.address}" if args.name and args.address else ""
            print(f"unlocked {args.name or args.address}{where} on every instance "
                  f"({emptied} count{'s' if emptied != 1 else ''} emptied)")
        elif args.verb == "revoke-wall":
            store.revoke_wall(args.wall_id)
            _audit(settings, "wall.revoke", f"wall:{args.wall_id}")
            print(f"wall token {args.wall_id} revoked")
    except (AuthError, OSError) as exc:
        print(f"changning-dashboard users: {exc}", file=sys.stderr)
        return 2
    return 0


def ensure_users_file(settings: Settings) -> bool:
    """On the very first start: a users file with an admin (generated password) and one
    wall token, written to ``first-login.txt`` (0600) beside it.  True when it did so."""
    store = UserStore(settings.users_file)
    if store.exists():
        store.current()  # a broken file stops the start with its reason
        return False
    store.create()
    password = new_password()
    store.add_user("admin", "admin", password)
    token = store.add_wall("hall-wall", DEFAULT_LAYOUT)
    note = Path(settings.users_file).with_name(FIRST_LOGIN)
    fd = os.open(note, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(f"admin password: {password}\nwall URL: {wall_url(settings, token)}\n")
    _audit(settings, "user.add", "user:admin", "audit.d.first_admin")
    _audit(settings, "wall.add", f"wall:{token.split('.')[1]}", "audit.d.first_wall", name="hall-wall",
           layout=DEFAULT_LAYOUT)
    return True


def how_to_get_in(settings: Settings, first_start: bool) -> str:
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    base = f"http://{host}:{settings.port}"
    note = Path(settings.users_file).with_name(FIRST_LOGIN)
    lines = [f"sign in at {base}/login"]
    if note.exists():
        text = note.read_text(encoding="utf-8").strip().splitlines()
        lines += [("first start: " if first_start else "from ") + f"{note} (delete it once noted):"]
        lines += [f"  {line}" for line in text]
    else:
        lines.append("users: changning-dashboard users list | add | set-password admin | add-wall NAME")
    lines += [
        "the wall URL: append &lang=en for English, &layers=streets,video,incidents,sensors to",
        "  choose the map's layers; its token fixes the layout (this one "
        f"{DEFAULT_LAYOUT}; a 4K or spliced wall: users add-wall NAME --layout {' | '.join(WALL_LAYOUTS)})",
        f"events: changning-dashboard publish --type ... --data '{{...}}' (or redis-cli -u URL; "
        f"the URL is in {Path(settings.users_file).parent / 'redis.url'} while this runs)",
    ]
    if settings.visitor_anonymous:
        lines.append(f"visitors: {base}/ (open without sign-in)")
    return "\n".join(lines)
