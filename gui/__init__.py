"""Pumpkin Patch: run a local game server with sandboxed Pumpkin WebAssembly plugins.

Layers (each imports only those below it; see ARCHITECTURE in the README):

- ``gui.ui`` and ``gui.app``: the Qt window (the only code that imports PySide6).
- ``gui.cli``: the command line (headless server, plugin, market, bench commands).
- ``gui.control`` and ``gui.core``: the admin's start/stop of the server, and the
  Qt-free core assembled (server, runtime, plugin manager, permissions, market).
- ``gui.server``: the local server instance (players, chat, commands, ticks, the
  flat world); ``gui.server.java``: the Java Edition 26.1 protocol real clients join with.
- ``gui.plugins``: plugin manager, lifecycle, event bus, fault policy.
- ``gui.permissions``, ``gui.market``: grants and signed repositories.
- ``gui.runtime``: the wasmtime host and its single runtime thread.
- ``gui.hostapi``: host functions for Pumpkin's WIT interfaces.
- ``gui.paths``: where files live; ``gui.profile_lock``: one server per profile.
- ``gui.appinfo`` (the one application id, versions), ``gui.firstrun`` (the
  welcome's state) and ``gui.display_check`` (why Qt cannot open a window):
  Qt-free, for start-up and packaging (``packaging/``).
"""

__version__ = "0.1.0"
