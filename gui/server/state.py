"""The states of the server and of the admin's control of it.

StrEnums, so logs, JSON and Qt signals still carry the plain words
(``"running"``), while code compares with names that a typo cannot miss.
"""

from __future__ import annotations

from enum import StrEnum


class ServerState(StrEnum):
    """:attr:`gui.server.instance.ServerInstance.state`."""

    STOPPED = "stopped"
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"


class ControlState(StrEnum):
    """:attr:`gui.control.ServerControl.state`: the server's states plus the admin's two."""

    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"
    STOPPED = "stopped"
    RESTARTING = "restarting"  # a stop followed by a start
    FAILED = "failed"  # the last start raised; ServerControl.error says why
