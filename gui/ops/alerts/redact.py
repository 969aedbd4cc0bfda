"""Secrets never leave in an alert: the RCON password and configured environment values.

:class:`Redactor` is asked for the secrets each time (they change when the
admin edits server.properties or config.toml) and replaces every
occurrence with ``[redacted]``. Values shorter than 4 characters are left
alone: blanking every "1" or "on" would garble messages and hide nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

MASK = "[redacted]"
MIN_SECRET = 4


class Redactor:
    """Replaces known secrets in text."""

    def __init__(self, secrets: Callable[[], Iterable[str]]) -> None:
        self._secrets = secrets

    def __call__(self, text: str) -> str:
        # Longest first, so a secret that contains another is masked whole.
        for secret in sorted({s for s in self._secrets() if len(s) >= MIN_SECRET},
                             key=len, reverse=True):
            text = text.replace(secret, MASK)
        return text
