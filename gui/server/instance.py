"""The local server instance: one object that ties the server together.

Startup (:meth:`ServerInstance.start`): open ``logs/latest.log``, read (or
write) ``server.properties``, read ``ops.json``/``banned-players.json``/
``whitelist.json``, start the tick loop, open the network listeners the
server-list ping on the game port (status.py), and RCON (rcon.py) and
Query (query.py) if the properties ask for them, fire ``ServerLoadEvent("startup")``,
log ``Done``. Shutdown (:meth:`ServerInstance.stop`): the before-stop hooks (plugins get
on-unload), kick everyone with :attr:`ServerInstance.stop_message`, let their
leave events finish (all within :attr:`ServerInstance.stop_timeout`, else the
stop is forced and names what held it up, see stopping.py), close the listeners, stop
the tick loop and the scheduler, close the log, set :attr:`ServerInstance.stopped`.

Every player action goes through an event first (login, join, chat,
command, leave, broadcast), so plugins can change or cancel it; the server
then acts on the event it gets back.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any

from gui.errors import PumpkinPatchError
from gui.server.access import AccessLists
from gui.server.commands import CommandDispatcher
from gui.server.config import PROPERTIES_FILE, ServerConfig
from gui.server.console import ConsoleLog
from gui.server.events import (
    EventPipeline,
    PlayerCommandSendEvent,
    ServerCommandEvent,
    ServerLoadEvent,
)
from gui.server.java.limits import JavaLimits
from gui.server.java.listener import GameListener
from gui.server.java.version import game_version
from gui.server.permission_nodes import PermissionRegistry
from gui.server.player_flow import SOURCE, PlayerFlowPart
from gui.server.players import Player, PlayerList
from gui.server.pluginhost import NoPluginHost, PluginHost
from gui.server.query import QueryListener
from gui.server.rcon import RconListener
from gui.server.senders import ConsoleSender, PlayerSender
from gui.server.state import ServerState
from gui.server.status import SAMPLE_SIZE, ServerStatus
from gui.server.stopping import StopDeadline, StopHook
from gui.server.text import TextComponent
from gui.server.ticks import Scheduler, TickLoop
from gui.server.world import BlockTable, FlatWorld

logger = logging.getLogger(__name__)


class ServerStartError(PumpkinPatchError, RuntimeError):
    """The server cannot start as configured; the message says what to change."""

ChangeListener = Callable[[str, object], None]


class ServerInstance(PlayerFlowPart):
    """A local server: config, players, commands, ticks, events and console.

    Attributes:
        server_dir: Holds ``server.properties``, the list files and ``logs/``.
        console: Every line the server prints.
        config: The settings (read from ``server.properties`` on start unless
            one was given to the constructor).
        players: Who is online.
        access: The op, ban, whitelist and IP ban files (also as ``ops``, ``bans``,
            ``whitelist``, ``ip_bans``).
        permissions: Registered permission nodes.
        dispatcher: The command dispatcher (built-ins are registered).
        console_sender: The sender for console commands.
        scheduler: Tick-counted plugin tasks.
        ticks: The 20 TPS tick loop.
        events: The event pipeline; set ``events.sink`` to reach plugins.
        plugin_host: The plugin system (see :class:`PluginHost`).
        state: A :class:`gui.server.state.ServerState`.
        stopped: Set while the server is stopped.
    """

    def __init__(
        self,
        server_dir: Path,
        *,
        config: ServerConfig | None = None,
        console: ConsoleLog | None = None,
    ) -> None:
        """Create a stopped server bound to ``server_dir`` (nothing is read yet).

        Args:
            server_dir: The server's folder (created on start).
            config: Settings to use instead of reading ``server.properties``.
            console: The console to write to; a new one when ``None``.
        """
        self.server_dir = Path(server_dir)
        self.console = console if console is not None else ConsoleLog()
        self._fixed_config = config is not None
        self.config = config if config is not None else ServerConfig()
        self.access = AccessLists(self.server_dir, warn=self._warn)
        self.ops = self.access.ops
        self.bans = self.access.bans
        self.whitelist = self.access.whitelist
        self.ip_bans = self.access.ip_bans
        self.players = PlayerList()
        self.permissions = PermissionRegistry()
        self.dispatcher = CommandDispatcher(self, permissions=self.permissions)
        self.console_sender = ConsoleSender(self.console, permissions=self.permissions)
        self.rcon: RconListener | None = None
        self.java_limits = JavaLimits()  # the game port's time-outs and caps
        self.status_listener: GameListener | None = None  # the game port
        self.query: QueryListener | None = None
        self.scheduler = Scheduler(console=self.console)
        self.ticks = TickLoop()
        self.ticks.on_tick(self.scheduler.run_due, name="scheduler")
        self.world = FlatWorld(BlockTable(game_version().blocks))
        self.ticks.on_tick(self.world.tick, name="world")
        self.events = EventPipeline()
        self.plugin_host: PluginHost = NoPluginHost()
        self.state = ServerState.STOPPED
        self.stopped = asyncio.Event()
        self.stopped.set()
        self._background: set[asyncio.Task[Any]] = set()
        self._stop_task: asyncio.Task[None] | None = None
        self._listeners: list[ChangeListener] = []
        self._before_stop: list[StopHook] = []
        # Graceful stop ([stop] in config.toml, set by gui/ops): what kicked players
        # read, and how long the whole stop may take before it is forced.
        self.stop_message = "Server closed"
        self.stop_timeout = 30.0
        self.last_stop_forced: str | None = None  # what held up the last stop, if forced

    # -- notifications ------------------------------------------------------

    def on_change(self, listener: ChangeListener) -> Callable[[], None]:
        """Call ``listener(what, value)`` on changes, for views.

        ``what`` is ``"state"`` (value: the new state), ``"player-joined"`` or
        ``"player-left"`` (value: the :class:`Player`).

        Returns:
            A callable that removes the listener.
        """
        self._listeners.append(listener)

        def remove() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return remove

    def _notify(self, what: str, value: object) -> None:
        for listener in list(self._listeners):
            try:
                listener(what, value)
            except Exception:
                logger.exception("Server change listener %r failed on %s", listener, what)

    def _set_state(self, state: ServerState) -> None:
        self.state = state
        self._notify("state", state)

    def _warn(self, message: str) -> None:
        self.console.warn(SOURCE, message)

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background_done)

    def _background_done(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("Server background task failed", exc_info=task.exception())

    # -- lifecycle ----------------------------------------------------------

    async def start(self) -> None:
        """Start the server (see the module docstring for the steps).

        Raises:
            RuntimeError: The server is not stopped.
        """
        if self.state is not ServerState.STOPPED:
            raise RuntimeError(f"Cannot start the server: it is {self.state}")
        began = time.perf_counter()
        self._set_state(ServerState.STARTING)
        self.stopped.clear()
        try:
            self.server_dir.mkdir(parents=True, exist_ok=True)
            self.console.open_log_file(self.server_dir / "logs")
            self.console.info(SOURCE, f"Starting Pumpkin Patch server in {self.server_dir}")
            if not self._fixed_config:
                self.config = ServerConfig.load_or_create(
                    self.server_dir / PROPERTIES_FILE, warn=self._warn)
            if self.config.online_mode:
                raise ServerStartError(
                    "online-mode=true asks for Mojang authentication, which Pumpkin Patch "
                    "does not support, so the server did not start: set online-mode=false in "
                    f"{self.server_dir / PROPERTIES_FILE} (players then join in offline mode)")
            self.access.load()
            self._load_world()
            self.ticks.start()
            await self._open_listeners()
        except BaseException as exc:
            if isinstance(exc, ServerStartError):
                self.console.error(SOURCE, str(exc))
            await self._close_listeners()
            await self.ticks.stop()
            self.console.close_log_file()
            self._set_state(ServerState.STOPPED)
            self.stopped.set()
            raise
        self._set_state(ServerState.RUNNING)
        await self.events.fire(ServerLoadEvent("startup"))
        elapsed = time.perf_counter() - began
        self.console.info(SOURCE, f'Server started. Done ({elapsed:.3f}s)! For help, type "help"')

    def _load_world(self) -> None:
        folder = self.server_dir / self.config.level_name
        for problem in self.world.open(folder, self.config.level_name):
            self._warn(problem)

    def _save_world(self) -> None:
        try:
            self.world.save()
        except OSError as exc:
            self._warn(f"Could not save the world's changed blocks in {self.world.folder} "
                       f"({exc.strerror or exc}); check the folder's permissions and free space")

    @property
    def game_version(self) -> str:
        """The Java Edition version clients must use to join (``"26.1"``)."""
        return game_version().name

    def status(self) -> ServerStatus:
        """What a server-list ping is told: MOTD, players online and a sample, the maximum."""
        players = list(self.players)
        return ServerStatus(self.config.motd, len(players), self.config.max_players,
                            tuple((p.name, str(p.uuid)) for p in players[:SAMPLE_SIZE]),
                            enabled=self.config.enable_status)

    async def _open_listeners(self) -> None:
        """The game port, RCON and Query if asked for; a port that cannot be had is a warning."""
        config = self.config
        host = config.server_ip or "127.0.0.1"  # a desktop server: the network is opt-in
        game = GameListener(self, limits=self.java_limits)
        try:
            await game.start(host, config.server_port)
            self.status_listener = game
        except OSError as exc:
            game.game.close()
            self._warn(f"The game port {host}:{config.server_port} is taken "
                       f"({exc.strerror or exc}), so clients can neither ping nor join this "
                       "server: another server may be running; change server-port and restart")
        if config.enable_query:
            query = QueryListener(self.console, self.status,
                                  lambda: [p.name for p in self.players],
                                  level_name=config.level_name, game_port=config.server_port)
            try:
                await query.start(host, config.query_port)
                self.query = query
            except OSError as exc:
                self._warn(f"Query could not listen on {host}:{config.query_port} (UDP; "
                           f"{exc.strerror or exc}): change query.port and restart")
        if not config.enable_rcon:
            return
        if not config.rcon_password:
            self._warn("enable-rcon=true but rcon.password is empty, so RCON stays off: "
                       f"set rcon.password in {self.server_dir / PROPERTIES_FILE}")
            return
        listener = RconListener(self.console, config.rcon_password,
                                lambda line, sender: self.execute_console(line, sender=sender),
                                permissions=self.permissions)
        try:
            await listener.start(host, config.rcon_port)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            self._warn(f"RCON could not listen on {host}:{config.rcon_port} ({reason}): another "
                       "program may use that port; change rcon.port and restart")
            return
        self.rcon = listener

    async def _close_listeners(self, *, game: bool = True) -> None:
        """Close RCON and Query, and the game port unless ``game`` is false."""
        listeners: tuple[Any, ...] = (self.rcon, self.query)
        self.rcon = self.query = None
        if game:
            listeners += (self.status_listener,)
            self.status_listener = None
        for listener in listeners:
            if listener is not None:
                await listener.stop()

    def before_stop(self, hook: Callable[[], Awaitable[Any]], *, name: str | None = None,
                    holder: Callable[[], str | None] | None = None) -> None:
        """Await ``hook()`` at the start of every stop, while the server still runs.

        The plugin manager hooks plugin unloading here, so plugins get
        on-unload (and may still broadcast) before players are kicked.

        Args:
            hook: The work.
            name: What it is, for the message of a stop forced past its time-out.
            holder: Names the part (e.g. the plugin) the hook is busy with, if
                it can tell; asked only when the stop is forced.
        """
        self._before_stop.append(StopHook(hook, name or getattr(hook, "__qualname__",
                                                                repr(hook)), holder))

    async def stop(self) -> None:
        """Stop the server; safe to call again, or while it is stopping."""
        if self.state is ServerState.STOPPED:
            return
        if self.state is ServerState.STOPPING:
            await self.stopped.wait()
            return
        self._set_state(ServerState.STOPPING)
        deadline = StopDeadline(self.stop_timeout, self._warn)
        try:
            self.console.info(SOURCE, "Stopping the server")
            # First: no new RCON command (a 'plugin reload' now would outlive the stop).
            # The game port stays open until every player was told why it is closing.
            await self._close_listeners(game=False)
            for hook in self._before_stop:
                try:
                    await deadline.run(hook.hook(), hook.name, hook.holder)
                except Exception:
                    logger.exception("Before-stop hook %r failed; stopping anyway", hook.name)
            for player in list(self.players):
                self.kick(player, TextComponent.of(self.stop_message))
            await deadline.run(self._drain_background(), "player leave events")
            await self._close_listeners()
            await self.ticks.stop()
            await self.scheduler.shutdown()
            self._save_world()
            self.console.info(SOURCE, "Server stopped")
        finally:
            self.last_stop_forced = deadline.forced
            self.console.close_log_file()
            self._set_state(ServerState.STOPPED)
            self.stopped.set()

    def request_stop(self) -> None:
        """Stop the server soon, from code that the stop must not wait for.

        A command executor cannot await :meth:`stop` itself: stopping waits
        for running tasks, which may include the caller.
        """
        if self._stop_task is None or self._stop_task.done():
            self._stop_task = asyncio.get_running_loop().create_task(self.stop())

    async def _drain_background(self) -> None:
        current = asyncio.current_task()
        while pending := [t for t in self._background if t is not current and not t.done()]:
            await asyncio.gather(*pending, return_exceptions=True)

    # -- commands -----------------------------------------------------------

    async def execute_console(self, line: str, *, sender: ConsoleSender | None = None) -> int:
        """Run a console command (after ``ServerCommandEvent``; cancelled -> not run).

        Args:
            line: The command line.
            sender: Who gets the output (default: the console; RCON passes its own).

        Returns:
            The command's result (0 when it did not run).
        """
        event = await self.events.fire(ServerCommandEvent(line.strip()))
        if event.cancelled:
            return 0
        return await self.dispatcher.execute(sender or self.console_sender, event.command)

    async def run_command(self, player: Player, line: str) -> int:
        """Run a command as ``player`` (after ``PlayerCommandSendEvent``).

        Args:
            player: An online player.
            line: The command, with or without a leading ``/``.

        Returns:
            The command's result (0 when it did not run).
        """
        line = line.strip().removeprefix("/")
        event = await self.events.fire(PlayerCommandSendEvent(player, line))
        if event.cancelled:
            return 0
        self.console.info(SOURCE, f"{player.name} issued server command: /{event.command}")
        sender = PlayerSender(player, permissions=self.permissions)
        return await self.dispatcher.execute(sender, event.command)
