"""What the admins' pages show: the security figures of this instance, read from its
Prometheus counter objects (never from their text rendering), the failed sign-ins by
account (from the audit trail, so every instance's), and the audit trail's filters with
the CSV export link that repeats them.  No I/O: the callers pass the instance's health,
the audit writer's state, the live clients and the audit entries in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from prometheus_client import Counter

from dashboard import clock
from dashboard.audit import count_of
from dashboard.metrics import Metrics

AUDIT_CSV = "/api/admin/audit.csv"


def counter_values(counter: Counter) -> dict[str, int]:
    """A counter's count per label value (``""`` for a counter without labels)."""
    values: dict[str, int] = {}
    for family in counter.collect():
        for sample in family.samples:
            if sample.name.endswith("_total"):
                values[next(iter(sample.labels.values()), "")] = int(sample.value)
    return values


@dataclass(frozen=True)
class RiskFigures:
    """The security operations figures (安全运营) of one instance."""

    login_failed: int
    login_locked: int
    denied: dict[str, int]  # by reason
    rate_limited: dict[str, int]  # by what
    dead: int
    bridge_errors: int
    reveals: int
    audit: Mapping[str, Any]  # dashboard/audit.py Auditor.health()
    lag_s: float | None
    redis: str  # "up" or "down"
    clients: dict[str, int]  # by role
    recent_denials: Sequence[Mapping[str, Any]] = field(default_factory=list)  # newest first


def risk_figures(metrics: Metrics, health: Mapping[str, Any], audit: Mapping[str, Any],
                 clients: dict[str, int], recent_denials: Sequence[Mapping[str, Any]]) -> RiskFigures:
    """The figures from the instance's counters, its ``health`` (dashboard/app.py
    Runtime.health), the audit writer's ``audit`` state and the live ``clients``."""
    logins = counter_values(metrics.logins)
    return RiskFigures(
        login_failed=logins.get("failed", 0), login_locked=logins.get("locked", 0),
        denied=counter_values(metrics.denied), rate_limited=counter_values(metrics.rate_limited),
        dead=health["dead"], bridge_errors=counter_values(metrics.bridge_errors).get("", 0),
        reveals=counter_values(metrics.reveals).get("", 0), audit=audit, lag_s=health["lag_s"],
        redis=health["redis"], clients=clients, recent_denials=recent_denials,
    )


#: The audit outcomes of a sign-in that did not succeed (dashboard/signin.py).
SIGN_IN_FAILURES = ("failed", "locked")
SIGN_IN_ACTIONS = ("login", "login.wecom")  # by password, and by 政务微信/WeCom (dashboard/wecom_signin.py)


@dataclass(frozen=True)
class FailedSignIns:
    """The failed sign-ins of one account (the name that was tried) in a window."""

    account: str
    attempts: int
    locked: bool  # at least one attempt was refused as locked
    last_ts: int
    last_ip: str


def failed_sign_ins(entries: Sequence[Mapping[str, str]], limit: int = 10) -> list[FailedSignIns]:
    """Failed and locked ``login`` (and ``login.wecom``) entries of the audit trail (newest first, as
    dashboard/audit.py ``query`` returns them) by account, the most recent first; an
    entry of repeated failures counts as many attempts as it says (dashboard/audit_rollup.py)."""
    by_account: dict[str, FailedSignIns] = {}
    for e in entries:
        if e.get("action") not in SIGN_IN_ACTIONS or e.get("outcome") not in SIGN_IN_FAILURES:
            continue
        account = e.get("who") or "?"
        seen = by_account.get(account)
        locked = e.get("outcome") == "locked"
        if seen is None:
            by_account[account] = FailedSignIns(account, count_of(e), locked, int(e.get("ts") or 0),
                                                e.get("ip", ""))
        else:
            by_account[account] = FailedSignIns(account, seen.attempts + count_of(e), seen.locked or locked,
                                                seen.last_ts, seen.last_ip)
    return sorted(by_account.values(), key=lambda f: -f.last_ts)[:limit]


@dataclass(frozen=True)
class AuditFilters:
    """The audit page's filters (substrings; ``since`` a window of dashboard/clock.py)."""

    who: str = ""
    action: str = ""
    target: str = ""
    since: str = ""

    @classmethod
    def of(cls, who: str | None, action: str | None, target: str | None, since: str | None) -> AuditFilters:
        return cls(who or "", action or "", target or "", since or "")

    def query(self, now: int) -> dict[str, Any]:
        """Keyword arguments of dashboard/audit.py ``query``."""
        return {"who": self.who, "action": self.action, "target": self.target,
                "since_ms": clock.since(self.since, now)}

    @property
    def csv_href(self) -> str:
        """The CSV export with the same filters (dashboard/http_api.py)."""
        kept = {name: value for name, value in vars(self).items() if value}
        return AUDIT_CSV + ("?" + urlencode(kept) if kept else "")


def unavailable_entry(error: Exception, now: int) -> dict[str, str]:
    """The one row the audit table shows when the trail cannot be read."""
    return {"id": "error", "ts": str(now), "who": "—", "role": "", "action": "audit.unavailable",
            "target": "", "outcome": "error", "detail": f"{type(error).__name__}: {error}", "ip": ""}
