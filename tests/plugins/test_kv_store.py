"""The key-value store behind pumpkin-patch:host/storage, on a real folder, and the notice limit."""

from __future__ import annotations

import json

import pytest

from gui.hostapi.kv_store import FILE_NAME, KvStore, QuotaExceeded
from gui.hostapi.notify import RateLimit


def test_changes_are_on_disk_at_once_and_the_quota_holds(tmp_path):
    store = KvStore("p", tmp_path, quota=20)
    store.put("a", b"12345")
    assert KvStore("p", tmp_path).get("a") == b"12345"  # a new reader sees it
    assert store.used == 6
    with pytest.raises(QuotaExceeded):
        store.put("b", b"x" * 20)
    assert store.get("b") is None and store.used == 6
    store.put("a", b"x" * 19)  # replacing counts the old value out
    assert store.used == 20
    store.put("a", None)
    assert store.keys("") == [] and store.used == 0
    assert json.loads((tmp_path / FILE_NAME).read_text()) == {}
    assert [p.name for p in tmp_path.iterdir()] == [FILE_NAME]  # no temp file left


def test_a_corrupt_file_is_kept_aside_and_reported(tmp_path):
    (tmp_path / FILE_NAME).write_text("{not json")
    warnings = []
    store = KvStore("notebook", tmp_path, warn=warnings.append)
    assert store.get("a") is None
    assert len(warnings) == 1
    assert "storage of plugin 'notebook'" in warnings[0] and FILE_NAME in warnings[0]
    assert "kept as storage.kv.json.corrupt-" in warnings[0]
    kept = [p for p in tmp_path.iterdir() if p.name.startswith(f"{FILE_NAME}.corrupt-")]
    assert len(kept) == 1 and kept[0].read_text() == "{not json"
    store.put("a", b"1")
    assert KvStore("notebook", tmp_path).get("a") == b"1"


def test_a_value_that_is_not_base64_counts_as_corrupt(tmp_path):
    (tmp_path / FILE_NAME).write_text(json.dumps({"a": "%%%"}))
    warnings = []
    assert KvStore("p", tmp_path, warn=warnings.append).keys("") == []
    assert warnings and "cannot be read" in warnings[0]


def test_keys_are_listed_by_prefix_sorted(tmp_path):
    store = KvStore("p", tmp_path)
    for key in ("note/2", "note/1", "count", "notes"):
        store.put(key, b"")
    assert store.keys("note/") == ["note/1", "note/2"]
    assert not KvStore.key_ok("") and not KvStore.key_ok("x" * 257) and KvStore.key_ok("x" * 256)


def test_the_notice_limit_is_a_burst_then_one_per_refill():
    now = [0.0]
    limit = RateLimit(burst=5, refill_s=12.0, clock=lambda: now[0])
    assert [limit.take() for _ in range(5)] == [0.0] * 5
    assert limit.take() == pytest.approx(12.0)
    now[0] = 6.0
    assert limit.take() == pytest.approx(6.0)
    now[0] = 12.0
    assert limit.take() == 0.0
    assert limit.take() > 0
