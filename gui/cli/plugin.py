"""``pumpkin-patch plugin ...``: inspect, add, list, remove, api-coverage."""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
from collections.abc import Callable
from pathlib import Path

from gui.cli.common import fail, with_runtime
from gui.paths import AppPaths


def register(commands: argparse._SubParsersAction, profile_options: Callable) -> None:
    plugin = commands.add_parser("plugin", help="inspect, add, list and remove plugins")
    profile_options(plugin)
    verbs = plugin.add_subparsers(dest="verb", metavar="VERB", required=True)
    inspect = verbs.add_parser("inspect", help="show a .wasm's metadata without running it")
    inspect.add_argument("file", type=Path)
    inspect.add_argument("--json", action="store_true", help="print one JSON object")
    inspect.set_defaults(handler=cmd_inspect)
    add = verbs.add_parser("add", help="check a .wasm and copy it into the plugins dir")
    add.add_argument("file", type=Path)
    add.set_defaults(handler=cmd_add)
    listing = verbs.add_parser("list", help="list installed plugins")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_list)
    remove = verbs.add_parser("remove", help="remove an installed plugin")
    remove.add_argument("name")
    remove.add_argument("--delete-data", action="store_true",
                        help="also delete the plugin's data folder")
    remove.set_defaults(handler=cmd_remove)
    coverage = verbs.add_parser("api-coverage",
                                help="which functions of Pumpkin's world this host implements")
    coverage.add_argument("--markdown", action="store_true", help="print a Markdown table")
    coverage.set_defaults(handler=cmd_api_coverage)
    for parser in (inspect, add, listing, remove, coverage):
        profile_options(parser)


def cmd_inspect(args: argparse.Namespace, paths: AppPaths) -> int:
    from gui.plugins.inspect import InspectError, inspect_file

    async def work(runtime) -> int:
        try:
            found = await inspect_file(runtime, args.file)
        except InspectError as exc:
            return fail(str(exc))
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

    return asyncio.run(with_runtime(paths, work))


def cmd_add(args: argparse.Namespace, paths: AppPaths) -> int:
    from gui.plugins.inspect import InspectError, inspect_file

    async def work(runtime) -> int:
        try:
            found = await inspect_file(runtime, args.file)
        except InspectError as exc:
            return fail(str(exc))
        target = paths.plugins_dir / f"{found.metadata.name}.wasm"
        paths.plugins_dir.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.tmp")
        shutil.copyfile(args.file, tmp)
        tmp.replace(target)
        print(f"Added {found.metadata.name} {found.metadata.version} -> {target}")
        print("It loads the next time the server starts (or run 'plugin reload "
              f"{found.metadata.name}' in a running server).")
        return 0

    return asyncio.run(with_runtime(paths, work))


def cmd_list(args: argparse.Namespace, paths: AppPaths) -> int:
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
            return 0
        if not rows:
            print(f"No plugins installed in {paths.plugins_dir}")
        for row in rows:
            if "error" in row:
                print(f"{row['file']:<24} BROKEN  {row['error']}")
            else:
                perms = ", ".join(row["permissions"]) or "no permissions"
                print(f"{row['name']:<24} {row['version']:<10} {perms}")
        return 0

    return asyncio.run(with_runtime(paths, work))


def cmd_remove(args: argparse.Namespace, paths: AppPaths) -> int:
    if "/" in args.name or "\\" in args.name or args.name.startswith("."):
        return fail(f"{args.name!r} is not a plugin name")
    target = paths.plugins_dir / f"{args.name}.wasm"
    if not target.exists():
        return fail(f"no plugin called {args.name!r} in {paths.plugins_dir}")
    target.unlink()
    if args.delete_data:
        shutil.rmtree(paths.plugin_data_root / args.name, ignore_errors=True)
    print(f"Removed {args.name}")
    return 0


def cmd_api_coverage(args: argparse.Namespace, paths: AppPaths) -> int:
    from gui.hostapi.coverage import coverage_table, render_markdown, render_text

    table = coverage_table()
    print(render_markdown(table) if args.markdown else render_text(table))
    return 0
