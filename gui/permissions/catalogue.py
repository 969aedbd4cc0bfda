"""The capability catalogue: every permission name Pumpkin plugins use, explained.

A plugin asks for capabilities by name in its metadata (``fs.read.data``,
``sys.env.SERVER_MOTD``, ``network.outbound``, ...). :func:`describe` turns a
name into a :class:`Capability`: a one-line description an admin can judge,
a risk level, and whether *this host* can enforce it. A capability that
cannot be enforced is never granted (a grant that the sandbox does not back
would be a promise the host cannot keep), and the reason says so plainly.

What this host can and cannot do:

- ``fs.read.data`` / ``fs.write.data``: the plugin's own data folder is
  preopened read-only / read-write as the guest path ``data``. Nothing else
  of the host's filesystem is ever visible.
- ``fs.read`` / ``fs.write`` (the whole host filesystem): never granted here.
  Giving a plugin every file the admin can read is not something a sandbox
  host should do; plugins keep their files in their data folder instead.
- ``sys.env`` / ``sys.env.<VAR>``: only variables the admin configured for the
  plugin (``[plugins.overrides.<name>] environment``), never the app's own.
- ``sys.info[.cpu|.ram|.os]``: fills only those fields of ``server.get-sys-info``.
- ``network.*``: not enforceable. wasmtime-py's ``WasiConfig`` has no
  socket controls, so they are never granted; a plugin gets no sockets.
- ``storage.kv`` / ``admin.notify``: this host's own interfaces
  (``pumpkin-patch:host``, wit/host.wit): a key-value store with a quota,
  kept beside the plugin's data folder where only the host writes it, and
  rate-limited notices to the admin.
- ``http.outbound``: ``wasi:http`` requests (e.g. ``fetch()`` in a JavaScript
  plugin) go out only to the hosts the admin lists for the plugin
  (``http_hosts`` in ``[plugins.overrides.<name>]``; see
  gui/runtime/http_gate.py). Without the grant, or to another host, the
  request fails with an error value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Risk(StrEnum):
    """How much harm a capability could do in the hands of a hostile plugin."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Capability:
    """One permission name, as the admin sees it.

    Attributes:
        name: The permission exactly as the plugin requested it.
        description: One line saying what the plugin could do with it.
        risk: See :class:`Risk`.
        enforceable: True when this host can back a grant with its sandbox;
            False means it is never granted.
        reason: Why it is not enforceable (or unknown); empty otherwise.
    """

    name: str
    description: str
    risk: Risk
    enforceable: bool
    reason: str = ""


NO_NETWORK = (
    "this host cannot enforce network permissions (wasmtime-py has no socket "
    "controls), so it never grants them: the plugin gets no network at all"
)
NO_HOST_FS = (
    "Pumpkin Patch never gives a plugin the whole host filesystem; plugins keep "
    "their files in their own data folder (fs.read.data / fs.write.data)"
)
UNKNOWN_REASON = "unknown permission: never granted"

# Variable names that usually hold credentials: granting one is riskier.
_SECRET_LIKE = re.compile(r"(KEY|TOKEN|SECRET|PASS|PASSWORD|PWD|CREDENTIAL|AUTH|COOKIE)",
                          re.IGNORECASE)
# POSIX-style environment variable names.
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

ENV_PREFIX = "sys.env."


def _net(name: str, description: str, risk: Risk = Risk.HIGH) -> Capability:
    return Capability(name, description, risk, False, NO_NETWORK)


CATALOGUE: dict[str, Capability] = {
    cap.name: cap
    for cap in (
        _net("network.dns", "Look up host names (DNS)", Risk.MEDIUM),
        _net("network.tcp", "Open TCP connections and accept them"),
        _net("network.udp", "Send and receive UDP datagrams"),
        _net("network.tcp.connect", "Connect to other machines over TCP"),
        _net("network.tcp.bind", "Listen for TCP connections on this machine"),
        _net("network.udp.connect", "Exchange UDP datagrams with a chosen machine"),
        _net("network.udp.bind", "Receive UDP datagrams on a port of this machine"),
        _net("network.udp.outgoingdatagram", "Send UDP datagrams to any machine"),
        _net("network.loopback", "Network access limited to this machine (loopback)",
             Risk.MEDIUM),
        _net("network.outbound", "Full network access: connect to any machine on the internet"),
        Capability("http.outbound",
                   "Make HTTP requests to the hosts you list for this plugin",
                   Risk.HIGH, True),
        Capability("fs.read", "Read any file your user account can read", Risk.HIGH, False,
                   NO_HOST_FS),
        Capability("fs.write", "Change or delete any file your user account can write",
                   Risk.HIGH, False, NO_HOST_FS),
        Capability("fs.read.data", "Read files in its own data folder", Risk.LOW, True),
        Capability("fs.write.data", "Create, change and delete files in its own data folder",
                   Risk.MEDIUM, True),
        Capability("sys.env", "Read every environment variable you configured for it "
                              "(never the app's own environment)", Risk.MEDIUM, True),
        Capability("sys.info", "See this machine's CPU count, memory and operating system",
                   Risk.LOW, True),
        Capability("sys.info.cpu", "See how many CPU cores this machine has", Risk.LOW, True),
        Capability("sys.info.ram", "See how much memory this machine has and uses", Risk.LOW,
                   True),
        Capability("sys.info.os", "See this machine's operating system and its version",
                   Risk.LOW, True),
        # pumpkin-patch:host (wit/host.wit): this host's own capabilities.
        Capability("storage.kv", "Keep data in a key-value store of its own (up to its "
                                 "quota, 1 MiB by default)", Risk.LOW, True),
        Capability("admin.notify", "Send you notices (at most 5 a minute), shown in the "
                                   "window and sent to your alerts", Risk.LOW, True),
    )
}


def env_variable(permission: str) -> str | None:
    """The variable named by ``sys.env.<VAR>``, or None for any other permission."""
    if permission.startswith(ENV_PREFIX):
        var = permission[len(ENV_PREFIX):]
        if _ENV_NAME.match(var):
            return var
    return None


def describe(permission: str) -> Capability:
    """The catalogue entry for ``permission``; unknown names are never granted.

    Args:
        permission: A capability name as a plugin requested it.

    Returns:
        The :class:`Capability`; for ``sys.env.<VAR>`` one made for that variable,
        for a name not in the catalogue one with risk UNKNOWN that is not enforceable.
    """
    known = CATALOGUE.get(permission)
    if known is not None:
        return known
    var = env_variable(permission)
    if var is not None:
        secret = bool(_SECRET_LIKE.search(var))
        return Capability(
            permission,
            f"Read the environment variable {var} (the value you configured for it)"
            + (" — its name suggests a secret" if secret else ""),
            Risk.HIGH if secret else Risk.LOW,
            True,
        )
    return Capability(permission, "Unknown permission", Risk.UNKNOWN, False, UNKNOWN_REASON)


def grantable(permission: str) -> bool:
    """True when this host can grant ``permission`` at all (known and enforceable)."""
    return describe(permission).enforceable
