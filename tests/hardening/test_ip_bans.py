"""IP bans (issue 13, item 5): banned-ips.json, ban-ip / pardon-ip, enforced on every join.

A connection that carries an ``address`` ("ip:port", as the Java protocol's
connections do) is checked against the IP bans; a playtest connection has
none. The host function ``player.ban-ip`` bans the player's IP for a plugin.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from types import SimpleNamespace

from gui.hostapi.player import PlayerApi
from gui.hostapi.scope import PluginScope
from gui.server.addresses import ip_of, normalize_ip
from gui.server.local_server import LocalServer
from gui.server.players import PlaytestConnection
from gui.server.text import TextComponent


class AddressedConnection:
    """A client connection with a peer address, recording what it is sent."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.received: list[tuple[str, str]] = []

    def deliver(self, kind: str, text: TextComponent) -> None:
        self.received.append((kind, text.plain()))

    @property
    def kicked(self) -> str | None:
        return next((text for kind, text in self.received if kind == "kick"), None)


@dataclass
class Run:
    server: LocalServer

    async def command(self, line: str) -> list[str]:
        start = len(self.server.console.history)
        await self.server.execute_console(line)
        return [ln.message for ln in list(self.server.console.history)[start:]]


def test_ban_ip_refuses_that_address_on_every_join_and_pardon_lifts_it(tmp_path):
    async def scenario() -> None:
        server = LocalServer(tmp_path)
        await server.start()
        run = Run(server)
        try:
            alice = AddressedConnection("203.0.113.5:50123")
            assert await server.join("Alice", alice) is not None
            out = await run.command("ban-ip Alice griefing")
            assert any("Banned IP 203.0.113.5: griefing" in m for m in out), out
            assert alice.kicked == "Your IP address is banned from this server. Reason: griefing"
            # Another name from the same address, by IPv4-mapped IPv6 too: refused.
            for address in ("203.0.113.5:40000", "[::ffff:203.0.113.5]:40001"):
                again = AddressedConnection(address)
                assert await server.join("Alicia", again) is None
                assert "IP address is banned" in again.kicked
            assert await server.join("Bob", AddressedConnection("198.51.100.7:1")) is not None
            assert await server.join("Zoe", PlaytestConnection(server.console, "Zoe"))
            data = json.loads((tmp_path / "banned-ips.json").read_text(encoding="utf-8"))
            assert [set(d) for d in data] == [{"ip", "created", "source", "expires", "reason"}]
            assert (data[0]["ip"], data[0]["source"], data[0]["expires"]) == (
                "203.0.113.5", "Server", "forever")
            out = await run.command("ban-ip 203.0.113.5")
            assert any("already banned" in m for m in out)
            out = await run.command("ban-ip Zoe")
            assert any("no IP address" in m for m in out), out
            out = await run.command("pardon-ip 203.0.113.5")
            assert any("Unbanned IP 203.0.113.5" in m for m in out)
            assert await server.join("Alice", AddressedConnection("203.0.113.5:50124"))
        finally:
            await server.stop()

    asyncio.run(scenario())


def test_ip_bans_survive_a_restart_and_a_bad_entry_is_skipped(tmp_path):
    (tmp_path / "banned-ips.json").write_text(json.dumps([
        {"ip": "not an ip", "created": "", "source": "x", "expires": "forever", "reason": "r"},
        {"ip": "192.0.2.9", "created": "", "source": "Server", "expires": "forever",
         "reason": "spam"},
    ]), encoding="utf-8")

    async def scenario() -> None:
        server = LocalServer(tmp_path)
        await server.start()
        try:
            mallory = AddressedConnection("192.0.2.9:555")
            assert await server.join("Mallory", mallory) is None
            assert mallory.kicked.endswith("Reason: spam")
            await server.execute_console("ban-ip 192.0.2.10")
        finally:
            await server.stop()

    asyncio.run(scenario())
    log = (tmp_path / "logs" / "latest.log").read_text(encoding="utf-8")
    assert "skipped 1 bad entry (entry 0: 'ip' is not an IP address" in log
    kept = json.loads((tmp_path / "banned-ips.json").read_text(encoding="utf-8"))
    assert [e["ip"] for e in kept] == ["192.0.2.9", "192.0.2.10", "not an ip"]


def test_a_plugin_bans_a_players_ip_through_the_host_function(tmp_path):
    async def scenario() -> None:
        server = LocalServer(tmp_path)
        await server.start()
        try:
            lines: list[tuple[str, str]] = []
            scope = PluginScope(plugin="guard", server=server, loop=asyncio.get_running_loop(),
                                data_dir=tmp_path / "data", calls=None,  # type: ignore[arg-type]
                                log=lambda level, message: lines.append((level, message)))
            api = PlayerApi(scope)
            eve = AddressedConnection("198.51.100.20:7000")
            player = await server.join("Eve", eve)
            assert api.get_ip(player) == "198.51.100.20"
            options = SimpleNamespace(**{  # a WIT record keeps the WIT field names
                "reason": TextComponent.of("bot"), "source": None, "expires-at-utc": None,
                "duration-seconds": 3600, "kick-matching-players": True,
                "log-to-console": True})
            await asyncio.to_thread(api.ban_ip, player, options)  # from another thread, as
            await asyncio.sleep(0)  # the runtime thread calls it; the change lands on the loop
            for _ in range(100):
                if eve.kicked:
                    break
                await asyncio.sleep(0.01)
            assert eve.kicked == "Your IP address is banned from this server. Reason: bot"
            (entry,) = server.ip_bans.entries()
            assert (entry.ip, entry.source, entry.reason) == ("198.51.100.20", "guard", "bot")
            assert entry.expires != "forever" and not entry.expired()
            assert any("guard banned IP 198.51.100.20: bot" in m
                       for m in server.console.messages("server"))
            zoe = await server.join("Zoe", PlaytestConnection(server.console, "Zoe"))
            assert api.get_ip(zoe) == ""
            api.ban_ip(zoe, options)
            assert lines and "nothing was banned" in lines[-1][1]
        finally:
            await server.stop()

    asyncio.run(scenario())


def test_addresses_are_read_in_every_form():
    assert ip_of("127.0.0.1:25565") == "127.0.0.1"
    assert ip_of("[::1]:25565") == "::1"
    assert ip_of("::1") == "::1"
    assert ip_of(None) is None and ip_of("nonsense:1") is None
    assert normalize_ip("::ffff:10.0.0.1") == "10.0.0.1"
