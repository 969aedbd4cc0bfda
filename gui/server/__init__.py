"""The local server instance, Qt-free, on asyncio.

Public surface (import from ``gui.server``):

- :class:`ServerInstance` (``instance``): start/stop, join/leave/chat,
  commands, broadcast, kick; holds everything below.
- :class:`PluginHost` (``pluginhost``): what the server needs from the
  plugin system, set as ``ServerInstance.plugin_host``.
- Text: :class:`TextComponent` (``text``).
- Console: :class:`ConsoleLog`, :class:`ConsoleLine` (``console``).
- Players: :class:`Player`, :class:`PlayerList`, :class:`GameProfile`,
  :class:`Connection`, :class:`PlaytestConnection`, :func:`offline_uuid`
  (``players``).
- Events: the event dataclasses, ``ServerEvent``, :class:`EventSink`,
  :class:`EventPipeline` (``events``).
- Commands: :class:`Command`, :class:`CommandNode`, :class:`CommandContext`,
  :class:`CommandDispatcher`, :class:`CommandError`, :class:`ParsedArgument`
  (``commands``); argument types (``arguments``); senders (``senders``);
  permission nodes (``permission_nodes``).
- Settings and lists: :class:`ServerConfig` (``config``), :class:`AccessLists`,
  :class:`OpList`, :class:`BanList`, :class:`Whitelist` (``ops``).
- Ticks: :class:`TickLoop`, :class:`Scheduler` (``ticks``).
- The world: :class:`FlatWorld`, :class:`Position`, :class:`BlockTable` (``world``).
- The game port: Java Edition clients (the ``java`` package: ``GameListener``,
  ``NetworkConnection``, per-version data), RCON (``rcon``), Query (``query``),
  the status ping (``status``).

Nothing here imports Qt; views subscribe to ``ConsoleLog.subscribe`` and
``ServerInstance.on_change``.
"""

from gui.server.access import AccessLists
from gui.server.arguments import ArgumentType, ParsedArgument
from gui.server.commands import (
    Command,
    CommandConflictError,
    CommandContext,
    CommandDispatcher,
    CommandError,
    CommandNode,
)
from gui.server.config import ServerConfig
from gui.server.console import ConsoleLine, ConsoleLog
from gui.server.events import (
    EventPipeline,
    EventSink,
    PlayerChatEvent,
    PlayerCommandSendEvent,
    PlayerJoinEvent,
    PlayerLeaveEvent,
    PlayerLoginEvent,
    ServerBroadcastEvent,
    ServerCommandEvent,
    ServerEvent,
    ServerLoadEvent,
)
from gui.server.instance import ServerInstance
from gui.server.local_server import LocalServer
from gui.server.ops import BanList, OpList, Whitelist
from gui.server.players import (
    Connection,
    GameProfile,
    Player,
    PlayerList,
    PlaytestConnection,
    offline_uuid,
)
from gui.server.pluginhost import PluginHost
from gui.server.senders import CommandSender, ConsoleSender, PlayerSender
from gui.server.text import TextComponent
from gui.server.ticks import Scheduler, TickLoop

__all__ = [
    "AccessLists",
    "ArgumentType",
    "BanList",
    "Command",
    "CommandConflictError",
    "CommandContext",
    "CommandDispatcher",
    "CommandError",
    "CommandNode",
    "CommandSender",
    "Connection",
    "ConsoleLine",
    "ConsoleLog",
    "ConsoleSender",
    "EventPipeline",
    "EventSink",
    "GameProfile",
    "LocalServer",
    "OpList",
    "ParsedArgument",
    "Player",
    "PlayerChatEvent",
    "PlayerCommandSendEvent",
    "PlayerJoinEvent",
    "PlayerLeaveEvent",
    "PlayerList",
    "PlayerLoginEvent",
    "PlayerSender",
    "PlaytestConnection",
    "PluginHost",
    "Scheduler",
    "ServerBroadcastEvent",
    "ServerCommandEvent",
    "ServerConfig",
    "ServerEvent",
    "ServerInstance",
    "ServerLoadEvent",
    "TextComponent",
    "TickLoop",
    "Whitelist",
    "offline_uuid",
]
