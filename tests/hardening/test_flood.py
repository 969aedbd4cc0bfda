"""Finding 7: a flood of junk connections grows latest.log by a bounded amount."""

from __future__ import annotations

import asyncio
import contextlib

from gui.server.console import ConsoleLog
from gui.server.peer_lines import BURST, PeerLineLimiter
from tests.server.test_status_ping import game_server, open_game

JUNK = b"\xff\xff\xff\xff\xff\xff"  # a VarInt of more than 5 bytes: a protocol error


def test_a_junk_connection_flood_writes_a_few_lines_and_a_count(tmp_path):
    flood = 2000

    async def junk_connection(server) -> None:
        reader, writer = await open_game(server)
        writer.write(JUNK)
        # Over the per-address cap the server hangs up before reading: a reset.
        with contextlib.suppress(ConnectionResetError):
            await reader.read()
        writer.close()
        with contextlib.suppress(ConnectionResetError):
            await writer.wait_closed()

    async def scenario() -> None:
        server = game_server(tmp_path)
        await server.start()
        try:
            for start in range(0, flood, 100):
                await asyncio.gather(*(junk_connection(server)
                                       for _ in range(min(100, flood - start))))
        finally:
            await server.stop()

    asyncio.run(scenario())
    log = (tmp_path / "logs" / "latest.log").read_text(encoding="utf-8")
    closed = [line for line in log.splitlines() if "Closed the connection from" in line]
    assert 1 <= len(closed) <= 2 * BURST  # at most one window's burst, or two at a border
    counts = [line for line in log.splitlines() if "more from 127.0.0.1 in 10 s" in line]
    assert counts, log
    counted = sum(int(line.split("... and ")[1].split(" more")[0].replace(",", ""))
                  for line in counts)
    assert counted + len(closed) == flood
    assert len(log.encode()) < 8 * 1024


def test_the_count_is_written_when_the_window_ends():
    now = [0.0]
    console = ConsoleLog()
    limiter = PeerLineLimiter(console, "status", burst=2, window=10.0, clock=lambda: now[0])
    written = [limiter.write("warn", "10.0.0.9:4000", f"junk {i}") for i in range(5)]
    assert written == [True, True, False, False, False]
    assert limiter.write("warn", "10.0.0.8:4000", "other host")  # hosts are counted apart
    now[0] = 10.5
    assert limiter.write("warn", "[10.0.0.9]:4001", "a new window")
    messages = console.messages("status")
    assert messages == ["junk 0", "junk 1", "other host",
                        "... and 3 more from 10.0.0.9 in 10 s", "a new window"]


def test_latest_log_rotates_by_size(tmp_path):
    console = ConsoleLog(max_log_bytes=2000)
    console.open_log_file(tmp_path)
    for index in range(100):
        console.info("server", f"line {index:03d} " + "x" * 40)
    console.close_log_file()
    logs = sorted(tmp_path.iterdir())
    assert len(logs) >= 3 and (tmp_path / "latest.log") in logs
    assert all(path.stat().st_size <= 2000 + 100 for path in logs)
    text = "".join(path.read_text(encoding="utf-8") for path in logs)
    assert all(f"line {index:03d} " in text for index in range(100))  # nothing lost
