"""crashy: misbehaves on purpose, so host developers can test fault handling.

Never install this on a real server.
"""

import sys
import time

from pumpkin_api import Plugin, command, metadata, register_plugin, server, text

KINDS = ("trap", "spin", "oom", "recurse", "sleep")
CHUNK = 16 * 1024 * 1024  # oom allocates in 16 MiB steps


class CrashyTrap(BaseException):
    """Deliberately a BaseException: the SDK turns an ordinary Exception into a
    polite command error, but lets this escape, and componentize-py answers an
    escaped exception by aborting the guest (a wasm trap)."""


def trap() -> None:
    raise CrashyTrap("crashy: deliberate trap")


def spin() -> None:
    # Never returns: only a host that interrupts guests (fuel, epochs) stops it.
    while True:
        pass


def sleep() -> None:
    # Blocks in a WASI wait (wasi:io/poll), where epoch interruption cannot
    # reach: only a host that bounds waits too gets control back in time.
    time.sleep(600)


def oom() -> None:
    hog = []
    try:
        while True:
            hog.append(bytearray(CHUNK))
    except MemoryError:
        mib = len(hog) * CHUNK // (1024 * 1024)
        hog.clear()  # free it so that reporting the failure still has memory
        raise MemoryError(f"crashy: out of memory after allocating {mib} MiB") from None


def recurse() -> None:
    # Lift Python's own limit; each level also goes through a C call (map), so
    # the recursion uses the real wasm stack rather than only heap frames.
    sys.setrecursionlimit(1_000_000)

    def dive(depth: int) -> int:
        return sum(map(dive, (depth + 1,)))

    dive(0)


CRASHES = {"trap": trap, "spin": spin, "oom": oom, "recurse": recurse, "sleep": sleep}


class Crashy(Plugin):
    def metadata(self) -> metadata.PluginMetadata:
        return metadata.PluginMetadata(
            name="crashy",
            version="1.0.0",
            authors=["Pumpkin Patch"],
            description="Fault plugin for host testing: /crash trap|spin|oom|recurse|sleep.",
            dependencies=[],
            permissions=[],
        )

    def on_load(self, ctx) -> None:
        crash_id = self.register_command_handler(self.crash)
        kind = command.CommandNode.argument(
            "kind", command.ArgumentType_String(command.StringType.SINGLE_WORD)
        )
        kind.execute_with_handler_id(crash_id)  # before `then` takes the node
        crash = command.Command(["crash"], "Crash this plugin: /crash trap|spin|oom|recurse|sleep")
        crash.then(kind)
        ctx.register_command(crash, "")

        # `/crashy` and `/crashy hello`: a cheap "is it still alive?" probe.
        hello_id = self.register_command_handler(self.hello)
        hello = command.CommandNode.literal("hello")
        hello.execute_with_handler_id(hello_id)
        crashy = command.Command(["crashy"], "Check that crashy is alive")
        crashy.then(hello)
        crashy.execute_with_handler_id(hello_id)
        ctx.register_command(crashy, "")

    def hello(self, sender: command.CommandSender, srv: server.Server, args) -> int:
        sender.send_message(text.TextComponent.text("crashy is alive"))
        return 1

    def crash(self, sender: command.CommandSender, srv: server.Server, args) -> int:
        value = args.get_value("kind")
        kind = value.value if isinstance(value, command.Arg_Simple) else ""
        if kind not in CRASHES:
            sender.send_error(
                text.TextComponent.text(f"Unknown crash kind '{kind}' (use {', '.join(KINDS)})")
            )
            return 0
        CRASHES[kind]()
        return 1


register_plugin(Crashy)
