"""``pumpkin-patch plugin ...``: inspect, add, list, remove, api-coverage, and permissions.

Permission verbs (they change ``<config_dir>/grants.json``; a running server
picks the change up within a second and reloads the plugin):

- ``add FILE.wasm``: on a terminal, asks one question per requested
  permission; without one, the plugin stays undecided and does not run.
  A new version of an installed plugin that requests nothing new inherits
  its grants; one that requests more waits in ``plugins/.staged`` for review.
- ``grants NAME``: what NAME requests, what it is granted, and why not.
- ``grant NAME PERM`` / ``revoke NAME PERM``: one permission at a time.
- ``approve NAME [--all|--none]`` / ``decline NAME``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from gui.cli import plugin_terminal as terminal
from gui.cli.common import fail, with_runtime
from gui.cli.plugin_add import cmd_add
from gui.paths import AppPaths

if TYPE_CHECKING:
    from gui.permissions import GrantStore, ReviewRequest
    from gui.plugins.inspect import Inspection


def register(commands: argparse._SubParsersAction, profile_options: Callable) -> None:
    plugin = commands.add_parser("plugin", help="inspect, add, list and remove plugins")
    profile_options(plugin)
    verbs = plugin.add_subparsers(dest="verb", metavar="VERB", required=True)
    inspect = verbs.add_parser("inspect", help="show a .wasm's metadata without running it")
    inspect.add_argument("file", type=Path)
    inspect.add_argument("--json", action="store_true", help="print one JSON object")
    inspect.set_defaults(handler=cmd_inspect)
    add = verbs.add_parser("add", help="check a .wasm, copy it into the plugins dir and "
                                       "decide its permissions")
    add.add_argument("file", type=Path)
    add.set_defaults(handler=cmd_add)
    grants = verbs.add_parser("grants", help="show what a plugin requests and is granted")
    grants.add_argument("name")
    grants.add_argument("--json", action="store_true", help="print one JSON object")
    grants.set_defaults(handler=cmd_grants)
    grant = verbs.add_parser("grant", help="grant one permission to an approved plugin")
    grant.add_argument("name")
    grant.add_argument("permission")
    grant.set_defaults(handler=cmd_grant)
    revoke = verbs.add_parser("revoke", help="take one permission away from a plugin")
    revoke.add_argument("name")
    revoke.add_argument("permission")
    revoke.set_defaults(handler=cmd_revoke)
    approve = verbs.add_parser("approve", help="approve a plugin (or its held update)")
    approve.add_argument("name")
    which = approve.add_mutually_exclusive_group()
    which.add_argument("--all", action="store_true",
                       help="grant every requested permission this host can grant")
    which.add_argument("--none", action="store_true",
                       help="let it run with no permissions")
    approve.set_defaults(handler=cmd_approve)
    decline = verbs.add_parser("decline", help="never run a plugin (or drop its held update)")
    decline.add_argument("name")
    decline.set_defaults(handler=cmd_decline)
    listing = verbs.add_parser("list", help="list installed plugins")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_list)
    remove = verbs.add_parser("remove", help="remove an installed plugin")
    remove.add_argument("name")
    remove.add_argument("--delete-data", action="store_true",
                        help="also delete the plugin's data folder")
    remove.set_defaults(handler=cmd_remove)
    hosts = verbs.add_parser("hosts", help="set the hosts a plugin's http.outbound reaches")
    hosts.add_argument("name")
    hosts.add_argument("host", nargs="*", help="HOST or HOST:PORT (none: show the list)")
    hosts.add_argument("--clear", action="store_true", help="empty the list")
    hosts.set_defaults(handler=cmd_hosts)
    coverage = verbs.add_parser("api-coverage",
                                help="which functions of Pumpkin's world this host implements")
    coverage.add_argument("--markdown", action="store_true", help="print a Markdown table")
    coverage.set_defaults(handler=cmd_api_coverage)
    for parser in (inspect, add, listing, remove, coverage, grants, grant, revoke, approve,
                   decline, hosts):
        profile_options(parser)


def cmd_hosts(args: argparse.Namespace, paths: AppPaths) -> int:
    from gui.cli.plugin_hosts import set_hosts

    return set_hosts(paths, args.name, args.host, clear=args.clear)


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
            *([("Also imports", ", ".join(found.extras))] if found.extras else []),
            ("SHA-256", found.sha256), ("Size", f"{found.size:,} bytes"),
            ("Not implemented here", f"{len(found.unimplemented)} imported functions"
             + (" (see --json)" if found.unimplemented else "")),
        ]
        width = max(len(k) for k, _ in rows)
        for key, value in rows:
            print(f"{key:<{width}}  {value}")
        return 0

    return asyncio.run(with_runtime(paths, work))


def _decide_interactively(review: ReviewRequest, store: GrantStore, *,
                          staged: Path | None = None, target: Path | None = None) -> bool:
    """Ask on the terminal and record the approval; False when left undecided."""
    name = review.plugin
    granted = terminal.review_on_terminal(review)
    if granted is None:
        return False
    store.approve(name, review.sha256, review.requested, granted)
    if staged is not None and target is not None:
        _copy_into(staged, target)
        staged.unlink(missing_ok=True)
    print(f"Approved {name} with: {terminal.listing(granted)}.")
    return True


def _copy_into(source: Path, target: Path) -> None:
    from gui.plugins.files import copy_plugin_file

    copy_plugin_file(source, target)


async def _find_installed(runtime, paths: AppPaths, name: str) -> Inspection | None:
    """The installed plugin called ``name`` (by file name first, then by metadata)."""
    from gui.plugins.inspect import InspectError, inspect_file

    direct = paths.plugin_file(name)
    candidates = [direct] if direct.is_file() else []
    candidates += [p for p in sorted(paths.plugins_dir.glob("*.wasm")) if p != direct]
    for path in candidates:
        try:
            found = await inspect_file(runtime, path)
        except InspectError:
            continue
        if found.metadata.name == name:
            return found
    return None


def _not_installed(paths: AppPaths, name: str) -> int:
    return fail(f"no plugin called {name!r} in {paths.plugins_dir} (see 'pumpkin-patch "
                "plugin list')")


def cmd_grants(args: argparse.Namespace, paths: AppPaths) -> int:
    from gui.permissions import DecisionState, build_review

    async def work(runtime) -> int:
        found = await _find_installed(runtime, paths, args.name)
        if found is None:
            return _not_installed(paths, args.name)
        md = found.metadata
        store, policy = terminal.grant_store(paths), terminal.policy(paths)
        decision = store.decision(md.name)
        current = decision.sha256 == found.sha256
        effective = (policy.effective(md.name, md.permissions, decision.granted)
                     if decision.state is DecisionState.APPROVED else frozenset())
        review = build_review(md, previous=None, policy=policy, sha256=found.sha256)
        rows = [{"permission": r.permission, "granted": r.permission in effective,
                 "risk": str(r.capability.risk), "description": r.capability.description,
                 "grantable": r.enabled or r.initially_checked,
                 "reason": r.reason or r.capability.reason, "reach": r.reach}
                for r in review.rows]
        staged = paths.staged_update(md.name)
        if args.json:
            print(json.dumps({"name": md.name, "version": md.version,
                              "state": str(decision.state), "sha256": found.sha256,
                              "decision_sha256": decision.sha256,
                              "granted": sorted(effective), "permissions": rows,
                              "pending_update": str(staged) if staged.exists() else None},
                             indent=2))
            return 0
        note = "" if current or not decision.decided else \
            " (decided for another version of its .wasm)"
        print(f"{md.name} {md.version}: {decision.state}{note}")
        if not rows:
            print("  requests no permissions")
        width = max((len(r["permission"]) for r in rows), default=0)
        for row in rows:
            mark = "x" if row["granted"] else (" " if row["grantable"] else "-")
            line = f"  [{mark}] {row['permission']:<{width}}  {row['risk']:<7} " \
                   f"{row['description']}"
            if not row["granted"] and row["reason"]:
                line += f" — {row['reason']}"
            if row["reach"]:
                line += f" — {row['reach']}"
            print(line)
        if staged.exists():
            print(f"  An update waits for review: {staged} ('pumpkin-patch plugin approve "
                  f"{md.name}')")
        return 0

    return asyncio.run(with_runtime(paths, work))


def cmd_grant(args: argparse.Namespace, paths: AppPaths) -> int:
    return _change_grant(args, paths, grant=True)


def cmd_revoke(args: argparse.Namespace, paths: AppPaths) -> int:
    return _change_grant(args, paths, grant=False)


def _change_grant(args: argparse.Namespace, paths: AppPaths, *, grant: bool) -> int:
    from gui.permissions import GrantError

    store, policy = terminal.grant_store(paths), terminal.policy(paths)
    name, permission = args.name, args.permission
    try:
        decision = store.grant(name, permission) if grant else store.revoke(name, permission)
    except GrantError as exc:
        return fail(str(exc))
    if grant and policy.is_blocked(name, permission):
        print(f"Note: {permission} is blocked by your policy (blocked_permissions in "
              f"{paths.config_file}); {name} will not get it while it is blocked.")
    verb = "Granted" if grant else "Revoked"
    print(f"{verb} {permission} {'to' if grant else 'from'} {name}; it now holds: "
          f"{terminal.listing(policy.effective(name, decision.requested, decision.granted))}.")
    terminal.print_next_load(name)
    return 0


def cmd_approve(args: argparse.Namespace, paths: AppPaths) -> int:
    from gui.permissions import build_review
    from gui.plugins.inspect import InspectError, inspect_file

    async def work(runtime) -> int:
        store, policy = terminal.grant_store(paths), terminal.policy(paths)
        staged = paths.staged_update(args.name)
        installed = await _find_installed(runtime, paths, args.name)
        if installed is None:
            return _not_installed(paths, args.name)
        found = installed
        if staged.exists():
            try:
                found = await inspect_file(runtime, staged)
            except InspectError as exc:
                return fail(f"the update waiting in {staged} is unusable ({exc}); delete it "
                            f"or run 'pumpkin-patch plugin decline {args.name}'")
        md = found.metadata
        previous = store.decision(md.name)
        review = build_review(md, previous=previous if previous.decided else None,
                              policy=policy, sha256=found.sha256)
        if args.all:
            granted = frozenset(r.permission for r in review.rows
                                if r.enabled or r.initially_checked)
        elif args.none:
            granted = frozenset()
        elif terminal.is_interactive():
            if _decide_interactively(review, store,
                                     staged=staged if found is not installed else None,
                                     target=installed.path):
                terminal.print_next_load(md.name)
            return 0
        else:
            return fail(f"say which permissions {md.name} gets: --all, --none, or run this "
                        "in a terminal to choose one by one "
                        f"('pumpkin-patch plugin grants {md.name}' lists them)")
        store.approve(md.name, found.sha256, md.permissions, granted)
        if found is not installed:
            _copy_into(staged, installed.path)
            staged.unlink(missing_ok=True)
            print(f"Installed the reviewed update {md.name} {md.version}.")
        effective = policy.effective(md.name, md.permissions, granted)
        print(f"Approved {md.name} with: {terminal.listing(effective)}.")
        refused = [r for r in review.rows if not r.enabled and not r.initially_checked]
        for row in refused:
            print(f"  not granted: {row.permission} — {row.reason or row.capability.reason}")
        terminal.print_next_load(md.name)
        return 0

    return asyncio.run(with_runtime(paths, work))


def cmd_decline(args: argparse.Namespace, paths: AppPaths) -> int:
    async def work(runtime) -> int:
        store = terminal.grant_store(paths)
        staged = paths.staged_update(args.name)
        if staged.exists():
            staged.unlink()
            print(f"Dropped the update of {args.name} that waited for review; the installed "
                  "version stays as it is.")
            return 0
        installed = await _find_installed(runtime, paths, args.name)
        if installed is None:
            return _not_installed(paths, args.name)
        md = installed.metadata
        store.decline(md.name, installed.sha256, md.permissions)
        print(f"Declined {md.name}: it will not run (on-load never runs) until you approve it "
              f"('pumpkin-patch plugin approve {md.name}').")
        return 0

    return asyncio.run(with_runtime(paths, work))


def cmd_list(args: argparse.Namespace, paths: AppPaths) -> int:
    from gui.permissions import GrantStore
    from gui.plugins.inspect import InspectError, inspect_file

    store = GrantStore(paths.grants_file)

    async def work(runtime) -> int:
        from gui.market.journal import consistent_view
        from gui.market.layout import MarketPaths

        market = MarketPaths(paths)
        # An install killed mid-commit is finished first: the list shows one state.
        with consistent_view(market.journal, market.lock_file):
            files = sorted(paths.plugins_dir.glob("*.wasm"))
        rows = []
        for path in files:
            try:
                found = await inspect_file(runtime, path)
            except InspectError as exc:
                rows.append({"file": path.name, "error": str(exc)})
                continue
            decision = store.decision(found.metadata.name)
            rows.append({"file": path.name, "name": found.metadata.name,
                         "version": found.metadata.version,
                         "permissions": list(found.metadata.permissions),
                         "decision": str(decision.state),
                         "granted": sorted(decision.granted),
                         "decided_for_this_file": decision.sha256 == found.sha256})
        if args.json:
            print(json.dumps(rows, indent=2))
            return 0
        if not rows:
            print(f"No plugins installed in {paths.plugins_dir}")
        for row in rows:
            if "error" in row:
                print(f"{row['file']:<24} BROKEN  {row['error']}")
                continue
            perms = ", ".join(row["permissions"]) or "no permissions"
            print(f"{row['name']:<24} {row['version']:<10} {_decision_text(row):<34} "
                  f"requests: {perms}")
        return 0

    return asyncio.run(with_runtime(paths, work))


def _decision_text(row: dict) -> str:
    """'approved: a, b', 'declined', 'undecided' (+ when it was decided for another file)."""
    text = row["decision"]
    if text == "approved":
        text += f": {', '.join(row['granted']) or 'nothing'}"
    if text != "undecided" and not row["decided_for_this_file"]:
        text += " (for another version)"
    return text


def cmd_remove(args: argparse.Namespace, paths: AppPaths) -> int:
    from gui.paths import unsafe_name_reason

    if reason := unsafe_name_reason(args.name):
        return fail(reason)
    target = paths.plugin_file(args.name)
    if not target.exists():
        return fail(f"no plugin called {args.name!r} in {paths.plugins_dir}")
    target.unlink()
    paths.staged_update(args.name).unlink(missing_ok=True)
    terminal.grant_store(paths).forget(args.name)
    if args.delete_data:
        paths.remove_plugin_data(args.name)
    print(f"Removed {args.name}")
    return 0


def cmd_api_coverage(args: argparse.Namespace, paths: AppPaths) -> int:
    from gui.hostapi.coverage import coverage_table, render_markdown, render_text

    table = coverage_table()
    print(render_markdown(table) if args.markdown else render_text(table))
    return 0
