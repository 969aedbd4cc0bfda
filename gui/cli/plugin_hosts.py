"""``pumpkin-patch plugin hosts NAME [HOST ...] [--clear]``: where http.outbound reaches.

The list is ``http_hosts`` in ``[plugins.overrides.NAME]`` of config.toml
(gui/settings.py; written atomically, other settings kept). Like the rest of
the permission policy, a running server applies it within a second: the
plugin reloads with the new list (gui/core.py, ``apply_settings``).
"""

from __future__ import annotations

from gui.cli.common import fail
from gui.paths import AppPaths


def set_hosts(paths: AppPaths, plugin: str, hosts: list[str], *, clear: bool = False) -> int:
    from gui.settings import AppSettings, SettingsError

    settings = AppSettings.load(paths.config_file)
    if settings.fail_closed or settings.corrupt:
        return fail(f"{paths.config_file} cannot be read; fix it first (nothing was changed)")
    current = settings.plugins.override(plugin)
    if not hosts and not clear:
        listed = ", ".join(current.http_hosts) or "none (every request is refused)"
        print(f"{plugin}: http.outbound reaches {listed}")
        return 0
    try:
        changed = settings.with_http_hosts(plugin, [] if clear else hosts)
        changed.save(paths.config_file)
    except SettingsError as exc:
        return fail(str(exc))
    chosen = changed.plugins.override(plugin).http_hosts
    print(f"{plugin}: http.outbound now reaches {', '.join(chosen) or 'nothing'} "
          f"(saved in {paths.config_file}; a running server applies it within a second)")
    return 0
