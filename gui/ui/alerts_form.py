"""The ``[alerts]`` settings: a webhook URL, and which kinds go to the webhook and the tray.

Saved through the core (``Operations.save_alerts``: config.toml written
atomically on a worker thread) and used at once. A webhook URL that is not
http(s) is refused with a message saying what to paste.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.ops import ALERT_KINDS, AlertSettings
from gui.ops.alerts import WebhookError, check_url
from gui.ui.tasks import TaskRunner


class AlertsForm(QWidget):
    """Edit where alerts go."""

    def __init__(self, ops: Any, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ops = ops
        self._tasks = tasks
        self.url = QLineEdit()
        self.url.setPlaceholderText("https://discord.com/api/webhooks/… or "
                                    "https://hooks.slack.com/services/…")
        intro = QLabel("Each notice the window shows can also go to a webhook (a JSON POST "
                       "that Discord and Slack understand; retried with backoff; the RCON "
                       "password and configured environment values are masked) and to the "
                       "desktop tray.")
        intro.setWordWrap(True)
        grid = QGridLayout()
        grid.addWidget(QLabel("<b>Notice</b>"), 0, 0)
        grid.addWidget(QLabel("<b>Webhook</b>"), 0, 1)
        grid.addWidget(QLabel("<b>Tray</b>"), 0, 2)
        self.webhook_boxes: dict[str, QCheckBox] = {}
        self.tray_boxes: dict[str, QCheckBox] = {}
        for row, (kind, label) in enumerate(ALERT_KINDS.items(), 1):
            grid.addWidget(QLabel(label), row, 0)
            self.webhook_boxes[kind] = QCheckBox()
            self.tray_boxes[kind] = QCheckBox()
            grid.addWidget(self.webhook_boxes[kind], row, 1)
            grid.addWidget(self.tray_boxes[kind], row, 2)
        grid.setColumnStretch(0, 1)
        kinds = QGroupBox("What goes where")
        kinds.setLayout(grid)
        self.save_button = QPushButton("Save")
        self.save_button.clicked.connect(self.save)
        self.status = QLabel()
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(QLabel("Webhook URL (empty: no webhook)"))
        layout.addWidget(self.url)
        layout.addWidget(kinds)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addStretch(1)
        self.show_settings(ops.settings.alerts)

    def show_settings(self, alerts: AlertSettings) -> None:
        self.url.setText(alerts.webhook_url)
        for kind in ALERT_KINDS:
            self.webhook_boxes[kind].setChecked(kind in alerts.webhook)
            self.tray_boxes[kind].setChecked(kind in alerts.tray)

    def values(self) -> AlertSettings:
        url = self.url.text().strip()
        if url:
            url = check_url(url)
        return AlertSettings(
            webhook_url=url,
            webhook=tuple(k for k, box in self.webhook_boxes.items() if box.isChecked()),
            tray=tuple(k for k, box in self.tray_boxes.items() if box.isChecked()))

    def save(self) -> None:
        try:
            alerts = self.values()
        except WebhookError as exc:
            self.status.setText(str(exc))
            return
        self._tasks.start(self.ops.save_alerts(alerts), "Saving the alert settings",
                          on_done=lambda _r: self.status.setText(
                              f"Saved to {self.ops.core.paths.config_file}; in use now."))
