"""Host side of ``pumpkin:plugin/context``: what a plugin registers while loading.

Every registration is recorded in the plugin's :class:`PluginScope`, so the
plugin manager can remove all of it when the plugin unloads.
"""

from __future__ import annotations

from typing import Any

from wasmtime.component import Record, Variant

from gui.hostapi.base import HostInterface, wit
from gui.hostapi.command import CommandBuilder
from gui.hostapi.scope import EventRegistration
from gui.hostapi.values import level_number, wit_record
from gui.server.commands import CommandConflictError
from gui.server.events import ServerEvent
from gui.server.permission_nodes import PermissionNode

# The guest path of the plugin's own data dir, preopened by WASI when the
# plugin holds fs.read.data / fs.write.data (as Pumpkin does).
GUEST_DATA_DIR = "data"


class ContextApi(HostInterface):
    interface = "context"

    @wit("[method]context.register-event")
    def register_event(
        self, this: Any, handler_id: int, event_type: str, priority: str, blocking: bool
    ) -> None:
        if event_type not in ServerEvent.by_type:
            # register-event returns nothing in Pumpkin's WIT, so the refusal is a log line.
            fired = ", ".join(sorted(ServerEvent.by_type))
            self.scope.log("error", f"register-event: this server never fires {event_type}; "
                                    f"the handler is not registered (it fires: {fired})")
            return
        registration = EventRegistration(
            self.scope.plugin, handler_id, event_type, priority, blocking
        )
        self.scope.events.append(registration)
        self.scope.calls.on_event_registered(registration)

    @wit("[method]context.register-command")
    def register_command(self, this: Any, command: CommandBuilder, permission: str) -> None:
        scope = self.scope
        built = command.build(scope, permission)

        def register() -> None:  # on the server's loop
            try:
                scope.server.dispatcher.register(built)
            except CommandConflictError as exc:  # names both plugins and the command
                scope.log("error", str(exc))
                return
            scope.commands.append(built.names[0])

        scope.post(register)

    @wit("[method]context.register-permission")
    def register_permission(self, this: Any, permission: Any) -> str | None:
        node = str(permission.node)
        if ":" not in node:
            return f"permission node {node!r} must be namespaced, e.g. '{self.scope.plugin}:{node}'"
        if node in self.scope.permission_nodes:
            return f"permission node {node!r} is already registered"
        self.scope.permission_nodes.append(node)
        default = permission.default
        tag = default.tag if isinstance(default, Variant) else str(default)
        level = level_number(default.payload) if tag == "op" and default.payload else 2
        entry = PermissionNode(node=node, owner=self.scope.plugin, default=tag,
                               op_level=level, description=str(permission.description))
        self.scope.post(self.scope.server.permissions.register, entry)
        return None

    @wit("[method]context.get-data-folder")
    def get_data_folder(self, this: Any) -> str:
        granted = self.scope.granted
        if not granted & {"fs.read.data", "fs.write.data"}:
            self.scope.lacks("fs.data", (
                "asked for its data folder but holds neither fs.read.data nor fs.write.data: "
                f"'{GUEST_DATA_DIR}' is not visible to it, so file access there fails"))
        elif "fs.write.data" not in granted:
            self.scope.lacks("fs.write.data", (
                f"its data folder '{GUEST_DATA_DIR}' is read-only (fs.write.data is not "
                "granted): writing there fails"))
        return GUEST_DATA_DIR

    @wit("[method]context.get-server")
    def get_server(self, this: Any) -> Any:
        return self.scope.server

    @wit("[method]context.get-marketplace-metadata")
    def get_marketplace_metadata(self, this: Any) -> Record | None:
        meta = self.scope.marketplace_metadata
        if not meta:
            return None
        return wit_record(**meta)
