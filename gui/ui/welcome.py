"""The first-run welcome: what the app does, where files live, the trusted repository.

Shown once per profile (gui/firstrun.py decides), beside the window and not
modal, so nothing waits on it. It offers to start the server: on a first run
the app starts the runtime and the marketplace but leaves the server stopped
until the admin says so here (or presses Start on the server page).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from gui.appinfo import APP_NAME
from gui.firstrun import FirstRun, Place
from gui.ui.icon import app_icon

# What the app does, in the three words of the issue: run, install safely, watch.
THREE_THINGS = (
    (QStyle.StandardPixmap.SP_ComputerIcon, "Run a server",
     "A game server on this computer that Minecraft Java Edition 26.1 joins (address "
     "127.0.0.1), with its console, players, and a playtest page to try plugins without "
     "a game client."),
    (QStyle.StandardPixmap.SP_DialogApplyButton, "Install plugins safely",
     "Plugins are sandboxed WebAssembly. Downloads are checked against the repository's "
     "pinned key, and nothing is granted until you tick it, one permission at a time."),
    (QStyle.StandardPixmap.SP_FileDialogDetailedView, "Watch them",
     "Every plugin's memory, faults with backtraces, restarts and quarantine: a broken "
     "plugin never takes the server down."),
)
WIDTH = 680
TRUST_PENDING = ("The built-in repository <b>samples</b> (the sample plugins, served by "
                 "this app on 127.0.0.1 only) is trusted; its key is being made.")


def trust_text(fingerprint: str) -> str:
    """The trusted-repository line once the samples source is pinned."""
    return ("The built-in repository <b>samples</b> (the sample plugins, served by this app "
            "on 127.0.0.1 only) is trusted: it is pinned to a key made on this computer, "
            f"fingerprint <tt>{fingerprint}</tt>. Add other repositories on the Marketplace "
            "page; each is pinned to its key when you add it.")


class WelcomeDialog(QDialog):
    """The welcome of a new profile.

    Signals:
        startRequested(): "Start the server" was chosen (the dialog then closes).
    """

    startRequested = Signal()

    def __init__(self, places: Sequence[Place], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcome")
        self.setWindowTitle(f"Welcome to {APP_NAME}")
        self.setWindowIcon(app_icon())
        self.setWindowModality(Qt.WindowModality.NonModal)
        layout = QVBoxLayout(self)
        layout.setSpacing(12)

        header = QHBoxLayout()
        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(56, 56))
        title = QLabel(f"<h2>Welcome to {APP_NAME}</h2>"
                       "Your own server for Pumpkin's WebAssembly plugins, on your desktop.")
        title.setWordWrap(True)
        header.addWidget(logo)
        header.addWidget(title, 1)
        layout.addLayout(header)

        style = self.style()
        for pixmap, name, text in THREE_THINGS:
            row = QHBoxLayout()
            row.setSpacing(12)
            icon = QLabel()
            icon.setPixmap(style.standardIcon(pixmap).pixmap(32, 32))
            icon.setAlignment(Qt.AlignmentFlag.AlignTop)
            label = QLabel(f"<b>{name}</b><br>{text}")
            label.setWordWrap(True)
            row.addWidget(icon)
            row.addWidget(label, 1)
            layout.addLayout(row)

        layout.addWidget(_rule())
        layout.addWidget(QLabel("<b>Where your files live</b>"))
        self.places = QLabel("<br>".join(f"{p.what}: <tt>{p.path}</tt>" for p in places))
        self.places.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.places.setWordWrap(False)  # a path is read whole; the dialog widens for it
        layout.addWidget(self.places)

        self.trust = QLabel(TRUST_PENDING)
        self.trust.setWordWrap(True)
        self.trust.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.trust)
        layout.addWidget(_rule())

        buttons = QDialogButtonBox()
        self.start_button = QPushButton("Start the server")
        self.start_button.setDefault(True)
        self.later_button = QPushButton("Not now")
        buttons.addButton(self.start_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.later_button, QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self._start)
        buttons.rejected.connect(self.reject)
        hint = QLabel("The server page has Start and Stop too; this welcome shows once.")
        hint.setEnabled(False)
        layout.addStretch(1)  # spare height below the text, not between its lines
        layout.addWidget(hint)
        layout.addWidget(buttons)
        # The size hint is for the narrowest width: wider, wrapped text needs less height.
        self.setMinimumWidth(560)
        self._fit(max(WIDTH, self.minimumSizeHint().width()))

    def show_trusted(self, fingerprint: str) -> None:
        """The samples source is pinned: name its key."""
        self.trust.setText(trust_text(fingerprint))
        self._fit(self.width())

    def _fit(self, width: int) -> None:
        self.resize(width, max(self.heightForWidth(width), self.minimumSizeHint().height()))

    def _start(self) -> None:
        self.startRequested.emit()
        self.accept()


def _rule() -> QFrame:
    line = QFrame()
    line.setFrameShape(QFrame.Shape.HLine)
    line.setFrameShadow(QFrame.Shadow.Sunken)
    return line


class Welcome:
    """The welcome wired to the app: start the server on request, remember it was seen.

    Args:
        window: The main window (the dialog's parent; shows the server page after).
        first_run: Where the seen-mark is written.
        control: Starts the server (:class:`gui.control.ServerControl`).
        tasks: Runs the start and the write off the GUI thread's way.
        log_event: The app's structured log ("welcome shown", "welcome closed").
    """

    def __init__(self, window: Any, first_run: FirstRun, control: Any, tasks: Any,
                 log_event: Callable[[str], None]) -> None:
        self.window, self.first_run, self.control, self.tasks = window, first_run, control, tasks
        self.log_event = log_event
        self.dialog = WelcomeDialog(first_run.places(), window)
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog.startRequested.connect(self._start)
        self.dialog.finished.connect(self._closed)
        self._open = False

    @property
    def showing(self) -> bool:
        """Whether the dialog is open (it is deleted once closed)."""
        return self._open

    def show(self) -> None:
        self._open = True
        self.dialog.show()
        self.log_event("welcome shown")

    async def show_trusted(self, market: Any) -> None:
        """Name the samples source's key once the core has pinned it."""
        sources = await asyncio.to_thread(market.sources)
        samples = next((s for s in sources if s.builtin), None)
        if samples is not None and self._open:
            self.dialog.show_trusted(samples.fingerprint)

    def _start(self) -> None:
        self.tasks.start(self.control.start(), "Starting the server")

    def _closed(self, result: int) -> None:
        self._open = False
        self.window.show_page("server")
        self.log_event("welcome closed: " + ("start" if result else "not now"))
        self.tasks.start(asyncio.to_thread(self.first_run.mark_seen), "Remembering the welcome")
