"""Pumpkin Patch: run a local game server with sandboxed Pumpkin WebAssembly plugins.

Layers, top to bottom (each imports only those below it; pyproject.toml's
``[tool.importlinter]`` contract says the same and tests/test_layers.py checks it):

- ``gui.__main__``, ``gui.cli``: the command line (server, plugin, market, sdk, bench).
- ``gui.bench``: the benchmarks (they drive the window too).
- ``gui.app`` and ``gui.ui``: the Qt window (the only code that imports PySide6).
- ``gui.headless`` and ``gui.control``: the windowless run, and the admin's
  start/stop of the server.
- ``gui.core``: the Qt-free core assembled and wired (server, runtime, plugin
  manager, permissions, market, ops).
- ``gui.market`` and ``gui.ops``: signed repositories and installs; backups,
  schedules, the crash-loop guard and alerts.
- ``gui.permissions``: the catalogue, grants, policy and the one admission decision.
- ``gui.plugins``: the plugin manager (loading, updates, faults, dispatch), lifecycle, bus.
- ``gui.hostapi``: host functions for the WIT interfaces (Pumpkin's and wit/host.wit).
- ``gui.firstrun``, ``gui.appinfo``: the welcome's state; the application id and versions.
- ``gui.runtime`` and ``gui.server``: the wasmtime host and its runtime thread; the
  local server instance (``gui.server.java``: the Java Edition protocol).
- ``gui.devkit``, ``gui.settings``, ``gui.profile_lock``, ``gui.display_check``:
  plugin build tools, config.toml, one server per profile, why Qt cannot open a window.
- ``gui.paths``: where files live, atomic writes, the one name rule and file hash.
"""

__version__ = "0.1.0"
