"""Alerts beyond the window: webhook delivery of the notices the window shows.

Public surface:
    Alert, alert_for                 (messages.py: what an alert says)
    AlertRouter, webhook_body        (router.py: which kinds go out, the JSON body)
    WebhookSender, check_url         (webhook.py: POST with retries and backoff)
    Redactor                         (redact.py: secrets never leave)

The desktop tray is the window's (gui/ui/tray.py); which kinds it shows is
``[alerts] tray`` in config.toml.
"""

from gui.ops.alerts.messages import Alert, alert_for
from gui.ops.alerts.redact import Redactor
from gui.ops.alerts.router import AlertRouter, webhook_body
from gui.ops.alerts.webhook import WebhookError, WebhookSender, check_url

__all__ = ["Alert", "AlertRouter", "Redactor", "WebhookError", "WebhookSender", "alert_for",
           "check_url", "webhook_body"]
