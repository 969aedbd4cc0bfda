"""clients: real Minecraft clients (mineflayer bots) join at once and chat; drops, losses, TPS.

A headless server core on a throw-away profile listens on a free port of
127.0.0.1; one node process (gui/devkit/node_clients.py) connects every bot at
the same moment, and once they are in, each bot says one numbered line per
second (the bots take turns, spread over the second) for the whole duration.
Every line should reach every bot that is online, its sender included, as
vanilla echoes a player's chat. The server's TPS is sampled each second from
the first join to the last line.

Figures: ``bots``; ``dropped`` (bots that never spawned, or were kicked or
disconnected before the end); ``chat_lines`` sent; ``chat_delivered_ratio``
(deliveries seen / lines x bots online); ``tps_median`` and ``tps_min``;
``join_ms_median`` and ``join_ms_max`` (from the join command to the spawn,
timed inside the node process; all bots share that process, so later bots
wait for it); ``view_distance`` the bots asked for (see CLIENT_VIEW_DISTANCE).
"""

from __future__ import annotations

import asyncio
import re
import socket
from dataclasses import dataclass, field

from gui.bench.common import Bench, BenchProfile, Options, median
from gui.devkit.node_clients import Bot, BotError, BotSwarm, ensure_clients
from gui.server.config import PROPERTIES_FILE, ServerConfig
from gui.server.ticks import TickLoop

HOST = "127.0.0.1"
BOTS = 20
DURATION_S = 30.0
QUICK_BOTS = 3
QUICK_DURATION_S = 3.0
# One line per bot per second: vanilla's spam guard adds 20 per line and takes
# one off per tick, so this rate never builds up towards its kick.
CHAT_INTERVAL_S = 1.0
# The view distance the bots ask for: 10, the server's default and minecraft-
# protocol's (441 chunks each). All bots share one node process, and parsing a
# chunk costs it more CPU than sending one costs the server: later bots' join
# times include waiting for node, and a node starved of CPU falls behind on
# keep-alives until the server rightly times its bots out (seen while chunks
# carried full light arrays; with chunks of a few KiB 20 bots join in seconds).
CLIENT_VIEW_DISTANCE = 10
JOIN_TIMEOUT_S = 120.0
# How long the last lines may take to reach everyone after the chatting stops.
DELIVERY_GRACE_S = 15.0
_LINE = re.compile(r"bench-line-\d+-\d+\b")


def run(options: Options) -> dict[str, float]:
    clients = ensure_clients()  # before the clock starts: a first install takes a while
    bots = options.bots or (QUICK_BOTS if options.quick else BOTS)
    duration = options.duration or (QUICK_DURATION_S if options.quick else DURATION_S)
    return asyncio.run(_run(clients, bots, duration))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@dataclass
class _TpsSampler:
    """The tick loop's TPS, once a second, while it runs."""

    ticks: TickLoop
    samples: list[float] = field(default_factory=list)

    async def run(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            self.samples.append(self.ticks.tps)


async def _run(clients, bots: int, duration: float) -> dict[str, float]:
    port = _free_port()
    profile = BenchProfile([])
    profile.paths.server_dir.mkdir(parents=True, exist_ok=True)
    ServerConfig(server_port=port, max_players=max(bots, 20)).save(
        profile.paths.server_dir / PROPERTIES_FILE)
    async with profile as core, BotSwarm(clients) as swarm:
        sampler = _TpsSampler(core.server.ticks)
        sampling = asyncio.create_task(sampler.run())
        try:
            handles = [await swarm.join(f"Bot{i}", HOST, port,
                                        view_distance=CLIENT_VIEW_DISTANCE)
                       for i in range(1, bots + 1)]
            spawns = await asyncio.gather(
                *(bot.wait_for("spawn", timeout=JOIN_TIMEOUT_S) for bot in handles),
                return_exceptions=True)
            online = [bot for bot, spawn in zip(handles, spawns, strict=True)
                      if not isinstance(spawn, BaseException)]
            marks = {bot.id: bot.mark() for bot in online}
            sent = await _chat(online, duration)
        finally:
            sampling.cancel()
        ratio = await _delivery(online, marks, sent)
        dropped = bots - sum(1 for bot in online if not bot.ended)
    joins = [float(s["join_ms"]) for s in spawns if not isinstance(s, BaseException)]
    return {
        "bots": bots,
        "dropped": dropped,
        "chat_lines": len(sent),
        "chat_delivered_ratio": round(ratio, 4),
        "tps_median": round(median(sampler.samples), 2),
        "tps_min": round(min(sampler.samples, default=0.0), 2),
        "join_ms_median": round(median(joins), 1),
        "join_ms_max": round(max(joins, default=0.0), 1),
        "duration_s": duration,
        "view_distance": CLIENT_VIEW_DISTANCE,
    }


async def _chat(online: list[Bot], duration: float) -> set[str]:
    """Each bot says one numbered line per interval; returns every line sent."""
    sent: set[str] = set()
    if not online:
        return sent
    gap = CHAT_INTERVAL_S / len(online)
    for round_no in range(max(1, int(duration / CHAT_INTERVAL_S))):
        for index, bot in enumerate(online):
            if bot.ended:
                continue
            line = f"bench-line-{round_no}-{index}"
            try:
                bot.chat(line)
            except BotError:  # node went away: what was sent is what is counted
                return sent
            sent.add(line)
            await asyncio.sleep(gap)
    return sent


async def _delivery(online: list[Bot], marks: dict[str, int], sent: set[str]) -> float:
    """Deliveries seen / lines sent x bots online, once all arrived or the grace ran out."""
    expected = len(sent) * len(online)
    if not expected:
        return 0.0

    def seen(bot: Bot) -> set[str]:
        lines: set[str] = set()
        for event in bot.events[marks[bot.id]:]:
            if event["event"] == "message":
                lines.update(_LINE.findall(event["text"]))
        return lines & sent

    async def everything(bot: Bot) -> None:
        # Waiting on the bot's own event stream: done once the last of its lines is in.
        while len(seen(bot)) < len(sent) and not bot.ended:
            await bot.wait_for("message", after=bot.mark(), timeout=DELIVERY_GRACE_S)

    await asyncio.gather(*(everything(bot) for bot in online), return_exceptions=True)
    return sum(len(seen(bot)) for bot in online) / expected


BENCHES = [Bench("clients", f"{BOTS} real clients (mineflayer) join at once and chat for "
                 f"{DURATION_S:.0f} s: drops, chat delivery, TPS, join times", run)]
