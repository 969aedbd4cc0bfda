"""motd_env: /motd shows the SERVER_MOTD environment variable."""

import os

from pumpkin_api import Plugin, command, metadata, register_plugin, server, text

VAR = "SERVER_MOTD"


class MotdEnv(Plugin):
    def __init__(self) -> None:
        super().__init__()
        self.motd: str | None = None

    def metadata(self) -> metadata.PluginMetadata:
        return metadata.PluginMetadata(
            name="motd_env",
            version="1.0.0",
            authors=["Pumpkin Patch"],
            description=f"Shows the {VAR} environment variable with /motd.",
            dependencies=[],
            permissions=[f"sys.env.{VAR}"],
        )

    def on_load(self, ctx) -> None:
        # Read here, not at import time: the module is imported while the
        # component is being built, when the host's environment isn't there yet.
        self.motd = os.environ.get(VAR) or None
        motd = command.Command(["motd"], "Show the message of the day")
        self.register_command(ctx, motd, self.show)

    def show(self, sender: command.CommandSender, srv: server.Server, args) -> int:
        message = self.motd or f"No MOTD configured (grant sys.env.{VAR})"
        sender.send_message(text.TextComponent.text(message))
        return 1


register_plugin(MotdEnv)
