"""Every component id of the app, in one place.  Renderers in assets/ use the same strings."""

from __future__ import annotations

URL = "url"
PAGE = "page"
RENDERED = "page-rendered"

WALL_ROOT = "wall-root"
CLOCK = "wall-clock"
CLOCK_DATE = "wall-clock-date"
LIVE_BADGE = "live-badge"
BANNER = "attention-banner"

MAP = "one-map"
MAP_DISTRICT = "map-district"
MAP_STREETS = "map-streets"
MAP_VIDEO = "map-video"
MAP_INCIDENTS = "map-incidents"
MAP_SENSORS = "map-sensors"
MAP_LEGEND_COUNTS = "map-legend-counts"
MAP_INDICATOR_NOTE = "map-indicator-note"

FEED = "live-feed"
HOTLINE_NEW = "hotline-new"
HOTLINE_OPEN = "hotline-open"
HOTLINE_OVERDUE = "hotline-overdue"
HOTLINE_SATISFACTION = "hotline-satisfaction"
VIDEO_RATE = "video-rate"
VIDEO_STREETS = "video-streets"


def dimension_summary(dimension: str) -> str:
    return f"dim-summary-{dimension}"


def indicator_slug(key: str) -> str:
    """Indicator keys contain dots; ids use dashes."""
    return key.replace(".", "-").replace("_", "-")


def tile_value(key: str) -> str:
    return f"tile-value-{indicator_slug(key)}"


def tile(key: str) -> str:
    return f"tile-{indicator_slug(key)}"


def tile_spark(key: str) -> str:
    return f"tile-spark-{indicator_slug(key)}"


def tile_stale(key: str) -> str:
    return f"tile-stale-{indicator_slug(key)}"


def map_legend_count(status: str) -> str:
    return f"map-legend-count-{status}"
