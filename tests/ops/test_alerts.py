"""Webhook alerts, received by a real aiohttp server on 127.0.0.1.

A plugin trap reaches the receiver as Discord/Slack-compatible JSON; a
receiver that fails twice gets the third attempt; secrets never leave.
"""

from __future__ import annotations

import asyncio
import itertools
import json

from aiohttp import web

from gui.devkit.wat_build import build_fixture
from gui.ops import GuardSettings
from gui.ops.alerts import WebhookSender
from gui.runtime import Limits
from tests.harness import Session

LIMITS = Limits(memory_bytes=32 * 1024 * 1024, call_deadline=0.2, load_deadline=2.0)
PASSWORD = "hunter2-rcon-secret"
ENV_SECRET = "env-token-1234567"


class Receiver:
    """A webhook receiver: answers each POST with the next status of ``statuses``."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.bodies: list[dict] = []
        self.raw: list[bytes] = []
        self.statuses = list(statuses or [])
        self.arrived = asyncio.Event()
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        data = await request.read()
        self.raw.append(data)
        status = self.statuses.pop(0) if self.statuses else 204
        if status < 300:
            self.bodies.append(json.loads(data))
            self.arrived.set()
        return web.Response(status=status)

    async def __aenter__(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}/hook"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.runner is not None
        await self.runner.cleanup()


def write_config(paths, url: str, kinds: list[str]) -> None:
    paths.config_dir.mkdir(parents=True, exist_ok=True)
    paths.config_file.write_text(
        f'[alerts]\nwebhook_url = "{url}"\nwebhook = {json.dumps(kinds)}\n\n'
        f'[plugins.overrides.echo]\nenvironment = {{ TOKEN = "{ENV_SECRET}" }}\n')
    paths.server_dir.mkdir(parents=True, exist_ok=True)
    (paths.server_dir / "server.properties").write_text(f"rcon.password={PASSWORD}\n")


def test_a_plugin_trap_reaches_the_webhook_as_json_within_two_seconds(paths):
    async def scenario() -> None:
        async with Receiver() as receiver:
            write_config(paths, receiver.url, ["plugin-trapped", "plugin-quarantined"])
            session = Session(paths, limits=LIMITS)
            session.install(build_fixture("echo"), build_fixture("trap-in-event"))
            async with session:
                await session.run("playtest join Bob")
                await session.run("playtest chat Bob hello")
                await session.wait_until(lambda: any(
                    type(n).__name__ == "PluginFaulted" for n in session.notices),
                    what="the trap")
                await asyncio.wait_for(receiver.arrived.wait(), 2.0)
            (body,) = receiver.bodies
            assert body["alert"]["kind"] == "plugin-trapped"
            assert body["alert"]["plugin"] == "trap-in-event"
            assert body["content"] == body["text"]  # Discord reads content, Slack text (escaped)
            assert body["allowed_mentions"] == {"parse": []}  # a plugin's words ping nobody
            assert body["content"].startswith("trap-in-event trapped (unreachable): ")
            assert "restarts by itself" in body["content"]
            assert body["username"] == "Pumpkin Patch"

    asyncio.run(scenario())


def test_a_receiver_that_answers_500_twice_gets_the_third_attempt():
    async def scenario() -> None:
        async with Receiver([500, 500, 200]) as receiver:
            sender = WebhookSender(receiver.url, backoff=(0.01, 0.01, 0.01))
            sender.send({"content": "hello", "text": "hello"})
            await sender.drain()
            await sender.close()
            assert len(receiver.raw) == 3
            assert receiver.bodies == [{"content": "hello", "text": "hello"}]
            assert (sender.attempts, sender.delivered, sender.dropped) == (3, 1, 0)

    asyncio.run(scenario())


def test_a_receiver_that_keeps_failing_is_given_up_on_and_a_4xx_is_not_retried():
    async def scenario() -> None:
        dropped: list[str] = []
        async with Receiver([503, 503, 503, 400]) as receiver:
            sender = WebhookSender(receiver.url, backoff=(0.01, 0.01), on_dropped=dropped.append)
            sender.send({"content": "one"})
            sender.send({"content": "two"})
            await sender.drain()
            await sender.close()
            assert len(receiver.raw) == 4  # 3 tries of "one", 1 of "two"
            assert sender.dropped == 2
            assert "HTTP 503) after 3 attempt(s)" in dropped[0]
            assert "HTTP 400) after 1 attempt(s)" in dropped[1]
            assert "127.0.0.1" in dropped[0]

    asyncio.run(scenario())


def test_the_body_carries_no_rcon_password_or_environment_value(paths):
    async def scenario() -> None:
        async with Receiver() as receiver:
            write_config(paths, receiver.url, ["server-crashed"])
            session = Session(paths)
            ops = session.core.ops
            ops.guard.settings = GuardSettings(backoff_s=(0.0,))
            times = itertools.count(0.0, 60)
            ops.guard.clock = lambda: next(times)
            async with session:
                assert session.server.config.rcon_password == PASSWORD
                ticks = session.server.ticks
                real = ticks._tick

                def tick(loop):
                    ticks._tick = real
                    raise RuntimeError(f"login failed with {PASSWORD} and {ENV_SECRET}")

                ticks._tick = tick
                await asyncio.wait_for(receiver.arrived.wait(), 5.0)
                await session.wait_until(lambda: not ops.guard.busy, what="restart")
            (raw,) = receiver.raw
            assert PASSWORD.encode() not in raw
            assert ENV_SECRET.encode() not in raw
            body = json.loads(raw)
            assert body["alert"]["kind"] == "server-crashed"
            assert "login failed with [redacted] and [redacted]" in body["content"]
            # The console (local, the admin's own) still has the whole message.
            assert session.seen(PASSWORD, "server")

    asyncio.run(scenario())


def test_a_plugins_words_mention_nobody_on_discord_or_slack():
    from gui.ops.alerts.messages import Alert
    from gui.ops.alerts.router import webhook_body

    alert = Alert("plugin-notice", "notebook: @everyone", "<!channel> a & b <@U123>",
                  plugin="notebook")
    body = webhook_body(alert, redact=lambda text: text)
    assert body["allowed_mentions"] == {"parse": []}
    assert body["content"] == "notebook: @everyone: <!channel> a & b <@U123>"
    assert body["text"] == "notebook: @everyone: &lt;!channel&gt; a &amp; b &lt;@U123&gt;"
