"""Host side of ``pumpkin:plugin/logging``: plugin log lines into the plugin's log."""

from __future__ import annotations

import json

from gui.hostapi.base import HostInterface, wit

# Pumpkin's logging.level names -> the console's levels.
LEVELS = {"trace": "debug", "debug": "debug", "info": "info", "warn": "warn", "error": "error"}


class LoggingApi(HostInterface):
    interface = "logging"

    @wit("log")
    def log(self, level: str, message: str) -> None:
        self.scope.log(LEVELS.get(level, "info"), message)

    @wit("log-tracing")
    def log_tracing(self, event: bytes | list[int]) -> None:
        """A serialized ``tracing`` event; shown as its message when it is JSON."""
        raw = bytes(event).decode("utf-8", "replace")
        try:
            data = json.loads(raw)
            level = str(data.get("level", "info")).lower()
            message = data.get("message") or data.get("fields", {}).get("message") or raw
        except (ValueError, AttributeError):
            level, message = "info", raw
        self.scope.log(LEVELS.get(level, "info"), str(message))
