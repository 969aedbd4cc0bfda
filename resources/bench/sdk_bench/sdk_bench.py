"""Benchmark plugin for `pumpkin-patch bench dispatch-sdk`, built with pumpkin-api-py.

Light but real handlers, so the benchmark measures the host's dispatch path
rather than the plugin's own work: on join it personalises the join message
(two host calls: player.get-name, text-component.text); on chat it cancels
messages containing a blocked word (no host call).
"""

from pumpkin_api import Plugin, event, metadata, register_plugin, text


class SdkBench(Plugin):
    def metadata(self):
        return metadata.PluginMetadata(
            "sdk_bench", "1.0.0", ["pumpkin-patch"], "Dispatch benchmark plugin", [], []
        )

    def on_load(self, ctx):
        self.register_event(ctx, event.EventType.PLAYER_JOIN_EVENT, self.on_join)
        self.register_event(ctx, event.EventType.PLAYER_CHAT_EVENT, self.on_chat)

    def on_join(self, server, data):
        data.join_message = text.TextComponent.text(f"Welcome, {data.player.get_name()}!")
        return data

    def on_chat(self, server, data):
        if "blocked" in data.message:
            data.cancelled = True
        return data


register_plugin(SdkBench)
