"""Real Minecraft Java clients for tests and benchmarks: mineflayer bots driven from asyncio.

``resources/clients/`` at the top of the repository holds ``package.json`` and
``package-lock.json`` (npm ``mineflayer`` and ``minecraft-protocol``, exact
versions) and ``bot.js``, one Node.js process that drives many bots and speaks
JSON lines (its header lists the commands and events).

:func:`ensure_clients` installs the lockfile's packages into
``<cache root>/node-clients/<sha256 of the lockfile>/`` (the devkit's cache,
:func:`gui.devkit.devkit_cache_dir`; how: gui/devkit/npm_install.py).

:class:`BotSwarm` runs ``node bot.js`` against such an install::

    async with BotSwarm(ensure_clients()) as swarm:
        bot = await swarm.join("Bot1", "127.0.0.1", port)
        await bot.wait_for("spawn", timeout=30)
        mark = bot.mark()
        bot.chat("hello")
        await bot.wait_for_message("<Bot1> hello", after=mark)

Every event of every bot is kept (``bot.events``), so a test can assert that
no message was lost.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import itertools
import json
import logging
import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gui.devkit import devkit_cache_dir
from gui.devkit.npm_install import NpmInstallError, install_lockfile, lockfile_key, require_tool
from gui.errors import PumpkinPatchError

log = logging.getLogger(__name__)

# gui/devkit/node_clients.py -> repository top -> resources/clients
CLIENTS_SOURCE = Path(__file__).resolve().parents[2] / "resources" / "clients"
BOT_SCRIPT = "bot.js"
NPM_TIMEOUT = 900.0
READY_TIMEOUT = 60.0
CLOSE_TIMEOUT = 5.0
_LINE_LIMIT = 1 << 20  # one event line; chat lines are short, but a kick reason may not be

BotEvent = dict[str, Any]
"""One event as bot.js printed it: ``{"event": kind, "id": bot id, "t": ms, ...}``."""


class NodeClientsError(NpmInstallError):
    """Node.js or npm is missing, or the clients could not be installed or started."""


class BotError(PumpkinPatchError, RuntimeError):
    """A bot did not do what was awaited: timeout, disconnect, or a failed command."""


def ensure_clients(cache_root: Path | None = None, *, source: Path = CLIENTS_SOURCE,
                   timeout: float = NPM_TIMEOUT) -> Path:
    """Install the clients' npm packages (once per lockfile); returns the install directory.

    The directory holds ``node_modules`` for :class:`BotSwarm`. ``cache_root``
    defaults to :func:`gui.devkit.devkit_cache_dir`. Raises
    :class:`NodeClientsError` naming the lockfile, with npm's output, when the
    install fails.
    """
    base = Path(cache_root or devkit_cache_dir()) / "node-clients"
    try:
        return install_lockfile(source, base, what="the test clients (mineflayer)",
                                timeout=timeout)
    except NpmInstallError as exc:
        raise NodeClientsError(str(exc)) from exc


@dataclass(frozen=True)
class Position:
    """Where a bot is, as the server sees it (yaw and pitch in degrees)."""

    x: float
    y: float
    z: float
    yaw: float
    pitch: float

    @classmethod
    def of(cls, event: BotEvent) -> Position:
        return cls(*(float(event[k]) for k in ("x", "y", "z", "yaw", "pitch")))


# After these a bot gets nothing more: a kick is followed only by the end.
_FINAL = ("kicked", "end")


class Bot:
    """One mineflayer bot in a :class:`BotSwarm`; every event it got is in :attr:`events`."""

    def __init__(self, swarm: BotSwarm, bot_id: str, username: str) -> None:
        self.swarm = swarm
        self.id = bot_id
        self.username = username
        self.events: list[BotEvent] = []
        self._ended = False  # set with the kicked or end event, under the swarm's lock

    def _record(self, event: BotEvent) -> None:
        self.events.append(event)
        if event["event"] in _FINAL:
            self._ended = True

    def __repr__(self) -> str:
        return f"<Bot {self.username} ({self.id}), {len(self.events)} events>"

    @property
    def ended(self) -> bool:
        """True once the bot was kicked or its connection closed."""
        return self._ended

    def mark(self) -> int:
        """The number of events so far: pass it as ``after=`` to wait only for newer ones."""
        return len(self.events)

    def messages(self, position: str | None = None) -> list[str]:
        """The plain text of every chat/system message received, oldest first."""
        return [e["text"] for e in self.events
                if e["event"] == "message" and position in (None, e.get("position"))]

    async def wait_for(self, kind: str, *, where: Callable[[BotEvent], bool] | None = None,
                       timeout: float = 30.0, after: int = 0) -> BotEvent:
        """The first event of ``kind`` (from index ``after`` on) for which ``where`` holds.

        Raises :class:`BotError` on timeout, or at once when the bot is kicked
        or disconnected, or the node process exits, before such an event arrives
        (unless ``kind`` is ``kicked``, ``end`` or ``error``: a command sent to a
        bot that has gone is answered with an error).
        """
        def wanted(e: BotEvent) -> bool:
            return e["event"] == kind and (where is None or where(e))

        return await self.swarm._wait(self, wanted, f"{kind} event", timeout, after,
                                      fail_on_end=kind not in (*_FINAL, "error"))

    async def wait_for_message(self, match: str | Callable[[str], bool], *,
                               timeout: float = 30.0, after: int = 0,
                               position: str | None = None) -> BotEvent:
        """The first message whose text contains ``match`` (or satisfies it, if callable)."""
        test = match if callable(match) else (lambda text: match in text)
        return await self.wait_for(
            "message", timeout=timeout, after=after,
            where=lambda e: position in (None, e.get("position")) and test(e["text"]))

    def chat(self, text: str) -> None:
        """Send a chat line; one starting with ``/`` is sent as a command."""
        self.swarm._send({"cmd": "chat", "id": self.id, "text": text})

    async def tab_complete(self, text: str, *, timeout: float = 10.0) -> list[str]:
        """The server's completions for ``text`` (e.g. ``"/di"``), as plain strings."""
        reply = await self._request({"cmd": "tab", "text": text,
                                     "timeout_ms": int(timeout * 1000)}, "tab", timeout + 5)
        return list(reply["matches"])

    async def position(self, *, timeout: float = 10.0) -> Position:
        """Where the bot is now."""
        return Position.of(await self._request({"cmd": "position"}, "position", timeout))

    async def move(self, control: str = "forward", ms: int = 500, *,
                   timeout: float = 10.0) -> Position:
        """Hold a control (forward, back, left, right, jump, sprint, sneak) for ``ms``."""
        reply = await self._request({"cmd": "move", "control": control, "ms": ms}, "moved",
                                    timeout + ms / 1000)
        return Position.of(reply)

    async def players(self, *, timeout: float = 10.0) -> list[dict[str, Any]]:
        """The bot's tab list: ``[{"username", "ping", "gamemode"}, ...]``."""
        return list((await self._request({"cmd": "players"}, "players", timeout))["players"])

    async def block_at(self, x: int, y: int, z: int, *,
                       timeout: float = 10.0) -> dict[str, Any]:
        """The block the bot sees at a position: ``{"name", "state"}`` (None: not loaded)."""
        reply = await self._request({"cmd": "block", "x": x, "y": y, "z": z}, "block", timeout)
        return {"name": reply["name"], "state": reply["state"]}

    def quit(self) -> None:
        """Disconnect this bot (an ``end`` event follows)."""
        self.swarm._send({"cmd": "quit", "id": self.id})

    async def _request(self, command: dict[str, Any], reply: str, timeout: float) -> BotEvent:
        req = next(self.swarm._requests)
        after = self.mark()
        self.swarm._send({**command, "id": self.id, "req": req})
        event = await self.swarm._wait(
            self, lambda e: e.get("req") == req and e["event"] in (reply, "error"),
            f"{reply} reply to {command['cmd']!r}", timeout, after, fail_on_end=True)
        if event["event"] == "error":
            raise BotError(f"{self.username}: {command['cmd']} failed: {event['message']}")
        return event


class BotSwarm:
    """One ``node bot.js`` process driving many bots; an async context manager.

    ``clients_dir`` is an install from :func:`ensure_clients` (installed on
    first use when left out). The process starts on :meth:`start`, on entering
    ``async with``, or on the first :meth:`join`; :meth:`close` ends it and
    every bot in it.
    """

    def __init__(self, clients_dir: Path | None = None, *,
                 source: Path = CLIENTS_SOURCE) -> None:
        self.clients_dir = clients_dir
        self.script = source / BOT_SCRIPT
        self.bots: dict[str, Bot] = {}
        self.events: list[BotEvent] = []  # events of no bot: ready, process-wide errors
        self.stderr: collections.deque[str] = collections.deque(maxlen=200)
        self._proc: asyncio.subprocess.Process | None = None
        self._changed: asyncio.Condition | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._ids = itertools.count(1)
        self._requests = itertools.count(1)
        self._exited = False

    @property
    def pid(self) -> int | None:
        """The node process's id while it runs."""
        return self._proc.pid if self._proc and self._proc.returncode is None else None

    def errors(self) -> list[BotEvent]:
        """Every error event, of the process and of each bot."""
        own = [e for e in self.events if e["event"] == "error"]
        return own + [e for b in self.bots.values() for e in b.events if e["event"] == "error"]

    async def __aenter__(self) -> BotSwarm:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        """Start node and wait for bot.js to say it is ready."""
        if self._proc is not None:
            return
        if self.clients_dir is None:
            self.clients_dir = await asyncio.to_thread(ensure_clients)
        self._changed = asyncio.Condition()
        env = {**os.environ, "NODE_PATH": str(self.clients_dir / "node_modules"),
               "NODE_NO_WARNINGS": "1"}
        try:
            self._proc = await asyncio.create_subprocess_exec(
                require_tool("node"), str(self.script), cwd=self.clients_dir, env=env,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                limit=_LINE_LIMIT)
        except OSError as e:
            raise NodeClientsError(f"Could not start node {self.script}: {e}") from e
        self._tasks = [asyncio.create_task(self._read_events()),
                       asyncio.create_task(self._read_stderr())]
        await self._wait(None, lambda e: e["event"] == "ready", "ready line from bot.js",
                         READY_TIMEOUT, 0, fail_on_end=False)

    async def join(self, username: str, host: str = "127.0.0.1", port: int = 25565, *,
                   version: str = "26.1", view_distance: int | None = None) -> Bot:
        """Connect a new bot; await its ``login``/``spawn`` with :meth:`Bot.wait_for`.

        ``view_distance`` is the one the client asks for (None: the client's
        default, 10). Each chunk costs the bot's node process more than it costs
        the server, so many bots in one process join faster with a small one.
        """
        await self.start()
        bot = Bot(self, f"b{next(self._ids)}", username)
        self.bots[bot.id] = bot
        command = {"cmd": "join", "id": bot.id, "username": username, "host": host,
                   "port": port, "version": version}
        if view_distance is not None:
            command["view_distance"] = view_distance
        self._send(command)
        return bot

    async def close(self) -> None:
        """Disconnect every bot and end the node process (killed if it lingers)."""
        proc = self._proc
        if proc is None:
            return
        if proc.returncode is None:
            with contextlib.suppress(ConnectionError, RuntimeError):
                proc.stdin.write(b'{"cmd":"exit"}\n')
                await proc.stdin.drain()
            try:
                await asyncio.wait_for(proc.wait(), CLOSE_TIMEOUT)
            except TimeoutError:
                log.warning("bot.js (pid %s) did not exit; killing it", proc.pid)
                proc.kill()
                await proc.wait()
        proc.stdin.close()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def kill(self) -> None:
        """Kill the node process at once, without a loop (a test's last resort)."""
        if self._proc is not None and self._proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._proc.pid, 9)

    def _send(self, command: dict[str, Any]) -> None:
        proc = self._proc
        if proc is None or self._exited or proc.stdin.is_closing():
            raise BotError(f"bot.js is not running (cannot send {command.get('cmd')!r})"
                           f"{self._exit_note()}")
        proc.stdin.write(json.dumps(command).encode() + b"\n")

    def _exit_note(self) -> str:
        if not self._exited:
            return ""
        code = self._proc.returncode if self._proc else None
        tail = "\n".join(list(self.stderr)[-30:])
        return f"; node exited with code {code}" + (f", stderr:\n{tail}" if tail else "")

    async def _read_events(self) -> None:
        assert self._proc is not None and self._changed is not None
        stdout = self._proc.stdout
        while True:
            try:
                line = await stdout.readline()
            except ValueError:  # longer than _LINE_LIMIT: skip it, say so
                event = {"event": "error", "id": None, "message": "an event line was too long"}
                line = b""
            else:
                if not line:
                    break
                try:
                    event = json.loads(line)
                except json.JSONDecodeError:
                    event = {"event": "error", "id": None,
                             "message": f"not a JSON event: {line[:200]!r}"}
            async with self._changed:
                bot = self.bots.get(event.get("id"))
                if bot is not None:
                    bot._record(event)
                else:
                    self.events.append(event)
                self._changed.notify_all()
        await self._proc.wait()
        async with self._changed:
            self._exited = True
            self._changed.notify_all()

    async def _read_stderr(self) -> None:
        assert self._proc is not None
        async for line in self._proc.stderr:
            self.stderr.append(line.decode(errors="replace").rstrip())

    async def _wait(self, bot: Bot | None, wanted: Callable[[BotEvent], bool],
                    what: str, timeout: float, after: int, *, fail_on_end: bool) -> BotEvent:
        assert self._changed is not None
        events = bot.events if bot else self.events
        found: list[BotEvent] = []

        def settled() -> bool:
            for event in events[after:]:
                if wanted(event):
                    found.append(event)
                    return True
            return self._exited or (fail_on_end and bot is not None and bot.ended)

        who = f"{bot.username} (bot {bot.id})" if bot else "bot.js"
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait_for(settled), timeout)
            except TimeoutError:
                raise BotError(f"{who}: no {what} within {timeout:g} s"
                               f"{_recent(events)}") from None
        if found:
            return found[0]
        if bot is not None and bot.ended:
            end = next(e for e in bot.events if e["event"] in _FINAL)
            how = "was kicked" if end["event"] == "kicked" else "disconnected"
            raise BotError(f"{who} {how} ({end.get('reason') or 'no reason'}) before "
                           f"any {what}{_recent(events)}")
        raise BotError(f"{who}: node ended before any {what}{self._exit_note()}")


def _recent(events: list[BotEvent], count: int = 8) -> str:
    if not events:
        return "; it got no events"
    shown = "\n  ".join(json.dumps(e)[:300] for e in events[-count:])
    return f"; its last events:\n  {shown}"


__all__ = [
    "CLIENTS_SOURCE",
    "Bot",
    "BotError",
    "BotEvent",
    "BotSwarm",
    "NodeClientsError",
    "Position",
    "ensure_clients",
    "lockfile_key",
]
