"""The early-warning engine's kept baselines (dashboard/baseline_store.py): written whole and
read back equal; a file of another model or calendar, a damaged file or none is "nothing
kept", never an error; where the file is for each kind of archive."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from dashboard import baseline_store
from dashboard.baselines import Baseline
from dashboard.config import load_settings
from dashboard.workdays import Calendar

B = Baseline(points=2016, first_ms=1, last_ms=2, fitted_ms=3, level=36.5, bucket_hours=1,
             profile={"working": tuple(float(h) for h in range(24)),
                      "rest": tuple(0.5 * h for h in range(24))},
             scale={"working": 1.4, "rest": 2.1})
CAL = Calendar(holidays=frozenset({date(2026, 10, 1)}), workdays=frozenset({date(2026, 9, 27)}))


def test_kept_baselines_read_back_equal_and_the_write_is_whole(tmp_path: Path) -> None:
    path = tmp_path / "run" / "history.duckdb.baselines"
    mark = baseline_store.fingerprint(CAL, 28 * 86_400_000)
    baseline_store.save(path, mark, {"green.pm25@hongqiao": B, "sensor:S1": B})
    assert baseline_store.load(path, mark) == {"green.pm25@hongqiao": B, "sensor:S1": B}
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left


def test_another_calendar_model_history_or_a_damaged_file_keeps_nothing(tmp_path: Path) -> None:
    path = tmp_path / "kept"
    mark = baseline_store.fingerprint(CAL, 28 * 86_400_000)
    assert baseline_store.load(path, mark) == {}  # none yet
    baseline_store.save(path, mark, {"k": B})
    moved = Calendar(holidays=frozenset({date(2026, 10, 2)}), workdays=CAL.workdays)
    assert baseline_store.fingerprint(moved, 28 * 86_400_000) != mark
    assert baseline_store.load(path, baseline_store.fingerprint(moved, 28 * 86_400_000)) == {}
    assert baseline_store.load(path, baseline_store.fingerprint(CAL, 21 * 86_400_000)) == {}
    path.write_bytes(b"\x93not msgpack of baselines")
    assert baseline_store.load(path, mark) == {}


def test_the_file_is_beside_an_embedded_archive_or_where_the_setting_says() -> None:
    def where(**values: object) -> Path | None:
        return baseline_store.path_for(load_settings(values, environ={}))

    assert where(history_path="/data/h.duckdb") == Path("/data/h.duckdb.baselines")
    assert where(history_path="/data/h.duckdb", detect_keep_baselines=False) is None
    assert where(history_url="postgresql://h/db") is None  # a shared archive: each engine says where
    assert where(history_url="postgresql://h/db", detect_baselines_path="/var/b") == Path("/var/b")
