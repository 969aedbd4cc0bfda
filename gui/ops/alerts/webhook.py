"""Webhook delivery: a JSON POST per alert, retried with backoff, never blocking the loop.

:meth:`WebhookSender.send` only puts the body on a queue; one worker task
posts them in order with aiohttp. A connection error, a time-out, a 5xx or
a 429 answer is retried after each delay of ``backoff`` (then the alert is
dropped with a log line naming the URL's host); another 4xx is not retried,
since sending the same body again would get the same answer. When the
queue is full the oldest alert is dropped: an alert storm must not grow
memory without bound.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from gui.errors import PumpkinPatchError

log = logging.getLogger(__name__)

BACKOFF_S = (1.0, 4.0, 15.0)
ATTEMPT_TIMEOUT_S = 10.0
QUEUE_SIZE = 100
RETRY_AFTER_MAX_S = 60.0


class WebhookError(PumpkinPatchError, ValueError):
    """The webhook URL is not usable; the message says what to write instead."""


def check_url(url: str) -> str:
    """Return ``url`` if it is an http(s) URL with a host.

    Raises:
        WebhookError: It is not.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookError(f"{url!r} is not a webhook URL; paste the https://... address "
                           "your Discord channel or Slack app gives you")
    return url.strip()


class WebhookSender:
    """Posts queued JSON bodies to one URL.

    Attributes:
        delivered: Bodies the receiver accepted (2xx).
        dropped: Bodies given up on.
        attempts: POSTs made.
    """

    def __init__(self, url: str, *, backoff: tuple[float, ...] = BACKOFF_S,
                 timeout: float = ATTEMPT_TIMEOUT_S,
                 on_dropped: Callable[[str], None] | None = None) -> None:
        """Create a sender (the worker starts with the first :meth:`send`).

        Args:
            url: The webhook (see :func:`check_url`).
            backoff: Seconds before each retry; ``len(backoff) + 1`` attempts in all.
            timeout: Seconds for one POST.
            on_dropped: Told why an alert was given up on (the console).
        """
        self.url = check_url(url)
        self.host = urlsplit(self.url).hostname or "?"
        self.backoff = backoff
        self.timeout = timeout
        self._on_dropped = on_dropped or (lambda _why: None)
        self._queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_SIZE)
        self._worker: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self.delivered = self.dropped = self.attempts = 0

    def send(self, body: dict[str, Any]) -> None:
        """Queue ``body`` for delivery; returns at once."""
        if self._queue.full():
            self._queue.get_nowait()
            self._drop("the alert queue is full; the oldest alert was dropped")
        self._queue.put_nowait(body)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._work(),
                                                                  name="webhook")

    async def drain(self) -> None:
        """Wait until every queued body was delivered or dropped (tests, shutdown)."""
        await self._queue.join()

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _work(self) -> None:
        while True:
            body = await self._queue.get()
            try:
                await self._deliver(body)
            finally:
                self._queue.task_done()

    async def _deliver(self, body: dict[str, Any]) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                headers={"User-Agent": "pumpkin-patch-alerts"})
        why, tries = "", 0
        for attempt in range(len(self.backoff) + 1):
            if attempt:
                await asyncio.sleep(self.backoff[attempt - 1])
            self.attempts += 1
            tries += 1
            try:
                async with self._session.post(self.url, json=body) as response:
                    if 200 <= response.status < 300:
                        self.delivered += 1
                        return
                    why = f"HTTP {response.status}"
                    if response.status != 429 and response.status < 500:
                        break  # the same body would get the same answer
                    if response.status == 429:
                        await self._wait_retry_after(response)
            except (aiohttp.ClientError, TimeoutError) as exc:
                why = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        self._drop(f"the webhook at {self.host} did not take an alert ({why}) after "
                   f"{tries} attempt(s); check [alerts] webhook_url")

    async def _wait_retry_after(self, response: aiohttp.ClientResponse) -> None:
        with contextlib.suppress(ValueError, TypeError):
            seconds = float(response.headers.get("Retry-After", "0"))
            await asyncio.sleep(min(max(seconds, 0.0), RETRY_AFTER_MAX_S))

    def _drop(self, why: str) -> None:
        self.dropped += 1
        log.warning("%s", why)
        self._on_dropped(why)
