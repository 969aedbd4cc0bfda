"""RCON: remote console commands over TCP, in the Source RCON protocol vanilla speaks.

Admin tools (mcrcon, rcon-cli, panels) use it to run console commands on a
server. It is off unless ``enable-rcon=true`` and ``rcon.password`` is set in
``server.properties``; it listens on ``rcon.port`` at ``server-ip``, or only
on 127.0.0.1 when ``server-ip`` is empty (this is a desktop server: exposing
a console to the network is the admin's explicit choice).

A packet is ``int32 length`` (of what follows), ``int32 request id``,
``int32 type``, the payload, and two NUL bytes, all little-endian. Types:
``3`` log in (payload: the password), ``2`` run a command (and the type of
the login answer), ``0`` a command's output. A login is answered with the
request's id, or ``-1`` when the password is wrong; output longer than
:data:`MAX_OUTPUT_CHUNK` bytes is split over several packets, as vanilla does.

Bad input never reaches the server: a packet of impossible length, a
command before login, or three wrong passwords end that connection with a
warning on the console naming the peer and why; other connections and the
server carry on. Wrong passwords are counted per host across all its
connections and the count is checked on every login packet: a host that
guessed :data:`MAX_LOGIN_FAILURES` wrong passwords is refused for
:data:`LOCKOUT_S`, however many connections it opened first. A peer has
:data:`LOGIN_TIMEOUT_S` to log in; connections not logged in yet are limited
(:data:`MAX_PENDING_PER_HOST` per host, :data:`MAX_PENDING` in all) and a new
one pushes out the oldest, so idle connections cannot keep an admin out;
logged-in sessions have their own :data:`MAX_CONNECTIONS` slots. A command
is one line: a payload with a line break is refused, never run as two.
An authenticated client's packet of another type is answered "Unknown
request", as vanilla does (some tools send one to find the end of a long reply).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import struct
import time
from collections.abc import Awaitable, Callable

from gui.server.console import ConsoleLog
from gui.server.escaping import one_line
from gui.server.listener import PeerProtocolError, TcpListener
from gui.server.permission_nodes import PermissionRegistry
from gui.server.senders import ConsoleSender
from gui.server.text import TextComponent

log = logging.getLogger(__name__)

SOURCE = "rcon"
LOGIN, COMMAND, RESPONSE = 3, 2, 0
AUTH_FAILED = -1
# id + type + two NULs; vanilla refuses client payloads above 1446 bytes.
MIN_LENGTH, MAX_PAYLOAD = 10, 1446
MAX_OUTPUT_CHUNK = 4096
MAX_LOGIN_FAILURES = 3  # per host, across its connections, before a lockout
LOCKOUT_S = 60.0  # a host that guessed wrong that often waits this long
LOGIN_TIMEOUT_S = 5.0  # to log in after connecting
IDLE_TIMEOUT_S = 300.0  # between commands, once logged in
MAX_CONNECTIONS = 16  # logged-in sessions
MAX_PENDING = 16  # connections not logged in yet, in all
MAX_PENDING_PER_HOST = 4

_HEADER = struct.Struct("<iii")

Runner = Callable[[str, ConsoleSender], Awaitable[int]]


class RconProtocolError(PeerProtocolError):
    """A peer sent something that is not RCON; its connection is closed."""


def encode(request_id: int, kind: int, payload: str | bytes) -> bytes:
    """One RCON packet."""
    body = payload.encode("utf-8") if isinstance(payload, str) else payload
    return _HEADER.pack(len(body) + MIN_LENGTH, request_id, kind) + body + b"\x00\x00"


async def read_packet(reader: asyncio.StreamReader) -> tuple[int, int, str]:
    """The next packet from ``reader`` as (request id, type, payload).

    Raises:
        RconProtocolError: an impossible length or a payload that is not text.
        asyncio.IncompleteReadError: the peer closed the connection.
    """
    (length,) = struct.unpack("<i", await reader.readexactly(4))
    if not MIN_LENGTH <= length <= MAX_PAYLOAD + MIN_LENGTH:
        raise RconProtocolError(f"a packet of {length} bytes (RCON packets are "
                                f"{MIN_LENGTH}-{MAX_PAYLOAD + MIN_LENGTH})")
    data = await reader.readexactly(length)
    request_id, kind = struct.unpack_from("<ii", data)
    payload = data[8:-2]
    if data[-2:] != b"\x00\x00":
        raise RconProtocolError("a packet not ending in two NUL bytes")
    try:
        return request_id, kind, payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RconProtocolError(f"a payload that is not UTF-8 text ({exc.reason})") from exc


class RconSender(ConsoleSender):
    """The console, as seen by one RCON command: level 4, output collected for the reply."""

    name = "Rcon"

    def __init__(self, console: ConsoleLog, *,
                 permissions: PermissionRegistry | None = None) -> None:
        super().__init__(console, permissions=permissions)
        self.output: list[str] = []

    def send_message(self, text: TextComponent | str, kind: str = "feedback") -> None:
        component = TextComponent.of(text) if isinstance(text, str) else text
        self.output.append(component.plain())

    def send_error(self, text: TextComponent | str) -> None:
        self.send_message(text)


class RconListener(TcpListener):
    """The RCON port of a running server."""

    source = SOURCE
    what = "RCON running"

    def __init__(self, console: ConsoleLog, password: str, run: Runner,
                 permissions: PermissionRegistry | None = None) -> None:
        """Create a listener (not yet listening).

        Args:
            console: Where connections, commands and refusals are logged.
            password: ``rcon.password``; must not be empty.
            run: Runs a console command line as the given sender.
            permissions: The server's permission nodes (for the sender).
        """
        if not password:
            raise ValueError("RCON needs a password")
        super().__init__(console)
        # Compared as digests: equal lengths, so the comparison leaks nothing.
        self._password = hashlib.sha256(password.encode("utf-8")).digest()
        self._run = run
        self._permissions = permissions
        self._failures: dict[str, tuple[int, float]] = {}  # host -> (wrong passwords, last)
        # Connections not logged in yet, oldest first: writer -> host.
        self._pending: dict[asyncio.StreamWriter, str] = {}
        self._sessions = 0  # logged in

    async def converse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                       peer: str) -> None:
        host = peer.rpartition(":")[0]
        if self._locked_out(host):
            writer.close()  # still locked out: no answer, no console line per attempt
            return
        self._admit_pending(writer, host)
        try:
            await self._session(reader, writer, peer, host)
        except TimeoutError:
            self.peer_lines.write("info", peer, f"Closed the idle RCON connection from {peer}")
        finally:
            self._pending.pop(writer, None)

    def _locked_out(self, host: str) -> bool:
        count, last = self._failures.get(host, (0, 0.0))
        return count >= MAX_LOGIN_FAILURES and time.monotonic() - last < LOCKOUT_S

    def _admit_pending(self, writer: asyncio.StreamWriter, host: str) -> None:
        """Make room for a new connection that has not logged in: push out the oldest."""
        same_host = [w for w, h in self._pending.items() if h == host]
        if len(same_host) >= MAX_PENDING_PER_HOST:
            self._push_out(same_host[0])
        elif len(self._pending) >= MAX_PENDING:
            self._push_out(next(iter(self._pending)))
        self._pending[writer] = host

    def _push_out(self, writer: asyncio.StreamWriter) -> None:
        # Closing ends that conversation's read quietly; its finally forgets it.
        self._pending.pop(writer, None)
        writer.close()

    def _wrong_password(self, host: str) -> int:
        """Count a wrong password of ``host``; returns its count in the current window."""
        count, last = self._failures.get(host, (0, 0.0))
        if time.monotonic() - last >= LOCKOUT_S:
            count = 0
        self._failures[host] = (count + 1, time.monotonic())
        if len(self._failures) > 4096:  # many hosts: forget the old ones
            cutoff = time.monotonic() - LOCKOUT_S
            self._failures = {h: f for h, f in self._failures.items() if f[1] >= cutoff}
        return count + 1

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                       peer: str, host: str) -> None:
        """Before login: only login packets, within the login time."""
        while True:
            request_id, kind, payload = await asyncio.wait_for(read_packet(reader),
                                                               LOGIN_TIMEOUT_S)
            if kind != LOGIN:
                raise RconProtocolError("a command before logging in")
            if self._locked_out(host):  # guesses made on other connections count too
                writer.write(encode(AUTH_FAILED, COMMAND, ""))
                await writer.drain()
                return
            given = hashlib.sha256(payload.encode("utf-8")).digest()
            if not hmac.compare_digest(given, self._password):
                writer.write(encode(AUTH_FAILED, COMMAND, ""))
                await writer.drain()
                failures = self._wrong_password(host)
                self.console.warn(SOURCE, f"Wrong RCON password from {peer} "
                                          f"({failures} of {MAX_LOGIN_FAILURES} for {host})")
                if failures >= MAX_LOGIN_FAILURES:
                    raise RconProtocolError(f"{failures} wrong passwords; {host} must wait "
                                            f"{LOCKOUT_S:.0f} s")
                continue
            if self._sessions >= MAX_CONNECTIONS:
                writer.write(encode(AUTH_FAILED, COMMAND, ""))
                await writer.drain()
                raise RconProtocolError(f"a login beyond the limit of {MAX_CONNECTIONS} "
                                        "sessions")
            writer.write(encode(request_id, COMMAND, ""))
            await writer.drain()
            self._failures.pop(host, None)
            self._pending.pop(writer, None)  # a session slot now, never pushed out
            self._sessions += 1
            self.console.info(SOURCE, f"RCON login from {peer}")
            try:
                await self._logged_in(reader, writer, peer)
            finally:
                self._sessions -= 1
            return

    async def _logged_in(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                         peer: str) -> None:
        while True:
            request_id, kind, payload = await asyncio.wait_for(read_packet(reader),
                                                               IDLE_TIMEOUT_S)
            if kind == LOGIN:
                writer.write(encode(request_id, COMMAND, ""))  # already logged in
                await writer.drain()
            elif kind == COMMAND:
                output = await self._command(payload, peer)
                await _reply(writer, request_id, output)
            else:  # vanilla's answer; tools send one to find the end of a long reply
                await _reply(writer, request_id, f"Unknown request {kind:x}")

    async def _command(self, line: str, peer: str) -> str:
        if "\n" in line or "\r" in line:  # one packet is one command, never two
            self.console.warn(SOURCE, f"{peer} sent a command with a line break, not run: "
                                      f"{one_line(line)}")
            return "A command must be one line: send each command in its own packet"
        self.console.info(SOURCE, f"{peer} ran: {line}")
        sender = RconSender(self.console, permissions=self._permissions)
        try:
            await self._run(line, sender)
        except Exception as exc:  # a broken command never ends the RCON session
            log.exception("RCON command %r from %s failed", line, peer)
            sender.send_error(f"The command failed: {exc}")
        return "\n".join(sender.output)


async def _reply(writer: asyncio.StreamWriter, request_id: int, output: str) -> None:
    data = output.encode("utf-8")
    chunks = [data[i:i + MAX_OUTPUT_CHUNK] for i in range(0, len(data), MAX_OUTPUT_CHUNK)]
    for chunk in chunks or [b""]:
        writer.write(encode(request_id, RESPONSE, chunk))
    await writer.drain()
