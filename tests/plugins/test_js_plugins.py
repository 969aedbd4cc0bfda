"""Plugins built with the JavaScript toolchain (componentize-js from npm), in a real session.

Such components import ``wasi:http`` (fetch); the host links it behind the
http.outbound permission and the admin's host list (gui/runtime/http_gate.py).
The listener is a real HTTP server on 127.0.0.1 that records every request.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.server
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator

import pytest

from gui.cli import main as cli_main
from gui.devkit.sdk_build import SAMPLES_DIR
from gui.plugins import PluginState
from tests.harness import Session
from tests.permissions.perm_support import write_config
from tests.sdk_plugins import js_test_plugin

pytestmark = pytest.mark.sdk


class Listener:
    """An HTTP server on 127.0.0.1 that answers ``pong`` and remembers each path."""

    def __init__(self, delay: float = 0.0) -> None:
        paths = self.paths = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                paths.append(self.path)
                time.sleep(delay)
                body = b"pong"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


# For tests that expect a request to get through: a request's timeouts are 40%
# of the call deadline (80 ms by default), too tight for a loaded test machine.
ROOMY = '[plugins]\nallowed_permissions = ["http.outbound"]\ncall_deadline_ms = 2000\n'


def hosts_for_fetcher(*hosts: str) -> str:
    listed = ", ".join(f'"{h}"' for h in hosts)
    return f"[plugins.overrides.fetcher]\nhttp_hosts = [{listed}]\n"


@pytest.fixture(scope="module")
def fetcher_wasm():
    return js_test_plugin("fetcher")


@contextlib.asynccontextmanager
async def fetcher_session(paths, fetcher_wasm) -> AsyncIterator[Session]:
    """A running core with the fetcher installed (config.toml written first)."""
    session = Session(paths)
    session.install(fetcher_wasm)
    async with session:
        yield session


async def _fetch(session: Session, url: str) -> str:
    start = len(session.lines)
    await session.run(f"playtest run Alice fetch {url}")
    line = await session.wait_for(r"^Alice <- feedback: fetch", "playtest", start=start,
                                  timeout=30)
    return line.split("feedback: ", 1)[1]


def test_js_sample_greets_and_answers_its_command(paths, tmp_path):
    built = tmp_path / "hello_js.wasm"  # built as a plugin developer would
    assert cli_main(["sdk", "build", str(SAMPLES_DIR / "hello_js"), "-o", str(built)]) == 0

    async def scenario() -> None:
        session = Session(paths)
        session.install(built)
        async with session:
            plugin = session.plugins.get("hello_js")
            assert plugin.state is PluginState.RUNNING, plugin.error
            start = len(session.lines)
            await session.run("playtest join Alice")
            await session.wait_for(r"^Alice <- system: Hello from JavaScript, Alice!$",
                                   "playtest", start=start)
            start = len(session.lines)
            await session.run("playtest run Alice hello")
            await session.wait_for(r"^Alice <- feedback: Hello, Alice! \(from JavaScript\)$",
                                   "playtest", start=start)
            start = len(session.lines)
            await session.run("playtest run Alice hello Steve")
            await session.wait_for(r"^Alice <- feedback: Hello, Steve! \(from JavaScript\)$",
                                   "playtest", start=start)

    asyncio.run(scenario())


def test_http_without_the_permission_is_an_error_value_and_nothing_is_sent(
        paths, listener, fetcher_wasm):
    write_config(paths, '[plugins]\nask_permission_confirmation = false\n'
                        'blocked_permissions = ["http.outbound"]\n'
                        + hosts_for_fetcher(f"127.0.0.1:{listener.port}"))

    async def scenario() -> None:
        async with fetcher_session(paths, fetcher_wasm) as session:
            plugin = session.plugins.get("fetcher")
            assert plugin.state is PluginState.RUNNING, plugin.error
            await session.run("playtest join Alice")
            reply = await _fetch(session, f"http://127.0.0.1:{listener.port}/secret")
            assert reply.startswith("fetch failed"), reply
            assert listener.paths == []
            # Said in the plugin's log, naming the permission; the plugin and server run on.
            await session.wait_for(r"lacks the http\.outbound permission", "fetcher")
            assert plugin.state is PluginState.RUNNING
            ticks = session.server.ticks.tick_count
            await session.wait_until(lambda: session.server.ticks.tick_count > ticks + 2)

    asyncio.run(scenario())


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_http_granted_reaches_only_the_listed_hosts(paths, listener, fetcher_wasm):
    closed = _closed_port()
    write_config(paths, ROOMY + hosts_for_fetcher(f"127.0.0.1:{listener.port}",
                                                  f"127.0.0.1:{closed}"))

    async def scenario() -> None:
        async with fetcher_session(paths, fetcher_wasm) as session:
            plugin = session.plugins.get("fetcher")
            assert plugin.state is PluginState.RUNNING, plugin.error
            assert "http.outbound" in plugin.scope.granted
            await session.run("playtest join Alice")
            reply = await _fetch(session, f"http://127.0.0.1:{listener.port}/hello?x=1")
            assert reply == "fetched 200 pong"
            assert listener.paths == ["/hello?x=1"]
            # Same machine, other name: not on the list.
            reply = await _fetch(session, f"http://localhost:{listener.port}/other")
            assert reply.startswith("fetch failed"), reply
            assert listener.paths == ["/hello?x=1"]
            await session.wait_for(r"not in its allowed hosts", "fetcher")
            # Listed, but nobody listens: an error value too, and nothing traps.
            reply = await _fetch(session, f"http://127.0.0.1:{closed}/")
            assert reply.startswith("fetch failed"), reply
            assert plugin.state is PluginState.RUNNING and not plugin.faults

    asyncio.run(scenario())


def test_a_slow_host_is_an_error_value_within_the_deadline_not_a_trap(paths, fetcher_wasm):
    slow = Listener(delay=1.0)  # longer than the 200 ms call deadline
    write_config(paths, '[plugins]\nallowed_permissions = ["http.outbound"]\n'
                        + hosts_for_fetcher(f"127.0.0.1:{slow.port}"))

    async def scenario() -> None:
        async with fetcher_session(paths, fetcher_wasm) as session:
            plugin = session.plugins.get("fetcher")
            await session.run("playtest join Alice")
            reply = await _fetch(session, f"http://127.0.0.1:{slow.port}/slow")
            assert reply.startswith("fetch failed"), reply
            assert slow.paths == ["/slow"]  # it went out, and timed out in time
            assert plugin.state is PluginState.RUNNING and not plugin.faults

    try:
        asyncio.run(scenario())
    finally:
        slow.close()


def test_hosts_changed_while_it_runs_apply_at_once(paths, listener, fetcher_wasm, capsys):
    second = Listener()
    write_config(paths, ROOMY + hosts_for_fetcher(f"127.0.0.1:{listener.port}"))

    async def scenario() -> None:
        async with fetcher_session(paths, fetcher_wasm) as session:
            await session.run("playtest join Alice")
            assert await _fetch(session, f"http://127.0.0.1:{listener.port}/a") == \
                "fetched 200 pong"
            start = len(session.lines)
            # The admin's command, beside the running server.
            assert await asyncio.to_thread(cli_main, [
                "--basedir", str(paths.data_dir.parent), "plugin", "hosts", "fetcher",
                f"127.0.0.1:{second.port}"]) == 0
            await session.wait_for(r"Applied the changed config\.toml; reloaded fetcher$",
                                   "settings", start=start)
            await session.wait_until(
                lambda: session.plugins.get("fetcher").state is PluginState.RUNNING)
            got = await _fetch(session, f"http://127.0.0.1:{second.port}/b")
            assert got == "fetched 200 pong", (got, session.messages("fetcher")[-8:],
                                               session.messages("settings")[-4:])
            reply = await _fetch(session, f"http://127.0.0.1:{listener.port}/c")
            assert reply.startswith("fetch failed"), reply
            assert listener.paths == ["/a"] and second.paths == ["/b"]

    try:
        asyncio.run(scenario())
    finally:
        second.close()
    assert "a running server applies it within a second" in capsys.readouterr().out
