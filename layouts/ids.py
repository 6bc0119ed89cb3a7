"""Every component id of the app, in one place."""

from __future__ import annotations

LIVE_STATUS = "live-status"
COUNT_APPLIED = "count-applied"
COUNT_LAST_ID = "count-last-id"
COUNT_VIDEO = "count-video"
COUNT_INCIDENTS = "count-incidents"
COUNT_ALARMS = "count-alarms"
