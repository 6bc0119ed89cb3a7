"""Settings: one frozen object, read once at start-up.

Precedence, highest first: command-line flag > environment variable (``CN_<NAME>``) >
TOML config file (``CN_CONFIG`` or ``--config``) > the default below.  Any problem is
raised as :class:`ConfigError` naming the key and where it came from, so a typo in a
config file stops the process at start-up instead of being ignored.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args, get_type_hints

import msgspec

from dashboard.checkin import Schedule
from dashboard.events import CRS_NAMES
from dashboard.redis_url import RedisUrlError, is_cluster_url, parse_redis_url
from dashboard.walls import MAP_LAYERS


class ConfigError(ValueError):
    """A setting is missing, unknown or of the wrong type; the message names key and source."""


#: settings that are secrets: given by the environment (or a ``*_file`` setting), never
#: written in clear in the config file
SECRET_KEYS = frozenset({"wecom_secret"})


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Every tunable of one dashboard instance.  Times are seconds unless the name says ms.
    Build one with :func:`load_settings`; copy with ``msgspec.structs.replace``."""

    redis_url: str | None = None  # None: start an embedded redis-server on loopback
    redis_prefix: str = "cn:"
    redis_max_connections: int = 64  # per instance; a command waits up to 5 s for a free one
    # Redis deployments (dashboard/redis_url.py, dashboard/redis_clients.py, docs/deploy.md)
    redis_socket_timeout_s: float = 5.0  # no reply within this: Redis counts as down (a cut network)
    redis_connect_timeout_s: float = 2.0  # a new connection must be up within this
    bridge_max_attempts: int = 10  # failed writes of one pub/sub batch before it is dead-lettered
    host: str = "127.0.0.1"
    port: int = 8050
    log_level: str = "warning"
    # ingest
    max_event_bytes: int = 65_536
    read_batch: int = 2_000
    dedup_ttl_s: int = 86_400  # how long a pub/sub idempotency key is remembered
    dedup_window_s: int = 86_400  # the reducer ignores an event id applied within this much event time
    dedup_max_ids: int = 200_000  # ids the reducer remembers at most (~200 bytes each; dashboard/dedup.py)
    embedded_redis_dir: str = ".run/redis"  # `run` without redis_url keeps its Redis here; "": throw-away
    log_max_len: int = 2_000_000  # the log is trimmed (approximately) beyond this many entries
    snapshot_every_events: int = 50_000
    snapshot_every_s: float = 30.0
    snapshot_fork: bool = True  # serialise snapshots in a forked child, off the event loop
    # push
    callback_concurrency: int = 1  # Dash callbacks run at a time (dashboard/gate.py)
    console_worker: bool = True  # the console's callbacks in a worker process (dashboard/console_worker.py)
    console_worker_wait_s: float = 1.0  # the worker's wait for the entry a request was cued by
    patch_interval_ms: int = 100  # conflation window: at most 1000/patch_interval_ms patches/s
    client_queue_frames: int = 64  # a client further behind than this is resynchronised
    client_send_timeout_s: float = 10.0  # a client stuck this long in one send is disconnected
    max_client_message_bytes: int = 4_096
    # domain
    video_stale_s: int = 900  # a camera with no report for this long is "stale"
    feed_size: int = 50  # newest incidents/alarms in the wall's feed
    catalogue_path: str | None = None  # indicator catalogue TOML; None: the packaged default
    console_path: str | None = None  # dispatch units and deadlines TOML; None: packaged default
    streets_geojson: str | None = None  # authoritative street areas; None: packaged approximation
    tile_url: str | None = None  # base-map tile URL template; None: offline vector outline
    tile_crs: str = "gcj02"
    map_indicator: str = "green.aqi"  # per-street indicator that colours the street areas
    map_layers: str = "streets,video,incidents,sensors"  # the wall map's layers (a URL's ?layers= wins)
    # attention on the wall
    attention_fly_s: float = 20.0  # a severe incident holds the map this long, then overview
    attention_sound: bool = False
    flood_alarms: int = 10  # more alarms than this within flood_window_s is a flood
    handover_ack_min: float = 30.0  # a handover not acknowledged this long is an inbox alarm
    flood_window_s: int = 600
    # 12345 work orders: deadlines in working days (dashboard/workdays.py, docs/events.md)
    calendar_path: str | None = None  # holidays and make-up working days TOML; None: packaged
    sources_path: str | None = None  # the feeding systems and their allowed silence; None: packaged
    performance_path: str | None = None  # street performance weights and sensitivity; None: packaged
    hotline_days_emergency: int = 1  # working days allowed for an urgency-1 (emergency) ticket
    hotline_days_urgent: int = 5  # … urgency 2 (urgent)
    hotline_days_normal: int = 15  # … urgency 3 (normal)
    hotline_near_days: int = 1  # near-due from the start of this many working days before
    # check-in of the post on duty, 查岗 (dashboard/checkin.py, docs/duty.md "Check-in"): off
    # until times or per-shift checks are set; every instance runs the scheduler (one request each)
    checkin_times: str = ""  # fixed times of the day, Beijing time ("09:00,21:00")
    checkin_per_shift: int = 0  # derived random times inside each roster shift
    checkin_answer_min: int = 10  # minutes to answer a request (M); later it is missed
    checkin_seed: str = "changning"  # changes the derived times (the same on every instance)
    checkin_tick_s: float = 15.0  # the scheduler looks for requests due this often
    # the history archive (dashboard/archiver.py, docs/deploy.md "History")
    history_path: str | None = ".run/history.duckdb"  # embedded DuckDB: ONE instance; None: no archive
    history_url: str | None = None  # postgresql://… shared by several instances; wins over history_path
    history_lease_s: float = 10.0  # the archiver's lease: another instance takes over within this
    history_batch: int = 2_000  # log entries archived per transaction
    # 12345 perception and Open311 (dashboard/perception.py, perception_api.py, open311.py)
    perception_recurring_days: int = 30  # recurring: tickets of the same place and problem within this
    perception_radius_m: float = 50.0  # recurring: same category within this distance
    perception_text_similarity: float = 70.0  # recurring: texts at one address at least this alike (0–100)
    perception_refresh_s: float = 60.0  # the perception tables are recomputed at most this often
    open311_token: str | None = None  # Open311 GeoReport v2 read with `Authorization: Bearer <this>`
    # demo simulator
    # sign-in and zero trust (docs/security.md)
    users_file: str = ".run/users.json"  # users, roles, scopes, wall tokens, the session secret
    audit_spool: str = ".run/audit-spool.jsonl"  # audit entries waiting for Redis
    audit_spool_max: int = 10_000
    session_ttl_s: int = 43_200  # a signed-in user's session (12 h)
    wall_session_ttl_s: int = 2_592_000  # a wall device's session (30 days; revocable at once)
    visitor_anonymous: bool = False  # True: the visitor view is open without sign-in
    monitoring_token: str | None = None  # /healthz and /metrics from non-loopback with this bearer
    frame_ancestors: str = ""  # origins that may frame the pages (space-separated); empty: none
    allowed_origins: str = ""  # extra WebSocket/CSRF origins (space-separated), e.g. behind a proxy
    cookie_secure: bool = False  # set True behind TLS
    login_max_failures: int = 10  # failures of one account from one address within login_window_s → locked
    login_address_max_failures: int = 30  # failures from one address (any accounts) → the address locked
    login_account_slow_after: int = 20  # failures of one account (any addresses) beyond: slowed, not locked
    wall_token_max_failures: int = 10  # bad wall tokens from one address within login_window_s → locked
    login_window_s: int = 900
    audit_rollup_s: float = 60.0  # repeated failures of one source: one audit entry per this window
    audit_rollup_sources: int = 200  # sources with an open window at a time; others counted together
    # 政务微信 / WeCom sign-in (dashboard/wecom.py, docs/security.md "政务微信 / WeCom sign-in"): off
    wecom_enabled: bool = False
    wecom_corp_id: str | None = None  # the organisation's CorpID (企业ID)
    wecom_agent_id: str | None = None  # the self-built app's AgentId (digits)
    wecom_secret: str | None = None  # the app's Secret: CN_WECOM_SECRET only, never in the config file
    wecom_secret_file: str | None = None  # or a file holding it (mode 0600), read at start-up
    wecom_api_base: str = "https://qyapi.weixin.qq.com"  # gettoken and auth/getuserinfo
    wecom_authorize_base: str = "https://open.weixin.qq.com"  # connect/oauth2/authorize
    wecom_redirect_uri: str | None = None  # the callback URL as registered; None: this request's host
    wecom_timeout_s: float = 5.0  # one call to WeCom's API, connecting included
    wecom_state_s: int = 300  # from /auth/wecom/start to its callback at most
    wecom_max_failures: int = 10  # failed WeCom sign-ins from one address within login_window_s → locked
    live_connects_per_min: int = 600  # /live connections per address per minute (0: no limit)
    max_request_bytes: int = 1_048_576
    # HTTP limits below the guard (dashboard/http_limits.py) and uvicorn's own
    max_head_bytes: int = 32_768  # request line and headers of one request (431 beyond)
    max_url_bytes: int = 8_192  # the request line's target (414 beyond)
    max_headers: int = 100  # header fields of one request (431 beyond)
    head_timeout_s: float = 10.0  # a request's head must be complete within this
    body_timeout_s: float = 30.0  # a request's body must be complete within this (408)
    keep_alive_s: float = 5.0  # an idle keep-alive connection is closed after this
    max_connections: int = 4_096  # open connections in all (503 beyond: uvicorn limit_concurrency)
    max_connections_per_address: int = 256  # per client address (trusted proxies excepted)
    trusted_proxies: str = "127.0.0.1"  # addresses whose X-Forwarded-For/-Proto are believed
    allowed_hosts: str = ""  # Host names served (space-separated); empty: `host` and loopback names

    sim_seed: int = 7
    sim_points: int = 2_000
    sim_rate: float = 50.0
    sim_sensor_alarms_per_hour: float = 2.0  # the live demo's IoT alarms (a seat's load: ≤ 6 alarms/h in all)
    # early warning (dashboard/detect.py, docs/early-warning.md)
    detect_threshold: float = 4.5  # robust deviations from the expectation that raise an anomaly
    detect_history_days: int = 28  # history each baseline is fitted on
    detect_lookback_s: int = 3_600  # a first start follows the log from this far back
    #: where the engine keeps its fitted baselines across restarts (dashboard/baseline_store.py);
    #: None: beside an embedded archive (<history_path>.baselines)
    detect_baselines_path: str | None = None
    detect_keep_baselines: bool = True  # false: every start fits every baseline anew
    # where this came from, for error messages
    sources: dict[str, str] = {}

    @property
    def map_crs(self) -> str:
        """The one CRS the map is drawn in: the tiles' when a tile base map is configured,
        else GCJ-02 (the packaged offline outline's)."""
        return self.tile_crs if self.tile_url else "gcj02"

    @property
    def keys(self) -> RedisKeys:
        """The key names; on a Cluster URL under the hash-tagged prefix (``cn:`` → ``{cn}:``)
        so that every key, and so every multi-key script, is in one slot."""
        if is_cluster_url(self.redis_url):
            return RedisKeys(hash_tagged(self.redis_prefix))
        return RedisKeys(self.redis_prefix)


@dataclass(frozen=True, slots=True)
class RedisKeys:
    """The Redis key names of DESIGN.md, under one prefix."""

    prefix: str

    @property
    def log(self) -> str:
        return f"{self.prefix}events"

    @property
    def pub_pattern(self) -> str:
        return f"{self.prefix}pub:*"

    @property
    def dead(self) -> str:
        return f"{self.prefix}dead"

    @property
    def snapshot(self) -> str:
        return f"{self.prefix}snapshot"

    @property
    def audit(self) -> str:
        return f"{self.prefix}audit"

    @property
    def sim_bootstrapped(self) -> str:
        """Which point set the demo simulator registered in this Redis (seed and size)."""
        return f"{self.prefix}sim:bootstrapped"

    @property
    def detect_cursor(self) -> str:
        """The last log entry the early-warning engine has acted on (dashboard/detect_engine.py)."""
        return f"{self.prefix}detect:cursor"

    def seen(self, event_id: str) -> str:
        return f"{self.prefix}seen:{event_id}"

    def pub(self, channel: str) -> str:
        """A producer channel (the bridge subscribes to :attr:`pub_pattern`)."""
        return f"{self.prefix}pub:{channel}"

    @property
    def security(self) -> str:
        """The stream of ended sessions and lifted locks every instance follows
        (dashboard/security_feed.py)."""
        return f"{self.prefix}security"

    @property
    def limits(self) -> str:
        """The prefix of the rate-limit counters (the limits library adds its own parts)."""
        return f"{self.prefix}limits"


def hash_tagged(prefix: str) -> str:
    """``prefix`` as a Cluster hash tag: ``cn:`` → ``{cn}:``; a prefix that has a tag
    already (``{cn}:``, ``app:{cn}:``) is kept."""
    if "{" in prefix and "}" in prefix.split("{", 1)[1]:
        return prefix
    name = prefix.rstrip(":")
    return f"{{{name}}}:" if name else prefix


_TYPES: dict[str, Any] = {name: kind for name, kind in get_type_hints(Settings).items()
                          if name != "sources"}
_FIELDS = frozenset(_TYPES)


def _type_name(kind: Any) -> str:
    named = [a for a in get_args(kind) if a is not type(None)] or [kind]
    return " or ".join(getattr(a, "__name__", str(a)) for a in named)


def _coerce(name: str, raw: Any, source: str) -> Any:
    """Turn ``raw`` into the type of field ``name``; raise ConfigError naming both.  Text
    (the environment, flags) is parsed ("8050", "true"); a typed TOML value must match."""
    kind = _TYPES[name]
    optional = type(None) in get_args(kind)
    if raw is None or (optional and isinstance(raw, str) and raw == ""):
        if optional:
            return None
        raise ConfigError(f"Config '{name}' from {source} may not be empty")
    try:
        return msgspec.convert(raw, kind, strict=not isinstance(raw, str))
    except msgspec.ValidationError:
        raise ConfigError(
            f"Config '{name}' from {source} must be {_type_name(kind)}, got {raw!r}"
        ) from None


def load_settings(
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    config_path: str | None = None,
) -> Settings:
    """Merge flags, environment and config file over the defaults; validate everything.

    ``flags`` holds only the options the user actually gave (None values are ignored).
    """
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}

    path = config_path or environ.get("CN_CONFIG")
    if path:
        file = Path(path)
        try:
            table = tomllib.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"Config file {file} (CN_CONFIG) does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"Config file {file} is not valid TOML: {exc}") from None
        table = table.get("dashboard", table)
        for key, raw in table.items():
            if key not in _FIELDS:
                raise ConfigError(
                    f"Config file {file}: unknown key '{key}' (known: {', '.join(sorted(_FIELDS))})"
                )
            if key in SECRET_KEYS:
                raise ConfigError(
                    f"Config file {file}: '{key}' is a secret and may not be written in the config file; "
                    f"set the environment variable CN_{key.upper()} or name a file holding it in "
                    f"'{key}_file'"
                )
            values[key] = _coerce(key, raw, f"file {file}")
            sources[key] = f"file {file}"

    for name in _FIELDS:
        env_name = f"CN_{name.upper()}"
        if env_name in environ:
            values[name] = _coerce(name, environ[env_name], f"environment {env_name}")
            sources[name] = f"environment {env_name}"

    for name, raw in (flags or {}).items():
        if raw is None:
            continue
        if name not in _FIELDS:
            raise ConfigError(f"Unknown option '{name}'")
        values[name] = _coerce(name, raw, f"flag --{name.replace('_', '-')}")
        sources[name] = f"flag --{name.replace('_', '-')}"

    _read_secret_files(values, sources)
    settings = Settings(**values, sources=sources)
    _validate(settings)
    return settings


def _read_secret_files(values: dict[str, Any], sources: dict[str, str]) -> None:
    """Each secret of :data:`SECRET_KEYS` named by its ``<key>_file`` setting, read now
    (one of the two only; a file that others may read is refused)."""
    for key in SECRET_KEYS:
        path = values.get(f"{key}_file")
        if not path:
            continue
        where = sources.get(f"{key}_file", "default")
        if values.get(key):
            raise ConfigError(f"Config '{key}_file' from {where}: {sources.get(key)} sets '{key}' too; "
                              f"give one of the two")
        file = Path(path)
        try:
            mode = file.stat().st_mode
            text = file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"Config '{key}_file' from {where}: cannot read {file}: "
                              f"{exc.strerror or exc}") from None
        if mode & 0o077:
            raise ConfigError(f"Config '{key}_file' from {where}: {file} may be read by others "
                              f"(mode {mode & 0o777:o}); chmod 600 it")
        if not text:
            raise ConfigError(f"Config '{key}_file' from {where}: {file} is empty")
        values[key] = text
        sources[key] = f"file {file} ({key}_file)"


def _validate_wecom(s: Settings, need: Callable[[bool, str, str], None]) -> None:
    """The WeCom sign-in's settings: checked always, required when it is enabled."""
    for name in ("wecom_api_base", "wecom_authorize_base"):
        url = getattr(s, name)
        need(url.startswith(("https://", "http://")) and "?" not in url and "#" not in url, name,
             "must be an http(s):// base URL without query or fragment")
    need(s.wecom_redirect_uri is None or s.wecom_redirect_uri.startswith(("https://", "http://")),
         "wecom_redirect_uri", "must be the full http(s):// URL of /auth/wecom/callback")
    need(0.1 <= s.wecom_timeout_s <= 60, "wecom_timeout_s", "must be within 0.1–60 s")
    need(30 <= s.wecom_state_s <= 3_600, "wecom_state_s", "must be within 30–3600 s")
    need(s.wecom_max_failures >= 1, "wecom_max_failures", "must be positive")
    need(s.wecom_agent_id is None or s.wecom_agent_id.isdigit(), "wecom_agent_id",
         "must be the app's AgentId (digits)")
    if not s.wecom_enabled:
        return
    enabled_by = s.sources.get("wecom_enabled", "default")
    for name, what in (("wecom_corp_id", "the CorpID (企业ID)"), ("wecom_agent_id", "the app's AgentId"),
                       ("wecom_secret", "the app's Secret (CN_WECOM_SECRET or wecom_secret_file)")):
        if not getattr(s, name):
            raise ConfigError(f"Config '{name}' is required when 'wecom_enabled' is true "
                              f"(enabled by {enabled_by}): {what}")


def checkin_schedule(s: Settings) -> Schedule:
    """The check-in schedule of the settings (ValueError for a bad time)."""
    return Schedule.parse(s.checkin_times, max(0, s.checkin_per_shift), max(1, s.checkin_answer_min),
                          s.checkin_seed)


def _validate(s: Settings) -> None:
    def need(ok: bool, name: str, why: str) -> None:
        if not ok:
            where = s.sources.get(name, "default")
            raise ConfigError(f"Config '{name}' from {where} {why}")

    need(1 <= s.port <= 65535, "port", "must be a TCP port (1-65535)")
    need(s.redis_prefix != "", "redis_prefix", "may not be empty")
    need(s.redis_max_connections >= 4, "redis_max_connections", "must be at least 4")
    if s.redis_url is not None:
        try:
            parse_redis_url(s.redis_url)
        except RedisUrlError as exc:
            need(False, "redis_url", f"is not usable: {exc}")
    need(0.1 <= s.redis_socket_timeout_s <= 300, "redis_socket_timeout_s", "must be within 0.1–300 s")
    need(0.1 <= s.redis_connect_timeout_s <= 60, "redis_connect_timeout_s", "must be within 0.1–60 s")
    need(1 <= s.bridge_max_attempts <= 1000, "bridge_max_attempts", "must be within 1–1000")
    need(s.max_event_bytes >= 1024, "max_event_bytes", "must be at least 1024")
    need(s.read_batch >= 1, "read_batch", "must be positive")
    need(60 <= s.dedup_window_s <= 31_536_000, "dedup_window_s", "must be within 60 s–365 days")
    need(1_000 <= s.dedup_max_ids <= 10_000_000, "dedup_max_ids", "must be within 1000–10000000")
    unknown = sorted(set(s.map_layers.split(",")) - set(MAP_LAYERS))
    need(not unknown, "map_layers", f"names unknown layers {unknown} (known: {', '.join(MAP_LAYERS)})")
    need(s.patch_interval_ms >= 10, "patch_interval_ms", "must be at least 10")
    try:
        checkin_schedule(s)
    except ValueError as exc:
        need(False, "checkin_times", f"is not a list of HH:MM times ({exc})")
    need(0 <= s.checkin_per_shift <= 24, "checkin_per_shift", "must be within 0–24")
    need(1 <= s.checkin_answer_min <= 240, "checkin_answer_min", "must be within 1–240 minutes")
    need(1 <= s.checkin_tick_s <= 300, "checkin_tick_s", "must be within 1–300 s")
    need(s.callback_concurrency >= 1, "callback_concurrency", "must be at least 1")
    need(0 <= s.console_worker_wait_s <= 30, "console_worker_wait_s", "must be within 0–30 s")
    for name in ("max_head_bytes", "max_url_bytes", "max_headers", "max_connections",
                 "max_connections_per_address"):
        need(getattr(s, name) >= 1, name, "must be positive")
    need(s.max_url_bytes <= s.max_head_bytes, "max_url_bytes", "must not exceed max_head_bytes")
    for name in ("head_timeout_s", "body_timeout_s", "keep_alive_s"):
        need(getattr(s, name) > 0, name, "must be positive")
    need(s.client_queue_frames >= 2, "client_queue_frames", "must be at least 2")
    need(s.snapshot_every_events >= 100, "snapshot_every_events", "must be at least 100")
    need(s.audit_spool_max >= 1, "audit_spool_max", "must be positive")
    need(s.session_ttl_s >= 5, "session_ttl_s", "must be at least 5")
    need(s.wall_session_ttl_s >= 5, "wall_session_ttl_s", "must be at least 5")
    for name in ("login_max_failures", "login_address_max_failures", "login_account_slow_after",
                 "wall_token_max_failures", "login_window_s", "audit_rollup_sources"):
        need(getattr(s, name) >= 1, name, "must be positive")
    need(1 <= s.audit_rollup_s <= 3600, "audit_rollup_s", "must be within 1–3600 s")
    need(s.max_request_bytes >= 65_536, "max_request_bytes", "must be at least 65536")
    need(s.history_url is None or s.history_url.startswith(("postgresql://", "postgres://")),
         "history_url", "must be a postgresql:// URL")
    need(2 <= s.history_lease_s <= 300, "history_lease_s", "must be within 2–300 s")
    need(1 <= s.history_batch <= 50_000, "history_batch", "must be within 1–50000")
    for name in ("hotline_days_emergency", "hotline_days_urgent", "hotline_days_normal"):
        need(1 <= getattr(s, name) <= 120, name, "must be within 1–120 working days")
    need(0 <= s.hotline_near_days <= 30, "hotline_near_days", "must be within 0–30 working days")
    need(1 <= s.perception_recurring_days <= 365, "perception_recurring_days", "must be within 1–365")
    need(1 <= s.perception_radius_m <= 5_000, "perception_radius_m", "must be within 1–5000 m")
    need(0 < s.perception_text_similarity <= 100, "perception_text_similarity", "must be within 0–100")
    need(1 <= s.perception_refresh_s <= 3_600, "perception_refresh_s", "must be within 1–3600 s")
    need(s.open311_token is None or len(s.open311_token) >= 16, "open311_token",
         "must be at least 16 characters")
    _validate_wecom(s, need)
    need(1 <= s.sim_points <= 50_000, "sim_points", "must be between 1 and 50000")
    need(s.sim_rate > 0, "sim_rate", "must be positive")
    need(s.sim_sensor_alarms_per_hour >= 0, "sim_sensor_alarms_per_hour", "must be >= 0")
    need(1 <= s.handover_ack_min <= 24 * 60, "handover_ack_min", "must be between 1 and 1440 minutes")
    need(s.detect_threshold > 0, "detect_threshold", "must be positive")
    need(s.detect_history_days >= 14, "detect_history_days", "must be at least 14 (two full weeks)")
    need(s.detect_lookback_s >= 0, "detect_lookback_s", "must be >= 0")
    need(
        s.tile_crs in CRS_NAMES,
        "tile_crs",
        f"must be one of {', '.join(CRS_NAMES)}",
    )
    need(
        s.log_level in {"debug", "info", "warning", "error"},
        "log_level",
        "must be one of debug, info, warning, error",
    )
