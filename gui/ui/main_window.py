"""The main window: a sidebar of pages, the notification bar, a status bar.

Pages: Server, Plugins, Marketplace, Playtest, Settings, Notifications,
Backups, Schedules.
The window builds each page from the services it is given (no globals) and
routes what crosses pages: notification actions (Details, Restart,
Disable), files added, plugin installs. Geometry and the last page are
kept in ``<config dir>/window.ini``.

Closing the window does not tear anything down here: it emits
``closeRequested`` and the application runs its single shutdown path
(gui/app.py), which calls :meth:`allow_close` and closes the window last.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QSettings, QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from gui.appinfo import versions
from gui.control import ServerControl
from gui.plugins import PluginState
from gui.plugins.notices import (
    PluginFaulted,
    PluginMessage,
    PluginStateChanged,
    PluginUpdateAvailable,
    PluginUpdateHeld,
)
from gui.server.state import ControlState
from gui.ui.about_dialog import AboutDialog
from gui.ui.backups_page import BackupsPage
from gui.ui.bridge import ConsoleFeed, CoreEvents
from gui.ui.icon import app_icon
from gui.ui.local_install import LocalInstaller
from gui.ui.market_page import MarketPage
from gui.ui.market_state import MarketState
from gui.ui.notification_bar import NotificationBar
from gui.ui.notifications import (
    DETAILS,
    DISABLE,
    RESTART,
    REVIEW,
    UPDATE,
    Notification,
    NotificationCenter,
)
from gui.ui.notifications_page import NotificationsPage
from gui.ui.ops_bridge import OpsEvents, connect_notifications
from gui.ui.playtest_page import PlaytestPage
from gui.ui.plugin_details import DISABLE as DISABLE_ACTION
from gui.ui.plugins_page import PluginsPage
from gui.ui.review import Reviewer
from gui.ui.schedules_page import SchedulesPage
from gui.ui.server_page import ServerPage
from gui.ui.settings_page import SettingsPage
from gui.ui.tasks import TaskRunner

SERVER, PLUGINS, MARKET, PLAYTEST, SETTINGS, NOTIFICATIONS = (
    "server", "plugins", "market", "playtest", "settings", "notifications")
BACKUPS, SCHEDULES = "backups", "schedules"
DEFAULT_SIZE = QSize(1280, 800)
SIGNATURES = ("verified", "unverified", "unsigned", "unknown")


@dataclass
class Services:
    """What the window and its pages work with (built by gui/app.py)."""

    core: Any
    control: ServerControl
    feed: ConsoleFeed
    events: CoreEvents
    tasks: TaskRunner
    notifications: NotificationCenter
    settings: QSettings
    log_event: Callable[[str], None] = lambda _message: None


class MainWindow(QMainWindow):
    """The Pumpkin Patch window.

    Signals:
        closeRequested(): the window was closed or Quit chosen; the app decides.
    """

    closeRequested = Signal()

    def __init__(self, services: Services, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.services = services
        core = services.core
        self._may_close = False
        self.setWindowTitle("Pumpkin Patch")
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)

        market = getattr(core, "market", None)
        self.reviewer = Reviewer(self, services.tasks, getattr(core, "permissions", None))
        self.market_state = MarketState(market, services.tasks, self) if market else None
        self.installer = LocalInstaller(core, services.tasks, self.reviewer, self,
                                        on_installed=self._installed)
        self.pages: dict[str, QWidget] = {}
        self.server_page = ServerPage(services.control, services.feed, services.events,
                                      services.tasks)
        self.plugins_page = self._build_plugins_page()
        self.playtest_page = PlaytestPage(core, services.feed, services.events, services.tasks,
                                          run_command=self.server_page.run_command)
        self.settings_page = SettingsPage(core, services.tasks)
        self.notifications_page = NotificationsPage(services.notifications)
        self.market_page = self._build_market_page()
        self.ops_events = OpsEvents(core.ops, self)
        self.backups_page = BackupsPage(core.ops, self.ops_events, services.tasks)
        self.schedules_page = SchedulesPage(core.ops, self.ops_events, services.tasks)

        self.sidebar = QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setFixedWidth(190)
        self.sidebar.setIconSize(QSize(20, 20))
        self.stack = QStackedWidget()
        style = self.style()
        for key, title, widget, icon in (
            (SERVER, "Server", self.server_page, QStyle.StandardPixmap.SP_ComputerIcon),
            (PLUGINS, "Plugins", self.plugins_page,
             QStyle.StandardPixmap.SP_FileDialogDetailedView),
            (MARKET, "Marketplace", self.market_page, QStyle.StandardPixmap.SP_DriveNetIcon),
            (PLAYTEST, "Playtest", self.playtest_page, QStyle.StandardPixmap.SP_MediaPlay),
            (SETTINGS, "Settings", self.settings_page,
             QStyle.StandardPixmap.SP_FileDialogContentsView),
            (NOTIFICATIONS, "Notifications", self.notifications_page,
             QStyle.StandardPixmap.SP_MessageBoxInformation),
            (BACKUPS, "Backups", self.backups_page, QStyle.StandardPixmap.SP_DriveHDIcon),
            (SCHEDULES, "Schedules", self.schedules_page,
             QStyle.StandardPixmap.SP_BrowserReload),
        ):
            item = QListWidgetItem(style.standardIcon(icon), title)
            item.setData(Qt.ItemDataRole.UserRole, key)
            item.setSizeHint(QSize(180, 40))
            self.sidebar.addItem(item)
            self.stack.addWidget(widget)
            self.pages[key] = widget
        self.sidebar.currentRowChanged.connect(self._page_changed)

        self.notification_bar = NotificationBar(services.notifications)
        central = QWidget()
        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.setSpacing(0)
        body.addWidget(self.sidebar)
        body.addWidget(self.stack, 1)
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        outer.addWidget(self.notification_bar)
        outer.addLayout(body, 1)
        self.setCentralWidget(central)
        # On the sidebar only: a style sheet on the window would route every widget's
        # painting through QStyleSheetStyle, which is much slower.
        self.sidebar.setStyleSheet(_STYLE)

        self._build_status_bar()
        self._build_menus()
        self._connect()
        self.restore_state()

    # -- construction ------------------------------------------------------------------
    def _build_plugins_page(self) -> PluginsPage:
        s, state = self.services, self.market_state
        if state is None:
            return PluginsPage(s.core, s.events, s.tasks)
        market = s.core.market

        async def uninstall(name: str, keep_data: bool) -> None:
            if name in state.entries:  # installed through the marketplace (lockfile entry)
                await market.uninstall(name, keep_data=keep_data)
            else:
                await s.core.plugins.remove(name, keep_data=keep_data)
            state.refresh()

        page = PluginsPage(s.core, s.events, s.tasks, signer=state.signer,
                           can_update=state.from_source, can_roll_back=state.can_roll_back,
                           update_to=state.update_to, uninstaller=uninstall)
        state.changed.connect(page.model.refresh)
        state.changed.connect(page.details.refresh)
        return page

    def _build_market_page(self) -> QWidget:
        if self.market_state is None:
            label = QLabel("The marketplace is not available in this build.")
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            return label
        page = MarketPage(self.services.core.market, self.market_state, self.reviewer,
                          self.services.tasks, self.services.notifications)
        page.installed.connect(lambda _name: self.plugins_page.model.refresh())
        page.searched.connect(lambda count: self.services.log_event(
            f"market: {count} plugins listed"))
        self.plugins_page.updateRequested.connect(page.update_plugin)
        self.plugins_page.rollbackRequested.connect(page.roll_back)
        self.market_state.refresh()
        return page

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.status_server = QLabel()
        self.status_players = QLabel()
        self.status_plugins = QLabel()
        self.status_busy = QLabel()
        for label in (self.status_busy, self.status_plugins, self.status_players,
                      self.status_server):
            label.setContentsMargins(10, 0, 10, 0)
            bar.addPermanentWidget(label)
        self._update_status()

    def _build_menus(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        add = QAction("&Add plugin…", self)
        add.setShortcut(QKeySequence.StandardKey.Open)
        add.triggered.connect(self.plugins_page.pick_files)
        quit_ = QAction("&Quit", self)
        quit_.setShortcut(QKeySequence.StandardKey.Quit)
        quit_.setMenuRole(QAction.MenuRole.QuitRole)
        quit_.triggered.connect(self.closeRequested.emit)
        file_menu.addActions([add, quit_])
        go = menu.addMenu("&Go")
        for row in range(self.sidebar.count()):
            item = self.sidebar.item(row)
            action = QAction(item.text(), self)
            action.setShortcut(QKeySequence(f"Ctrl+{row + 1}"))
            action.triggered.connect(lambda _=False, r=row: self.sidebar.setCurrentRow(r))
            go.addAction(action)
        server = menu.addMenu("&Server")
        control, tasks = self.services.control, self.services.tasks
        for title, work, what in (("Start", control.start, "Starting the server"),
                                  ("Stop", control.stop, "Stopping the server"),
                                  ("Restart", control.restart, "Restarting the server")):
            action = QAction(title, self)
            action.triggered.connect(lambda _=False, w=work, t=what: tasks.start(w(), t))
            server.addAction(action)
        help_menu = menu.addMenu("&Help")
        about = QAction("&About Pumpkin Patch", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

    def _connect(self) -> None:
        s = self.services
        s.events.controlStateChanged.connect(self._server_state)
        s.events.serverChanged.connect(lambda *_: self._update_status())
        s.events.when(PluginStateChanged, lambda _notice: self._update_status())
        s.events.when(PluginFaulted, s.notifications.plugin_faulted)
        s.events.when(PluginUpdateHeld, s.notifications.update_held)
        s.events.when(PluginUpdateAvailable, s.notifications.update_available)
        s.events.when(PluginMessage, s.notifications.plugin_message)
        if self.market_state is not None:
            s.events.when(PluginUpdateAvailable, lambda _notice: self.market_state.refresh())
        self.plugins_page.permissionsRequested.connect(self.edit_permissions)
        self.plugins_page.updateReviewRequested.connect(
            lambda name: self.reviewer.edit(name, held_update=True))
        s.tasks.failed.connect(s.notifications.task_failed)
        s.tasks.busyChanged.connect(lambda _n: self._update_status())
        s.notifications.actionRequested.connect(self.handle_action)
        connect_notifications(self.ops_events, s.notifications, s.control)
        s.notifications.unreadChanged.connect(self._unread_changed)
        s.notifications.posted.connect(
            lambda n: s.log_event(f"notification: {n.title}: {n.message}"))
        self.plugins_page.filesDropped.connect(self.installer.install)
        self.plugins_page.model.badgeChanged.connect(
            lambda name, label: s.log_event(f"badge {name}: {label}"))
        self.settings_page.server_form.restartRequested.connect(
            lambda: s.tasks.start(s.control.restart(), "Restarting the server"))

    def core_started(self) -> None:
        """The core finished starting (server, plugins, marketplace sources)."""
        if isinstance(self.market_page, MarketPage):
            self.market_page.watch_samples()

    # -- pages -------------------------------------------------------------------------
    def current_page(self) -> str:
        item = self.sidebar.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else SERVER

    def show_page(self, key: str) -> QWidget:
        keys = list(self.pages)
        self.sidebar.setCurrentRow(keys.index(key))
        return self.pages[key]

    def _page_changed(self, row: int) -> None:
        if row >= 0:
            self.stack.setCurrentIndex(row)
            self.services.log_event(f"page {self.current_page()}")

    def _unread_changed(self, unread: int) -> None:
        item = self.sidebar.item(list(self.pages).index(NOTIFICATIONS))
        item.setText(f"Notifications ({unread})" if unread else "Notifications")

    # -- cross-page actions -------------------------------------------------------------
    def handle_action(self, notification: Notification, action: str) -> None:
        s = self.services
        name = notification.plugin
        if action == DETAILS:
            if name:
                self.show_page(PLUGINS)
                self.plugins_page.select(name)
            else:
                self.show_page(SERVER)
        elif action == RESTART:
            if name:
                self.plugins_page.restart(name)
            else:
                s.tasks.start(s.control.restart(), "Restarting the server")
        elif action == DISABLE and name:
            self.plugins_page.run_action(DISABLE_ACTION, name)
        else:
            self._extra_action(notification, action)

    def _extra_action(self, notification: Notification, action: str) -> None:
        if action == REVIEW and notification.plugin:
            self.reviewer.edit(notification.plugin, held_update=True)
        elif action == UPDATE and notification.plugin:
            self.plugins_page.updateRequested.emit(notification.plugin)

    def edit_permissions(self, name: str) -> None:
        state = self.market_state
        signature = state.signature(name) if state else "unknown"
        self.reviewer.edit(name, signature=signature if signature in SIGNATURES else "unknown",
                           signer=state.signer(name) if state else None)

    def _installed(self, name: str) -> None:
        self.plugins_page.select(name)
        plugin = self.services.core.plugins.plugins.get(name)
        state = f"It is {plugin.lifecycle.state}." if plugin is not None else ""
        self.services.notifications.post(Notification(
            "info", f"{name} added", state, name, (DETAILS,), severity="info"))

    def _server_state(self, state: str) -> None:
        self._update_status()
        self.services.log_event(f"server {state}")
        if state == ControlState.FAILED:
            self.services.notifications.server_failed(self.services.control.error or "")

    def _update_status(self) -> None:
        core = self.services.core
        self.status_server.setText(f"Server: {self.services.control.state}")
        self.status_players.setText(f"Players: {len(core.server.players)}")
        plugins = list(core.plugins.plugins.values())
        running = sum(p.lifecycle.state is PluginState.RUNNING for p in plugins)
        self.status_plugins.setText(f"Plugins: {running} of {len(plugins)} running")
        busy = self.services.tasks.running
        self.status_busy.setText(f"Working: {busy[-1]}…" if busy else "")

    def _about(self) -> None:
        self.services.tasks.start(self.open_about(), "Reading the versions")

    async def open_about(self) -> AboutDialog:
        """Help > About (package metadata is read off the GUI thread)."""
        found = await asyncio.to_thread(versions)
        dialog = AboutDialog(found, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.services.log_event("about shown")
        return dialog

    # -- drops anywhere on the window go to the install pipeline -----------------------------
    def dragEnterEvent(self, event: Any) -> None:
        self.plugins_page.dragEnterEvent(event)

    def dragMoveEvent(self, event: Any) -> None:
        event.acceptProposedAction()

    def dropEvent(self, event: Any) -> None:
        self.plugins_page.dropEvent(event)

    # -- state and closing ---------------------------------------------------------------
    def restore_state(self) -> None:
        settings = self.services.settings
        geometry = settings.value("window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(DEFAULT_SIZE)
        page = str(settings.value("window/page", SERVER))
        self.show_page(page if page in self.pages else SERVER)

    def save_state(self) -> None:
        settings = self.services.settings
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/page", self.current_page())
        settings.sync()

    def allow_close(self) -> None:
        self._may_close = True

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._may_close:
            event.accept()
            return
        event.ignore()
        self.closeRequested.emit()


_STYLE = """
#sidebar { border: none; border-right: 1px solid palette(mid); background: palette(window);
           font-size: 11pt; padding-top: 6px; }
#sidebar::item { padding-left: 10px; border-radius: 4px; margin: 1px 6px; }
#sidebar::item:selected { background: #ef6c00; color: white; }
"""
