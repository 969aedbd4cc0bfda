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
    from gui.settings import AppSettings, SettingsError, save_http_hosts

    if not hosts and not clear:
        listed = AppSettings.load(paths.config_file).plugins.override(plugin).http_hosts
        print(f"{plugin}: http.outbound reaches "
              f"{', '.join(listed) or 'none (every request is refused)'}")
        return 0
    try:
        changed = save_http_hosts(paths.config_file, plugin, [] if clear else hosts)
    except SettingsError as exc:
        return fail(str(exc))
    chosen = changed.plugins.override(plugin).http_hosts
    print(f"{plugin}: http.outbound now reaches {', '.join(chosen) or 'nothing'} "
          f"(saved in {paths.config_file}; a running server applies it within a second)")
    return 0
