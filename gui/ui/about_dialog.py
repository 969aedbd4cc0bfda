"""Help > About: the versions of the app, Qt, wasmtime, and the Pumpkin world(s) it runs."""

from __future__ import annotations

import html

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gui.appinfo import APP_ID, APP_NAME, HOMEPAGE, Versions
from gui.ui.icon import app_icon


def version_rows(versions: Versions) -> list[tuple[str, str]]:
    """What the dialog lists, in order (also what a bug report should quote)."""
    return [
        (APP_NAME, versions.app),
        ("Qt", f"{qVersion()} (PySide6 {PySide6.__version__})"),
        ("wasmtime", versions.wasmtime),
        ("Pumpkin plugin world", ", ".join(versions.worlds)),
        ("Minecraft Java Edition", versions.java_edition),
        ("Value codec", versions.codec),
        ("Python", versions.python),
        ("Application id", APP_ID),
    ]


class AboutDialog(QDialog):
    """The About box; its text is selectable, to paste into a bug report."""

    def __init__(self, versions: Versions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("about")
        self.setWindowTitle(f"About {APP_NAME}")
        self.rows = version_rows(versions)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(64, 64))
        logo.setAlignment(Qt.AlignmentFlag.AlignTop)
        top.addWidget(logo)
        table = "".join(f"<tr><td><b>{html.escape(k)}</b>&nbsp;&nbsp;</td>"
                        f"<td>{html.escape(v)}</td></tr>" for k, v in self.rows)
        self.text = QLabel(
            f"<h2>{APP_NAME} {html.escape(versions.app)}</h2>"
            "<p>Run a local game server with sandboxed Pumpkin WebAssembly plugins.</p>"
            f"<table>{table}</table>"
            f"<p><a href=\"{HOMEPAGE}\">{HOMEPAGE}</a> &middot; MIT licence</p>")
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.text.setOpenExternalLinks(True)
        self.text.setWordWrap(True)
        top.addWidget(self.text, 1)
        layout.addLayout(top)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)
