"""The operations sections of ``config.toml``: backups, stop, crash guard, alerts.

::

    [backups]
    keep = 10                  # retention: the newest N archives are kept
    include_plugins = true     # the .wasm files and grants.json
    include_logs = false       # server logs and plugin logs
    max_restore_mb = 4096      # an archive that unpacks to more is refused

    [stop]
    kick_message = "Server closed"
    timeout_s = 30             # past it the stop is forced, naming what held it up

    [crash_guard]
    max_restarts = 3           # restarts allowed within window_s; the next failure stays down
    window_s = 600
    backoff_s = [5, 15, 30]    # wait before the 1st, 2nd, 3rd restart

    [alerts]
    webhook_url = ""           # Discord or Slack incoming webhook (JSON POST)
    webhook = ["plugin-quarantined", "server-crashed", "backup-failed"]
    tray = ["plugin-trapped", "plugin-quarantined", "server-crashed", "backup-failed"]

Schedules (``[[schedules]]``) are read by gui/ops/schedules.py. As with
``[plugins]``, a wrong value is reported through ``warn`` (naming the file
and key) and replaced by its default; reading never fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from gui.settings import AppSettings

Warn = Callable[[str], None]

# What an alert can be about; each is switchable for the webhook and the tray.
ALERT_KINDS: dict[str, str] = {
    "plugin-trapped": "A plugin trapped (it restarts by itself)",
    "plugin-quarantined": "A plugin was quarantined",
    "server-crashed": "The server crashed or stays stopped",
    "backup-failed": "A backup or restore failed",
    "schedule-failed": "A scheduled task failed",
    "update-available": "A plugin update is available",
    "plugin-notice": "A plugin sent you a notice (admin.notify)",
}
DEFAULT_WEBHOOK_KINDS = ("plugin-quarantined", "server-crashed", "backup-failed",
                         "schedule-failed", "plugin-notice")
DEFAULT_TRAY_KINDS = ("plugin-trapped", "plugin-quarantined", "server-crashed",
                      "backup-failed", "schedule-failed", "plugin-notice")


@dataclass(frozen=True)
class BackupSettings:
    """``[backups]``."""

    keep: int = 10
    include_plugins: bool = True
    include_logs: bool = False
    max_restore_mb: int = 4096


@dataclass(frozen=True)
class StopSettings:
    """``[stop]``: how a graceful stop goes."""

    kick_message: str = "Server closed"
    timeout_s: float = 30.0


@dataclass(frozen=True)
class GuardSettings:
    """``[crash_guard]``: restarts after an unexpected failure of the server loop."""

    max_restarts: int = 3
    window_s: float = 600.0
    backoff_s: tuple[float, ...] = (5.0, 15.0, 30.0)


@dataclass(frozen=True)
class AlertSettings:
    """``[alerts]``: where notices go besides the window."""

    webhook_url: str = ""
    webhook: tuple[str, ...] = DEFAULT_WEBHOOK_KINDS
    tray: tuple[str, ...] = DEFAULT_TRAY_KINDS

    def to_table(self) -> dict[str, Any]:
        return {"webhook_url": self.webhook_url, "webhook": list(self.webhook),
                "tray": list(self.tray)}


_RANGES: dict[str, tuple[float, float]] = {
    "keep": (1, 10_000), "max_restore_mb": (1, 1 << 22), "timeout_s": (0.1, 3600),
    "max_restarts": (0, 100), "window_s": (1, 86_400),
}


def _section(settings: AppSettings, name: str, cls: type, warn: Warn) -> Any:
    """Read ``[name]`` into ``cls``: each field keeps its default unless the file's value fits."""
    raw = settings.section(name)
    where = f"{settings.path or 'config.toml'}: [{name}]"
    if raw is None:
        return cls()
    if not isinstance(raw, dict):
        warn(f"{where} should be a table; using the defaults")
        return cls()
    values: dict[str, Any] = {}
    for spec in fields(cls):
        if spec.name not in raw:
            continue
        value, default = raw[spec.name], getattr(cls(), spec.name)
        checked = _check(spec.name, value, default)
        if checked is None:
            warn(f"{where} {spec.name} = {value!r} is not {_expected(spec.name, default)}; "
                 f"using {default!r}")
        else:
            values[spec.name] = checked
    return cls(**values)


def _check(name: str, value: Any, default: Any) -> Any:
    if isinstance(default, bool):
        return value if isinstance(value, bool) else None
    if isinstance(default, int | float):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        if isinstance(default, int) and not isinstance(value, int):
            return None
        low, high = _RANGES.get(name, (0, float("inf")))
        return value if low <= value <= high else None
    if isinstance(default, str):
        return value if isinstance(value, str) else None
    if isinstance(default, tuple):
        if not isinstance(value, list):
            return None
        if name == "backoff_s":
            ok = all(isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v <= 3600
                     for v in value)
            return tuple(float(v) for v in value) if ok and value else None
        ok = all(isinstance(v, str) and v in ALERT_KINDS for v in value)
        return tuple(value) if ok else None
    return None


def _expected(name: str, default: Any) -> str:
    if isinstance(default, bool):
        return "true or false"
    if isinstance(default, int | float):
        low, high = _RANGES.get(name, (0, float("inf")))
        return f"a number from {low:g} to {high:g}"
    if isinstance(default, str):
        return "text"
    if name == "backoff_s":
        return "a list of seconds (0-3600)"
    return f"a list of alert kinds ({', '.join(ALERT_KINDS)})"


@dataclass(frozen=True)
class OpsSettings:
    """Every operations section of one config.toml."""

    backups: BackupSettings = BackupSettings()
    stop: StopSettings = StopSettings()
    guard: GuardSettings = GuardSettings()
    alerts: AlertSettings = AlertSettings()

    @classmethod
    def from_settings(cls, settings: AppSettings, warn: Warn) -> OpsSettings:
        """Read the sections; problems go to ``warn`` and give the defaults."""
        return cls(backups=_section(settings, "backups", BackupSettings, warn),
                   stop=_section(settings, "stop", StopSettings, warn),
                   guard=_section(settings, "crash_guard", GuardSettings, warn),
                   alerts=_section(settings, "alerts", AlertSettings, warn))
