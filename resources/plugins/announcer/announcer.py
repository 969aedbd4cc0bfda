"""announcer: rotating tips every 5 seconds, plus /announce for staff."""

from componentize_py_types import Err
from pumpkin_api import (
    Plugin,
    command,
    logging,  # the host's log (pumpkin:plugin/logging), not the stdlib module
    metadata,
    permission,
    register_plugin,
    scheduler,
    server,
)

TIPS = (
    "Tip 1: Type /help to see every command.",
    "Tip 2: Be kind in chat, everyone was new once.",
    "Tip 3: Found a bug? Tell a moderator.",
)
FIRST_DELAY_TICKS = 20  # 1 s after load (20 ticks = 1 s)
PERIOD_TICKS = 100  # then every 5 s
# Plugin permission nodes are namespaced with the plugin's name.
ANNOUNCE_NODE = "announcer:command.announce"


class Announcer(Plugin):
    def __init__(self) -> None:
        super().__init__()
        self.next_tip = 0
        self.task_id: int | None = None

    def metadata(self) -> metadata.PluginMetadata:
        return metadata.PluginMetadata(
            name="announcer",
            version="1.0.0",
            authors=["Pumpkin Patch"],
            description="Broadcasts a rotating tip every 5 seconds; /announce for operators.",
            dependencies=[],
            permissions=[],
        )

    def on_load(self, ctx) -> None:
        self.task_id = self.schedule_repeating_task(FIRST_DELAY_TICKS, PERIOD_TICKS, self.tick)

        # Level-2 operators get the node by default; others only if granted.
        try:
            ctx.register_permission(
                permission.Permission(
                    node=ANNOUNCE_NODE,
                    description="Use /announce to broadcast a message",
                    default=permission.PermissionDefault_Op(permission.PermissionLevel.TWO),
                    children=[],
                )
            )
        except Err as e:  # e.g. already registered after a reload: the command still works
            logging.log(logging.Level.WARN, f"could not register {ANNOUNCE_NODE}: {e.value}")

        handler_id = self.register_command_handler(self.announce)
        message = command.CommandNode.argument(
            "message", command.ArgumentType_String(command.StringType.GREEDY)
        )
        message.execute_with_handler_id(handler_id)  # before `then` takes the node
        cmd = command.Command(["announce"], "Broadcast a message to everyone")
        cmd.then(message)  # bare `/announce` is deliberately not executable
        ctx.register_command(cmd, ANNOUNCE_NODE)

    def on_unload(self, ctx) -> None:
        if self.task_id is not None:
            scheduler.cancel_task(self.task_id)
            self.task_id = None

    def tick(self, srv: server.Server) -> None:
        srv.broadcast(TIPS[self.next_tip])
        self.next_tip = (self.next_tip + 1) % len(TIPS)

    def announce(self, sender: command.CommandSender, srv: server.Server, args) -> int:
        value = args.get_value("message")
        # A greedy string arrives as `msg`; accept `simple` too.
        message = value.value if isinstance(value, command.Arg_Msg | command.Arg_Simple) else ""
        srv.broadcast(f"[Announcement] {message}")
        return 1


register_plugin(Announcer)
