"""The details of one marketplace listing: every requested permission and version.

Filled in two steps: at once from the listing (what the search returned),
then from ``market.details`` (all published versions) when that answers.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from gui.permissions.catalogue import describe
from gui.ui.market_cards import InstallButton
from gui.ui.permission_dialog import RISK_COLOURS


def _table(headers: list[str], stretch: int) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
    table.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    table.setWordWrap(True)
    return table


class MarketDetailsView(QWidget):
    """Listing header, permissions table, versions table, Install / Update.

    Signals:
        installRequested(object): the Listing to install or update.
    """

    installRequested = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.listing: Any = None
        self.title = QLabel()
        self.meta = QLabel()
        self.meta.setWordWrap(True)
        self.meta.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.install = InstallButton()
        self.install.clicked.connect(lambda: self.installRequested.emit(self.listing))
        self.permissions = _table(["Permission", "Risk", "What it allows"], 2)
        self.versions = _table(["Version", "Permissions", "Size", "sha256", "Published"], 3)
        self.note = QLabel()
        self.note.setWordWrap(True)
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.install, 0, Qt.AlignmentFlag.AlignTop)
        self.body = QWidget()
        layout = QVBoxLayout(self.body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addWidget(self.meta)
        layout.addWidget(QLabel("<b>Requested permissions</b> (you choose at install)"))
        layout.addWidget(self.permissions, 2)
        layout.addWidget(self.note)
        layout.addWidget(QLabel("<b>Versions</b>"))
        layout.addWidget(self.versions, 1)
        self.placeholder = QLabel("Select a plugin to see its permissions and versions.")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.body)
        outer.addWidget(self.placeholder)
        self.show_listing(None)

    def show_listing(self, listing: Any, installed: str | None = None) -> None:
        self.listing = listing
        self.body.setVisible(listing is not None)
        self.placeholder.setVisible(listing is None)
        if listing is None:
            return
        self.install.set_state(installed, listing.version)
        self.title.setText(f"<span style='font-size:16pt; font-weight:600'>"
                           f"{html.escape(listing.name)}</span>&nbsp;&nbsp;"
                           f"<span style='color:gray'>{html.escape(listing.version)}</span>")
        authors = ", ".join(listing.authors) or listing.dev_name or "unknown"
        rows = [("Authors", authors), ("Category", listing.category or "—"),
                ("Downloads", f"{listing.downloads:,}"), ("Source", listing.source),
                ("Signer", listing.signer), ("Updated", listing.updated_at or "—")]
        table = "".join(f"<tr><td style='color:gray; padding-right:10px'>{k}</td>"
                        f"<td>{html.escape(str(v))}</td></tr>" for k, v in rows)
        self.meta.setText(f"<p>{html.escape(listing.description)}</p><table>{table}</table>")
        self._fill_permissions(listing.permissions)
        self.versions.setRowCount(0)

    def _fill_permissions(self, permissions: tuple[str, ...] | None) -> None:
        requested = list(permissions or ())
        self.permissions.setRowCount(len(requested))
        for row, name in enumerate(requested):
            cap = describe(name)
            fill, _ink = RISK_COLOURS[cap.risk]
            cells = [name, str(cap.risk),
                     cap.description + (f" — {cap.reason}" if cap.reason else "")]
            for column, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if column == 1:
                    item.setForeground(QColor(fill))
                self.permissions.setItem(row, column, item)
        self.permissions.resizeRowsToContents()
        self.permissions.setVisible(bool(requested))
        if permissions is None:
            self.note.setText("The source does not list the permissions; they are shown "
                              "before anything is installed.")
        elif not permissions:
            self.note.setText("It requests no permissions.")
        else:
            never = [p for p in requested if not describe(p).enforceable]
            self.note.setText("Never granted by this host: " + ", ".join(never) if never else "")

    def show_details(self, details: Any) -> None:
        """All versions (``gui.market.PluginDetails``), when the source answered."""
        if self.listing is None or details.listing.id != self.listing.id:
            return
        self.versions.setRowCount(len(details.versions))
        for row, version in enumerate(details.versions):
            permissions = ("not listed" if version.permissions is None
                           else ", ".join(version.permissions) or "none")
            size = f"{version.size / 1048576:.1f} MiB" if version.size else "—"
            cells = [version.version, permissions, size, (version.sha256 or "—")[:16],
                     version.created_at[:10] if version.created_at else "—"]
            for column, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if column == 3 and version.sha256:
                    item.setToolTip(version.sha256)
                self.versions.setItem(row, column, item)
        self.versions.resizeColumnsToContents()
        self.versions.horizontalHeader().setSectionResizeMode(
            3, QHeaderView.ResizeMode.Stretch)
