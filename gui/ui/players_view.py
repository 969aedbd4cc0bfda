"""Who is online, with kick / op / ban for the selected player.

Each row says who the player is and how it is connected: a network client's
address and keep-alive ping (refreshed every few seconds), or "virtual" for
a playtest player. The actions are the console commands an admin would type
(``kick NAME``, ``op NAME``, ``deop NAME``, ``ban NAME``), so they behave
exactly as typed, for network and playtest players alike, and their
feedback lands in the console.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.ui.bridge import CoreEvents

PING_REFRESH_MS = 3000


class PlayersView(QWidget):
    """The player list of a server and the buttons acting on the selection."""

    def __init__(self, server: Any, events: CoreEvents, run_command: Callable[[str], Any],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.server = server
        self._run_command = run_command
        self.title = QLabel()
        self.list = QListWidget()
        self.list.setAccessibleName("Players online")
        self.list.itemSelectionChanged.connect(self._selection_changed)
        self.kick = QPushButton("Kick")
        self.op = QPushButton("Op")
        self.ban = QPushButton("Ban")
        self.kick.setToolTip("Disconnect the selected player")
        self.ban.setToolTip("Ban the selected player (undo with 'pardon NAME')")
        self.kick.clicked.connect(lambda: self._act("kick"))
        self.op.clicked.connect(lambda: self._act("deop" if self._selected_is_op() else "op"))
        self.ban.clicked.connect(lambda: self._act("ban"))
        buttons = QHBoxLayout()
        for button in (self.kick, self.op, self.ban):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        events.serverChanged.connect(lambda _what, _value: self.refresh())
        self._pings = QTimer(self)  # pings change without a server event
        self._pings.setInterval(PING_REFRESH_MS)
        self._pings.timeout.connect(self._refresh_if_networked)
        self._pings.start()
        self.refresh()

    def _refresh_if_networked(self) -> None:
        if any(player.address for player in self.server.players):
            self.refresh()

    def names(self) -> list[str]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]

    def refresh(self) -> None:
        selected = self.selected()
        self.list.clear()
        players = sorted(self.server.players, key=lambda p: p.name.lower())
        for player in players:
            tags = []
            if self.server.ops.get(player.uuid) is not None:
                tags.append("op")
            if player.address:
                tags += [player.address, f"{player.ping_ms} ms"]
            else:
                tags.append("virtual")
            label = player.name + (f"   ({', '.join(tags)})" if tags else "")
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, player.name)
            self.list.addItem(item)
            if player.name == selected:
                item.setSelected(True)
        limit = getattr(self.server.config, "max_players", 0)
        self.title.setText(f"<b>Players online</b> ({len(players)} of {limit})")
        self._selection_changed()

    def selected(self) -> str | None:
        items = self.list.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole) if items else None

    def _selected_is_op(self) -> bool:
        name = self.selected()
        player = self.server.players.get(name) if name else None
        return player is not None and self.server.ops.get(player.uuid) is not None

    def _selection_changed(self) -> None:
        has = self.selected() is not None
        for button in (self.kick, self.op, self.ban):
            button.setEnabled(has)
        self.op.setText("De-op" if self._selected_is_op() else "Op")

    def _act(self, command: str) -> None:
        name = self.selected()
        if name:
            self._run_command(f"{command} {name}")
