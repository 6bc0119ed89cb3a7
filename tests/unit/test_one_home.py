"""Each rule has one home: a second copy of the case flow or of the level scale fails here."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from dashboard import hotline, levels, lifecycle

ROOT = Path(__file__).resolve().parents[2]
CODE = ("dashboard", "layouts", "callbacks", "assets")
FLOW_WORDS = {*lifecycle.VERBS, *lifecycle.STEPS, *lifecycle.FLOW,
              *hotline.VERBS, *hotline.STEPS, *hotline.FLOW}
#: The two flows' homes: the incident case flow and the 12345 work-order flow.
HOMES = (ROOT / "dashboard" / "lifecycle.py", ROOT / "dashboard" / "hotline.py")
LABELS = {text for row in levels.LEVELS
          for text in (row.incident_zh, row.incident_en, row.alarm_zh, row.alarm_en)}


def files(*suffixes: str) -> list[Path]:
    return [p for folder in CODE for p in (ROOT / folder).rglob("*") if p.suffix in suffixes]


def _text(item: ast.AST | None) -> str | None:
    return item.value if isinstance(item, ast.Constant) and isinstance(item.value, str) else None


def literal_strings(node: ast.AST) -> list[str]:
    """The strings a literal collection lists.  A dict counts with its keys and values, but
    not a table of texts keyed by step (say, notes the simulator writes for each step)."""
    if isinstance(node, ast.Dict):
        values = [_text(v) for v in node.values]
        if all(v is not None and v not in FLOW_WORDS for v in values):
            return []
        items: list[ast.AST | None] = [*node.keys, *node.values]
    elif isinstance(node, ast.Tuple | ast.List | ast.Set):
        items = list(node.elts)
    else:
        return []
    return [text for text in map(_text, items) if text is not None]


def test_case_flow_is_listed_only_in_lifecycle() -> None:
    """No Python collection outside dashboard/lifecycle.py and dashboard/hotline.py lists
    three or more steps or verbs of a flow."""
    copies = []
    for path in files(".py"):
        if path in HOMES:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if len(set(literal_strings(node)) & FLOW_WORDS) >= 3:
                copies.append(f"{path.relative_to(ROOT)}:{node.lineno}")  # type: ignore[attr-defined]
    assert copies == []


def test_browser_code_holds_no_case_flow_or_level_labels() -> None:
    """The browser gets the flow's results and the labels from the server, never its own copy."""
    copies = []
    for path in files(".js"):
        text = path.read_text(encoding="utf-8")
        for array in re.findall(r"\[[^\[\]]*\]", text):
            if len(set(re.findall(r'"([a-z]+)"', array)) & FLOW_WORDS) >= 3:
                copies.append(f"{path.name}: {array[:60]}")
        copies += [f"{path.name}: {label}" for label in LABELS if f'"{label}"' in text]
    assert copies == []


def test_level_labels_are_written_only_in_levels() -> None:
    """特别重大 … 四级 appear as string literals only in dashboard/levels.py."""
    copies = []
    for path in files(".py", ".toml"):
        if path == ROOT / "dashboard" / "levels.py":
            continue
        text = path.read_text(encoding="utf-8")
        copies += [f"{path.relative_to(ROOT)}: {label}" for label in LABELS
                   if re.search(r"""["']""" + re.escape(label) + r"""["']""", text)]
    assert copies == []


def test_the_scale_reaches_the_screens_from_one_table() -> None:
    """i18n's severity and level strings, and the severe banner, come from dashboard/levels.py."""
    from dashboard.i18n import STRINGS

    for row in levels.LEVELS:
        assert STRINGS[f"severity.{row.level}"] == (row.incident_zh, row.incident_en)
        assert STRINGS[f"level.{row.level}"] == (row.alarm_zh, row.alarm_en)
    assert STRINGS["banner.severe"][0].startswith(levels.label(1))


def test_allowed_verbs_follow_the_transitions() -> None:
    """The console's buttons are exactly the steps the reducer would accept."""
    incident = {"id": "i", "version": 1, "severity": 2}
    for status in lifecycle.FLOW:
        accepted = {verb for verb in lifecycle.VERBS
                    if lifecycle.refusal({**incident, "status": status}, lifecycle.STEP_OF_VERB[verb], 1, 1)
                    is None}
        assert set(lifecycle.allowed_verbs(status)) == accepted
