"""Test modules of tests/unit and tests/integration are imported by their basename (those
folders are not packages): two files of one name stop the whole run at collection, as a
merge did once (tests/unit/test_roster.py and tests/integration/test_roster.py)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_no_two_test_modules_share_a_basename_outside_packages() -> None:
    names = Counter(path.name for folder in ("unit", "integration")
                    for path in (TESTS / folder).glob("test_*.py"))
    assert [name for name, n in names.items() if n > 1] == []
