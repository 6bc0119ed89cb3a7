"""Prometheus metrics of one instance, in a registry of its own (two apps in one test
process must not share counters)."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    """The instance's counters and gauges; ``render()`` gives the /metrics text."""

    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()

        def counter(name: str, doc: str) -> Counter:
            return Counter(name, doc, registry=r)

        def gauge(name: str, doc: str) -> Gauge:
            return Gauge(name, doc, registry=r)

        self.applied = counter("cn_events_applied", "Events validated and applied from the log")
        self.dead = counter("cn_events_dead", "Log entries that failed validation (dead-lettered)")
        self.duplicates = counter("cn_events_duplicate", "Log entries ignored as copies of an event "
                                  "id applied within the dedup window (a producer's retry)")
        self.dedup_ids = gauge("cn_dedup_ids", "Event ids the dedup window remembers")
        self.dedup_span = gauge("cn_dedup_span_seconds", "Event time the dedup window covers "
                                "(less than dedup_window_s once dedup_max_ids is reached)")
        self.bridged = counter("cn_pubsub_bridged", "Pub/sub messages offered to the log")
        self.bridge_errors = counter("cn_pubsub_bridge_errors", "Failed writes of received pub/sub "
                                     "messages to the log (each retried)")
        self.given_up = Counter("cn_pubsub_given_up", "Received pub/sub messages the log kept refusing "
                                "(bridge_max_attempts): dead-lettered, or dropped when the dead "
                                "letter was refused too", ["outcome"], registry=r)
        self.trim_gaps = counter("cn_log_trim_gaps", "Times this instance fell behind a log trim "
                                 "and reloaded the newest snapshot")
        self.lag_seconds = gauge("cn_ingest_lag_seconds", "Now minus the time of the last applied entry")
        self.redis_up = gauge("cn_redis_up", "1 when the last Redis call succeeded")
        self.restore_seconds = gauge("cn_restore_seconds", "Duration of the last snapshot+replay restore")
        self.snapshot_bytes = gauge("cn_snapshot_bytes", "Size of the last snapshot (uncompressed JSON)")
        self.clients = gauge("cn_live_clients", "Connected /live clients")
        self.patches = counter("cn_live_patches", "Patch frames built (once per scope, not per client)")
        self.frames_sent = counter("cn_live_frames_sent", "Frames sent to /live clients")
        self.resyncs = counter("cn_live_resyncs", "Clients resynchronised (fell behind, or asked)")
        self.disconnects = counter("cn_live_slow_disconnects", "Clients disconnected for being too slow")
        self.denied = Counter("cn_denied", "Requests and connections refused", ["reason"], registry=r)
        self.rate_limited = Counter("cn_rate_limited", "Refused by a rate limit", ["what"], registry=r)
        self.logins = Counter("cn_logins", "Sign-in attempts", ["outcome"], registry=r)
        self.audit = Counter("cn_audit_entries", "Audit entries by outcome", ["outcome"], registry=r)
        self.reveals = counter("cn_reveals", "Personal fields revealed (each one audited)")
        self.patch_bytes = Histogram(
            "cn_live_patch_bytes", "Size of patch frames", registry=r,
            buckets=(128, 256, 512, 1024, 2048, 4096, 16384, 65536, 262144, 1048576),
        )

        self.loop_lag = Histogram(
            "cn_event_loop_lag_seconds", "How late the event loop woke a 10 ms timer",
            registry=r, buckets=(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5),
        )
        self.source_age = Gauge("cn_source_seconds_since_last", "Seconds since the feeding system's last "
                                "event arrived (dashboard/sources.py)", ["source"], registry=r)
        self.source_health = Gauge("cn_source_health", "1 for the feeding system's health now (ok, "
                                   "silent, collapsing, not_connected, unlisted)", ["source", "status"],
                                   registry=r)
        self.source_last_hour = Gauge("cn_source_events_last_hour", "Events of the feeding system in the "
                                      "last complete hour", ["source"], registry=r)
        self.loop_lag_max = gauge("cn_event_loop_lag_max_seconds",
                                  "The event loop's longest lateness since the process started")

    def sources(self, healths: list[dict[str, Any]], now_ms: int) -> None:
        """Set the feeding systems' gauges from dashboard/sources.py ``health``."""
        self.source_health.clear()
        for item in healths:
            name = item["source"]
            self.source_health.labels(name, item["status"]).set(1)
            if item["last"] is not None:
                self.source_age.labels(name).set(max(0.0, (now_ms - item["last"]) / 1000))
            if item["last_hour"] is not None:
                self.source_last_hour.labels(name).set(item["last_hour"])

    def render(self) -> bytes:
        return generate_latest(self.registry)
