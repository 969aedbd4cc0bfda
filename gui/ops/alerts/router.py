"""Routes notices to the webhook: the kinds switched on, with secrets masked.

The body is Discord- and Slack-compatible: Discord reads ``content`` and
``username``, Slack's incoming webhooks read ``text``; both ignore the
``alert`` object, which carries the same facts for other receivers.

Alert texts carry words from plugins (a notice, a trap message), so no text
may ping anyone: Discord is told to resolve no mentions
(``allowed_mentions``), and Slack's control characters (``<!channel>``,
``<@U123>``) are escaped as its docs ask (``&``, ``<``, ``>``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from gui.ops.alerts.messages import Alert, alert_for
from gui.ops.alerts.redact import Redactor
from gui.ops.alerts.webhook import WebhookSender
from gui.ops.config import AlertSettings

USERNAME = "Pumpkin Patch"
MAX_CONTENT = 1900  # Discord refuses content over 2000 characters


def webhook_body(alert: Alert, redact: Callable[[str], str]) -> dict[str, Any]:
    """The JSON body for ``alert``, every text field passed through ``redact``."""
    text = redact(alert.text())
    if len(text) > MAX_CONTENT:
        text = text[:MAX_CONTENT - 1] + "…"
    return {"content": text, "allowed_mentions": {"parse": []},
            "text": _slack_escaped(text), "username": USERNAME,
            "alert": {"kind": alert.kind, "title": redact(alert.title),
                      "message": redact(alert.message), "plugin": alert.plugin,
                      "time": alert.time}}


def _slack_escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class AlertRouter:
    """Sends the alert of each notice whose kind is switched on for the webhook."""

    def __init__(self, settings: Callable[[], AlertSettings], redactor: Redactor, *,
                 backoff: tuple[float, ...] | None = None,
                 on_dropped: Callable[[str], None] | None = None) -> None:
        self._settings = settings
        self._redact = redactor
        self.backoff = backoff  # None: the sender's default (tests pass short ones)
        self._on_dropped = on_dropped
        self.sender: WebhookSender | None = None

    def handle(self, notice: object) -> None:
        alert = alert_for(notice)
        if alert is None:
            return
        settings = self._settings()
        if not settings.webhook_url or alert.kind not in settings.webhook:
            return
        sender = self._sender_for(settings.webhook_url)
        if sender is None:
            return
        sender.send(webhook_body(alert, self._redact))

    def _sender_for(self, url: str) -> WebhookSender | None:
        if self.sender is not None and self.sender.url == url.strip():
            return self.sender
        old, self.sender = self.sender, None
        if old is not None:
            asyncio.get_running_loop().create_task(old.close())
        try:
            kwargs: dict[str, Any] = {"on_dropped": self._on_dropped}
            if self.backoff is not None:
                kwargs["backoff"] = self.backoff
            self.sender = WebhookSender(url, **kwargs)
        except ValueError as exc:
            if self._on_dropped is not None:
                self._on_dropped(f"[alerts] webhook_url: {exc}")
            return None
        return self.sender

    async def close(self) -> None:
        if self.sender is not None:
            await self.sender.close()
