"""Query: the UDP status protocol (GameSpy4) vanilla answers on ``query.port``.

Server lists and monitoring tools use it to read a server's MOTD, players
and limits without a game connection. Off unless ``enable-query=true``;
listens at ``server-ip``, or 127.0.0.1 when that is empty.

Every request starts ``FE FD``, a type byte and a 4-byte session id:

- type ``9``, handshake: answered with a challenge token (ASCII digits),
  valid for :data:`TOKEN_LIFETIME_S` to twice that and only for the address
  that asked (an HMAC of the address and the time slot: nothing is stored
  per sender, so a flood of handshakes costs no memory);
- type ``0`` with the token (big-endian int32): a *basic* stat (MOTD, game
  type, map, players, max, port, host), or with 4 more bytes a *full* stat
  (``splitnum`` padding, key/value pairs, then the player names).

A datagram that is not a request, or carries a wrong or expired token, is
dropped without an answer (as vanilla does: answering would make the port
an amplifier for spoofed senders); each kind of drop (:data:`DROPS`) is
counted in :attr:`QueryListener.dropped` and logged at debug level.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
import struct
import time
from collections import Counter
from collections.abc import Callable

from gui.server.console import ConsoleLog
from gui.server.status import VERSION_NAME, ServerStatus

log = logging.getLogger(__name__)

SOURCE = "query"
MAGIC = b"\xfe\xfd"
HANDSHAKE, STAT = 9, 0
TOKEN_LIFETIME_S = 30.0
MAX_PLAYERS_LISTED = 100
NOT_A_QUERY, UNKNOWN_REQUEST, BAD_TOKEN = "not a query", "an unknown request", "a bad token"
DROPS = (NOT_A_QUERY, UNKNOWN_REQUEST, BAD_TOKEN)
FULL_STAT_PADDING = b"splitnum\x00\x80\x00"
PLAYER_SECTION = b"\x01player_\x00\x00"


def _z(text: str) -> bytes:
    """A NUL-terminated string (NULs inside are dropped: they would end it early)."""
    return text.replace("\x00", "").encode("utf-8", "replace") + b"\x00"


class QueryListener(asyncio.DatagramProtocol):
    """The query port of a running server."""

    def __init__(self, console: ConsoleLog, status: Callable[[], ServerStatus],
                 names: Callable[[], list[str]], *, level_name: str = "world",
                 game_port: int = 25565, clock: Callable[[], float] = time.monotonic) -> None:
        self.console = console
        self._status = status
        self._names = names
        self._level_name = level_name
        self._game_port = game_port
        self._clock = clock
        self._secret = secrets.token_bytes(32)
        self._transport: asyncio.DatagramTransport | None = None
        self.dropped: Counter[str] = Counter()
        self.address: tuple[str, int] | None = None

    async def start(self, host: str, port: int) -> tuple[str, int]:
        """Listen on ``host:port`` (UDP; 0: any free port); returns the bound address.

        Raises:
            OSError: the port cannot be bound.
        """
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: self, local_addr=(host, port))
        self._transport = transport
        bound = transport.get_extra_info("sockname")
        self.address = (bound[0], bound[1])
        self.console.info(SOURCE, f"Answering queries on {bound[0]}:{bound[1]} (UDP)")
        return self.address

    async def stop(self) -> None:
        transport, self._transport = self._transport, None
        if transport is not None:
            transport.close()

    # -- the protocol -------------------------------------------------------------------
    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            answer = self.answer(data, addr[0])
        except Exception:  # one strange datagram never stops the port
            log.exception("query from %s failed", addr)
            answer = None
        if answer is not None and self._transport is not None:
            self._transport.sendto(answer, addr)

    def answer(self, data: bytes, host: str) -> bytes | None:
        """The reply to one datagram from ``host``, or None to drop it."""
        if len(data) < 7 or not data.startswith(MAGIC):
            return self._drop(NOT_A_QUERY, host, data)
        kind, session = data[2], data[3:7]
        slot = int(self._clock() // TOKEN_LIFETIME_S)
        if kind == HANDSHAKE:
            return bytes([HANDSHAKE]) + session + _z(str(self._token(host, slot)))
        if kind != STAT or len(data) not in (11, 15):
            return self._drop(UNKNOWN_REQUEST, host, data)
        (token,) = struct.unpack(">i", data[7:11])
        if token not in (self._token(host, slot), self._token(host, slot - 1)):
            return self._drop(BAD_TOKEN, host, data)
        status = self._status()
        head = bytes([STAT]) + session
        if len(data) == 11:
            return head + self._basic(status)
        return head + self._full(status)

    def _basic(self, status: ServerStatus) -> bytes:
        host = self.address[0] if self.address else "127.0.0.1"
        return (_z(status.motd) + _z("SMP") + _z(self._level_name) + _z(str(status.online))
                + _z(str(status.max_players)) + struct.pack("<H", self._game_port) + _z(host))

    def _full(self, status: ServerStatus) -> bytes:
        host = self.address[0] if self.address else "127.0.0.1"
        pairs = [("hostname", status.motd), ("gametype", "SMP"), ("game_id", "MINECRAFT"),
                 ("version", VERSION_NAME), ("plugins", VERSION_NAME),
                 ("map", self._level_name), ("numplayers", str(status.online)),
                 ("maxplayers", str(status.max_players)), ("hostport", str(self._game_port)),
                 ("hostip", host)]
        body = FULL_STAT_PADDING + b"".join(_z(k) + _z(v) for k, v in pairs) + b"\x00"
        names = self._names()[:MAX_PLAYERS_LISTED]
        return body + PLAYER_SECTION + b"".join(_z(n) for n in names) + b"\x00"

    def _token(self, host: str, slot: int) -> int:
        digest = hmac.new(self._secret, f"{host}|{slot}".encode(), hashlib.sha256).digest()
        return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF

    def _drop(self, why: str, host: str, data: bytes) -> None:
        self.dropped[why] += 1
        log.debug("dropped a query datagram from %s (%s): %r", host, why, data[:16])
        return None
