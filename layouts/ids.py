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
PERCEPTION_LINK = "console-perception-link"  # the 12345 tab's link to /console/perception
PERFORMANCE_LINK = "console-performance-link"  # the 12345 tab's link to /console/performance
MAP_HOTSPOTS = "map-hotspots"  # the console's 12345 hotspots (assets/perception_map.js)
MAP_LEGEND_COUNTS = "map-legend-counts"
MAP_INDICATOR_NOTE = "map-indicator-note"

FEED = "live-feed"
HOTLINE_NEW = "hotline-new"
HOTLINE_OPEN = "hotline-open"
HOTLINE_OVERDUE = "hotline-overdue"
HOTLINE_SATISFACTION = "hotline-satisfaction"
PERCEPTION_SUMMARY = "perception-summary"  # filled by assets/perception_wall.js
VIDEO_RATE = "video-rate"
VIDEO_STREETS = "video-streets"
RIGHT_COLUMN = "right-column"  # the cameras and the board take turns in it (class show-board)
BOARD_ROWS = "board-rows"  # the ranking board's rows, filled by assets/performance_wall.js
BOARD_MONTH = "board-month"  # the board's month, beside its title
# the wall's truth (#11): scope, a layout its token overrode, the camera counts panel
WALL_SCOPE = "wall-scope"
WALL_DUTY = "wall-duty"  # on duty now: posts and surnames (assets/wall.js renderDuty)
# the console's roster edit form (layouts/console_roster.py roster_form, callbacks/roster.py)
ROSTER_VERB = "roster-verb"
ROSTER_CENTER = "roster-center"
ROSTER_POST = "roster-post"
ROSTER_NAME = "roster-name"
ROSTER_PHONE = "roster-phone"
ROSTER_START = "roster-start"
ROSTER_END = "roster-end"
ROSTER_RRULE = "roster-rrule"
ROSTER_OCCURRENCE = "roster-occurrence"
ROSTER_OTHER = "roster-other"
ROSTER_REASON = "roster-reason"
ROSTER_SUBMIT = "roster-submit"
ROSTER_RESULT = "roster-result"
LAYOUT_NOTE = "layout-note"
# check-in of the post on duty, 查岗 (layouts/console_checkin.py, callbacks/checkin.py)
CHECKIN_PROMPT = "checkin-prompt"
CHECKIN_TEXT = "checkin-text"
CHECKIN_CONFIRM = "checkin-confirm"
CHECKIN_RESULT = "checkin-result"
CHECKIN_REQUEST = "checkin-request"  # the request the button answers
CHECKIN_CLOCK = "checkin-clock"  # the minutes left count down on it (no data comes from it)


def video_count(status: str) -> str:
    """The video panel's count of cameras in ``status`` (the wide wall's big figures)."""
    return f"video-count-{status}"


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


def tile_band(key: str) -> str:
    """The tile's usual band in words (early warning: docs/early-warning.md)."""
    return f"tile-band-{indicator_slug(key)}"


def tile_band_area(key: str) -> str:
    """The usual band drawn behind the tile's trend line."""
    return f"tile-bandarea-{indicator_slug(key)}"


def source_silent(family: str) -> str:
    """The wall's mark that every source of an event family is silent (layouts/wall.py)."""
    return f"source-silent-{family}"


def map_legend_count(status: str) -> str:
    return f"map-legend-count-{status}"


def map_scale(shade: str) -> str:
    """The legend's range of one street shade (filled in by assets/map.js)."""
    return f"map-scale-{shade}"

# ---------------------------------------------------------------- the officers' console
CONSOLE_ROOT = "console-root"
GRID_RESET = "grid-reset"  # a clientside callback's output: filters changed, grids back to page 1


def tick(area: str) -> str:
    """The store a /live cue for a console area bumps (dashboard/protocol.py ``Cue``;
    assets/wall.js sets it): the callbacks that show that area read it as an Input."""
    return f"tick-{area}"


def shown(panel: str) -> str:
    """The store holding the signature of what a console panel shows (its callback sends
    the panel again only when its answer's signature differs; dashboard/shared_answers.py)."""
    return f"shown-{panel}"


#: The panels sent only when they change (besides the map's markers, MARKERS_SHOWN).
SHOWN_PANELS = ("duty", "rates", "streets")

OFFICER = "officer-name"  # who is signed in (text; actions take the session's user)
REVEAL_FORM = "reveal-form"
REVEAL_FIELD = "reveal-field"
REVEAL_REASON = "reveal-reason"
REVEAL_BUTTON = "reveal-button"
REVEAL_RESULT = "reveal-result"
BREADCRUMBS = "breadcrumbs"
SEARCH = "filter-search"
FILTER_DOMAINS = "filter-domains"
FILTER_SEVERITIES = "filter-severities"
FILTER_STATUSES = "filter-statuses"
FILTER_SINCE = "filter-since"
STREET_LIST = "street-list"
OVERVIEW = "street-overview"
TABS = "console-tabs"
GRID_INCIDENTS = "grid-incidents"
GRID_CAMERAS = "grid-cameras"
GRID_TICKETS = "grid-tickets"
EXPORT_INCIDENTS = "export-incidents"
EXPORT_CAMERAS = "export-cameras"
EXPORT_TICKETS = "export-tickets"
PHONE_LINK = "phone-link"  # the 12345 tab's link to the phone page (/console/m)
CAMERA_RATES = "camera-rates"
INBOX = "alarm-inbox"
INBOX_SELECTED = "inbox-selected"
INBOX_COMMENT = "inbox-comment"
INBOX_ACK = "inbox-ack"
INBOX_SHELVE_REASON = "inbox-shelve-reason"
INBOX_SHELVE_MINUTES = "inbox-shelve-minutes"
INBOX_SHELVE = "inbox-shelve"
INBOX_OUT_OF_SERVICE = "inbox-out-of-service"
INBOX_IN_SERVICE = "inbox-in-service"
INBOX_RESULT = "inbox-result"
INBOX_FORM = "inbox-form"
DUTY = "duty-table"
DETAIL = "detail-panel"
DETAIL_DRAWER = "detail-drawer"
DETAIL_VERSION = "detail-version"
ACTION_UNIT = "action-unit"
ACTION_NOTE = "action-note"
ACTION_SEVERITY = "action-severity"
ACTION_RESULT = "action-result"
ACTION_FORM = "action-form"
TICKET_FORM = "ticket-form"  # the 12345 ticket's steps in the detail drawer
TICKET_UNIT = "ticket-unit"
TICKET_TEXT = "ticket-text"
TICKET_RESULT = "ticket-result"
TICKET_UNTIL = "ticket-until"
TICKET_OUTCOME = "ticket-outcome"
CONSOLE_INCIDENTS = "console-map-incidents"
MARKERS_SHOWN = "console-markers-shown"  # the signature of the markers on the map
CONSOLE_STREETS = "console-map-streets"
CONSOLE_SEARCH = "console-search"  # the console's query string, kept by assets/wall.js
CURRENT_PATH = "current-path"


def action_button(verb: str) -> dict[str, str]:
    """Pattern-matching id of a lifecycle action button."""
    return {"type": "incident-action", "verb": verb}


def ticket_button(button: str) -> dict[str, str]:
    """Pattern-matching id of a 12345 ticket step button (dashboard/hotline.py BUTTONS)."""
    return {"type": "ticket-action", "button": button}


def incident_marker(incident_id: str) -> dict[str, str]:
    """Pattern-matching id of an incident marker on the console's map."""
    return {"type": "incident-marker", "id": incident_id}


def inbox_item(key: str) -> dict[str, str]:
    return {"type": "inbox-item", "key": key}


# ---------------------------------------------------------------- the admins' pages
ADMIN_ROOT = "admin-root"
ADMIN_REFRESH = "admin-refresh"
RISK_CARDS = "risk-cards"
ADMIN_SOURCES = "admin-sources"
RISK_DENIALS = "risk-denials"
RISK_FAILED_SIGNINS = "risk-failed-sign-ins"
AUDIT_GRID = "audit-grid"
AUDIT_WHO = "audit-who"
AUDIT_ACTION = "audit-action"
AUDIT_TARGET = "audit-target"
AUDIT_SINCE = "audit-since"
AUDIT_CSV = "audit-csv"
