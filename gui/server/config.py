"""``server.properties``: the server's settings in vanilla's format.

:class:`ServerConfig` types the settings Pumpkin Patch uses and keeps every
other key as text, so a file written by another server survives a round
trip. Loading never fails on a bad value: it warns with the key and the file
and uses the default.
"""

from __future__ import annotations

import datetime as _dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from gui.paths import atomic_write_text

logger = logging.getLogger(__name__)

PROPERTIES_FILE = "server.properties"
DIFFICULTIES = ("peaceful", "easy", "normal", "hard")
GAMEMODES = ("survival", "creative", "adventure", "spectator")

Warn = Callable[[str], None]


MAX_THRESHOLD = 1 << 21  # vanilla's largest frame


def _prop(key: str, *, lo: int | None = None, hi: int | None = None,
          choices: tuple[str, ...] | None = None) -> dict[str, Any]:
    return {"key": key, "lo": lo, "hi": hi, "choices": choices}


@dataclass
class ServerConfig:
    """The typed settings of ``server.properties``.

    Each field's ``server.properties`` key is its name with ``-`` for ``_``
    (``rcon.port``, ``rcon.password`` and ``query.port`` keep vanilla's dots).

    Attributes:
        extra: Keys this class does not type, as text, in file order.
    """

    motd: str = field(default="A Pumpkin Patch server", metadata=_prop("motd"))
    server_ip: str = field(default="", metadata=_prop("server-ip"))
    server_port: int = field(default=25565, metadata=_prop("server-port", lo=1, hi=65535))
    max_players: int = field(default=20, metadata=_prop("max-players", lo=0, hi=100_000))
    online_mode: bool = field(default=False, metadata=_prop("online-mode"))
    white_list: bool = field(default=False, metadata=_prop("white-list"))
    enforce_whitelist: bool = field(default=False, metadata=_prop("enforce-whitelist"))
    difficulty: str = field(default="easy", metadata=_prop("difficulty", choices=DIFFICULTIES))
    gamemode: str = field(default="survival", metadata=_prop("gamemode", choices=GAMEMODES))
    hardcore: bool = field(default=False, metadata=_prop("hardcore"))
    pvp: bool = field(default=True, metadata=_prop("pvp"))
    view_distance: int = field(default=10, metadata=_prop("view-distance", lo=2, hi=32))
    simulation_distance: int = field(
        default=10, metadata=_prop("simulation-distance", lo=2, hi=32)
    )
    spawn_protection: int = field(default=16, metadata=_prop("spawn-protection", lo=0))
    op_permission_level: int = field(
        default=4, metadata=_prop("op-permission-level", lo=0, hi=4)
    )
    level_name: str = field(default="world", metadata=_prop("level-name"))
    level_seed: str = field(default="", metadata=_prop("level-seed"))
    enable_status: bool = field(default=True, metadata=_prop("enable-status"))
    # Frames of at least this many bytes are zlib-compressed; -1 turns it off.
    network_compression_threshold: int = field(
        default=256, metadata=_prop("network-compression-threshold", lo=-1, hi=MAX_THRESHOLD)
    )
    enable_rcon: bool = field(default=False, metadata=_prop("enable-rcon"))
    rcon_port: int = field(default=25575, metadata=_prop("rcon.port", lo=1, hi=65535))
    rcon_password: str = field(default="", metadata=_prop("rcon.password"))
    enable_query: bool = field(default=False, metadata=_prop("enable-query"))
    query_port: int = field(default=25565, metadata=_prop("query.port", lo=1, hi=65535))
    extra: dict[str, str] = field(default_factory=dict)

    # -- reading ----------------------------------------------------------

    @classmethod
    def parse(cls, text: str, *, source: str = PROPERTIES_FILE,
              warn: Warn | None = None) -> ServerConfig:
        """Build a config from ``server.properties`` text.

        Args:
            text: The file's content.
            source: The file name used in warnings.
            warn: Where warnings go (default: this module's logger).

        Returns:
            The config; bad values are replaced by defaults with a warning.
        """
        warn = warn or logger.warning
        raw = parse_properties(text)
        config = cls()
        by_key = {f.metadata["key"]: f for f in fields(cls) if "key" in f.metadata}
        for key, value in raw.items():
            spec = by_key.get(key)
            if spec is None:
                config.extra[key] = value
                continue
            try:
                setattr(config, spec.name, _convert(value, spec.type, spec.metadata))
            except ValueError as exc:
                warn(f"{source}: {key}={value!r} is not valid ({exc}); using the default "
                     f"{_format(getattr(config, spec.name))!r}. Fix the value in {source}.")
        return config

    @classmethod
    def load(cls, path: Path, *, warn: Warn | None = None) -> ServerConfig:
        """Read ``path``; a missing file gives the defaults.

        Args:
            path: The ``server.properties`` file.
            warn: Where warnings go (default: this module's logger).
        """
        warn = warn or logger.warning
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return cls()
        except OSError as exc:
            warn(f"{path} could not be read ({exc}); using the default settings.")
            return cls()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            # Java's Properties wrote ISO-8859-1 before vanilla moved to UTF-8.
            text = data.decode("latin-1")
        return cls.parse(text, source=str(path), warn=warn)

    @classmethod
    def load_or_create(cls, path: Path, *, warn: Warn | None = None) -> ServerConfig:
        """Read ``path``, writing the defaults there first if it does not exist."""
        if not path.exists():
            config = cls()
            config.save(path)
            return config
        return cls.load(path, warn=warn)

    # -- writing ----------------------------------------------------------

    def to_properties(self) -> dict[str, str]:
        """All settings as ``server.properties`` text values, typed keys first."""
        out = {
            f.metadata["key"]: _format(getattr(self, f.name))
            for f in fields(self)
            if "key" in f.metadata
        }
        out.update(self.extra)
        return out

    def dumps(self) -> str:
        """The ``server.properties`` text, with vanilla's header comments."""
        stamp = _dt.datetime.now().strftime("%a %b %d %H:%M:%S %Y")
        lines = ["#Minecraft server properties (written by Pumpkin Patch)", f"#{stamp}"]
        lines += [f"{_escape(k, key=True)}={_escape(v)}" for k, v in self.to_properties().items()]
        return "\n".join(lines) + "\n"

    def save(self, path: Path) -> None:
        """Write ``path`` atomically."""
        atomic_write_text(path, self.dumps())


def _format(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _convert(value: str, kind: object, meta: dict[str, Any]) -> object:
    value = value.strip() if kind in ("int", "bool", int, bool) else value
    if kind in ("bool", bool):
        if value.lower() not in ("true", "false"):
            raise ValueError("expected true or false")
        return value.lower() == "true"
    if kind in ("int", int):
        try:
            number = int(value)
        except ValueError:
            raise ValueError("expected a whole number") from None
        if meta["lo"] is not None and number < meta["lo"]:
            raise ValueError(f"must be at least {meta['lo']}")
        if meta["hi"] is not None and number > meta["hi"]:
            raise ValueError(f"must be at most {meta['hi']}")
        return number
    choices = meta["choices"]
    if choices:
        lowered = value.strip().lower()
        # Vanilla still accepts the old numeric ids (difficulty=2, gamemode=1).
        if lowered.isdigit() and int(lowered) < len(choices):
            return choices[int(lowered)]
        if lowered not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}")
        return lowered
    return value


# -- the Java properties format --------------------------------------------

_UNESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}


def parse_properties(text: str) -> dict[str, str]:
    """Parse Java ``.properties`` text into a dict (later keys win).

    Handles ``#``/``!`` comments, ``=``/``:``/whitespace separators,
    backslash line continuations and ``\\uXXXX`` escapes.
    """
    result: dict[str, str] = {}
    logical: list[str] = []
    pending = ""
    for physical in text.splitlines():
        line = physical.lstrip()
        if not pending and (not line or line[0] in "#!"):
            continue
        # An odd number of trailing backslashes continues the line.
        trailing = len(line) - len(line.rstrip("\\"))
        if trailing % 2 == 1:
            pending += line[:-1]
            continue
        logical.append(pending + line)
        pending = ""
    if pending:
        logical.append(pending)
    for line in logical:
        key, value = _split_key_value(line)
        result[key] = value
    return result


def _split_key_value(line: str) -> tuple[str, str]:
    key_chars: list[str] = []
    i = 0
    while i < len(line):
        char = line[i]
        if char == "\\" and i + 1 < len(line):
            key_chars.append(line[i:i + 2])
            i += 2
            continue
        if char in "=: \t\f":
            break
        key_chars.append(char)
        i += 1
    rest = line[i:].lstrip(" \t\f")
    if rest[:1] in ("=", ":"):
        rest = rest[1:].lstrip(" \t\f")
    return _unescape("".join(key_chars)), _unescape(rest)


def _unescape(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char != "\\" or i + 1 >= len(text):
            out.append(char)
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "u" and i + 6 <= len(text):
            try:
                out.append(chr(int(text[i + 2:i + 6], 16)))
                i += 6
                continue
            except ValueError:
                pass
        out.append(_UNESCAPES.get(nxt, nxt))
        i += 2
    return "".join(out)


def _escape(text: str, *, key: bool = False) -> str:
    out: list[str] = []
    for index, char in enumerate(text):
        if char == "\\":
            out.append("\\\\")
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\t":
            out.append("\\t")
        elif char in "=:#!" and (key or index == 0):
            out.append("\\" + char)
        elif char == " " and (key or index == 0):
            out.append("\\ ")
        else:
            out.append(char)
    return "".join(out)
