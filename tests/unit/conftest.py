"""Fixtures of the unit tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.auth import UserStore


@pytest.fixture
def store(tmp_path: Path) -> UserStore:
    """A users file with one officer, li (password correct-horse), scoped to 江苏路街道."""
    store = UserStore(tmp_path / "users.json")
    store.create()
    store.add_user("li", "officer", "correct-horse", scope="jiangsulu")
    return store
