"""chat_filter: masks a few mild words and stops people from shouting."""

import re

from pumpkin_api import Plugin, event, metadata, register_plugin, server, text

BLOCKED_WORDS = ("darn", "heck", "frick")
# Whole words only, any case: "heck" is masked, "check" is left alone.
BLOCKED_RE = re.compile(r"\b(?:" + "|".join(BLOCKED_WORDS) + r")\b", re.IGNORECASE)
# "OK!" or "HEY" is not shouting; more than this many letters, all capitals, is.
SHOUT_MIN_LETTERS = 6


def is_shouting(message: str) -> bool:
    letters = [c for c in message if c.isalpha()]
    return len(letters) >= SHOUT_MIN_LETTERS and all(c.isupper() for c in letters)


def mask(message: str) -> str:
    return BLOCKED_RE.sub(lambda m: "*" * len(m.group(0)), message)


class ChatFilter(Plugin):
    def metadata(self) -> metadata.PluginMetadata:
        return metadata.PluginMetadata(
            name="chat_filter",
            version="1.0.0",
            authors=["Pumpkin Patch"],
            description="Masks blocked words in chat and cancels ALL-CAPS shouting.",
            dependencies=[],
            permissions=[],
        )

    def on_load(self, ctx) -> None:
        # Blocking: we rewrite or cancel the message before anyone sees it.
        self.register_event(ctx, event.EventType.PLAYER_CHAT_EVENT, self.on_chat)

    def on_chat(self, srv: server.Server, data: event.PlayerChatEventData):
        if is_shouting(data.message):
            data.cancelled = True
            # Only the sender hears about it; overlay=False puts it in the chat box.
            data.player.send_system_message(text.TextComponent.text("Please don't shout."), False)
            return data
        data.message = mask(data.message)
        return data


register_plugin(ChatFilter)
