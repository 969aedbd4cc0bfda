"""Scheduled tasks: what they do, when they run, as kept in ``config.toml``.

::

    [[schedules]]
    name = "nightly backup"
    action = "backup"                 # "command", "restart" or "backup"
    cron = "0 4 * * *"                # or: every_s = 3600, or: at = ["06:00", "18:00"]
    only_when_players = false         # skip a run while nobody is online
    enabled = true

    [[schedules]]
    name = "restart"
    action = "restart"
    at = ["05:00"]
    warn_s = 60                       # broadcast a warning this long before
    warn_message = "The server restarts in {seconds} seconds"

    [[schedules]]
    name = "announce"
    action = "command"
    command = "say Vote for us!"
    every_s = 1800

Times of day and cron expressions are in local time; cron expressions are
parsed by croniter. :func:`parse_schedules` never fails: a wrong entry is
reported (file, entry, key, what to write instead) and left out.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from croniter import croniter

from gui.errors import PumpkinPatchError

ACTIONS = ("command", "restart", "backup")
DEFAULT_WARNING = "The server restarts in {seconds} seconds"
TIME_OF_DAY = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
Warn = Callable[[str], None]


class ScheduleError(PumpkinPatchError, ValueError):
    """A schedule is not valid; the message names it and what to change."""


@dataclass(frozen=True)
class Schedule:
    """One scheduled task.

    Exactly one of ``every_s``, ``at`` and ``cron`` says when it runs.

    Attributes:
        name: Unique, shown in lists and results.
        action: "command", "restart" or "backup".
        command: The console command (action "command").
        every_s: Seconds between runs, counted from the last run (or the start).
        at: Times of day, "HH:MM" local time.
        cron: A five-field cron expression, local time.
        warn_s: For a restart: seconds between the warning broadcast and the stop.
        warn_message: The warning; ``{seconds}`` is replaced.
        only_when_players: Skip runs while nobody is online.
        enabled: Disabled schedules are listed but never run by themselves.
    """

    name: str
    action: str
    command: str = ""
    every_s: float | None = None
    at: tuple[str, ...] = ()
    cron: str = ""
    warn_s: float = 0.0
    warn_message: str = DEFAULT_WARNING
    only_when_players: bool = False
    enabled: bool = True
    _times: tuple[dt.time, ...] = field(default=(), repr=False, compare=False)

    def __post_init__(self) -> None:
        where = f"schedule {self.name!r}"
        if not self.name.strip():
            raise ScheduleError("a schedule needs a name")
        if self.action not in ACTIONS:
            raise ScheduleError(f"{where}: action must be one of {', '.join(ACTIONS)}, "
                                f"not {self.action!r}")
        if self.action == "command" and not self.command.strip():
            raise ScheduleError(f"{where}: a command schedule needs command = \"...\"")
        whens = [self.every_s is not None, bool(self.at), bool(self.cron)]
        if sum(whens) != 1:
            raise ScheduleError(f"{where}: say when it runs with exactly one of every_s, "
                                "at (times of day) or cron")
        if self.every_s is not None and not 1 <= self.every_s <= 366 * 86_400:
            raise ScheduleError(f"{where}: every_s must be from 1 to 31622400 seconds")
        times = []
        for text in self.at:
            match = TIME_OF_DAY.match(text.strip())
            if match is None:
                raise ScheduleError(f"{where}: {text!r} is not a time of day; write HH:MM, "
                                    "e.g. \"04:30\"")
            times.append(dt.time(int(match.group(1)), int(match.group(2))))
        object.__setattr__(self, "_times", tuple(sorted(times)))
        if self.cron and not croniter.is_valid(self.cron):
            raise ScheduleError(f"{where}: {self.cron!r} is not a cron expression; write "
                                "five fields, e.g. \"0 4 * * *\" (04:00 every day)")
        if not 0 <= self.warn_s <= 3600:
            raise ScheduleError(f"{where}: warn_s must be from 0 to 3600 seconds")

    @property
    def when(self) -> str:
        """When it runs, in words ("every 30 s", "at 04:00, 16:00", "cron 0 4 * * *")."""
        if self.every_s is not None:
            return f"every {self.every_s:g} s"
        if self.at:
            return "at " + ", ".join(t.strftime("%H:%M") for t in self._times)
        return f"cron {self.cron}"

    @property
    def what(self) -> str:
        if self.action == "command":
            return f"run '{self.command}'"
        if self.action == "restart":
            return f"restart (warning {self.warn_s:g} s before)" if self.warn_s else "restart"
        return "backup"

    def next_run(self, after: dt.datetime, last_run: dt.datetime | None = None) -> dt.datetime:
        """The first run strictly after ``after`` (local, naive datetimes).

        Args:
            after: Usually now.
            last_run: When it last ran (interval schedules count from it).
        """
        if self.every_s is not None:
            step = dt.timedelta(seconds=self.every_s)
            due = (last_run or after) + step
            return due if due > after else after + dt.timedelta(microseconds=1)
        if self._times:
            for day in range(2):
                date = after.date() + dt.timedelta(days=day)
                for time_of_day in self._times:
                    due = dt.datetime.combine(date, time_of_day)
                    if due > after:
                        return due
        nxt: dt.datetime = croniter(self.cron, after).get_next(dt.datetime)
        return nxt

    def to_table(self) -> dict[str, Any]:
        """The ``[[schedules]]`` table that reads back as this schedule."""
        table: dict[str, Any] = {"name": self.name, "action": self.action}
        if self.command:
            table["command"] = self.command
        if self.every_s is not None:
            table["every_s"] = int(self.every_s) if self.every_s == int(self.every_s) \
                else self.every_s
        if self.at:
            table["at"] = list(self.at)
        if self.cron:
            table["cron"] = self.cron
        if self.action == "restart":
            table["warn_s"] = int(self.warn_s) if self.warn_s == int(self.warn_s) \
                else self.warn_s
            if self.warn_message != DEFAULT_WARNING:
                table["warn_message"] = self.warn_message
        table["only_when_players"] = self.only_when_players
        table["enabled"] = self.enabled
        return table


_TYPES: dict[str, tuple[type, ...]] = {
    "name": (str,), "action": (str,), "command": (str,), "every_s": (int, float),
    "at": (list,), "cron": (str,), "warn_s": (int, float), "warn_message": (str,),
    "only_when_players": (bool,), "enabled": (bool,),
}


def schedule_from_table(table: Any) -> Schedule:
    """Build a schedule from one ``[[schedules]]`` table.

    Raises:
        ScheduleError: Naming the entry and the key that is wrong.
    """
    if not isinstance(table, dict):
        raise ScheduleError("each [[schedules]] entry must be a table")
    name = table.get("name")
    where = f"schedule {name!r}" if isinstance(name, str) else "a schedule"
    unknown = sorted(set(table) - set(_TYPES))
    if unknown:
        raise ScheduleError(f"{where}: unknown key(s) {', '.join(unknown)}; known: "
                            f"{', '.join(_TYPES)}")
    values: dict[str, Any] = {}
    for key, value in table.items():
        types = _TYPES[key]
        if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
            raise ScheduleError(f"{where}: {key} = {value!r} has the wrong type")
        values[key] = value
    if "at" in values:
        if not all(isinstance(t, str) for t in values["at"]):
            raise ScheduleError(f"{where}: at must be a list of \"HH:MM\" texts")
        values["at"] = tuple(values["at"])
    if "every_s" in values:
        values["every_s"] = float(values["every_s"])
    if "warn_s" in values:
        values["warn_s"] = float(values["warn_s"])
    if "name" not in values or "action" not in values:
        raise ScheduleError(f"{where}: needs name = \"...\" and action = \"command\", "
                            "\"restart\" or \"backup\"")
    return Schedule(**values)


def parse_schedules(raw: Any, source: str, warn: Warn) -> list[Schedule]:
    """The valid schedules of ``[[schedules]]``; each wrong one goes to ``warn``."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        warn(f"{source}: schedules must be written as [[schedules]] tables; none are used")
        return []
    schedules: list[Schedule] = []
    for number, table in enumerate(raw, 1):
        try:
            schedule = schedule_from_table(table)
        except ScheduleError as exc:
            warn(f"{source}: [[schedules]] entry {number}: {exc}; it is left out")
            continue
        if any(s.name == schedule.name for s in schedules):
            warn(f"{source}: [[schedules]] entry {number}: the name {schedule.name!r} is "
                 "used twice; rename one. The second is left out")
            continue
        schedules.append(schedule)
    return schedules
