"""The admin's settings: ``<config_dir>/config.toml``.

Only the ``[plugins]`` section is read here; its keys mean what the same keys
mean in Pumpkin's own ``[plugins]`` config::

    [plugins]
    allowed_permissions = ["sys.info"]        # granted without asking
    blocked_permissions = ["sys.env"]         # never granted; blocked wins
    ask_permission_confirmation = true        # false: grant what is requested minus blocked
    allow_unsigned = false                    # marketplace: install unsigned plugins?
    inherit_env = false                       # see PluginSettings.inherit_env
    max_memory_mb = 256
    max_file_mb = 128                         # a bigger file in the plugins dir is skipped
    load_deadline_ms = 5000                   # init-plugin, get-metadata, on-load, on-unload
    call_deadline_ms = 200                    # events, commands, tasks
    storage_quota_kib = 1024                  # each plugin's key-value store (storage.kv)

    [plugins.overrides.motd_env]
    environment = { SERVER_MOTD = "Welcome!" }   # what sys.env / sys.env.<VAR> expose
    http_hosts = ["127.0.0.1:8080"]              # where http.outbound reaches
    allowed_permissions = []                     # added to the global lists
    blocked_permissions = []

:meth:`AppSettings.load` never fails: a missing file gives the defaults, a
wrong value is reported through ``warn`` (naming the file and the key) and
replaced by its default. It fails closed: each file read whole is kept as
``config.toml.last-good``; a file that cannot be read (or whose
``blocked_permissions`` cannot) gives that last good copy instead, or, when
there is none, settings marked ``fail_closed`` (the permission policy then
grants nothing new, see gui/permissions/policy.py). The damaged file is left as it is;
:meth:`AppSettings.save` moves it aside (and says so) rather than silently
overwriting it. Sections and keys this module does not know are kept.
"""

from __future__ import annotations

import copy
import logging
import time
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import tomli_w

from gui.errors import PumpkinPatchError
from gui.host_list import EXAMPLES, entry_problem
from gui.paths import atomic_write_text

log = logging.getLogger(__name__)

Warn = Callable[[str], None]


class SettingsError(PumpkinPatchError):
    """Settings could not be saved; the message names the file and what to do."""


@dataclass(frozen=True)
class PluginOverride:
    """``[plugins.overrides.<name>]``: settings for one plugin."""

    environment: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    allowed_permissions: tuple[str, ...] = ()
    blocked_permissions: tuple[str, ...] = ()
    ask_permission_confirmation: bool | None = None
    # Where http.outbound may reach: "host" (any port) or "host:port".
    http_hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class PluginSettings:
    """The ``[plugins]`` section.

    Attributes:
        allowed_permissions: Granted without asking (unless blocked or unenforceable).
        blocked_permissions: Never granted, whatever the admin ticks; blocked wins.
            Entries are exact names, ``prefix.*`` or ``*``.
        ask_permission_confirmation: False approves what a plugin requests minus
            the blocked ones, without asking.
        allow_unsigned: Whether the marketplace may install unsigned plugins.
        inherit_env: When true, a granted ``sys.env.<VAR>`` that is not configured
            for the plugin falls back to the app's own value of that one variable.
            ``sys.env`` never exposes the app's environment.
        max_memory_mb: Memory limit per plugin instance.
        max_file_mb: Size cap of a plugin file (see gui/plugins/files.py).
        load_deadline_ms: Deadline of init-plugin, get-metadata, on-load, on-unload.
        call_deadline_ms: Deadline of event handlers, commands and tasks.
        storage_quota_kib: Size quota of each plugin's key-value store (storage.kv).
        overrides: Per-plugin settings by plugin name.
    """

    allowed_permissions: tuple[str, ...] = ()
    blocked_permissions: tuple[str, ...] = ()
    ask_permission_confirmation: bool = True
    allow_unsigned: bool = False
    inherit_env: bool = False
    max_memory_mb: int = 256
    max_file_mb: int = 128
    load_deadline_ms: int = 5000
    call_deadline_ms: int = 200
    storage_quota_kib: int = 1024
    overrides: Mapping[str, PluginOverride] = field(
        default_factory=lambda: MappingProxyType({}))

    def override(self, plugin: str) -> PluginOverride:
        """The overrides of ``plugin`` (empty when it has none)."""
        return self.overrides.get(plugin, _NO_OVERRIDE)


_NO_OVERRIDE = PluginOverride()
_BOOL_KEYS = ("ask_permission_confirmation", "allow_unsigned", "inherit_env")
_INT_KEYS = {"max_memory_mb": (1, 1 << 20), "max_file_mb": (1, 1 << 16),
             "load_deadline_ms": (10, 600_000),
             "call_deadline_ms": (1, 600_000), "storage_quota_kib": (1, 1 << 20)}
_LIST_KEYS = ("allowed_permissions", "blocked_permissions")


@dataclass(frozen=True)
class AppSettings:
    """Everything read from ``config.toml``.

    Attributes:
        plugins: The ``[plugins]`` section.
        path: The file these settings came from (None when built in code).
        problems: What was wrong with the file, one message each (already warned).
        corrupt: True when the file existed but was not valid TOML.
        fail_closed: True when the file could not be read and no last good copy
            of it exists: nothing new may be granted until it is fixed.
    """

    plugins: PluginSettings = field(default_factory=PluginSettings)
    path: Path | None = None
    problems: tuple[str, ...] = ()
    corrupt: bool = False
    fail_closed: bool = False
    _raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def load(cls, path: Path, *, warn: Warn | None = None) -> AppSettings:
        """Read ``path``; never raises.

        Args:
            path: The config file (usually ``AppPaths.config_file``).
            warn: Called with each problem found (a damaged file, a wrong value);
                defaults to the module logger.

        Returns:
            The settings, with defaults wherever the file is missing or wrong.
        """
        report = warn or log.warning
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls(path=path)
        except (OSError, UnicodeDecodeError) as exc:
            return cls._fall_back(path, f"{path}: cannot read the settings ({exc})", report)
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            return cls._fall_back(path, f"{path} is not valid TOML ({exc})", report)
        if _blocked_unreadable(raw):
            return cls._fall_back(path, f"{path}: a blocked_permissions list is not a list "
                                        "of permission names", report)
        problems: list[str] = []
        plugins = _parse_plugins(raw.get("plugins", {}), path, problems)
        for message in problems:
            report(message)
        if not problems:
            _keep_last_good(path, text)
        return cls(plugins=plugins, path=path, problems=tuple(problems), _raw=raw)

    @classmethod
    def _fall_back(cls, path: Path, why: str, report: Warn) -> AppSettings:
        """Settings for a file that cannot be read: its last good copy, else fail closed."""
        good = last_good_path(path)
        try:
            raw = tomllib.loads(good.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            message = (f"{why}; there is no last good copy ({good.name}), so every permission "
                       "not already granted is blocked and nothing is allowed without asking "
                       "until it is fixed. Fix the file or delete it, then restart.")
            report(message)
            return cls(path=path, problems=(message,), corrupt=True, fail_closed=True)
        problems: list[str] = []
        plugins = _parse_plugins(raw.get("plugins", {}), good, problems)
        message = (f"{why}; using its last good copy {good.name} and leaving the file as it "
                   "is. Fix it (or copy the last good one back), then restart.")
        report(message)
        return cls(plugins=plugins, path=path, problems=(message, *problems), corrupt=True,
                   _raw=raw)

    def with_plugins(self, **changes: Any) -> AppSettings:
        """A copy with some ``[plugins]`` values changed (see :class:`PluginSettings`)."""
        return replace(self, plugins=replace(self.plugins, **changes))

    def with_http_hosts(self, plugin: str, hosts: Iterable[str]) -> AppSettings:
        """A copy in which ``plugin``'s http.outbound reaches exactly ``hosts``.

        Raises:
            SettingsError: an entry is not a host or host:port (each one named).
        """
        listed = [h.strip() for h in hosts if h.strip()]
        problems = [p for p in map(entry_problem, listed) if p]
        if problems:
            raise SettingsError("; ".join(problems) + "; nothing was changed")
        overrides = dict(self.plugins.overrides)
        overrides[plugin] = replace(self.plugins.override(plugin),
                                    http_hosts=tuple(dict.fromkeys(listed)))
        return self.with_plugins(overrides=MappingProxyType(overrides))

    def section(self, name: str) -> Any:
        """The raw value of a top-level key this module does not parse (``None`` if absent).

        Other packages own their own sections (e.g. gui/ops reads ``[backups]``
        and ``[[schedules]]``) and validate them themselves.
        """
        return copy.deepcopy(self._raw.get(name))

    def with_section(self, name: str, value: Any) -> AppSettings:
        """A copy whose top-level key ``name`` is ``value`` (``None`` removes it)."""
        raw = dict(self._raw)
        if value is None:
            raw.pop(name, None)
        else:
            raw[name] = copy.deepcopy(value)
        return replace(self, _raw=raw)

    def save(self, path: Path | None = None, *, warn: Warn | None = None) -> Path:
        """Write the settings atomically, keeping sections this module does not know.

        A file at the target that is not valid TOML is first moved to
        ``<name>.broken-<time>`` (reported through ``warn``), never overwritten.

        Raises:
            SettingsError: no path, or the file cannot be written.
        """
        target = path or self.path
        if target is None:
            raise SettingsError("these settings came from no file; say where to save them")
        report = warn or log.warning
        data = copy.deepcopy(dict(self._raw))
        try:
            tomllib.loads(target.read_text(encoding="utf-8"))
        except FileNotFoundError:
            pass
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            kept = target.with_name(f"{target.name}.broken-{time.strftime('%Y%m%d-%H%M%S')}")
            target.replace(kept)
            report(f"{target} was damaged; it was kept as {kept.name} and a new one written")
        data["plugins"] = _dump_plugins(self.plugins, data.get("plugins"))
        try:
            atomic_write_text(target, tomli_w.dumps(data))
        except OSError as exc:
            raise SettingsError(f"cannot save settings to {target}: {exc.strerror or exc}; "
                                "check that the folder is writable") from exc
        return target


def last_good_path(path: Path) -> Path:
    """Where the last copy of ``path`` that was read whole is kept."""
    return path.with_name(f"{path.name}.last-good")


def _keep_last_good(path: Path, text: str) -> None:
    good = last_good_path(path)
    try:
        if good.read_text(encoding="utf-8") == text:
            return
    except (OSError, UnicodeDecodeError):
        pass
    try:
        atomic_write_text(good, text)
    except OSError as exc:  # the settings were read; only the safety copy is missing
        log.warning("cannot keep a last good copy of %s at %s: %s", path, good, exc)


def _blocked_unreadable(raw: Mapping[str, Any]) -> bool:
    """Whether a ``blocked_permissions`` list is there but unreadable (fail closed on it)."""
    section = raw.get("plugins", {})
    if not isinstance(section, dict):
        return True
    tables = [section]
    overrides = section.get("overrides", {})
    if isinstance(overrides, dict):
        tables += [t for t in overrides.values() if isinstance(t, dict)]
    return any("blocked_permissions" in t and _string_list(t["blocked_permissions"]) is None
               for t in tables)


def _parse_plugins(section: Any, path: Path, problems: list[str]) -> PluginSettings:
    def bad(key: str, expected: str, value: Any) -> None:
        problems.append(f"{path}: [plugins] {key} should be {expected}, not {value!r}; "
                        "using the default")

    if not isinstance(section, dict):
        bad("", "a table", section)
        return PluginSettings()
    values: dict[str, Any] = {}
    for key in _BOOL_KEYS:
        if key in section:
            if isinstance(section[key], bool):
                values[key] = section[key]
            else:
                bad(key, "true or false", section[key])
    for key, (low, high) in _INT_KEYS.items():
        if key in section:
            value = section[key]
            if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
                values[key] = value
            else:
                bad(key, f"a whole number from {low} to {high}", value)
    for key in _LIST_KEYS:
        if key in section:
            names = _string_list(section[key])
            if names is None:
                bad(key, "a list of permission names", section[key])
            else:
                values[key] = names
    overrides: dict[str, PluginOverride] = {}
    raw_overrides = section.get("overrides", {})
    if not isinstance(raw_overrides, dict):
        bad("overrides", "a table of per-plugin tables", raw_overrides)
        raw_overrides = {}
    for name, table in raw_overrides.items():
        where = f"overrides.{name}"
        if not isinstance(table, dict):
            bad(where, "a table", table)
            continue
        overrides[name] = _parse_override(table, where, bad)
    values["overrides"] = MappingProxyType(overrides)
    return PluginSettings(**values)


def _parse_override(table: dict[str, Any], where: str,
                    bad: Callable[[str, str, Any], None]) -> PluginOverride:
    values: dict[str, Any] = {}
    env = table.get("environment", {})
    if isinstance(env, dict) and all(isinstance(v, str) for v in env.values()):
        values["environment"] = MappingProxyType(dict(env))
    else:
        bad(f"{where}.environment", "a table of text values, e.g. { NAME = \"value\" }", env)
    for key in _LIST_KEYS:
        if key in table:
            names = _string_list(table[key])
            if names is None:
                bad(f"{where}.{key}", "a list of permission names", table[key])
            else:
                values[key] = names
    if "http_hosts" in table:
        # Any bad entry drops the whole list (nothing reachable): fail closed.
        hosts = _string_list(table["http_hosts"])
        if hosts is None or any(map(entry_problem, hosts)):
            bad(f"{where}.http_hosts", f"a list of host or host:port entries ({EXAMPLES})",
                table["http_hosts"])
        else:
            values["http_hosts"] = tuple(h.strip() for h in hosts)
    if "ask_permission_confirmation" in table:
        if isinstance(table["ask_permission_confirmation"], bool):
            values["ask_permission_confirmation"] = table["ask_permission_confirmation"]
        else:
            bad(f"{where}.ask_permission_confirmation", "true or false",
                table["ask_permission_confirmation"])
    return PluginOverride(**values)



def save_http_hosts(path: Path, plugin: str, hosts: Iterable[str]) -> AppSettings:
    """Set, in the config file at ``path``, the hosts ``plugin``'s http.outbound reaches.

    Read afresh, changed, written atomically; the other settings are kept.

    Raises:
        SettingsError: the file cannot be read (writing would replace what the
            admin has there: fix it first), an entry is not a host or
            host:port, or the file cannot be written. Nothing was changed.
    """
    settings = AppSettings.load(path)
    if settings.fail_closed or settings.corrupt:
        raise SettingsError(f"{path} cannot be read; fix it first (nothing was changed)")
    changed = settings.with_http_hosts(plugin, hosts)
    changed.save(path)
    return changed

def _string_list(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _dump_plugins(plugins: PluginSettings, existing: Any) -> dict[str, Any]:
    out: dict[str, Any] = dict(existing) if isinstance(existing, dict) else {}
    defaults = PluginSettings()
    for key in (*_LIST_KEYS, *_BOOL_KEYS, *_INT_KEYS):
        value = getattr(plugins, key)
        if value != getattr(defaults, key) or key in out:
            out[key] = list(value) if isinstance(value, tuple) else value
    overrides: dict[str, Any] = {}
    old_overrides = out.get("overrides") if isinstance(out.get("overrides"), dict) else {}
    for name, override in plugins.overrides.items():
        table = dict(old_overrides.get(name, {})) if isinstance(old_overrides.get(name),
                                                               dict) else {}
        table["environment"] = dict(override.environment)
        for key in _LIST_KEYS:
            value = getattr(override, key)
            if value or key in table:
                table[key] = list(value)
        if override.http_hosts or "http_hosts" in table:
            table["http_hosts"] = list(override.http_hosts)
        if override.ask_permission_confirmation is not None:
            table["ask_permission_confirmation"] = override.ask_permission_confirmation
        overrides[name] = table
    if overrides or "overrides" in out:
        out["overrides"] = overrides
    return out
