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
server carry on.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import struct
from collections.abc import Awaitable, Callable

from gui.server.console import ConsoleLog
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
MAX_LOGIN_FAILURES = 3
IDLE_TIMEOUT_S = 300.0

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
        self._password = password.encode("utf-8")
        self._run = run
        self._permissions = permissions

    async def converse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                       peer: str) -> None:
        try:
            await self._session(reader, writer, peer)
        except TimeoutError:
            self.console.info(SOURCE, f"Closed the idle RCON connection from {peer}")

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                       peer: str) -> None:
        authenticated = False
        failures = 0
        while True:
            request_id, kind, payload = await asyncio.wait_for(read_packet(reader),
                                                               IDLE_TIMEOUT_S)
            if kind == LOGIN:
                authenticated = hmac.compare_digest(payload.encode("utf-8"), self._password)
                writer.write(encode(request_id if authenticated else AUTH_FAILED, COMMAND, ""))
                await writer.drain()
                if authenticated:
                    self.console.info(SOURCE, f"RCON login from {peer}")
                    continue
                failures += 1
                self.console.warn(SOURCE, f"Wrong RCON password from {peer} "
                                          f"({failures} of {MAX_LOGIN_FAILURES})")
                if failures >= MAX_LOGIN_FAILURES:
                    raise RconProtocolError(f"{failures} wrong passwords")
            elif kind == COMMAND:
                if not authenticated:
                    raise RconProtocolError("a command before logging in")
                output = await self._command(payload, peer)
                await _reply(writer, request_id, output)
            else:
                raise RconProtocolError(f"a packet of unknown type {kind}")

    async def _command(self, line: str, peer: str) -> str:
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
