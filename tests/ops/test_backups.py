"""Backups of a running server, restore, refused archives and retention.

Real server core, real plugin (echo), real files: the backup is made while
a playtest player chats, restore brings back what was deleted, and crafted
or damaged archives are refused with nothing on disk changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import io
import json
import os
import tarfile
from pathlib import Path

import pytest

from gui.devkit.wat_build import build_fixture
from gui.ops import BackupError, BackupService, BackupSettings
from gui.ops.archive import MANIFEST
from gui.plugins import PluginState
from tests.harness import Session

WORLD_BYTES = 12 << 20  # incompressible: the backup takes a while, long enough to chat


def area_files(paths) -> set[str]:
    """What a default backup should hold: every file in the areas, logs left out."""
    found = set()
    for area, root in (("server", paths.server_dir), ("plugins", paths.plugins_dir),
                       ("plugin-data", paths.plugin_data_root)):
        for path in root.rglob("*"):
            rel = path.relative_to(root).as_posix()
            if path.is_file() and not (area == "server" and rel.startswith("logs/")):
                found.add(f"{area}/{rel}")
    if (paths.config_dir / "grants.json").exists():
        found.add("config/grants.json")
    return found


def snapshot(paths) -> dict[str, str]:
    """sha256 of every file of the profile that a restore could touch (not logs, backups)."""
    out = {}
    for root in (paths.server_dir, paths.plugins_dir, paths.plugin_data_root, paths.config_dir):
        for path in sorted(root.rglob("*")):
            if path.is_file() and "logs" not in path.relative_to(root).parts:
                out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


async def chat_until(session: Session, stop: asyncio.Event) -> int:
    said = 0
    while not stop.is_set():
        said += 1
        await session.run(f"playtest chat Alice message {said}")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.02)
    return said


async def prepared(session: Session) -> Path:
    await session.run("playtest join Alice")
    await session.run("op Alice")
    data = session.paths.plugin_data_root / "echo"
    data.mkdir(parents=True, exist_ok=True)
    (data / "scores.json").write_text('{"Alice": 3}')
    world = session.paths.server_dir / "world"
    world.mkdir(exist_ok=True)
    (world / "region.bin").write_bytes(os.urandom(WORLD_BYTES))
    return data / "scores.json"


def test_backup_while_a_player_chats_holds_the_server_and_ticks_keep_rising(paths):
    async def scenario() -> None:
        session = Session(paths)
        session.install(build_fixture("echo"))
        async with session:
            await prepared(session)
            ticks_before = session.server.ticks.tick_count
            stop = asyncio.Event()
            chatting = asyncio.create_task(chat_until(session, stop))
            info = await session.core.ops.backup()
            ticks_after = session.server.ticks.tick_count
            stop.set()
            said = await chatting
            assert said >= 2, "the player could not chat during the backup"
            assert ticks_after > ticks_before + 2, (ticks_before, ticks_after)
            assert session.seen(r"^Backup backup-\d{8}-\d{6}\.tar\.gz made", source="backup")
            with tarfile.open(info.path) as tar:
                names = tar.getnames()
                manifest = json.load(tar.extractfile(MANIFEST))
            assert names[0] == MANIFEST
            assert manifest["reason"] == "manual"
            members = set(names) - {MANIFEST}
            assert members == area_files(paths)
            for expected in ("server/server.properties", "server/ops.json",
                             "server/world/region.bin", "plugin-data/echo/scores.json",
                             "config/grants.json"):
                assert expected in members
            assert any(n.startswith("plugins/echo") and n.endswith(".wasm") for n in members)
            assert not any(name.startswith("server/logs/") for name in members)
            assert [b.name for b in session.core.ops.backups.list()] == [info.name]

    asyncio.run(scenario())


def test_restore_brings_back_a_deleted_op_and_a_plugin_data_file(paths):
    async def scenario() -> None:
        session = Session(paths)
        session.install(build_fixture("echo"))
        async with session:
            scores = await prepared(session)
            ops = session.core.ops
            info = await ops.backup()
            await session.run("deop Alice")
            scores.unlink()
            assert session.server.ops.get(session.server.players.get("Alice").uuid) is None

            restored = await ops.restore(info.name)

            assert session.server.state == "running"
            assert session.plugins.get("echo").state is PluginState.RUNNING
            assert scores.read_text() == '{"Alice": 3}'
            ops_file = json.loads((paths.server_dir / "ops.json").read_text())
            assert [entry["name"] for entry in ops_file] == ["Alice"]
            await session.run("playtest join Alice")
            assert session.server.ops.get(session.server.players.get("Alice").uuid) is not None
            # The state before the restore was kept as a backup of its own.
            assert restored.safety.endswith("-before-restore.tar.gz")
            with tarfile.open(ops.backups.get(restored.safety).path) as tar:
                assert "plugin-data/echo/scores.json" not in tar.getnames()
            # Today's logs stay (the backup had none).
            assert (paths.server_dir / "logs" / "latest.log").exists()

    asyncio.run(scenario())


def _crafted(folder: Path, name: str, members: list[tuple[tarfile.TarInfo, bytes]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / name, "w:gz") as tar:
        manifest = json.dumps({"format": 1}).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size = len(manifest)
        tar.addfile(info, io.BytesIO(manifest))
        for member, data in members:
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))


def _file(name: str) -> tarfile.TarInfo:
    return tarfile.TarInfo(name)


def _link(name: str, target: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.SYMTYPE
    info.linkname = target
    return info


def test_crafted_damaged_and_oversize_archives_are_refused_with_nothing_changed(paths):
    async def scenario() -> None:
        session = Session(paths)
        session.install(build_fixture("echo"))
        async with session:
            await prepared(session)
            ops = session.core.ops
            good = await ops.backup()
            folder = ops.backups.folder
            escaped = paths.data_dir / "escaped.txt"
            _crafted(folder, "backup-20200101-000001.tar.gz",
                     [(_file("server/ops.json"), b"[]"),
                      (_file("server/../../escaped.txt"), b"owned")])
            _crafted(folder, "backup-20200101-000002.tar.gz",
                     [(_file("/tmp/pumpkin-patch-absolute.txt"), b"owned")])
            _crafted(folder, "backup-20200101-000003.tar.gz",
                     [(_link("plugin-data/echo/link", "/etc/passwd"), b"")])
            _crafted(folder, "backup-20200101-000004.tar.gz",
                     [(_file("elsewhere/file.txt"), b"owned")])
            _crafted(folder, "backup-20200101-000006.tar.gz",
                     [(_file("config/config.toml"), b"[plugins]\nallow_unsigned = true\n")])
            whole = good.path.read_bytes()
            (folder / "backup-20200101-000005.tar.gz").write_bytes(whole[: len(whole) // 2])
            before = snapshot(paths)
            reasons = {}
            for serial, expected in ((1, "climbs out"), (2, "absolute path"),
                                     (3, "link or a device"), (4, "outside the areas"),
                                     (5, "damaged or incomplete"),
                                     (6, "restores only config/grants.json")):
                name = f"backup-20200101-00000{serial}.tar.gz"
                with pytest.raises(BackupError, match=expected) as caught:
                    await ops.restore(name)
                assert name in str(caught.value)
                reasons[serial] = str(caught.value)
            # Over the size cap: the good archive itself, with a 1 MiB limit.
            ops.backups.settings = BackupSettings(max_restore_mb=1)
            with pytest.raises(BackupError, match="more than 1 MiB"):
                await ops.restore(good.name)

            assert snapshot(paths) == before
            assert not escaped.exists()
            assert not Path("/tmp/pumpkin-patch-absolute.txt").exists()
            assert session.server.state == "running"  # a refused archive never stops it
            assert not list(paths.data_dir.glob(".restore-*"))
            assert session.seen(r"^The restore failed: .*climbs out", source="backup")
            assert not any(b.reason == "before-restore" for b in ops.backups.list())

    asyncio.run(scenario())


def test_retention_keeps_exactly_the_newest_n(paths):
    async def scenario() -> None:
        clock = iter(range(1_700_000_000, 1_700_001_000, 60))
        service = BackupService(paths.ensure(), BackupSettings(keep=3),
                                clock=lambda: next(clock))
        paths.server_dir.mkdir(parents=True, exist_ok=True)
        (paths.server_dir / "server.properties").write_text("motd=hi\n")
        made = [await service.create() for _ in range(5)]
        kept = service.list()
        assert [b.name for b in kept] == [b.name for b in made[-3:]]
        assert len(list(service.folder.iterdir())) == 3  # no temp files left either
        assert service.prune(keep=1) == kept[:2]
        assert [b.name for b in service.list()] == [made[-1].name]

    asyncio.run(scenario())


def test_a_second_backup_while_one_runs_is_refused(paths):
    async def scenario() -> None:
        service = BackupService(paths.ensure())
        paths.server_dir.mkdir(parents=True, exist_ok=True)
        (paths.server_dir / "big.bin").write_bytes(os.urandom(4 << 20))
        first = asyncio.create_task(service.create())
        await asyncio.sleep(0)  # the first holds the lock now
        from gui.ops import BackupBusy

        with pytest.raises(BackupBusy, match="already running"):
            await service.create()
        await first
        assert len(service.list()) == 1

    asyncio.run(scenario())
