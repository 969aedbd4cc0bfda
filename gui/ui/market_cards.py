"""A marketplace search result as a card.

Name and version, author, description, downloads, source, signer, a
permission summary whose chip shows the highest risk, and the Install /
Update button with the install's progress underneath.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from gui.market import STEPS
from gui.permissions.catalogue import Risk, describe
from gui.ui.permission_dialog import RISK_COLOURS, chip

_RANK = {Risk.LOW: 0, Risk.MEDIUM: 1, Risk.UNKNOWN: 2, Risk.HIGH: 3}
STEP_TEXT = {"resolve": "Finding it", "download": "Downloading", "verify": "Checking the signature",
             "inspect": "Inspecting", "review": "Waiting for your review",
             "commit": "Installing", "load": "Loading"}


def highest_risk(permissions: tuple[str, ...] | None) -> Risk | None:
    """The highest risk among ``permissions`` (None: none requested or not listed)."""
    if not permissions:
        return None
    return max((describe(p).risk for p in permissions), key=_RANK.__getitem__)


def permission_summary(permissions: tuple[str, ...] | None) -> str:
    if permissions is None:
        return "permissions not listed (shown before installing)"
    if not permissions:
        return "no permissions"
    return f"{len(permissions)} permission{'s' if len(permissions) != 1 else ''}: " + \
        ", ".join(permissions)


def short_key(fingerprint: str) -> str:
    return fingerprint if len(fingerprint) <= 23 else fingerprint[:23] + "…"


def step_progress(step: str, done: int, total: int | None) -> tuple[int, str]:
    """Overall percent and a label for one progress report of the install pipeline."""
    index = STEPS.index(step) if step in STEPS else 0
    fraction = done / total if total else 0.0
    percent = int((index + min(1.0, fraction)) / len(STEPS) * 100)
    label = STEP_TEXT.get(step, step)
    if step == "download" and total:
        label += f" {done / 1048576:.1f} of {total / 1048576:.1f} MiB"
    return percent, label + "…"


class InstallButton(QWidget):
    """Install / Update / Installed, and the progress of a running install."""

    clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.button = QPushButton("Install")
        self.button.clicked.connect(self.clicked.emit)
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(6)
        self.step = QLabel()
        self.step.setStyleSheet("color: palette(placeholder-text);")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.button)
        layout.addWidget(self.bar)
        layout.addWidget(self.step)
        self.finish()

    def set_state(self, installed: str | None, latest: str) -> None:
        if installed is None:
            self.button.setText("Install")
            self.button.setEnabled(True)
        elif installed != latest:
            self.button.setText(f"Update to {latest}")
            self.button.setEnabled(True)
        else:
            self.button.setText("Installed")
            self.button.setEnabled(False)

    def progress(self, step: str, done: int, total: int | None) -> None:
        percent, label = step_progress(step, done, total)
        self.button.setEnabled(False)
        self.bar.setVisible(True)
        self.bar.setValue(percent)
        self.step.setVisible(True)
        self.step.setText(label)

    def finish(self) -> None:
        self.bar.setVisible(False)
        self.step.setVisible(False)


class ResultCard(QFrame):
    """One listing.

    Signals:
        selected(object): the card was clicked (the Listing).
        installRequested(object): Install / Update was pressed (the Listing).
    """

    selected = Signal(object)
    installRequested = Signal(object)

    def __init__(self, listing: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.listing = listing
        self.setObjectName("resultCard")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        self._selected = False
        self._restyle()

        title = QLabel(f"<span style='font-size:12pt; font-weight:600'>"
                       f"{html.escape(listing.name)}</span>&nbsp;&nbsp;"
                       f"<span style='color:gray'>{html.escape(listing.version)}</span>")
        author = ", ".join(listing.authors) or listing.dev_name or "unknown author"
        byline = QLabel(f"by {html.escape(author)}"
                        + (f" · {html.escape(listing.category)}" if listing.category else ""))
        byline.setStyleSheet("color: palette(placeholder-text);")
        description = QLabel(listing.description or "No description.")
        description.setWordWrap(True)
        facts = QLabel(f"{listing.downloads:,} downloads · source <b>{html.escape(listing.source)}"
                       f"</b> · signer <code>{html.escape(short_key(listing.signer))}</code>")
        facts.setToolTip(f"Signed with the key pinned for source {listing.source!r}: "
                         f"{listing.signer}")
        risk = highest_risk(listing.permissions)
        permission_row = QHBoxLayout()
        self.risk_chip: QLabel | None = None
        if risk is not None:
            fill, ink = RISK_COLOURS[risk]
            self.risk_chip = chip(f"highest risk: {risk}", fill, ink)
            permission_row.addWidget(self.risk_chip)
            summary = permission_summary(listing.permissions)
        elif listing.permissions == ():
            permission_row.addWidget(chip("no permissions", "#78909c"))
            summary = ""
        else:
            permission_row.addWidget(chip("permissions not listed", "#78909c"))
            summary = "shown before anything is installed"
        permissions = QLabel(html.escape(summary))
        permissions.setWordWrap(True)
        permission_row.addWidget(permissions, 1)

        self.install = InstallButton()
        self.install.clicked.connect(lambda: self.installRequested.emit(self.listing))
        text = QVBoxLayout()
        text.setSpacing(3)
        text.addWidget(title)
        text.addWidget(byline)
        text.addWidget(description)
        text.addWidget(facts)
        text.addLayout(permission_row)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addLayout(text, 1)
        layout.addWidget(self.install, 0, Qt.AlignmentFlag.AlignTop)

    def set_selected(self, selected: bool) -> None:
        self._selected = selected
        self._restyle()

    def _restyle(self) -> None:
        border = "#ef6c00" if self._selected else "#cfcfcf"
        self.setStyleSheet(f"#resultCard {{ background: palette(base); border: "
                           f"{2 if self._selected else 1}px solid {border}; border-radius: 6px; }}")

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.selected.emit(self.listing)
        super().mousePressEvent(event)
