"""The ``pumpkin-patch`` command.

``pumpkin-patch`` alone opens the window; ``--headless`` runs the server on
stdin/stdout; subcommands manage plugins (and, later, markets and
benchmarks). ``--basedir DIR`` / ``--temp-basedir`` work everywhere and put
every file the app touches under one folder.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import gui
from gui.paths import AppPaths

log = logging.getLogger("pumpkin_patch")


def _profile_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """--basedir / --temp-basedir / -v, accepted before or after a subcommand."""
    default = None if top else argparse.SUPPRESS
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--basedir", metavar="DIR", default=default,
                       help="keep config, server, plugins, data and caches under DIR")
    where.add_argument("--temp-basedir", action="store_true",
                       default=False if top else argparse.SUPPRESS,
                       help="use a throw-away profile, deleted on exit")
    parser.add_argument("-v", "--verbose", action="store_true",
                        default=False if top else argparse.SUPPRESS,
                        help="log debug details to stderr")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pumpkin-patch",
        description="Run a local server with sandboxed Pumpkin WebAssembly plugins.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {gui.__version__}")
    _profile_options(parser, top=True)
    parser.add_argument("--headless", action="store_true",
                        help="run the server on stdin/stdout instead of opening the window")
    parser.add_argument("--json-log", action="store_true",
                        help="print console lines as JSON objects, one per line")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    plugin = commands.add_parser("plugin", help="inspect, add, list and remove plugins")
    _profile_options(plugin, top=False)
    verbs = plugin.add_subparsers(dest="verb", metavar="VERB", required=True)
    inspect = verbs.add_parser("inspect", help="show a .wasm's metadata without running it")
    inspect.add_argument("file", type=Path)
    inspect.add_argument("--json", action="store_true", help="print one JSON object")
    _profile_options(inspect, top=False)
    add = verbs.add_parser("add", help="check a .wasm and copy it into the plugins dir")
    add.add_argument("file", type=Path)
    _profile_options(add, top=False)
    listing = verbs.add_parser("list", help="list installed plugins")
    listing.add_argument("--json", action="store_true")
    _profile_options(listing, top=False)
    remove = verbs.add_parser("remove", help="remove an installed plugin")
    remove.add_argument("name")
    remove.add_argument("--delete-data", action="store_true",
                        help="also delete the plugin's data folder")
    _profile_options(remove, top=False)
    coverage = verbs.add_parser("api-coverage",
                                help="which functions of Pumpkin's world this host implements")
    coverage.add_argument("--markdown", action="store_true", help="print a Markdown table")
    _profile_options(coverage, top=False)
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
        if args.command == "plugin":
            return _PLUGIN_VERBS[args.verb](args, paths)
        if args.headless:
            from gui.headless import run_headless

            return asyncio.run(run_headless(paths, json_log=args.json_log))
        return _open_window(args, paths)
    except KeyboardInterrupt:
        return 130
    finally:
        paths.cleanup()


def _open_window(args: argparse.Namespace, paths: AppPaths) -> int:
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


# -- plugin verbs -----------------------------------------------------------------------------

def _fail(message: str, code: int = 1) -> int:
    print(f"pumpkin-patch: {message}", file=sys.stderr)
    return code


async def _with_runtime(paths: AppPaths, work: Callable) -> int:
    from gui.runtime import PluginRuntime

    runtime = PluginRuntime(paths.ensure().compile_cache_dir)
    runtime.start()
    try:
        return await work(runtime)
    finally:
        await asyncio.to_thread(runtime.shutdown)


def _cmd_inspect(args: argparse.Namespace, paths: AppPaths) -> int:
    from gui.plugins.inspect import InspectError, inspect_file

    async def work(runtime) -> int:
        try:
            found = await inspect_file(runtime, args.file)
        except InspectError as exc:
            return _fail(str(exc))
        if args.json:
            print(json.dumps(found.as_dict(), indent=2))
            return 0
        md = found.metadata
        rows = [
            ("Name", md.name), ("Version", md.version),
            ("Authors", ", ".join(md.authors) or "-"), ("Description", md.description or "-"),
            ("Dependencies", ", ".join(md.dependencies) or "none"),
            ("Permissions", ", ".join(md.permissions) or "none"),
            ("World", f"pumpkin:plugin@{found.world_version}"),
            ("SHA-256", found.sha256), ("Size", f"{found.size:,} bytes"),
            ("Not implemented here", f"{len(found.unimplemented)} imported functions"
             + (" (see --json)" if found.unimplemented else "")),
        ]
        width = max(len(k) for k, _ in rows)
        for key, value in rows:
            print(f"{key:<{width}}  {value}")
        return 0

    return asyncio.run(_with_runtime(paths, work))


def _cmd_add(args: argparse.Namespace, paths: AppPaths) -> int:
    from gui.plugins.inspect import InspectError, inspect_file

    async def work(runtime) -> int:
        try:
            found = await inspect_file(runtime, args.file)
        except InspectError as exc:
            return _fail(str(exc))
        target = paths.plugins_dir / f"{found.metadata.name}.wasm"
        paths.plugins_dir.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        shutil.copyfile(args.file, tmp)
        tmp.replace(target)
        print(f"Added {found.metadata.name} {found.metadata.version} -> {target}")
        print("It loads the next time the server starts (or run 'plugin reload "
              f"{found.metadata.name}' in a running server).")
        return 0

    return asyncio.run(_with_runtime(paths, work))


def _cmd_list(args: argparse.Namespace, paths: AppPaths) -> int:
    from gui.plugins.inspect import InspectError, inspect_file

    async def work(runtime) -> int:
        rows = []
        for path in sorted(paths.plugins_dir.glob("*.wasm")):
            try:
                found = await inspect_file(runtime, path)
                rows.append({"file": path.name, "name": found.metadata.name,
                             "version": found.metadata.version,
                             "permissions": list(found.metadata.permissions)})
            except InspectError as exc:
                rows.append({"file": path.name, "error": str(exc)})
        if args.json:
            print(json.dumps(rows, indent=2))
        elif not rows:
            print(f"No plugins installed in {paths.plugins_dir}")
        for row in rows if not args.json else ():
            if "error" in row:
                print(f"{row['file']:<24} BROKEN  {row['error']}")
            else:
                perms = ", ".join(row["permissions"]) or "no permissions"
                print(f"{row['name']:<24} {row['version']:<10} {perms}")
        return 0

    return asyncio.run(_with_runtime(paths, work))


def _cmd_remove(args: argparse.Namespace, paths: AppPaths) -> int:
    target = paths.plugins_dir / f"{args.name}.wasm"
    if "/" in args.name or "\\" in args.name or args.name.startswith("."):
        return _fail(f"{args.name!r} is not a plugin name")
    if not target.exists():
        return _fail(f"no plugin called {args.name!r} in {paths.plugins_dir}")
    target.unlink()
    if args.delete_data:
        shutil.rmtree(paths.plugin_data_root / args.name, ignore_errors=True)
    print(f"Removed {args.name}")
    return 0


def _cmd_api_coverage(args: argparse.Namespace, paths: AppPaths) -> int:
    from gui.hostapi.coverage import coverage_table, render_markdown, render_text

    table = coverage_table()
    print(render_markdown(table) if args.markdown else render_text(table))
    return 0


_PLUGIN_VERBS: dict[str, Callable[[argparse.Namespace, AppPaths], int]] = {
    "inspect": _cmd_inspect,
    "add": _cmd_add,
    "list": _cmd_list,
    "remove": _cmd_remove,
    "api-coverage": _cmd_api_coverage,
}
