"""``pumpkin-patch plugin hosts NAME [HOST ...] [--clear]``: where http.outbound reaches.

The list is ``http_hosts`` in ``[plugins.overrides.NAME]`` of config.toml
(gui/settings.py; written atomically, other settings kept). Like the rest of
the permission policy, a running server applies it within a second: the
plugin reloads with the new list (gui/core.py, ``apply_settings``).
"""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

from gui.cli.common import fail
from gui.host_list import entry_problem
from gui.paths import AppPaths


def set_hosts(paths: AppPaths, plugin: str, hosts: list[str], *, clear: bool = False) -> int:
    from gui.settings import AppSettings, PluginOverride

    settings = AppSettings.load(paths.config_file)
    if settings.fail_closed or settings.corrupt:
        return fail(f"{paths.config_file} cannot be read; fix it first (nothing was changed)")
    current = settings.plugins.override(plugin)
    if not hosts and not clear:
        listed = ", ".join(current.http_hosts) or "none (every request is refused)"
        print(f"{plugin}: http.outbound reaches {listed}")
        return 0
    problems = [p for p in map(entry_problem, hosts) if p]
    if problems:
        return fail("; ".join(problems) + "; nothing was changed")
    chosen = () if clear else tuple(dict.fromkeys(hosts))
    overrides = dict(settings.plugins.overrides)
    overrides[plugin] = replace(overrides.get(plugin) or PluginOverride(), http_hosts=chosen)
    settings.with_plugins(overrides=MappingProxyType(overrides)).save(paths.config_file)
    print(f"{plugin}: http.outbound now reaches {', '.join(chosen) or 'nothing'} "
          f"(saved in {paths.config_file}; a running server applies it within a second)")
    return 0
