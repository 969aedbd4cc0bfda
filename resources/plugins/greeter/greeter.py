"""greeter: a friendlier join message plus a broadcast for everyone else."""

from pumpkin_api import Plugin, event, metadata, register_plugin, server, text


class Greeter(Plugin):
    def metadata(self) -> metadata.PluginMetadata:
        return metadata.PluginMetadata(
            name="greeter",
            version="1.0.0",
            authors=["Pumpkin Patch"],
            description="Welcomes joining players and tells everyone to say hi.",
            dependencies=[],
            permissions=[],
        )

    def on_load(self, ctx) -> None:
        # Blocking, because we change the event (its join message) and hand it back.
        self.register_event(ctx, event.EventType.PLAYER_JOIN_EVENT, self.on_join)

    def on_join(self, srv: server.Server, data: event.PlayerJoinEventData):
        name = data.player.get_name()
        data.join_message = text.TextComponent.text(f"Welcome to the server, {name}!")
        srv.broadcast(f"{name} is here — say hi!")
        # Returning the data is how a handler passes its changes back to the host.
        return data


register_plugin(Greeter)
