"""The Python reference client of /live (docs/live-protocol.md): the same rules as the
shipped assets/live.js, so tests of one hold for the other (tests/fixtures/live-golden.json
is applied by both, tests/unit/test_live_golden.py and tests/js/live.test.mjs).

A view is the hello's ``view``; :func:`apply_patch` brings it up to a patch:
``set``/``del`` on the record sections (a camera set back to "online" leaves the
``video`` section; an indicator card's ``tail`` appends the points the client has not
seen, by their index ``n``, keeping ``history_points``), and every other field of the
patch but the envelope and its event lists replaces the view's.
"""

from __future__ import annotations

from typing import Any

#: Patch fields that are not parts of the view.
NOT_VIEW = frozenset({"t", "seq", "set", "del", "severe", "rejections", "cue"})


def merge_indicator(old: dict[str, Any] | None, card: dict[str, Any], keep: int) -> dict[str, Any]:
    """A patch's indicator card merged into the client's series: append the points of
    ``tail`` whose index is past the client's ``n``; keep the last ``keep`` points."""
    tail = card.get("tail", [])
    have = old["n"] if old is not None else card["n"] - len(tail)
    first = card["n"] - len(tail) + 1  # index of tail[0]
    history = list(old["history"]) if old is not None else []
    history.extend(point for offset, point in enumerate(tail) if first + offset > have)
    merged = {name: value for name, value in card.items() if name != "tail"}
    merged["history"] = history[-keep:] if keep else []
    return merged


def apply_patch(view: dict[str, Any], patch: dict[str, Any]) -> None:
    """Apply one patch (already checked to be the next in sequence) to ``view`` in place."""
    keep = int(view.get("history_points", 0))
    for section, records in patch.get("set", {}).items():
        target = view.setdefault(section, {})
        for key, value in records.items():
            if section == "video" and value == "online":
                target.pop(key, None)
            elif section == "indicators":
                target[key] = merge_indicator(target.get(key), value, keep)
            else:
                target[key] = value
    for section, keys in patch.get("del", {}).items():
        for key in keys:
            view.get(section, {}).pop(key, None)
    for name, value in patch.items():
        if name not in NOT_VIEW:
            view[name] = value


class LiveClient:
    """Follows one /live connection's frames: a hello sets the view, each patch in
    sequence is applied; a gap leaves the view None (a real client asks for a resync)."""

    def __init__(self) -> None:
        self.view: dict[str, Any] | None = None
        self.seq = -1
        self.patches = 0

    def receive(self, frame: dict[str, Any]) -> None:
        if frame["t"] == "hello":
            self.view, self.seq = frame["view"], frame["seq"]
        elif frame["t"] == "patch":
            if self.view is None or frame["seq"] <= self.seq:
                return
            if frame["seq"] != self.seq + 1:
                self.view = None
                return
            apply_patch(self.view, frame)
            self.seq = frame["seq"]
            self.patches += 1
