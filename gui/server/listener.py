"""What the server's TCP ports have in common: listen, one task per peer, close cleanly.

:class:`TcpListener` binds a port, runs :meth:`TcpListener.converse` for
each connection, and turns how a conversation ends into one console line:
a :class:`PeerProtocolError` (the peer sent something that is not the
protocol) is a warning naming the peer and what it sent; a peer that goes
away or stalls is not worth a line. Lines about peers go through
:attr:`TcpListener.peer_lines`, rate-limited per host (gui/server/peer_lines.py).
:meth:`TcpListener.stop` closes the
port and ends every conversation. The protocols are rcon.py and status.py.
"""

from __future__ import annotations

import asyncio
import contextlib

from gui.errors import PumpkinPatchError
from gui.server.console import ConsoleLog
from gui.server.peer_lines import PeerLineLimiter


class PeerProtocolError(PumpkinPatchError):
    """A peer sent something its protocol does not allow; its connection is closed."""


class TcpListener:
    """A TCP port of the server (subclasses implement :meth:`converse`).

    Attributes:
        address: ``(host, port)`` once listening.
        peer_lines: Writes console lines about peers, a few per host at a time.
    """

    source = "server"  # console source of this listener's lines
    what = "a port"  # how the start line names it

    def __init__(self, console: ConsoleLog) -> None:
        self.console = console
        self._server: asyncio.Server | None = None
        self._clients: set[asyncio.Task[None]] = set()
        self.address: tuple[str, int] | None = None
        self.peer_lines = PeerLineLimiter(console, self.source)

    async def start(self, host: str, port: int) -> tuple[str, int]:
        """Listen on ``host:port`` (port 0: any free port); returns the bound address.

        Raises:
            OSError: the port cannot be bound (in use, or not allowed).
        """
        # asyncio's default address reuse (on POSIX; never on Windows, where it
        # would let another program bind the same port).
        self._server = await asyncio.start_server(self._serve, host, port)
        bound = self._server.sockets[0].getsockname()
        self.address = (bound[0], bound[1])
        self.console.info(self.source, f"{self.what} on {bound[0]}:{bound[1]}")
        return self.address

    async def stop(self) -> None:
        """Close the port and end every conversation (idempotent)."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        while self._clients:  # a connection accepted just before close() joins late
            tasks = list(self._clients)
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                self._clients.discard(task)
        await server.wait_closed()
        self.peer_lines.flush(float("inf"))  # the counts of lines held back, now

    async def converse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                       peer: str) -> None:
        """Talk with one peer until done; raise :class:`PeerProtocolError` on bad input."""
        raise NotImplementedError

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        if self._server is None:  # accepted just as the port closed
            writer.close()
            return
        self._clients.add(task)
        name = writer.get_extra_info("peername")
        if isinstance(name, tuple):  # "[::1]:5555" for IPv6, as addresses.ip_of reads it
            host = f"[{name[0]}]" if ":" in str(name[0]) else name[0]
            peer = f"{host}:{name[1]}"
        else:
            peer = "an unknown peer"
        try:
            await self.converse(reader, writer, peer)
        except PeerProtocolError as exc:
            self.peer_lines.write("warn", peer, f"Closed the connection from {peer}: it sent {exc}")
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
            pass  # a peer that stalls, or goes away
        except asyncio.CancelledError:
            pass  # stop(): asyncio would log a cancelled connection task as an error
        finally:
            self._clients.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
