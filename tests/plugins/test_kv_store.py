"""Units behind pumpkin-patch:host: the key-value store, the notice limit, gauges."""

from __future__ import annotations

import json

import pytest

from gui.hostapi.kv_store import ENTRY_OVERHEAD, KvStore, QuotaExceeded
from gui.hostapi.notify import RateLimit
from gui.paths import unsafe_name_reason

FILE_NAME = "p.json"


def test_changes_are_on_disk_at_once_and_the_quota_holds(tmp_path):
    entry = ENTRY_OVERHEAD + 1  # a one-letter key, empty value
    store = KvStore("p", tmp_path / FILE_NAME, quota=entry + 19)
    store.put("a", b"12345")
    assert KvStore("p", tmp_path / FILE_NAME).get("a") == b"12345"  # a new reader sees it
    assert store.used == entry + 5
    with pytest.raises(QuotaExceeded):
        store.put("b", b"")  # a second entry's overhead does not fit
    assert store.get("b") is None and store.used == entry + 5
    store.put("a", b"x" * 19)  # replacing counts the old value out
    assert store.used == entry + 19
    store.put("a", None)
    assert store.keys("") == [] and store.used == 0
    assert json.loads((tmp_path / FILE_NAME).read_text()) == {}
    assert [p.name for p in tmp_path.iterdir()] == [FILE_NAME]  # no temp file left


def test_a_corrupt_file_is_kept_aside_and_reported(tmp_path):
    (tmp_path / FILE_NAME).write_text("{not json")
    warnings = []
    store = KvStore("notebook", tmp_path / FILE_NAME, warn=warnings.append)
    assert store.get("a") is None
    assert len(warnings) == 1
    assert "storage of plugin 'notebook'" in warnings[0] and FILE_NAME in warnings[0]
    assert f"kept as {FILE_NAME}.corrupt-" in warnings[0]
    kept = [p for p in tmp_path.iterdir() if p.name.startswith(f"{FILE_NAME}.corrupt-")]
    assert len(kept) == 1 and kept[0].read_text() == "{not json"
    store.put("a", b"1")
    assert KvStore("notebook", tmp_path / FILE_NAME).get("a") == b"1"


def test_each_corrupt_copy_is_kept_under_its_own_name(tmp_path):
    for text in ("{one", "{two"):
        (tmp_path / FILE_NAME).write_text(text)
        assert KvStore("p", tmp_path / FILE_NAME, warn=lambda _m: None).keys("") == []
    kept = sorted(p.read_text() for p in tmp_path.iterdir() if ".corrupt-" in p.name)
    assert kept == ["{one", "{two"]


def test_deeply_nested_json_counts_as_corrupt_not_a_crash(tmp_path):
    (tmp_path / FILE_NAME).write_text("[" * 100_000 + "]" * 100_000)
    warnings = []
    assert KvStore("p", tmp_path / FILE_NAME, warn=warnings.append).get("a") is None
    assert warnings and "cannot be read" in warnings[0]


def test_a_value_that_is_not_base64_counts_as_corrupt(tmp_path):
    (tmp_path / FILE_NAME).write_text(json.dumps({"a": "%%%"}))
    warnings = []
    assert KvStore("p", tmp_path / FILE_NAME, warn=warnings.append).keys("") == []
    assert warnings and "cannot be read" in warnings[0]


def test_keys_are_listed_by_prefix_sorted(tmp_path):
    store = KvStore("p", tmp_path / FILE_NAME)
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


def test_the_store_is_in_no_plugins_folder_and_goes_with_its_data(paths):
    store = paths.plugin_store_file("notebook")
    # Not reachable through the plugin's own folder (fs.write.data), nor is its
    # folder any plugin's: no plugin can have that name.
    assert not store.is_relative_to(paths.plugin_data_dir("notebook"))
    assert unsafe_name_reason(store.parent.name)
    assert store.is_relative_to(paths.plugin_data_root)  # backed up with the plugin data
    KvStore("notebook", store).put("a", b"1")
    paths.plugin_data_dir("notebook").mkdir(parents=True)
    paths.remove_plugin_data("notebook")
    assert not store.exists() and not paths.plugin_data_dir("notebook").exists()


def test_gauges_refuse_names_with_control_characters_and_values_that_are_not_finite():
    from gui.hostapi.scope import PluginScope
    from gui.hostapi.status import StatusApi

    api = StatusApi(PluginScope.detached("p", log=lambda *_args: None))
    assert "printable" in api.set_gauge("load\n", 1.0)  # a trailing newline too
    assert "printable" in api.set_gauge("x" * 33, 1.0)
    assert "not a finite number" in api.set_gauge("load", float("nan"))
    assert "not a finite number" in api.set_gauge("load", float("-inf"))
    assert api.snapshot().gauges == ()


def test_a_store_left_in_the_data_folder_by_the_first_version_moves_out_once(tmp_path):
    legacy = tmp_path / "data" / "notebook" / "storage.kv.json"
    legacy.parent.mkdir(parents=True)
    legacy.write_text(json.dumps({"count": "Mg=="}))  # b"2"
    store_file = tmp_path / "data" / ".kv" / "notebook.json"
    said = []
    store = KvStore("notebook", store_file, warn=said.append, legacy=legacy)
    assert store.get("count") == b"2"
    assert store_file.is_file() and not legacy.exists()
    assert said and "moved storage.kv.json out of its data folder" in said[0]
    legacy.write_text(json.dumps({"count": "OQ=="}))  # written later by the plugin itself
    assert KvStore("notebook", store_file, legacy=legacy).get("count") == b"2"  # ignored
