"""notebook: notes kept across restarts, alerts for the admin, and a status line.

Uses the three interfaces of Pumpkin Patch's own world (wit/host.wit):
storage (`/note`, `/notes`), notify (`/alert`) and status (the Plugins page
shows "N notes" and charts the `notes` and `players` gauges).
"""

from componentize_py_types import Err
from pumpkin_api import Plugin, command, event, metadata, register_plugin, server, text
from wit_world.imports import notify, status, storage

COUNT_KEY = "count"
NOTE_PREFIX = "note/"


def reply(sender: command.CommandSender, message: str) -> None:
    sender.send_message(text.TextComponent.text(message))


def text_arg(args: command.ConsumedArgs, name: str) -> str:
    value = args.get_value(name)
    return value.value if isinstance(value, command.Arg_Msg | command.Arg_Simple) else ""


def storage_problem(error: storage.Error) -> str:
    """What a storage error means, in the words a player reads."""
    if isinstance(error, storage.Error_PermissionDenied):
        return "storage is not allowed for this plugin (it needs storage.kv)"
    if isinstance(error, storage.Error_QuotaExceeded):
        return f"storage is full (quota {error.value} bytes)"
    if isinstance(error, storage.Error_Io):
        return f"storage failed: {error.value}"
    return "storage refused the key"


def next_number() -> int:
    """Take the next note number with compare-and-set, so two writers never share one."""
    while True:
        current = storage.get(COUNT_KEY)
        number = int(current.decode()) + 1 if current is not None else 1
        if storage.compare_and_set(COUNT_KEY, current, str(number).encode()):
            return number


class Notebook(Plugin):
    def metadata(self) -> metadata.PluginMetadata:
        return metadata.PluginMetadata(
            name="notebook",
            version="1.0.0",
            authors=["Pumpkin Patch"],
            description="Notes kept across restarts (/note, /notes), alerts for the admin "
                        "(/alert) and a status line with gauges.",
            dependencies=[],
            permissions=["storage.kv", "admin.notify"],
        )

    def on_load(self, ctx) -> None:
        self.players = 0
        self.greedy(ctx, "note", "text", "Write a note: /note <text>", self.note)
        self.greedy(ctx, "alert", "text", "Tell the admin: /alert <text>", self.alert)
        self.register_command(ctx, command.Command(["notes"], "List the notes"), self.notes)
        self.register_event(ctx, event.EventType.PLAYER_JOIN_EVENT, self.on_join)
        self.register_event(ctx, event.EventType.PLAYER_LEAVE_EVENT, self.on_leave)
        self.show()

    def greedy(self, ctx, name: str, arg: str, help_text: str, handler) -> None:
        handler_id = self.register_command_handler(handler)
        node = command.CommandNode.argument(
            arg, command.ArgumentType_String(command.StringType.GREEDY))
        node.execute_with_handler_id(handler_id)
        cmd = command.Command([name], help_text)
        cmd.then(node)
        ctx.register_command(cmd, "")

    def count(self) -> int:
        try:
            current = storage.get(COUNT_KEY)
        except Err:
            return 0
        return int(current.decode()) if current is not None else 0

    def show(self) -> None:
        notes = self.count()
        status.set_line(f"{notes} note{'s' if notes != 1 else ''}, {self.players} online")
        status.set_gauge("notes", float(notes))
        status.set_gauge("players", float(self.players))

    def note(self, sender: command.CommandSender, srv: server.Server, args) -> int:
        words = text_arg(args, "text")
        try:
            number = next_number()
            storage.set(f"{NOTE_PREFIX}{number:06d}", f"{sender.get_name()}: {words}".encode())
        except Err as e:
            reply(sender, f"Could not save the note: {storage_problem(e.value)}")
            return 0
        reply(sender, f"Saved note #{number}")
        self.show()
        return 1

    def notes(self, sender: command.CommandSender, srv: server.Server, args) -> int:
        try:
            keys = storage.list_keys(NOTE_PREFIX)
            lines = [storage.get(key) for key in keys]
        except Err as e:
            reply(sender, f"Could not read the notes: {storage_problem(e.value)}")
            return 0
        reply(sender, f"{len(keys)} note(s)")
        for key, line in zip(keys, lines):
            if line is not None:
                reply(sender, f"#{int(key[len(NOTE_PREFIX):])} {line.decode()}")
        return 1

    def alert(self, sender: command.CommandSender, srv: server.Server, args) -> int:
        words = text_arg(args, "text")
        try:
            notify.send(notify.Level.WARNING, f"Alert from {sender.get_name()}", words)
        except Err as e:
            if isinstance(e.value, notify.Error_RateLimited):
                reply(sender, f"Too many alerts; try again in {e.value.value} s")
            elif isinstance(e.value, notify.Error_PermissionDenied):
                reply(sender, "Alerts are not allowed for this plugin (it needs admin.notify)")
            else:
                reply(sender, "An alert needs a text")
            return 0
        reply(sender, "The admin has been told")
        return 1

    def on_join(self, srv: server.Server, data: event.PlayerJoinEventData):
        self.players += 1
        self.show()
        return data

    def on_leave(self, srv: server.Server, data: event.PlayerLeaveEventData):
        self.players = max(0, self.players - 1)
        self.show()
        return data


register_plugin(Notebook)
