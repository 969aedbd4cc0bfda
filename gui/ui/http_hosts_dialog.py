"""Where a plugin's http.outbound may reach: the admin's host list, edited in the window.

One entry per line (``host`` or ``host:port``). Each entry is checked with
the one host-entry rule (gui/host_list.py) as it is typed, and OK is
offered only when every line passes. The page saves the list to
config.toml off the GUI thread (``AppSettings.with_http_hosts``); the
running server applies it within a second and reloads the plugin.
"""

from __future__ import annotations

import html

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from gui.host_list import EXAMPLES, entry_problem


class HttpHostsDialog(QDialog):
    """Edit the hosts one plugin's http.outbound reaches."""

    def __init__(self, plugin: str, hosts: tuple[str, ...], *, granted: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Hosts {plugin} may reach")
        intro = QLabel(
            f"<b>{html.escape(plugin)}</b> may make HTTP requests only to the hosts listed "
            f"here, one per line ({html.escape(EXAMPLES)}; a host alone allows any port). "
            "An empty list refuses every request."
            + ("" if granted else "<br><i>It does not hold http.outbound now: the list "
                                  "applies once you grant it.</i>"))
        intro.setWordWrap(True)
        self.editor = QPlainTextEdit("\n".join(hosts))
        self.editor.setPlaceholderText("127.0.0.1:8080\nexample.org")
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #c62828;")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.problems)
        layout.addWidget(self.buttons)
        self.editor.textChanged.connect(self._check)
        self.resize(460, 320)
        self._check()

    def hosts(self) -> list[str]:
        """The entries typed, blank lines left out."""
        return [line.strip() for line in self.editor.toPlainText().splitlines() if line.strip()]

    def _check(self) -> None:
        problems = [p for p in map(entry_problem, self.hosts()) if p]
        self.problems.setText(html.escape("; ".join(problems)))
        self.problems.setVisible(bool(problems))
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setEnabled(not problems)
