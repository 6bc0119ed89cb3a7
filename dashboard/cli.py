"""The ``changning-dashboard`` command: run, simulate, publish, users, roster.

``run`` serves the dashboard (starting an embedded Redis when ``CN_REDIS_URL`` is
unset, and the demo simulator with ``--demo``); ``simulate`` feeds a Redis with the
demo district; ``publish`` writes events (one from flags, or JSON lines from stdin);
``users`` manages sign-in (users, roles, scopes, wall tokens) in the users file.
Settings: flag > environment > config file > default (see dashboard.config).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec
import orjson

from dashboard.config import ConfigError, Settings, load_settings
from dashboard.logs import setup_logging
from dashboard.users_cli import redis_url_file
from dashboard.walls import DEFAULT_LAYOUT, WALL_LAYOUTS

log = logging.getLogger("dashboard.cli")
HEARTBEAT_PERIOD_S = 300  # the simulated video platform's keep-alive period per camera


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="TOML config file (else CN_CONFIG)")
    parser.add_argument("--redis-url", dest="redis_url", help="Redis URL (else CN_REDIS_URL; unset: "
                        "run and simulate start an embedded redis-server on loopback, publish uses "
                        "the embedded one of a running `run`, named in .run/redis.url)")
    parser.add_argument("--redis-prefix", dest="redis_prefix", help="key prefix (default cn:)")
    parser.add_argument("--log-level", dest="log_level",
                        choices=["debug", "info", "warning", "error"])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="changning-dashboard", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="serve the dashboard")
    _common(run)
    run.add_argument("--host")
    run.add_argument("--port", type=int)
    run.add_argument("--demo", action="store_true", help="also run the demo simulator")
    run.add_argument("--ephemeral", action="store_true",
                     help="without CN_REDIS_URL: a throw-away embedded Redis (temporary directory, "
                          "removed on exit) instead of one that keeps its data in embedded_redis_dir "
                          "(default .run/redis)")
    run.add_argument("--sim-rate", dest="sim_rate", type=float)
    run.add_argument("--sim-points", dest="sim_points", type=int)
    run.add_argument("--sim-seed", dest="sim_seed", type=int)

    sim = sub.add_parser("simulate", help="feed Redis with a simulated district")
    _common(sim)
    sim.add_argument("--seed", dest="sim_seed", type=int)
    sim.add_argument("--points", dest="sim_points", type=int, help="video points (up to 50000)")
    sim.add_argument("--rate", dest="sim_rate", type=float, help="events per second")
    sim.add_argument("--duration", type=float, help="stop after this many seconds")
    sim.add_argument("--no-bootstrap", action="store_true",
                     help="do not register cameras, sensors and shifts first (never done twice "
                          "for one seed and --points in one Redis: <prefix>sim:bootstrapped)")
    sim.add_argument("--backfill-days", dest="backfill_days", type=int, metavar="N",
                     help="first write N days of simulated history (before today) into the history "
                          "archive (history_path or history_url); with --duration 0 stop after that")

    det = sub.add_parser(
        "detect", help="the early-warning engine: seasonal baselines, indicator.anomaly events",
        description="Learn a seasonal baseline per indicator series and sensor from the history "
                    "archive, follow the log and write indicator.anomaly (and indicator.expected) "
                    "events with deterministic ids (docs/early-warning.md). The archive: history_url "
                    "(PostgreSQL), or a history_path DuckDB file no instance holds open.")
    _common(det)
    det.add_argument("--duration", type=float, help="stop after this many seconds")

    pub = sub.add_parser(
        "publish", help="publish events: one from flags, or JSON lines from stdin",
        description="Validate events as the dashboard will (a bad one is refused here, with its line "
                    "number) and append them to the log (XADD <prefix>events), or PUBLISH them. "
                    "Without --type, JSON lines are read from stdin. Exit status: 0 all published, "
                    "1 some lines refused, 2 nothing published.",
        epilog="event types (docs/events.md): " + ", ".join(sorted(_event_types())) + "\n"
               "example: changning-dashboard publish --type video.status --street hongqiao "
               "--data '{\"point_id\": \"cam-1\", \"status\": \"offline\"}'",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    _common(pub)
    pub.add_argument("--type", dest="event_type", help="event type, e.g. video.status (list below)")
    pub.add_argument("--data", help="payload as a JSON object (its fields: docs/events.md)")
    pub.add_argument("--id", dest="event_id",
                     help="the event's own id: sent again with the same id (either --via), it is "
                          "applied once within dedup_window_s of event time (docs/events.md)")
    pub.add_argument("--street", help="management unit code, e.g. hongqiao (the wall's scope)")
    pub.add_argument("--source", default="cli", help="who sent it (default: cli)")
    pub.add_argument("--ts", help="ISO-8601 with offset, or epoch ms (default: now)")
    pub.add_argument("--via", choices=["log", "pubsub"], default="log",
                     help="XADD to the log (default) or PUBLISH on <prefix>pub:cli")
    pub.add_argument("--stdin", action="store_true", help="read JSON lines from stdin")
    users = sub.add_parser("users", help="manage users and wall tokens (the users file)")
    users.add_argument("--config", help="TOML config file (else CN_CONFIG)")
    users.add_argument("--file", dest="users_file", help="users file (else the users_file setting)")
    verbs = users.add_subparsers(dest="verb", required=True)
    add = verbs.add_parser("add", help="add a user (password from stdin, or generated and printed)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=["officer", "admin", "visitor"])
    add.add_argument("--scope", help="an officer's unit code (default: the whole district)")
    add.add_argument("--unit", help="an officer's unit for 12345 work orders on the phone (a name "
                                    "tickets are dispatched to, e.g. 区建管委 or 虹桥街道分中心)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.add_argument("--wecom", metavar="USERID",
                     help="the user's 政务微信/WeCom userid, for the optional WeCom sign-in")
    set_unit = verbs.add_parser("set-unit", help="set an officer's unit for 12345 work orders (ends "
                                                 "their sessions)")
    set_unit.add_argument("name")
    set_unit.add_argument("unit", nargs="?", help="the unit (a name tickets are dispatched to)")
    set_unit.add_argument("--clear", action="store_true", help="remove the unit (the scope decides)")
    set_person = verbs.add_parser("set-person", help="name the duty roster's person this user is (check-in, "
                                                     "handover; ends their sessions)")
    set_person.add_argument("name")
    set_person.add_argument("person", nargs="?", help="the name the roster gives them, e.g. 王伟")
    set_person.add_argument("--clear", action="store_true", help="remove it (the user name is matched)")
    pw = verbs.add_parser("set-password", help="set a user's password (ends their sessions)")
    pw.add_argument("name")
    pw.add_argument("--password-stdin", action="store_true")
    for verb, text in (("disable", "disable a user (at once, on every instance)"),
                       ("enable", "enable a disabled user")):
        verbs.add_parser(verb, help=text).add_argument("name")
    verbs.add_parser("list", help="list users and wall tokens")
    wecom = verbs.add_parser("set-wecom", help="link a user to their 政务微信/WeCom userid (ends their "
                             "sessions); --unlink removes the link")
    wecom.add_argument("name")
    wecom.add_argument("userid", nargs="?", help="the member's userid in the organisation (账号)")
    wecom.add_argument("--unlink", action="store_true", help="remove the user's WeCom link")
    wall = verbs.add_parser("add-wall", help="issue a wall device token and print its URL")
    wall.add_argument("name")
    wall.add_argument("--layout", default=DEFAULT_LAYOUT, choices=WALL_LAYOUTS, help="the wall's layout")
    wall.add_argument("--scope", help="show one unit only")
    wall.add_argument("--base-url", help="the dashboard's URL as the kiosk reaches it")
    revoke = verbs.add_parser("revoke-wall", help="revoke a wall token (its wall stops at once)")
    revoke.add_argument("wall_id")
    unlock = verbs.add_parser(
        "unlock", help="lift a sign-in lock: an account (everywhere, or at --address), or an address",
        description="Empty the failure counts of an account (at every address, or at --address "
                    "only) or of an address (its sign-ins and wall tokens), on every instance. "
                    "Needs the dashboard's Redis (CN_REDIS_URL, --redis-url, or the one a running "
                    "`run` names in .run/redis.url).")
    unlock.add_argument("name", nargs="?", help="the account (user name) to unlock")
    unlock.add_argument("--address", help="the client address (IPv4 or IPv6) to unlock")
    unlock.add_argument("--redis-url", dest="redis_url", help="Redis URL (else CN_REDIS_URL)")
    unlock.add_argument("--redis-prefix", dest="redis_prefix", help="key prefix (default cn:)")
    from dashboard.roster_cli import add_parser as add_roster

    add_roster(sub, _common)
    return parser


def _flags(args: argparse.Namespace) -> dict[str, Any]:
    names = {"redis_url", "redis_prefix", "log_level", "host", "port", "sim_rate",
             "sim_points", "sim_seed", "users_file"}
    return {name: getattr(args, name) for name in names if hasattr(args, name)}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(_flags(args), config_path=args.config)
    except ConfigError as exc:
        print(f"changning-dashboard: {exc}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level)
    if args.command == "users":
        from dashboard.users_cli import users_command

        return users_command(settings, args)
    if args.command == "run":
        if args.ephemeral:
            settings = msgspec.structs.replace(settings, embedded_redis_dir="")
        return _run(settings, demo=args.demo)
    if args.command == "simulate":
        if args.backfill_days is not None:
            if args.backfill_days < 1:
                print("changning-dashboard: --backfill-days must be at least 1", file=sys.stderr)
                return 2
            status = backfill_history(settings, args.backfill_days)
            if status or args.duration == 0:
                return status
        return _with_redis(settings, lambda s: _simulate(s, args.duration, not args.no_bootstrap))
    if args.command == "detect":
        return _with_redis(settings, lambda s: _detect(s, args.duration), embedded_ok=False)
    if args.command == "roster":
        from dashboard.roster_cli import roster_command

        return _with_redis(settings, lambda s: roster_command(s, args), embedded_ok=False)
    return _with_redis(settings, lambda s: _publish(s, args), embedded_ok=False)


def _with_redis(settings: Settings, body: Any, embedded_ok: bool = True) -> int:
    from redis.exceptions import ConnectionError as RedisConnectionError

    if settings.redis_url:
        try:
            return int(asyncio.run(body(settings)) or 0)
        except (RedisConnectionError, OSError) as exc:
            print(f"changning-dashboard: Redis at {settings.redis_url} does not answer ({exc})",
                  file=sys.stderr)
            return 2
    if not embedded_ok:
        named = redis_url_file(settings)
        if named.is_file():  # the embedded Redis of a running `changning-dashboard run`
            url = named.read_text(encoding="utf-8").strip()
            try:
                return int(asyncio.run(body(msgspec.structs.replace(settings, redis_url=url))) or 0)
            except (RedisConnectionError, OSError):
                print(f"changning-dashboard: the Redis named in {named} ({url}) does not answer: "
                      f"is `changning-dashboard run` still running? (or set CN_REDIS_URL)",
                      file=sys.stderr)
                return 2
        print(f"changning-dashboard: set CN_REDIS_URL or --redis-url (publish needs the "
              f"dashboard's Redis; no running `run` named one in {named})", file=sys.stderr)
        return 2
    from dashboard.redis_server import EmbeddedRedis

    with EmbeddedRedis() as server:
        print(f"embedded Redis at {server.url}", flush=True)
        return int(asyncio.run(body(msgspec.structs.replace(settings, redis_url=server.url))) or 0)


# ---------------------------------------------------------------------- run


def _run(settings: Settings, demo: bool) -> int:
    import uvicorn

    from dashboard.app import create_app
    from dashboard.redis_server import for_run
    from dashboard.users_cli import ensure_users_file

    try:
        first_start = ensure_users_file(settings)
    except (OSError, ValueError) as exc:
        print(f"changning-dashboard: users file {settings.users_file}: {exc}", file=sys.stderr)
        return 2
    embedded = None
    if not settings.redis_url:
        try:  # a kept append-only file may take a while to load
            embedded = for_run(settings.embedded_redis_dir).start(timeout=120.0)
        except (RuntimeError, OSError) as exc:
            print(f"changning-dashboard: embedded Redis: {exc}", file=sys.stderr)
            return 2
        settings = msgspec.structs.replace(settings, redis_url=embedded.url)
        if not embedded.persistent and settings.history_url is None and settings.history_path:
            # a throw-away run archives into its throw-away directory, not into the kept file
            settings = msgspec.structs.replace(
                settings, history_path=str(Path(embedded.data_dir) / "history.duckdb"))
        redis_url_file(settings).parent.mkdir(parents=True, exist_ok=True)
        redis_url_file(settings).write_text(embedded.url + "\n", encoding="utf-8")
    if demo and backfill_history(settings, DEMO_BACKFILL_DAYS, only_if_empty=True):
        return 2
    try:
        app = create_app(settings)
        if demo:
            _attach_simulator(app, settings)
        config = uvicorn.Config(
            app, host=settings.host, port=settings.port, log_level=settings.log_level,
            access_log=False, ws_max_size=settings.max_client_message_bytes * 4,
            ws_ping_interval=20, ws_ping_timeout=20, lifespan="on",
            ws_per_message_deflate=False,  # a frame is encoded once for all clients: no
            # per-connection compression (CPU per client, ~50 KiB of memory per connection)
            **uvicorn_limits(settings),
        )
        server = uvicorn.Server(config)
        from dashboard.users_cli import how_to_get_in

        kept = (f"data kept in {embedded.data_dir}" if embedded and embedded.persistent
                else f"throw-away, in {embedded.data_dir}" if embedded else "")
        print(f"一屏观 · 一屏管 dashboard on http://{settings.host}:{settings.port}/"
              + (f"  (embedded Redis {embedded.url}, {kept})" if embedded else ""), flush=True)
        print(how_to_get_in(settings, first_start), flush=True)
        # uvicorn shuts down gracefully on SIGTERM, then raises the signal again to the
        # handler it found: make that one a Ctrl-C, so the clean-up below runs (the
        # embedded Redis stopped, a throw-away one's directory removed)
        signal.signal(signal.SIGTERM, signal.default_int_handler)
        with contextlib.suppress(KeyboardInterrupt):
            server.run()
    finally:
        if embedded is not None:
            redis_url_file(settings).unlink(missing_ok=True)
            embedded.cleanup()
    return 0


def uvicorn_limits(settings: Settings) -> dict[str, Any]:
    """uvicorn's options for the HTTP limits and the trusted proxies (docs/security.md)."""
    from dashboard.http_limits import HttpLimits, guarded_protocol, proxy_list, trusts

    limits = HttpLimits(max_head_bytes=settings.max_head_bytes, max_url_bytes=settings.max_url_bytes,
                        max_headers=settings.max_headers, head_timeout_s=settings.head_timeout_s,
                        max_connections_per_address=settings.max_connections_per_address)
    return {"http": guarded_protocol(limits, trusts(settings.trusted_proxies)),
            "timeout_keep_alive": settings.keep_alive_s, "limit_concurrency": settings.max_connections,
            "proxy_headers": True, "forwarded_allow_ips": proxy_list(settings.trusted_proxies)}


def _attach_simulator(app: Any, settings: Settings) -> None:
    """Run the demo simulator inside the server's event loop, on its own Redis client."""
    from dashboard.bus import Bus, connect_for

    outer = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(application: Any) -> Any:
        async with outer(application):
            bus = Bus(connect_for(settings), settings)
            task = asyncio.create_task(run_simulator(bus, settings, None, bootstrap=True))
            detector = asyncio.create_task(run_detect_in(app.state.runtime, bus, settings))
            try:
                yield
            finally:
                for running in (task, detector):
                    running.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await running
                await bus.redis.aclose()

    app.router.lifespan_context = lifespan


# ---------------------------------------------------------------------- simulate

DEMO_BACKFILL_DAYS = 30  # `run --demo` on an empty archive: a month to analyse


def backfill_history(settings: Settings, days: int, *, only_if_empty: bool = False) -> int:
    """Write ``days`` days of simulated history into the archive (dashboard/simulator_backfill.py);
    ``only_if_empty``: unless the archive holds events already.  Exit status (2: no archive)."""
    from dashboard.clock import now_ms
    from dashboard.history import ArchiveError
    from dashboard.history_open import archive_where, open_archive
    from dashboard.simulator_backfill import backfill

    where = archive_where(settings)
    if where is None:
        if only_if_empty:
            return 0
        print("changning-dashboard: no history archive (set history_path or history_url)", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        archive = open_archive(settings)
        try:
            if only_if_empty and archive.count("events"):
                return 0
            print(f"backfilling {days} day(s) of simulated history into {where} …", flush=True)
            written = backfill(archive, days, now_ms(), seed=settings.sim_seed,
                               video_points=settings.sim_points)
        finally:
            archive.close()
    except ArchiveError as exc:
        print(f"changning-dashboard: history archive: {exc} (a DuckDB file is locked while an "
              f"instance archives into it: backfill before starting it, or use history_url)",
              file=sys.stderr)
        return 2
    print(f"backfilled {written:,} events in {time.monotonic() - started:.1f} s", flush=True)
    return 0


async def run_simulator(bus: Any, settings: Settings, duration: float | None,
                        bootstrap: bool = True) -> int:
    """Write the simulated district to the log at ``settings.sim_rate`` events/s."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    from dashboard.simulator import DistrictSimulator

    now_ms = int(time.time() * 1000)
    # same seed: same cameras and sensors; the run tag keeps case ids of restarts apart
    sim = DistrictSimulator(seed=settings.sim_seed, video_points=settings.sim_points,
                            start_ms=now_ms, run=f"r{now_ms // 1000 % 10**6:06d}",
                            sensor_alarms_per_hour=settings.sim_sensor_alarms_per_hour)
    sent = 0
    # a Redis that kept the point set of this seed and size (a restarted demo) has it already
    marker, point_set = settings.keys.sim_bootstrapped, f"{settings.sim_seed}:{settings.sim_points}"
    if bootstrap and await bus.redis.get(marker) != point_set.encode():
        events = sim.bootstrap()
        for start in range(0, len(events), 2000):
            await bus.append_many([orjson.dumps(e) for e in events[start:start + 2000]])
        await bus.redis.set(marker, point_set)
        sent += len(events)
    if bootstrap:  # the demo roster (synthetic names); the same rotation ids replace it
        from dashboard.simulator_roster import demo_roster

        await bus.append_many([orjson.dumps(e) for e in demo_roster(now_ms, settings.sim_seed)])
    tick = 0.1
    started = time.monotonic()
    owed = beats_owed = 0.0
    beat_rate = settings.sim_points / HEARTBEAT_PERIOD_S  # every camera reports every 5 min
    while duration is None or time.monotonic() - started < duration:
        owed += settings.sim_rate * tick
        beats_owed += beat_rate * tick
        count, beats = int(owed), int(beats_owed)
        owed -= count
        beats_owed -= beats
        if count or beats:
            now = int(time.time() * 1000)
            batch = sim.step(now, count) + sim.heartbeats(now, beats)
            try:
                await bus.append_many([orjson.dumps(e) for e in batch])
                sent += len(batch)
            except (RedisConnectionError, OSError):
                log.warning("simulator: redis unavailable, retrying")
        await asyncio.sleep(tick)
    return 0 if sent else 1


async def _simulate(settings: Settings, duration: float | None, bootstrap: bool) -> int:
    from dashboard.bus import Bus, connect_for

    bus = Bus(connect_for(settings), settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    task = asyncio.create_task(run_simulator(bus, settings, duration, bootstrap))
    waiter = asyncio.create_task(stop.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    task.cancel()
    waiter.cancel()
    await bus.redis.aclose()
    return 0


# ---------------------------------------------------------------------- detect


async def run_detect_in(runtime: Any, bus: Any, settings: Settings) -> None:
    """The early-warning engine inside an instance (``run --demo``): it reads the archive
    in the archiver's thread (a DuckDB file admits one process)."""
    from dashboard.detect_engine import Engine, build_detector

    async def history(fn: Any) -> Any:
        return None if runtime.archiver is None else await runtime.archiver.read(fn)

    await Engine(bus, build_detector(settings), history, settings).run()


async def _detect(settings: Settings, duration: float | None) -> int:
    from dashboard.bus import Bus, connect_for
    from dashboard.detect_engine import Engine, build_detector, direct_history
    from dashboard.history_open import archive_where

    if archive_where(settings) is None:
        print("changning-dashboard detect: no history archive (set history_path or history_url)",
              file=sys.stderr)
        return 2
    bus = Bus(connect_for(settings), settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if duration is not None:
        loop.call_later(duration, stop.set)
    engine = Engine(bus, build_detector(settings), direct_history(settings), settings)
    try:
        await engine.run(stop)
    finally:
        await bus.redis.aclose()
    print(f"detect: wrote {engine.written} event(s), {engine.anomalies} anomaly(ies)", flush=True)
    return 0


# ---------------------------------------------------------------------- publish


def _event_types() -> list[str]:
    from dashboard.events import PAYLOADS

    return list(PAYLOADS)


def _event_from_flags(args: argparse.Namespace) -> dict[str, Any]:
    if not args.event_type or args.data is None:
        raise ValueError("give --type and --data, or --stdin with JSON lines")
    try:
        data = orjson.loads(args.data)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"--data is not JSON: {exc}") from None
    event: dict[str, Any] = {"type": args.event_type, "data": data, "source": args.source,
                             "ts": args.ts if args.ts else int(time.time() * 1000)}
    if args.event_id:
        event["id"] = args.event_id
    if args.street:
        event["street"] = args.street
    return event


async def _publish(settings: Settings, args: argparse.Namespace) -> int:
    """Validate locally (a bad line is reported with its number and skipped), then write."""
    from dashboard.bus import Bus, connect_for
    from dashboard.events import InvalidEvent, parse_event

    raws: list[bytes] = []
    errors = 0
    if args.stdin or args.event_type is None:
        for number, line in enumerate(sys.stdin.buffer, start=1):
            line = line.strip()
            if not line:
                continue
            try:
                parse_event(line, settings.max_event_bytes)
                raws.append(line)
            except InvalidEvent as exc:
                errors += 1
                print(f"line {number}: {exc}", file=sys.stderr)
    else:
        try:
            raw = orjson.dumps(_event_from_flags(args))
            parse_event(raw, settings.max_event_bytes)
            raws.append(raw)
        except (ValueError, InvalidEvent) as exc:
            print(f"changning-dashboard publish: {exc}", file=sys.stderr)
            return 2
    bus = Bus(connect_for(settings), settings)
    try:
        if args.via == "pubsub":
            for raw in raws:
                await bus.publish("cli", raw)
        else:
            for start in range(0, len(raws), 1000):
                await bus.append_many(raws[start:start + 1000])
    finally:
        await bus.redis.aclose()
    print(f"published {len(raws)} event(s)" + (f", {errors} refused" if errors else ""))
    return 1 if errors else 0
