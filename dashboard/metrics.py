"""Prometheus metrics of one instance, in a registry of its own (two apps in one test
process must not share counters)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    """The instance's counters and gauges; ``render()`` gives the /metrics text."""

    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.applied = Counter("cn_events_applied", "Events validated and applied from the log", registry=r)
        self.dead = Counter("cn_events_dead", "Log entries that failed validation (dead-lettered)", registry=r)
        self.bridged = Counter("cn_pubsub_bridged", "Pub/sub messages offered to the log", registry=r)
        self.lag_seconds = Gauge("cn_ingest_lag_seconds", "Now minus the time of the last applied log entry", registry=r)
        self.redis_up = Gauge("cn_redis_up", "1 when the last Redis call succeeded", registry=r)
        self.restore_seconds = Gauge("cn_restore_seconds", "Time the last snapshot+replay restore took", registry=r)
        self.snapshot_bytes = Gauge("cn_snapshot_bytes", "Size of the last snapshot (uncompressed JSON)", registry=r)
        self.clients = Gauge("cn_live_clients", "Connected /live clients", registry=r)
        self.patches = Counter("cn_live_patches", "Patch frames built (once per scope, not per client)", registry=r)
        self.frames_sent = Counter("cn_live_frames_sent", "Frames sent to /live clients", registry=r)
        self.resyncs = Counter("cn_live_resyncs", "Clients resynchronised after falling behind or asking", registry=r)
        self.disconnects = Counter("cn_live_slow_disconnects", "Clients disconnected for being too slow", registry=r)
        self.patch_bytes = Histogram(
            "cn_live_patch_bytes", "Size of patch frames", registry=r,
            buckets=(128, 256, 512, 1024, 2048, 4096, 16384, 65536, 262144, 1048576),
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
