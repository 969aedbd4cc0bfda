"""ipguard (test plugin): bans the IP of whoever says '!banme', and reports IPs on '!ip'."""

from pumpkin_api import Plugin, event, metadata, player, register_plugin, server, text


class IpGuard(Plugin):
    def metadata(self) -> metadata.PluginMetadata:
        return metadata.PluginMetadata(
            name="ipguard",
            version="1.0.0",
            authors=["Pumpkin Patch tests"],
            description="Bans the IP of players who ask for it (tests player.ban-ip).",
            dependencies=[],
            permissions=[],
        )

    def on_load(self, ctx) -> None:
        self.register_event(ctx, event.EventType.PLAYER_CHAT_EVENT, self.on_chat)

    def on_chat(self, srv: server.Server, data: event.PlayerChatEventData):
        if data.message == "!ip":
            ip = data.player.get_ip()
            data.player.send_system_message(text.TextComponent.text(f"your ip: {ip!r}"), False)
        elif data.message == "!banme":
            data.player.ban_ip(player.BanIpOptions(
                reason=text.TextComponent.text("asked for it"), source=None,
                expires_at_utc=None, duration_seconds=None, kick_matching_players=True,
                log_to_console=True))
        return data


register_plugin(IpGuard)
