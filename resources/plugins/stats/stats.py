"""stats: counts how often each player joined, kept in the plugin's data folder."""

import json
import os

from pumpkin_api import (
    Plugin,
    command,
    event,
    logging,  # the host's log (pumpkin:plugin/logging), not the stdlib module
    metadata,
    register_plugin,
    server,
    text,
)

STATS_FILE = "join_counts.json"


def data_dir(ctx) -> str:
    """Where our files live, as seen from inside the sandbox.

    Pumpkin preopens the plugin's data folder under the guest path "data";
    get_data_folder() is the host's path, usable only if the host maps it too.
    """
    for candidate in ("data", ctx.get_data_folder()):
        if candidate and os.path.isdir(candidate):
            return candidate
    return "data"


class Stats(Plugin):
    def __init__(self) -> None:
        super().__init__()
        self.counts: dict[str, int] = {}
        self.path = ""
        self.warned = False

    def metadata(self) -> metadata.PluginMetadata:
        return metadata.PluginMetadata(
            name="stats",
            version="1.0.0",
            authors=["Pumpkin Patch"],
            description="Counts player joins in its data folder; /stats shows yours.",
            dependencies=[],
            permissions=["fs.read.data", "fs.write.data"],
        )

    def on_load(self, ctx) -> None:
        self.path = os.path.join(data_dir(ctx), STATS_FILE)
        self.counts = self.load()
        # Non-blocking: we only watch joins, never change them.
        self.register_event(ctx, event.EventType.PLAYER_JOIN_EVENT, self.on_join, blocking=False)
        self.register_command(ctx, command.Command(["stats"], "How often you joined"), self.stats)

    def load(self) -> dict[str, int]:
        try:
            with open(self.path, encoding="utf-8") as f:
                data = json.load(f)
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as e:  # no read permission, or a damaged file
            logging.log(logging.Level.WARN, f"stats: cannot read {self.path} ({e}); starting at 0")
            return {}
        return {str(k): int(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def save(self) -> None:
        try:
            tmp = self.path + ".tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(self.counts, f, indent=1, sort_keys=True)
            os.replace(tmp, self.path)  # never leave a half-written file
        except OSError as e:
            # Typically fs.write.data was not granted: keep counting in memory,
            # and warn once rather than on every join.
            if not self.warned:
                self.warned = True
                logging.log(
                    logging.Level.WARN,
                    f"stats: cannot write {self.path} ({e}); counting in memory only",
                )

    def on_join(self, srv: server.Server, data: event.PlayerJoinEventData) -> None:
        name = data.player.get_name()
        self.counts[name] = self.counts.get(name, 0) + 1
        self.save()

    def stats(self, sender: command.CommandSender, srv: server.Server, args) -> int:
        name = sender.get_name()
        n = self.counts.get(name, 0)
        sender.send_message(
            text.TextComponent.text(f"{name} has joined {n} {'time' if n == 1 else 'times'}")
        )
        return 1


register_plugin(Stats)
