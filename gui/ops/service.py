"""Operations of one core: backups, schedules, the crash-loop guard and alerts, wired up.

:class:`Operations` is built by :class:`gui.core.ServerCore` and lives as
long as it (across server stops and starts). It reads the operations
sections of config.toml, applies ``[stop]`` to the server, registers the
console commands (``backup``, ``schedule``), sends alerts for the notices
of the plugin manager and its own, and tells its subscribers (the window)
about backups, schedule runs and crashes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from gui.ops.alerts import AlertRouter, Redactor
from gui.ops.backups import BackupInfo, BackupService
from gui.ops.config import AlertSettings, OpsSettings
from gui.ops.crash_guard import CrashGuard
from gui.ops.notices import BackupFailed, BackupMade, BackupRestored, OpsNotice
from gui.ops.schedules import Schedule, parse_schedules
from gui.ops.timetable import ScheduleRunner
from gui.server.senders import ConsoleSender
from gui.server.state import ServerState
from gui.server.text import TextComponent
from gui.settings import AppSettings

log = logging.getLogger(__name__)

STATE_FILE = "schedule-state.json"
SOURCE = "backup"


def _size(size: int) -> str:
    return f"{size / (1 << 20):.1f} MiB" if size >= 1 << 20 else f"{size / 1024:.0f} KiB"


class _ScheduleSender(ConsoleSender):
    """The console, for one scheduled command: output is printed and kept for the result."""

    name = "Scheduler"

    def __init__(self, console: Any, **kwargs: Any) -> None:
        super().__init__(console, **kwargs)
        self.output: list[str] = []
        self.errors: list[str] = []

    def send_message(self, text: TextComponent | str, kind: str = "feedback") -> None:
        super().send_message(text, kind)
        self.output.append(text if isinstance(text, str) else text.plain())

    def send_error(self, text: TextComponent | str) -> None:
        super().send_error(text)
        self.errors.append(text if isinstance(text, str) else text.plain())


class Operations:
    """Backups, schedules, crash guard and alerts of one core.

    Attributes:
        settings: The operations sections of config.toml.
        backups: Make, list, prune and restore archives.
        schedules: The schedule runner.
        guard: The crash-loop guard.
        alerts: Sends notices to the webhook.
    """

    def __init__(self, core: Any) -> None:
        self.core = core
        server = core.server
        self._subscribers: list[Callable[[OpsNotice], None]] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._warnings: list[str] = []
        self.settings = OpsSettings.from_settings(core.settings, self._warnings.append)
        self.backups = BackupService(core.paths, self.settings.backups, publish=self.publish)
        self.schedules = ScheduleRunner(self, state_file=core.paths.data_dir / STATE_FILE,
                                        publish=self.publish, console=core.console)
        self.schedules.set_schedules(self._read_schedules(core.settings))
        self.guard = CrashGuard(server, stop=core.stop_server, start=core.start_server,
                                settings=self.settings.guard, publish=self.publish)
        self.alerts = AlertRouter(lambda: self.settings.alerts, Redactor(self._secrets),
                                  on_dropped=lambda why: core.console.warn("alerts", why))
        core.plugins.subscribe(self.alerts.handle)
        self.subscribe(self.alerts.handle)
        self.subscribe(self._to_console)
        server.stop_message = self.settings.stop.kick_message
        server.stop_timeout = self.settings.stop.timeout_s

    def _read_schedules(self, settings: AppSettings) -> list[Schedule]:
        where = str(settings.path or "config.toml")
        return parse_schedules(settings.section("schedules"), where, self._warnings.append)

    # -- notices ----------------------------------------------------------------------
    def subscribe(self, callback: Callable[[OpsNotice], None]) -> Callable[[], None]:
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback)

    def publish(self, notice: OpsNotice) -> None:
        for callback in list(self._subscribers):
            try:
                callback(notice)
            except Exception:
                log.exception("operations subscriber failed")

    def _to_console(self, notice: OpsNotice) -> None:
        console = self.core.console
        if isinstance(notice, BackupMade):
            console.info(SOURCE, f"Backup {notice.name} made ({_size(notice.size)} in "
                                 f"{notice.seconds:.1f} s)")
        elif isinstance(notice, BackupRestored):
            console.info(SOURCE, f"Restored {notice.name}; the state before it is in "
                                 f"{notice.safety}")
        elif isinstance(notice, BackupFailed):
            console.error(SOURCE, f"The {notice.what} failed: {notice.message}")

    def _secrets(self) -> list[str]:
        secrets = [self.core.server.config.rcon_password]
        for override in self.core.settings.plugins.overrides.values():
            secrets.extend(override.environment.values())
        return [s for s in secrets if s]

    # -- lifecycle --------------------------------------------------------------------
    def start(self) -> None:
        """Report what was wrong with the settings; start the schedule runner."""
        for message in self._warnings:
            self.core.console.warn("settings", message)
        self._warnings.clear()
        self.schedules.start()

    async def close(self) -> None:
        await self.schedules.stop()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await self.guard.close()
        await self.alerts.close()

    def spawn(self, work: Coroutine[Any, Any, Any], what: str) -> asyncio.Task[Any]:
        """Run ``work`` outside the server's tasks (a restore outlives a server stop)."""
        task = asyncio.get_running_loop().create_task(work, name=what)
        self._tasks.add(task)

        def done(finished: asyncio.Task[Any]) -> None:
            self._tasks.discard(finished)
            if not finished.cancelled() and finished.exception() is not None:
                self.core.console.error("ops", f"{what} failed: {finished.exception()}")

        task.add_done_callback(done)
        return task

    # -- backups ----------------------------------------------------------------------
    async def backup(self, reason: str = "manual") -> BackupInfo:
        return await self.backups.create(reason)

    async def restore(self, name: str) -> BackupRestored:
        """Restore ``name``: the server stops, the current state is backed up, it starts."""
        return await self.backups.restore(name, stop=self.core.stop_server,
                                          start=self._start_after_restore)

    async def _start_after_restore(self) -> None:
        if self.core.server.state is ServerState.STOPPED:
            await self.core.start_server()

    # -- editing settings ----------------------------------------------------------------
    async def save_schedules(self, schedules: list[Schedule]) -> None:
        """Write ``[[schedules]]`` to config.toml (atomically) and use them at once."""
        tables = [s.to_table() for s in schedules]
        await asyncio.to_thread(self._save_section, "schedules", tables or None)
        self.schedules.set_schedules(schedules)

    async def save_alerts(self, alerts: AlertSettings) -> None:
        """Write ``[alerts]`` to config.toml and use it at once."""
        await asyncio.to_thread(self._save_section, "alerts", alerts.to_table())
        self.settings = OpsSettings(self.settings.backups, self.settings.stop,
                                    self.settings.guard, alerts)

    def _save_section(self, name: str, value: Any) -> None:
        # Read afresh: the plugin-policy form writes the same file.
        path = self.core.paths.config_file
        current = AppSettings.load(path, warn=lambda m: self.core.console.warn("settings", m))
        current.with_section(name, value).save(path)

    # -- ScheduleActions ------------------------------------------------------------------
    def players_online(self) -> int:
        return len(self.core.server.players)

    async def run_command(self, line: str) -> tuple[bool, str]:
        server = self.core.server
        if server.state is not ServerState.RUNNING:
            return True, "skipped: the server is not running"
        sender = _ScheduleSender(server.console, permissions=server.permissions)
        result = await server.execute_console(line, sender=sender)
        if sender.errors:
            return False, sender.errors[-1]
        said = f": {sender.output[-1]}" if sender.output else ""
        return True, f"returned {result}{said}"

    async def restart(self, warn_s: float, message: str) -> str:
        server = self.core.server
        if server.state is not ServerState.RUNNING:
            return "skipped: the server is not running"
        if warn_s > 0:
            text = message.replace("{seconds}", f"{warn_s:g}")
            await server.broadcast(TextComponent.of(text, color="yellow"))
            await asyncio.sleep(warn_s)
        await self.core.stop_server()
        await self.core.start_server()
        return "restarted"

    async def scheduled_backup(self) -> str:
        info = await self.backups.create("scheduled")
        return f"made {info.name} ({_size(info.size)})"
