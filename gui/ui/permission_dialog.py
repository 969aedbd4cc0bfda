"""The permission review dialog: one checkbox per requested permission.

Shows a :class:`~gui.permissions.review.ReviewRequest`: the plugin's name,
version, authors, description and signature state; then one row per
requested permission with a checkbox, the risk as a coloured chip, the
one-line description, and, for rows the admin cannot change (unknown,
unenforceable, blocked or always-allowed permissions), the reason. For an
update, new permissions are marked "new" and dropped ones listed.

The dialog decides nothing itself (it is a view): it emits
``grantsAccepted(frozenset)`` with exactly the ticked set, or ``declined()``;
the caller records the decision (``PermissionService.approve`` /
``decline``). In ``edit`` mode (changing an installed plugin's grants later)
the accept button reads "Save" and a Cancel button closes without a change.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from gui.permissions.catalogue import Risk
from gui.permissions.review import ReviewRequest, ReviewRow

# (fill, ink) per risk; the same palette as the plugin details pane.
RISK_COLOURS: dict[Risk, tuple[str, str]] = {
    Risk.LOW: ("#2e7d32", "#ffffff"),
    Risk.MEDIUM: ("#ef6c00", "#ffffff"),
    Risk.HIGH: ("#c62828", "#ffffff"),
    Risk.UNKNOWN: ("#6d4c41", "#ffffff"),
}
SIGNATURE_TEXT = {
    "verified": ("Signature verified", "#00695c"),
    "unverified": ("Signature NOT verified", "#c62828"),
    "unsigned": ("Unsigned", "#8d6e63"),
    "unknown": ("Signature not checked (added from a file)", "#757575"),
}
INSTALL, EDIT = "install", "edit"


def chip(text: str, fill: str, ink: str = "#ffffff") -> QLabel:
    """A small rounded label in a solid colour."""
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setStyleSheet(f"QLabel {{ background: {fill}; color: {ink}; border-radius: 8px; "
                        "padding: 1px 8px; font-weight: 600; }")
    label.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    return label


class PermissionRowWidgets:
    """The widgets of one row, kept for tests and for :meth:`PermissionDialog.granted`."""

    def __init__(self, row: ReviewRow) -> None:
        self.row = row
        self.checkbox = QCheckBox(row.permission)
        self.checkbox.setChecked(row.initially_checked)
        self.checkbox.setEnabled(row.enabled)
        self.checkbox.setObjectName(f"permission:{row.permission}")
        fill, ink = RISK_COLOURS[row.capability.risk]
        self.risk = chip(f"{row.capability.risk} risk", fill, ink)
        self.risk.setToolTip(f"Risk: {row.capability.risk}")
        text = html.escape(row.capability.description)
        if row.change == "added":
            text = f"<b>New:</b> {text}"
        if row.reach:
            text += f"<br><span style='color:#1565c0'>{html.escape(_sentence(row.reach))}</span>"
        reason = row.reason or row.capability.reason
        if not row.enabled:
            # The description greyed like the checkbox, the reason kept readable.
            text = f"<span style='color:#9e9e9e'>{text}</span>"
            if reason:
                text += f"<br><i style='color:#424242'>{html.escape(_sentence(reason))}</i>"
        self.description = QLabel(text)
        self.description.setWordWrap(True)
        self.description.setTextFormat(Qt.TextFormat.RichText)
        # Top-aligned: a wrapped label may get more height than its text needs,
        # and centred text then drifts below its checkbox.
        self.description.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.description.setSizePolicy(QSizePolicy.Policy.Expanding,
                                       QSizePolicy.Policy.Preferred)
        # A realistic width keeps the row heights of wrapped text tight.
        self.description.setMinimumWidth(260)
        if not row.enabled and reason:
            self.checkbox.setToolTip(_sentence(reason))
        # Line the first text line of the chip and the description up with the
        # checkbox's label, whose indicator makes it taller than a text line.
        offset = max(0, (self.checkbox.sizeHint().height()
                         - self.description.fontMetrics().height()) // 2)
        self.description.setContentsMargins(0, offset, 0, 0)
        self.risk_cell = QWidget()
        cell = QVBoxLayout(self.risk_cell)
        cell.setContentsMargins(0, max(0, (self.checkbox.sizeHint().height()
                                           - self.risk.sizeHint().height()) // 2), 0, 0)
        cell.addWidget(self.risk)


class PermissionDialog(QDialog):
    """Review (or edit) the permissions of one plugin.

    Signals:
        grantsAccepted(object): the ticked permissions, a frozenset[str]; emitted
            when the accept button is pressed.
        declined(): the decline button was pressed.
    """

    grantsAccepted = Signal(object)
    declined = Signal()

    def __init__(self, review: ReviewRequest, parent: QWidget | None = None, *,
                 mode: str = INSTALL) -> None:
        super().__init__(parent)
        self.review = review
        self.mode = mode
        self.outcome = ""  # "accepted", "declined" or "" (closed/cancelled)
        self.setWindowTitle(f"Permissions for {review.plugin}")
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        layout.setSpacing(10)
        layout.addLayout(self._header())
        self.rows = [PermissionRowWidgets(row) for row in review.rows]
        layout.addWidget(self._permission_list(), 1)
        if review.removed:
            removed = QLabel("No longer requested by this version: "
                             + ", ".join(review.removed))
            removed.setWordWrap(True)
            layout.addWidget(removed)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        layout.addWidget(self._buttons())
        for widgets in self.rows:
            widgets.checkbox.toggled.connect(self._update_summary)
        self._update_summary()

    # -- building -----------------------------------------------------------------
    def _header(self) -> QVBoxLayout:
        review = self.review
        header = QVBoxLayout()
        title_row = QHBoxLayout()
        self.title = QLabel(f"<span style='font-size:15pt; font-weight:600'>"
                            f"{html.escape(review.plugin)}</span>&nbsp;&nbsp;"
                            f"<span style='color:#616161'>{html.escape(review.version)}</span>")
        title_row.addWidget(self.title)
        title_row.addStretch(1)
        text, colour = SIGNATURE_TEXT.get(review.signature, SIGNATURE_TEXT["unknown"])
        if review.signer and review.signature == "verified":
            text += f" ({review.signer})"
        self.signature = chip(text, colour)
        title_row.addWidget(self.signature)
        header.addLayout(title_row)
        authors = ", ".join(review.authors) or "unknown authors"
        self.authors = QLabel(f"by {html.escape(authors)}")
        header.addWidget(self.authors)
        if review.description:
            self.description = QLabel(review.description)
            self.description.setWordWrap(True)
            header.addWidget(self.description)
        intro = ("Tick what this plugin may do. It runs either way; what you leave "
                 "unticked fails when it tries." if review.rows else
                 "This plugin requests no permissions.")
        if review.added:
            intro = (f"This update asks for {len(review.added)} more permission"
                     f"{'s' if len(review.added) != 1 else ''}. " + intro)
        self.intro = QLabel(intro)
        self.intro.setWordWrap(True)
        header.addWidget(self.intro)
        return header

    def _permission_list(self) -> QWidget:
        body = QWidget()
        grid = QGridLayout(body)
        grid.setContentsMargins(8, 8, 8, 8)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(10)
        grid.setColumnStretch(2, 1)
        for index, widgets in enumerate(self.rows):
            top = Qt.AlignmentFlag.AlignTop
            grid.addWidget(widgets.checkbox, index, 0, top)
            grid.addWidget(widgets.risk_cell, index, 1, top)
            grid.addWidget(widgets.description, index, 2, top)
        grid.setRowStretch(len(self.rows), 1)
        scroll = QScrollArea()
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.StyledPanel)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Show every row without scrolling, up to about eight of them.
        scroll.setMinimumHeight(min(body.sizeHint().height() + 4, 400))
        return scroll

    def _buttons(self) -> QDialogButtonBox:
        box = QDialogButtonBox()
        accept_text = "Save" if self.mode == EDIT else "Allow ticked and run"
        self.accept_button = QPushButton(accept_text)
        self.accept_button.setDefault(True)
        self.decline_button = QPushButton("Decline plugin" if self.mode == EDIT else "Decline")
        self.decline_button.setToolTip("The plugin will not run until you approve it.")
        box.addButton(self.accept_button, QDialogButtonBox.ButtonRole.AcceptRole)
        box.addButton(self.decline_button, QDialogButtonBox.ButtonRole.DestructiveRole)
        self.accept_button.clicked.connect(self._accept)
        self.decline_button.clicked.connect(self._decline)
        self.cancel_button: QPushButton | None = None
        if self.mode == EDIT:
            self.cancel_button = box.addButton(QDialogButtonBox.StandardButton.Cancel)
            self.cancel_button.clicked.connect(self.reject)
        return box

    # -- state --------------------------------------------------------------------
    def checkbox(self, permission: str) -> QCheckBox:
        """The checkbox of ``permission`` (KeyError if it is not requested)."""
        for widgets in self.rows:
            if widgets.row.permission == permission:
                return widgets.checkbox
        raise KeyError(permission)

    def granted(self) -> frozenset[str]:
        """The ticked permissions (disabled rows count only when ticked by policy)."""
        return frozenset(w.row.permission for w in self.rows if w.checkbox.isChecked())

    def _update_summary(self) -> None:
        ticked = len(self.granted())
        total = len(self.rows)
        never = sum(1 for w in self.rows if not w.row.enabled and not w.row.initially_checked)
        text = f"{ticked} of {total} requested permissions will be granted."
        if never:
            text += f" {never} cannot be granted by this host or your policy."
        self.summary.setText(text)

    def _accept(self) -> None:
        self.outcome = "accepted"
        self.grantsAccepted.emit(self.granted())
        self.accept()

    def _decline(self) -> None:
        self.outcome = "declined"
        self.declined.emit()
        self.reject()


def _sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")
