"""Operators, bans and the whitelist, stored in vanilla's JSON files.

The files live in the server dir with vanilla's names and shapes, so an admin
can move a server between Pumpkin Patch and other servers:

- ``ops.json``: ``[{"uuid", "name", "level", "bypassesPlayerLimit"}]``
- ``banned-players.json``: ``[{"uuid", "name", "created", "source", "expires", "reason"}]``
- ``whitelist.json``: ``[{"uuid", "name"}]``
- ``banned-ips.json``: ``[{"ip", "created", "source", "expires", "reason"}]``

Every change is saved at once with an atomic write. Damage fails closed and
never stops the server:

- one bad entry is skipped and named in a warning; the others count, and
  the bad entry is written back as it was on the next save (the admin's
  data is never dropped);
- ``ops.json`` that cannot be read at all is moved aside to
  ``<name>.corrupt-<timestamp>`` and nobody is an operator;
- a ban list or the whitelist that cannot be read at all stays where it is
  and is *unreadable*: logins are refused (except operators') until it is
  fixed, it is read again on each login attempt, and changes to it are
  refused rather than written over it.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import uuid as _uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from gui.errors import PumpkinPatchError
from gui.paths import atomic_write_text
from gui.server.commands import CommandError

logger = logging.getLogger(__name__)

OPS_FILE = "ops.json"
BANS_FILE = "banned-players.json"
WHITELIST_FILE = "whitelist.json"
IP_BANS_FILE = "banned-ips.json"
# Vanilla's date format in banned-players.json ("2024-05-01 12:00:00 +0000").
DATE_FORMAT = "%Y-%m-%d %H:%M:%S %z"
FOREVER = "forever"

Warn = Callable[[str], None]


class EntryError(PumpkinPatchError, ValueError):
    """An entry of a list file does not have the expected shape."""


class ListUnreadable(CommandError):
    """A change to a list file that cannot be read (a command reports it to its sender)."""


def _now_text() -> str:
    return _dt.datetime.now(_dt.UTC).astimezone().strftime(DATE_FORMAT)


def _require_str(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise EntryError(f"{key!r} must be a string, found {value!r}")
    return value


def _require_uuid(data: dict[str, Any]) -> _uuid.UUID:
    text = _require_str(data, "uuid")
    try:
        return _uuid.UUID(text)
    except ValueError:
        raise EntryError(f"'uuid' is not a UUID: {text!r}") from None


@dataclass
class OpEntry:
    """One operator."""

    uuid: _uuid.UUID
    name: str
    level: int = 4
    bypasses_player_limit: bool = False

    @property
    def key(self) -> _uuid.UUID:
        return self.uuid

    def to_data(self) -> dict[str, Any]:
        return {
            "uuid": str(self.uuid),
            "name": self.name,
            "level": self.level,
            "bypassesPlayerLimit": self.bypasses_player_limit,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> OpEntry:
        level = data.get("level", 4)
        if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= 4:
            raise EntryError(f"'level' must be an integer from 0 to 4, found {level!r}")
        bypass = data.get("bypassesPlayerLimit", False)
        if not isinstance(bypass, bool):
            raise EntryError(f"'bypassesPlayerLimit' must be true or false, found {bypass!r}")
        return cls(_require_uuid(data), _require_str(data, "name"), level, bypass)


def ban_fields(data: dict[str, Any]) -> dict[str, str]:
    """The fields every vanilla ban entry has (player or IP), with vanilla's defaults.

    Raises:
        EntryError: A field is not a string.
    """
    fields = {}
    for key, default in (("created", ""), ("source", "Server"), ("expires", FOREVER),
                         ("reason", "Banned by an operator.")):
        value = data.get(key, default)
        if not isinstance(value, str):
            raise EntryError(f"{key!r} must be a string, found {value!r}")
        fields[key] = value
    return fields


@dataclass
class BanEntry:
    """One banned player. ``expires`` is ``"forever"`` or a vanilla date."""

    uuid: _uuid.UUID
    name: str
    created: str
    source: str = "Server"
    expires: str = FOREVER
    reason: str = "Banned by an operator."

    @property
    def key(self) -> _uuid.UUID:
        return self.uuid

    def to_data(self) -> dict[str, Any]:
        return {
            "uuid": str(self.uuid),
            "name": self.name,
            "created": self.created,
            "source": self.source,
            "expires": self.expires,
            "reason": self.reason,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> BanEntry:
        return cls(_require_uuid(data), _require_str(data, "name"), **ban_fields(data))

    def expired(self, now: _dt.datetime | None = None) -> bool:
        """Whether a temporary ban has run out (an unreadable date never expires)."""
        return _expired(self.expires, now)


def _expired(expires: str, now: _dt.datetime | None) -> bool:
    if expires == FOREVER:
        return False
    try:
        until = _dt.datetime.strptime(expires, DATE_FORMAT)
    except ValueError:
        return False
    return (now or _dt.datetime.now(_dt.UTC)) >= until


@dataclass
class WhitelistEntry:
    """One whitelisted player."""

    uuid: _uuid.UUID
    name: str

    @property
    def key(self) -> _uuid.UUID:
        return self.uuid

    def to_data(self) -> dict[str, Any]:
        return {"uuid": str(self.uuid), "name": self.name}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> WhitelistEntry:
        return cls(_require_uuid(data), _require_str(data, "name"))


EntryT = TypeVar("EntryT")


class JsonListFile(Generic[EntryT]):
    """A vanilla JSON list file of entries keyed by UUID."""

    entry_type: type[EntryT]
    description: str
    fix_hint: str
    # A list that keeps people out: unreadable means logins are refused, not an empty list.
    fail_closed = False

    def __init__(self, path: Path, *, warn: Warn | None = None) -> None:
        """Create an empty list bound to ``path`` (call :meth:`load` to read it).

        Args:
            path: The JSON file.
            warn: Where warnings go (default: this module's logger).
        """
        self.path = path
        self._warn = warn or logger.warning
        self._entries: dict[Any, EntryT] = {}
        self._skipped: list[Any] = []  # bad entries, written back as they were
        self.unreadable = ""  # why the file cannot be read (fail-closed lists only)

    def load(self) -> None:
        """Read the file; a missing or empty file is an empty list.

        A bad entry is skipped with a warning. A file that cannot be read at
        all is moved aside (ops) or marked :attr:`unreadable` (bans, whitelist);
        a warning says what to do.
        """
        self._entries, self._skipped = {}, []
        was_unreadable, self.unreadable = self.unreadable, ""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return
        except (OSError, UnicodeDecodeError) as exc:
            self._cannot_read(f"it could not be read: {exc}", was_unreadable)
            return
        if not text.strip():
            return
        try:
            data = json.loads(text)
            if not isinstance(data, list):
                raise EntryError(f"expected a JSON list, found {type(data).__name__}")
        except (json.JSONDecodeError, EntryError) as exc:
            self._cannot_read(str(exc), was_unreadable)
            return
        problems = []
        for index, item in enumerate(data):
            try:
                if not isinstance(item, dict):
                    raise EntryError("it is not an object")
                entry = self.entry_type.from_data(item)
            except EntryError as exc:
                problems.append(f"entry {index}: {exc}")
                self._skipped.append(item)
                continue
            self._entries[entry.key] = entry
        if problems:
            self._warn(f"{self.path}: skipped {len(problems)} bad "
                       f"{'entry' if len(problems) == 1 else 'entries'} ("
                       + "; ".join(problems[:5]) + (" ..." if len(problems) > 5 else "")
                       + f"); the other {len(self._entries)} count. Fix the file while the "
                       "server is stopped; the bad entries are kept in it as they are.")
        if was_unreadable:
            self._warn(f"{self.path} can be read again: logins are allowed again")

    def _cannot_read(self, reason: str, was_unreadable: str) -> None:
        if not self.fail_closed:
            self._set_aside(reason)
            return
        self.unreadable = f"{self.path} cannot be read ({reason})"
        if not was_unreadable:  # say it once, not on every login attempt
            self._warn(f"{self.unreadable}; until it is fixed, logins are refused (except "
                       "operators') and changes to it are refused. Fix the JSON; it is read "
                       "again on the next login attempt.")

    def refresh(self) -> str:
        """Read an unreadable file again; returns why it still cannot be read ("" if it can)."""
        if self.unreadable:
            self.load()
        return self.unreadable

    def _check_writable(self) -> None:
        if self.refresh():
            raise ListUnreadable(f"{self.unreadable}: fix it first, nothing was changed")

    def _set_aside(self, reason: str) -> None:
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        counter = 2
        while aside.exists():
            aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{counter}")
            counter += 1
        try:
            self.path.replace(aside)
            where = f"It was moved to {aside.name}"
        except OSError as exc:
            where = (f"It could not be moved aside ({exc}) and will be overwritten "
                     f"on the next change")
        self._warn(
            f"{self.path} is corrupt ({reason}). {where}; the server starts with no "
            f"{self.description}. To recover, fix the JSON and move it back while the "
            f"server is stopped, or {self.fix_hint}."
        )

    def save(self) -> None:
        """Write the file atomically (vanilla's 2-space indented JSON).

        Raises:
            ListUnreadable: the file cannot be read; it is not written over.
        """
        self._check_writable()
        data = [entry.to_data() for entry in self._entries.values()] + self._skipped
        atomic_write_text(self.path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")

    def get(self, key: Any) -> EntryT | None:
        """Return the entry of ``key`` (a UUID; an IP for IP bans), or ``None``."""
        return self._entries.get(key)

    def find(self, name: str) -> EntryT | None:
        """Return the entry whose name is ``name`` (any case), or ``None``."""
        lowered = name.lower()
        return next((e for e in self._entries.values()
                     if getattr(e, "name", "").lower() == lowered), None)

    def remove(self, key: Any) -> bool:
        """Remove the entry of ``key`` and save; return whether there was one."""
        self._check_writable()
        if self._entries.pop(key, None) is None:
            return False
        self.save()
        return True

    def _put(self, entry: EntryT) -> EntryT:
        self._check_writable()
        self._entries[entry.key] = entry
        self.save()
        return entry

    def entries(self) -> list[EntryT]:
        """All entries, in file order."""
        return list(self._entries.values())

    def __iter__(self) -> Iterator[EntryT]:
        return iter(self.entries())

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, uuid: object) -> bool:
        return uuid in self._entries


class OpList(JsonListFile[OpEntry]):
    """The server operators (``ops.json``)."""

    entry_type = OpEntry
    description = "operators"
    fix_hint = "op the players again with 'op NAME'"

    def add(
        self, uuid: _uuid.UUID, name: str, level: int = 4, *, bypasses_player_limit: bool = False
    ) -> OpEntry:
        """Make a player an operator (or change its level) and save.

        Raises:
            ValueError: ``level`` is not 0-4.
        """
        if not 0 <= level <= 4:
            raise ValueError(f"An op level must be 0-4, not {level}")
        return self._put(OpEntry(uuid, name, level, bypasses_player_limit))

    def level_of(self, uuid: _uuid.UUID) -> int:
        """The op level of ``uuid``; 0 when not an operator."""
        entry = self._entries.get(uuid)
        return entry.level if entry is not None else 0


class BanList(JsonListFile[BanEntry]):
    """The banned players (``banned-players.json``)."""

    entry_type = BanEntry
    description = "bans"
    fix_hint = "ban the players again with 'ban NAME'"
    fail_closed = True

    def ban(
        self,
        uuid: _uuid.UUID,
        name: str,
        reason: str = "Banned by an operator.",
        *,
        source: str = "Server",
        expires: str = FOREVER,
    ) -> BanEntry:
        """Ban a player (replacing an earlier ban) and save."""
        return self._put(BanEntry(uuid, name, _now_text(), source, expires, reason))

    def active(self, uuid: _uuid.UUID) -> BanEntry | None:
        """The ban of ``uuid`` if it is in force; an expired ban is removed."""
        entry = self._entries.get(uuid)
        if entry is not None and entry.expired():
            self.remove(uuid)
            return None
        return entry


class Whitelist(JsonListFile[WhitelistEntry]):
    """The whitelisted players (``whitelist.json``)."""

    entry_type = WhitelistEntry
    description = "whitelisted players"
    fix_hint = "add the players again with 'whitelist add NAME'"
    fail_closed = True

    def add(self, uuid: _uuid.UUID, name: str) -> WhitelistEntry:
        """Whitelist a player and save."""
        return self._put(WhitelistEntry(uuid, name))
