"""``pumpkin-patch server ...``: change the files a server owns while no server runs.

``server op|deop|ban|pardon|ban-ip|pardon-ip|whitelist|banlist ARGS...`` runs
the console command of that name on the profile's stopped server (the same
code as the console: gui/server/builtins.py), and ``server set KEY VALUE``
changes one ``server.properties`` value. These files (ops, bans, whitelist,
server.properties) belong to a running server, which keeps them in memory
and rewrites them: while one runs on the profile (it holds the profile lock,
gui/profile_lock.py) nothing is written behind its back, and the command says
how to make the change there instead.
"""

from __future__ import annotations

import argparse
import asyncio
import shlex
from collections.abc import Callable

from gui.cli.common import fail
from gui.paths import AppPaths
from gui.profile_lock import ProfileLock, ProfileLocked, lock_path

# The console commands that change a file the server owns.
COMMANDS = ("op", "deop", "ban", "pardon", "ban-ip", "pardon-ip", "whitelist", "banlist")


def register(commands: argparse._SubParsersAction, profile_options: Callable) -> None:
    server = commands.add_parser(
        "server", help="change ops, bans, the whitelist or server.properties of a stopped server")
    profile_options(server)
    server.add_argument("verb", choices=(*COMMANDS, "set"),
                        help="a console command, or 'set KEY VALUE' for server.properties")
    server.add_argument("args", nargs=argparse.REMAINDER,
                        help="its arguments, as typed on the console")
    server.set_defaults(handler=cmd_server)


def _line(args: argparse.Namespace) -> str:
    return " ".join([args.verb, *(shlex.quote(a) if " " in a else a for a in args.args)])


def running_server_message(holder: str, line: str, what: str) -> str:
    """What to say when a running server owns the file a command would change."""
    running = (f"a server is running on this profile ({holder}); it owns {what} and would "
               "overwrite a change made here. ")
    if line.startswith("set "):  # no console command sets a property
        return running + ("Change it in the window's Settings page, or stop the server "
                          "('stop' in its console) and run this again")
    return running + (f"Make the change there instead: type '{line}' in its console (the "
                      "window's Server page, or the terminal of --headless), or send it over "
                      f"RCON (e.g. mcrcon -p PASSWORD '{line}')")


def cmd_server(args: argparse.Namespace, paths: AppPaths) -> int:
    line = _line(args)
    what = "server.properties" if args.verb == "set" else "its ops, bans and whitelist"
    lock = ProfileLock(lock_path(paths.ensure()))
    try:
        lock.acquire("a 'pumpkin-patch server' command")
    except ProfileLocked as exc:
        holder = exc.holder.describe() if exc.holder else "another process"
        return fail(running_server_message(holder, line, what))
    try:
        if args.verb == "set":
            return _set_property(paths, args.args)
        return asyncio.run(_run_console_command(paths, line))
    finally:
        lock.release()


async def _run_console_command(paths: AppPaths, line: str) -> int:
    from gui.server.config import PROPERTIES_FILE, ServerConfig
    from gui.server.local_server import LocalServer

    problems: list[str] = []
    server = LocalServer(paths.server_dir)
    server.config = ServerConfig.load(paths.server_dir / PROPERTIES_FILE, warn=problems.append)
    server.console.subscribe(lambda entry: print(entry.message))
    for problem in problems:
        print(f"pumpkin-patch: {problem}")
    server.access.load()
    result = await server.execute_console(line)
    return 0 if result else 1


def _set_property(paths: AppPaths, values: list[str]) -> int:
    from dataclasses import fields

    from gui.server.config import PROPERTIES_FILE, ServerConfig

    if len(values) != 2:
        return fail("usage: pumpkin-patch server set KEY VALUE (e.g. server set motd 'Hello')")
    key, value = values
    path = paths.server_dir / PROPERTIES_FILE
    config = ServerConfig.load_or_create(path, warn=lambda _m: None)
    # The same parsing (and checks) as reading the file: one line of it.
    problems: list[str] = []
    escaped = value.replace("\\", "\\\\")
    single = ServerConfig.parse(f"{key}={escaped}", source=str(path), warn=problems.append)
    if problems:
        return fail(problems[0].split("; using the default")[0] + "; nothing was changed")
    spec = next((f for f in fields(ServerConfig) if f.metadata.get("key") == key), None)
    if spec is not None:
        setattr(config, spec.name, getattr(single, spec.name))
    else:
        config.extra[key] = single.extra[key]
    config.save(path)
    print(f"{path}: {key}={value} (the server reads it when it starts)")
    return 0
