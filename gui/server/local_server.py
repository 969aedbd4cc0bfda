"""The server the app runs: a :class:`ServerInstance` with the built-in commands.

The built-in commands (gui/server/builtins.py) are written against
:class:`ServerInstance`, so they live above it; this class puts the two
together. Build servers with it (the core, ``pumpkin-patch server``, tests).
"""

from __future__ import annotations

from typing import Any

from gui.server.builtins import register_builtins
from gui.server.instance import ServerInstance


class LocalServer(ServerInstance):
    """A server instance with vanilla's built-in commands registered."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        register_builtins(self)
