"""server.properties and the vanilla op / ban / whitelist files."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from gui.server.access import AccessLists
from gui.server.config import ServerConfig, parse_properties
from gui.server.ops import BanList, OpList
from gui.server.players import offline_uuid


def test_parse_properties_format() -> None:
    text = (
        "# comment\n! also a comment\n"
        "motd=Hello \\u00A7aWorld\n"
        "key with\\ space : value\n"
        "long=one \\\n    two\n"
        "empty=\n"
    )
    assert parse_properties(text) == {
        "motd": "Hello §aWorld",
        "key": "with space : value",
        "long": "one two",
        "empty": "",
    }


def test_bad_values_warn_and_use_defaults() -> None:
    warnings: list[str] = []
    config = ServerConfig.parse(
        "max-players=lots\nserver-port=70000\nonline-mode=maybe\ndifficulty=2\n"
        "gamemode=Creative\nview-distance=12\nfuture-key=kept\n",
        source="server.properties",
        warn=warnings.append,
    )
    assert (config.max_players, config.server_port, config.online_mode) == (20, 25565, False)
    assert (config.difficulty, config.gamemode, config.view_distance) == ("normal", "creative", 12)
    assert config.extra == {"future-key": "kept"}
    assert len(warnings) == 3
    assert all("server.properties" in w for w in warnings)
    assert any("max-players='lots'" in w and "expected a whole number" in w for w in warnings)


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "server.properties"
    config = ServerConfig(motd="A = tricky: motd\\", max_players=5, white_list=True,
                          rcon_password="s3cret", extra={"custom.key": "x"})
    config.save(path)
    text = path.read_text(encoding="utf-8")
    assert "rcon.password=s3cret" in text and "max-players=5" in text
    assert ServerConfig.load(path) == config


def test_load_or_create_writes_defaults_once(tmp_path: Path) -> None:
    path = tmp_path / "server.properties"
    assert ServerConfig.load_or_create(path) == ServerConfig()
    assert "online-mode=false" in path.read_text(encoding="utf-8")
    path.write_text("motd=mine\n", encoding="utf-8")
    assert ServerConfig.load_or_create(path).motd == "mine"
    assert path.read_text(encoding="utf-8") == "motd=mine\n"


def test_ops_are_saved_in_vanilla_shape(tmp_path: Path) -> None:
    ops = OpList(tmp_path / "ops.json")
    ops.load()
    alice = offline_uuid("Alice")
    ops.add(alice, "Alice", 3)
    assert json.loads((tmp_path / "ops.json").read_text(encoding="utf-8")) == [
        {"uuid": str(alice), "name": "Alice", "level": 3, "bypassesPlayerLimit": False}
    ]
    again = OpList(tmp_path / "ops.json")
    again.load()
    assert again.level_of(alice) == 3
    assert again.find("alice") is not None
    assert again.remove(alice) is True
    assert again.level_of(alice) == 0
    assert json.loads((tmp_path / "ops.json").read_text(encoding="utf-8")) == []


def test_corrupt_file_is_moved_aside(tmp_path: Path) -> None:
    (tmp_path / "ops.json").write_text("[{broken", encoding="utf-8")
    (tmp_path / "whitelist.json").write_text('[{"uuid": "nope", "name": "X"}]', encoding="utf-8")
    warnings: list[str] = []
    lists = AccessLists(tmp_path, warn=warnings.append)
    lists.load()
    assert len(lists.ops) == 0 and len(lists.whitelist) == 0
    assert not (tmp_path / "ops.json").exists()
    (aside,) = tmp_path.glob("ops.json.corrupt-*")
    assert aside.read_text(encoding="utf-8") == "[{broken"
    assert len(warnings) == 2
    assert "ops.json is corrupt" in warnings[0] and "op NAME" in warnings[0]
    assert "entry 0: 'uuid' is not a UUID" in warnings[1]


def test_bans_expire(tmp_path: Path) -> None:
    bans = BanList(tmp_path / "banned-players.json")
    carl, dave = offline_uuid("Carl"), offline_uuid("Dave")
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S %z")
    bans.ban(carl, "Carl", "griefing", source="Alice")
    bans.ban(dave, "Dave", expires=past)
    assert bans.active(carl) is not None
    assert bans.active(dave) is None
    reloaded = BanList(tmp_path / "banned-players.json")
    reloaded.load()
    (entry,) = reloaded.entries()
    assert (entry.name, entry.reason, entry.source, entry.expires) == (
        "Carl", "griefing", "Alice", "forever")
