"""The ``pumpkin-patch`` command.

``pumpkin-patch`` alone opens the window; ``--headless`` runs the server on
stdin/stdout; subcommands manage plugins, markets and benchmarks, one
module per group (``gui/cli/plugin.py``, ...). ``--basedir DIR`` /
``--temp-basedir`` work everywhere, before or after the subcommand, and put
every file the app touches under one folder.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from gui.cli import backup, bench, market, plugin, sdk, server
from gui.cli.common import protect_terminal
from gui.errors import PumpkinPatchError
from gui.paths import AppPaths

GROUPS = (plugin, market, bench, server, backup, sdk)


def _profile_options(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    """--basedir / --temp-basedir / -v, accepted before or after a subcommand."""
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--basedir", metavar="DIR",
                       default=None if top else argparse.SUPPRESS,
                       help="keep config, server, plugins, data and caches under DIR")
    where.add_argument("--temp-basedir", action="store_true",
                       default=False if top else argparse.SUPPRESS,
                       help="use a throw-away profile, deleted on exit")
    parser.add_argument("-v", "--verbose", action="store_true",
                        default=False if top else argparse.SUPPRESS,
                        help="log debug details to stderr")


class _VersionAction(argparse.Action):
    """``--version``: gui.appinfo's versions (imports the runtime only when asked)."""

    def __call__(self, parser: argparse.ArgumentParser, *_args: object) -> None:
        from gui.appinfo import version_text

        print(version_text())
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pumpkin-patch",
        description="Run a local server with sandboxed Pumpkin WebAssembly plugins.",
    )
    parser.add_argument("--version", action=_VersionAction, nargs=0,
                        help="print the versions of the app, wasmtime, the plugin world and "
                             "the value codec, and exit")
    _profile_options(parser, top=True)
    parser.add_argument("--headless", action="store_true",
                        help="run the server on stdin/stdout instead of opening the window")
    parser.add_argument("--json-log", action="store_true",
                        help="print console lines as JSON objects, one per line")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in GROUPS:
        group.register(commands, _profile_options)
    return parser


def resolve_paths(args: argparse.Namespace) -> AppPaths:
    if getattr(args, "temp_basedir", False):
        return AppPaths.temporary_profile()
    if getattr(args, "basedir", None):
        return AppPaths.under(args.basedir)
    return AppPaths.user_default()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    paths = resolve_paths(args)
    try:
        handler = getattr(args, "handler", None)
        if handler is not None:
            protect_terminal()  # plugin and source text is printed; see common.py
            return handler(args, paths)
        if args.headless:
            from gui.headless import run_headless

            return asyncio.run(run_headless(paths, json_log=args.json_log))
        return _open_window(args, paths)
    except KeyboardInterrupt:
        return 130
    except PumpkinPatchError as exc:  # meant for the admin: the message names what to do
        print(f"pumpkin-patch: {exc}", file=sys.stderr)
        return 1
    finally:
        paths.cleanup()


def _open_window(args: argparse.Namespace, paths: AppPaths) -> int:
    from gui.display_check import diagnose

    display = diagnose()  # Qt would abort (and dump core) with a message that helps nobody
    if not display.ok:
        print(display.message(), file=sys.stderr)
        return 1
    try:
        from gui.app import run_app
    except ImportError:
        # The window arrives with the desktop-application work; until then the
        # same core runs headless so the command still does something useful.
        print("pumpkin-patch: the window is not available in this build; "
              "running the server headless (type 'help', or 'stop' to quit)", file=sys.stderr)
        from gui.headless import run_headless

        return asyncio.run(run_headless(paths, json_log=args.json_log))
    return run_app(paths, json_log=args.json_log)
