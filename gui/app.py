"""The desktop application: ``pumpkin-patch`` opens this window.

Startup order (each step after the one before):

1. QApplication (Fusion style) and the qasync event loop: the server's
   asyncio loop *is* the GUI loop, so core coroutines run as tasks next to
   the widgets and plugin calls go to the runtime thread as always.
2. The core (:class:`gui.core.ServerCore`: server, plugin manager, runtime,
   market) for the profile. With ``--json-log`` its console lines go to
   stdout as JSON, exactly as ``--headless --json-log`` prints them, plus
   app lines ``{"source": "app", "message": ...}`` ("window shown",
   "ready", "notification: ...", "badge NAME: STATE", "page NAME",
   "shutting down", "stopped") that end-to-end tests wait on.
3. The bridge (console feed, core events), the task runner, the
   notification centre, the garbage collector (full collections at calm
   moments, see gui/ui/garbage.py), the main window (geometry and last
   page restored) and the tray; the window is shown ("window shown").
4. The core starts in a task: runtime thread, server, plugins (compiled on
   the pool, loaded one by one). The window is usable meanwhile ("ready").
5. With ``--json-log``, each stdin line is a console command, as in
   ``--headless`` (a socket notifier on fd 0, so no thread to join).

Shutdown has one path, whatever asked for it (the window's close button,
File > Quit, the tray's Quit, SIGINT, SIGTERM): :meth:`Application.request_quit`
-> ``shuttingDown`` -> window state saved -> background tasks cancelled ->
``core.stop()`` (plugins get on-unload while the server still runs, the
server stops, the runtime thread, epoch ticker and compile pool are joined)
-> window closed -> the loop stops and, closing, joins its executor threads.
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import select
import signal
import sys
import time
from typing import Any, TextIO

import qasync
from PySide6.QtCore import QObject, QSettings, QtMsgType, Signal, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from gui.appinfo import APP_ID, APP_NAME, COMMAND, VERSION
from gui.control import ServerControl
from gui.core import ServerCore
from gui.firstrun import FirstRun
from gui.headless import ConsolePrinter
from gui.paths import AppPaths
from gui.ui.bridge import ConsoleFeed, CoreEvents
from gui.ui.garbage import GarbageCollector
from gui.ui.icon import app_icon
from gui.ui.main_window import MainWindow, Services
from gui.ui.notifications import NotificationCenter
from gui.ui.ops_bridge import tray_filter
from gui.ui.tasks import TaskRunner
from gui.ui.tray import TrayNotifier
from gui.ui.welcome import Welcome

log = logging.getLogger(__name__)

WINDOW_STATE_FILE = "window.ini"
STDIN = 0


class Application(QObject):
    """The window, the core and the one shutdown path.

    Signals:
        ready(bool): the core finished starting (True) or failed to (False).
        shuttingDown(): the shutdown began; nothing new should start.
        finished(int): everything is stopped and joined; the exit code.
    """

    ready = Signal(bool)
    shuttingDown = Signal()
    finished = Signal(int)

    def __init__(self, paths: AppPaths, *, json_log: bool = False, core: Any = None,
                 read_stdin: bool | None = None, stream: TextIO | None = None,
                 first_run: FirstRun | None = None) -> None:
        super().__init__()
        self.paths = paths
        self.json_log = json_log
        # A new profile: the welcome is shown and the server waits for the admin's go.
        self.first_run = first_run
        self.welcome: Welcome | None = None
        self.core = core if core is not None else ServerCore(paths, front_end="the window")
        self.exit_code = 0
        self.window: MainWindow | None = None
        self.tray: TrayNotifier | None = None
        self._stream = stream if stream is not None else sys.stdout
        self._read_stdin = json_log if read_stdin is None else read_stdin
        self._stdin_buffer = b""
        self._commands: asyncio.Queue[str] = asyncio.Queue()
        self._command_task: asyncio.Task[None] | None = None
        self._unsubscribe_printer = None
        self._shutdown_task: asyncio.Task[None] | None = None
        self._finished = asyncio.Event()
        self._signals: list[int] = []

    # -- structured log ------------------------------------------------------------------
    def log_event(self, message: str) -> None:
        """An app lifecycle line: JSON on stdout with --json-log, else the debug log."""
        log.info("app: %s", message)
        if not self.json_log:
            return
        line = json.dumps({"time": time.time(), "level": "info", "source": "app",
                           "message": message})
        try:
            self._stream.write(line + "\n")
            self._stream.flush()
        except (BrokenPipeError, ValueError):
            pass  # the reader went away; the app keeps running

    # -- startup -------------------------------------------------------------------------
    def start(self) -> None:
        """Build and show the window, then start the core in the background."""
        core = self.core
        if self.json_log:
            self._unsubscribe_printer = core.console.subscribe(
                ConsolePrinter(self._stream, json_lines=True))
        self.log_event(f"starting (profile {self.paths.data_dir})")
        self.control = ServerControl(core)
        self.feed = ConsoleFeed(core.console, self)
        self.events = CoreEvents(core, self.control, self)
        self.tasks = TaskRunner(self)
        self.notifications = NotificationCenter(self)
        self.garbage = GarbageCollector(self.feed, parent=self)
        self.garbage.start()
        settings = QSettings(str(self.paths.config_dir / WINDOW_STATE_FILE),
                             QSettings.Format.IniFormat)
        self.window = MainWindow(Services(core, self.control, self.feed, self.events,
                                          self.tasks, self.notifications, settings,
                                          self.log_event))
        self.window.closeRequested.connect(self.request_quit)
        self.tray = TrayNotifier(self.window, self.notifications, app_icon(), self.request_quit,
                                 wants=tray_filter(core.ops))
        if not self.tray.available:
            self.log_event("no system tray: notifications stay in the window")
        self.window.show()
        self.log_event("window shown")
        if self.first_run is not None:
            self.welcome = Welcome(self.window, self.first_run, self.control, self.tasks,
                                   self.log_event)
            self.welcome.show()
        self.tasks.start(self._start_core(), "Starting the server")
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, self.request_quit)
                self._signals.append(sig)
            except (NotImplementedError, RuntimeError, ValueError):
                pass  # not the main thread, or no signals here (Windows)
        if self._read_stdin:
            loop.add_reader(STDIN, self._stdin_ready)

    async def _start_core(self) -> None:
        ok = await self.control.start_core(server=self.first_run is None)
        # Plugins are loaded: collect once now, while starting up is expected to take
        # a moment, so the timer's collections only see what is new (gui/ui/garbage.py).
        self.garbage.collect()
        self.log_event("ready" if ok else f"server failed: {self.control.error}")
        if ok and self.window is not None:
            self.window.core_started()
        if ok and self.welcome is not None:
            self.tasks.start(self.welcome.show_trusted(self.core.market), "Reading the sources")
        self.ready.emit(ok)

    # -- stdin commands ---------------------------------------------------------------------
    def _stdin_ready(self) -> None:
        try:
            readable, _, _ = select.select([STDIN], [], [], 0)
            data = os.read(STDIN, 65536) if readable else None
        except OSError:
            data = b""
        if data is None:
            return
        if not data:  # closed: keep running until asked to quit, as --headless does
            asyncio.get_running_loop().remove_reader(STDIN)
            self.log_event("stdin closed")
            return
        self._stdin_buffer += data
        *lines, self._stdin_buffer = self._stdin_buffer.split(b"\n")
        for raw in lines:
            line = raw.decode("utf-8", "replace").strip()
            if line:
                self._commands.put_nowait(line)
        if self._command_task is None:
            self._command_task = self.tasks.start(self._run_commands(), "Reading commands")

    async def _run_commands(self) -> None:
        """One command after the other, in order, as --headless runs them."""
        while True:
            line = await self._commands.get()
            try:
                await self.core.server.execute_console(line)
            except Exception:
                log.exception("console command %r failed", line)

    # -- shutdown -------------------------------------------------------------------------
    def request_quit(self) -> None:
        """Begin the shutdown (idempotent); :attr:`finished` follows."""
        if self._shutdown_task is None:
            self._shutdown_task = asyncio.get_running_loop().create_task(self._shutdown())

    async def _shutdown(self) -> None:
        self.log_event("shutting down")
        self.shuttingDown.emit()
        loop = asyncio.get_running_loop()
        for sig in self._signals:
            loop.remove_signal_handler(sig)
        if self._read_stdin:
            loop.remove_reader(STDIN)
        window = self.window
        if window is not None:
            window.save_state()
            window.statusBar().showMessage("Stopping the server and unloading plugins…")
            window.setEnabled(False)
        await self.tasks.close()
        try:
            await self.core.stop()
        except Exception:
            log.exception("stopping the core failed")
            self.exit_code = 1
        self.garbage.stop()
        self.feed.close()
        self.events.close()
        if self.tray is not None:
            self.tray.close()
        if window is not None:
            window.allow_close()
            window.close()
            window.deleteLater()
        self.log_event("stopped")
        if self._unsubscribe_printer is not None:
            self._unsubscribe_printer()
        self._finished.set()
        self.finished.emit(self.exit_code)

    async def run(self) -> int:
        """Start, then wait until the shutdown is done; returns the exit code."""
        self.start()
        await self._finished.wait()
        return self.exit_code


class EventLoop(qasync.QEventLoop):
    """qasync's loop, refusing thread-safe calls once closed, as asyncio's loops do.

    qasync 0.28's ``call_soon_threadsafe`` emits a Qt signal even after
    ``close()``; a worker thread that finishes late (a sample build, a
    download) then emits on a signaller that is going away and crashes the
    process at exit. asyncio raises RuntimeError("Event loop is closed")
    instead, which such threads already expect and ignore.
    """

    def call_soon_threadsafe(self, callback: Any, *args: Any, context: Any = None) -> Any:
        if self.is_closed():
            raise RuntimeError("Event loop is closed")
        return super().call_soon_threadsafe(callback, *args, context=context)


# How long a thread may keep the GIL while another waits (CPython's default is
# 5 ms). Every Qt and asyncio callback on the GUI thread takes the GIL anew;
# while the runtime thread runs Python (linking a 32 MB plugin, a chat flood)
# each of them could wait the whole interval, and a few in a row stall the
# window for tens of milliseconds.
GIL_SWITCH_INTERVAL_S = 0.001
_DEFAULT_SWITCH_INTERVAL_S = sys.getswitchinterval()


def create_qapplication() -> QApplication:
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)  # until shutdown_qapplication
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        QApplication.setApplicationName(APP_NAME)
        QApplication.setApplicationVersion(VERSION)
        previous = qInstallMessageHandler(_fatal_platform_message)
        try:
            app = QApplication(sys.argv[:1])
        finally:
            qInstallMessageHandler(previous)
        app.setStyle("Fusion")
    # The window's app id on Wayland and its match to packaging/<APP_ID>.desktop.
    QApplication.setDesktopFileName(APP_ID)
    app.setWindowIcon(app_icon())
    app.setQuitOnLastWindowClosed(False)  # the shutdown path closes the window itself
    return app


def _fatal_platform_message(kind: QtMsgType, _context: object, message: str) -> None:
    """While QApplication starts: a fatal message (no platform plugin) exits 1, no abort.

    gui/display_check.py explains the known causes before Qt is touched; this is
    the guard for the rest, so the admin still gets a hint and no core dump.
    """
    if kind != QtMsgType.QtFatalMsg:
        print(message, file=sys.stderr)
        return
    print(f"{message}\n{APP_NAME} cannot open its window. Run 'QT_DEBUG_PLUGINS=1 "
          f"{COMMAND}' to see what Qt lacks, or '{COMMAND} --headless' to run the server "
          "without a window.", file=sys.stderr, flush=True)
    os._exit(1)  # Qt would abort() after this handler returns


def shutdown_qapplication(app: QApplication) -> None:
    """Destroy the QApplication (and the Qt objects left) before Python finalizes.

    Left to interpreter finalization, Qt objects and the objects of other C
    extensions (wasmtime's) are torn down in no particular order, which
    intermittently crashed the process on exit after a long session.
    """
    gc.collect()
    app.shutdown()
    sys.setswitchinterval(_DEFAULT_SWITCH_INTERVAL_S)


def run_app(paths: AppPaths, *, json_log: bool = False) -> int:
    """Open the window on ``paths``' profile and run until it quits; the exit code."""
    app = create_qapplication()
    loop = EventLoop(app)
    asyncio.set_event_loop(loop)
    # No welcome for scripts (--json-log) and throw-away profiles (--temp-basedir).
    first_run = FirstRun(paths)
    welcome = not json_log and not paths.temporary and first_run.welcome_due()
    try:
        with loop:
            application = Application(paths, json_log=json_log,
                                      first_run=first_run if welcome else None)
            code = loop.run_until_complete(application.run())
        del application
        return code
    finally:
        asyncio.set_event_loop(None)
        shutdown_qapplication(app)
