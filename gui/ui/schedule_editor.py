"""The schedule editor: one dialog to add or change a scheduled task.

What it does (command, restart with a warning, backup), when (an interval,
times of day, or a cron expression), and whether it waits for players.
The dialog builds a :class:`gui.ops.Schedule` on every change, shows the
next run it computes, or the error that keeps OK disabled.
"""

from __future__ import annotations

import datetime as dt
import html

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from gui.ops import Schedule, ScheduleError
from gui.ops.schedules import DEFAULT_WARNING

ACTIONS = (("command", "Run a console command"), ("restart", "Restart the server"),
           ("backup", "Make a backup"))
WHENS = (("every", "Every … seconds"), ("at", "At times of day"), ("cron", "Cron expression"))


class ScheduleEditor(QDialog):
    """Edit one schedule; :attr:`schedule` is the result when accepted."""

    def __init__(self, schedule: Schedule | None = None, *, taken: set[str] = frozenset(),
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit schedule" if schedule else "New schedule")
        self.setMinimumWidth(520)
        self.taken = {name.lower() for name in taken}
        self.schedule: Schedule | None = None
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. nightly backup")
        self.action = QComboBox()
        for key, label in ACTIONS:
            self.action.addItem(label, key)
        self.command = QLineEdit()
        self.command.setPlaceholderText("say Remember to vote!")
        self.warn_s = QSpinBox()
        self.warn_s.setRange(0, 3600)
        self.warn_s.setSuffix(" s")
        self.warn_s.setValue(60)
        self.warn_message = QLineEdit(DEFAULT_WARNING)
        self.when = QComboBox()
        for key, label in WHENS:
            self.when.addItem(label, key)
        self.every_s = QDoubleSpinBox()
        self.every_s.setRange(1, 366 * 86_400)
        self.every_s.setDecimals(0)
        self.every_s.setValue(3600)
        self.every_s.setSuffix(" s")
        self.at = QLineEdit("04:00")
        self.at.setPlaceholderText("04:00, 16:00")
        self.cron = QLineEdit("0 4 * * *")
        self.cron.setPlaceholderText("minute hour day month weekday")
        self.when_fields = QStackedWidget()
        for widget in (self.every_s, self.at, self.cron):
            self.when_fields.addWidget(widget)
        self.only_when_players = QCheckBox("Only when players are online")
        self.enabled = QCheckBox("Enabled")
        self.enabled.setChecked(True)
        self.preview = QLabel()
        self.preview.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Does", self.action)
        form.addRow("Command", self.command)
        form.addRow("Warning before", self.warn_s)
        form.addRow("Warning text", self.warn_message)
        form.addRow("Runs", self.when)
        form.addRow("", self.when_fields)
        form.addRow("", self.only_when_players)
        form.addRow("", self.enabled)
        self.form = form
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.preview)
        layout.addWidget(self.buttons)

        if schedule is not None:
            self._fill(schedule)
        for signal in (self.name.textChanged, self.command.textChanged, self.at.textChanged,
                       self.cron.textChanged, self.warn_message.textChanged):
            signal.connect(self._update)
        self.action.currentIndexChanged.connect(self._update)
        self.when.currentIndexChanged.connect(self._update)
        self.every_s.valueChanged.connect(self._update)
        self.warn_s.valueChanged.connect(self._update)
        self.only_when_players.toggled.connect(self._update)
        self.enabled.toggled.connect(self._update)
        self._update()

    def _fill(self, schedule: Schedule) -> None:
        self.name.setText(schedule.name)
        self.action.setCurrentIndex([k for k, _ in ACTIONS].index(schedule.action))
        self.command.setText(schedule.command)
        self.warn_s.setValue(int(schedule.warn_s))
        self.warn_message.setText(schedule.warn_message)
        if schedule.every_s is not None:
            self.when.setCurrentIndex(0)
            self.every_s.setValue(schedule.every_s)
        elif schedule.at:
            self.when.setCurrentIndex(1)
            self.at.setText(", ".join(schedule.at))
        else:
            self.when.setCurrentIndex(2)
            self.cron.setText(schedule.cron)
        self.only_when_players.setChecked(schedule.only_when_players)
        self.enabled.setChecked(schedule.enabled)

    def build(self) -> Schedule:
        """The schedule the fields describe.

        Raises:
            ScheduleError: They do not describe a valid one.
        """
        name = self.name.text().strip()
        if name.lower() in self.taken:
            raise ScheduleError(f"another schedule is called {name!r}; pick another name")
        action = self.action.currentData()
        when = self.when.currentData()
        return Schedule(
            name=name, action=action,
            command=self.command.text().strip() if action == "command" else "",
            every_s=self.every_s.value() if when == "every" else None,
            at=tuple(t.strip() for t in self.at.text().split(",") if t.strip())
            if when == "at" else (),
            cron=self.cron.text().strip() if when == "cron" else "",
            warn_s=float(self.warn_s.value()) if action == "restart" else 0.0,
            warn_message=self.warn_message.text() or DEFAULT_WARNING,
            only_when_players=self.only_when_players.isChecked(),
            enabled=self.enabled.isChecked())

    def _update(self) -> None:
        action = self.action.currentData()
        self.form.setRowVisible(self.command, action == "command")
        self.form.setRowVisible(self.warn_s, action == "restart")
        self.form.setRowVisible(self.warn_message, action == "restart")
        self.when_fields.setCurrentIndex(self.when.currentIndex())
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        try:
            schedule = self.build()
        except ScheduleError as exc:
            ok.setEnabled(False)
            self.preview.setText(f"<span style='color:#c62828'>{html.escape(str(exc))}</span>")
            return
        ok.setEnabled(True)
        nxt = schedule.next_run(dt.datetime.now())
        self.preview.setText(f"<b>{html.escape(schedule.what.capitalize())}</b>, "
                             f"{html.escape(schedule.when)}. Next run: "
                             f"{nxt.strftime('%a %Y-%m-%d %H:%M:%S')}"
                             + ("" if schedule.enabled else " (disabled: only Run now)"))

    def _accept(self) -> None:
        try:
            self.schedule = self.build()
        except ScheduleError:
            return
        self.accept()
