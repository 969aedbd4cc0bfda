"""__name__: a Pumpkin plugin (Python, Pumpkin's SDK pumpkin-api-py).

Build: pumpkin-patch sdk build . -o __name__.wasm
Try it: pumpkin-patch sdk run .   (rebuilds and reloads on every save)
"""

from pumpkin_api import Plugin, command, event, metadata, register_plugin, server, text


class __Class__(Plugin):
    def metadata(self) -> metadata.PluginMetadata:
        return metadata.PluginMetadata(
            name="__name__",
            version="0.1.0",
            authors=["you"],
            description="Greets players and answers /__name__.",
            dependencies=[],
            permissions=[],
        )

    def on_load(self, ctx) -> None:
        self.register_command(ctx, command.Command(["__name__"], "Say hello"), self.hello)
        self.register_event(ctx, event.EventType.PLAYER_JOIN_EVENT, self.on_join)

    def hello(self, sender: command.CommandSender, srv: server.Server, args) -> int:
        sender.send_message(text.TextComponent.text(f"Hello, {sender.get_name()}!"))
        return 1

    def on_join(self, srv: server.Server, data: event.PlayerJoinEventData):
        data.join_message = text.TextComponent.text(f"Welcome, {data.player.get_name()}!")
        return data


register_plugin(__Class__)
