"""``pumpkin-patch market ...``: sources, search, install, update, and hosting a repository.

Using repositories::

    market add-source URL [--key HEX] [--name NAME] [--yes]
    market sources | remove-source NAME
    market search [QUERY] [--source NAME] [--category C] [--json]
    market info ID|NAME [--source NAME] [--json]
    market install ID|NAME|FILE.wasm [--source NAME] [--allow-unsigned]
    market installed [--json]
    market update [NAME | --all]
    market rollback NAME
    market uninstall NAME [--keep-data]

Hosting one (anyone can)::

    market keygen KEYFILE                      # prints the public key (hex)
    market publish FILE.wasm --repo DIR --key KEYFILE [--category C] [--description D]
    market serve DIR [--host 127.0.0.1] [--port N]
    market build-samples                       # the built-in samples source, built now

Permission questions are asked on a terminal; without one a new plugin is
installed undecided (it does not run until reviewed, as with ``plugin
add``) and an update that asks for more is held while the old version runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from gui.cli.common import fail, with_runtime
from gui.market import Marketplace
from gui.paths import AppPaths
from gui.runtime import PluginRuntime


def is_interactive() -> bool:
    """Whether questions can be asked (stdin is a terminal); tests replace this."""
    return sys.stdin.isatty()


def ask(question: str) -> str:
    """Read one answer from the terminal; tests replace this."""
    return input(question)


def register(commands: argparse._SubParsersAction, profile_options: Callable) -> None:
    market = commands.add_parser("market", help="plugin repositories: search, install, "
                                                "update, publish, serve")
    profile_options(market)
    verbs = market.add_subparsers(dest="verb", metavar="VERB", required=True)

    def verb(name: str, handler: Callable, help: str) -> argparse.ArgumentParser:
        parser = verbs.add_parser(name, help=help)
        parser.set_defaults(handler=handler)
        profile_options(parser)
        return parser

    p = verb("add-source", cmd_add_source, "add a repository, pinned to its key")
    p.add_argument("url")
    p.add_argument("--key", metavar="HEX", help="the repository's Ed25519 public key (hex); "
                                                "without it, its fingerprint is shown to confirm")
    p.add_argument("--name", help="what to call the source (default: its own name)")
    p.add_argument("--yes", action="store_true", help="trust the announced key without asking")
    verb("sources", cmd_sources, "list the pinned sources")
    p = verb("remove-source", cmd_remove_source, "forget a source")
    p.add_argument("name")
    p = verb("search", cmd_search, "search every source")
    p.add_argument("query", nargs="?", default="")
    p.add_argument("--source")
    p.add_argument("--category")
    p.add_argument("--json", action="store_true")
    p = verb("info", cmd_info, "show one plugin and its versions")
    p.add_argument("ref", metavar="ID|NAME")
    p.add_argument("--source")
    p.add_argument("--json", action="store_true")
    p = verb("install", cmd_install, "download, verify, review and install a plugin")
    p.add_argument("ref", metavar="ID|NAME|FILE.wasm")
    p.add_argument("--source")
    p.add_argument("--allow-unsigned", action="store_true",
                   help="install a file that no trusted key signed (sideloading)")
    p = verb("installed", cmd_installed, "what is installed from where")
    p.add_argument("--json", action="store_true")
    p = verb("update", cmd_update, "update one plugin or all")
    p.add_argument("name", nargs="?")
    p.add_argument("--all", action="store_true")
    p = verb("rollback", cmd_rollback, "go back to the version before the last update")
    p.add_argument("name")
    p = verb("uninstall", cmd_uninstall, "remove a plugin")
    p.add_argument("name")
    p.add_argument("--keep-data", action="store_true", help="keep its data folder")
    p = verb("keygen", cmd_keygen, "write a new Ed25519 signing key")
    p.add_argument("keyfile", type=Path)
    p = verb("publish", cmd_publish, "sign a plugin and add it to a repository directory")
    p.add_argument("file", type=Path)
    p.add_argument("--repo", type=Path, required=True)
    p.add_argument("--key", type=Path, required=True)
    p.add_argument("--category", default="")
    p.add_argument("--description", default="")
    p = verb("serve", cmd_serve, "serve a repository directory over HTTP")
    p.add_argument("dir", type=Path)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    verb("build-samples", cmd_build_samples, "build and publish the built-in samples source")


# -- helpers -------------------------------------------------------------------------------
def _progress(step: str, done: int, total: int | None) -> None:
    if step == "download":
        if total:
            print(f"\r  download {done * 100 // total:3d}% of {total:,} bytes", end="",
                  file=sys.stderr, flush=True)
            if done >= total:
                print(file=sys.stderr)
        return
    print(f"  {step} ...", file=sys.stderr, flush=True)


async def _console_review(request: Any) -> set[str] | None:
    """The review as console questions; no terminal: decide later."""
    from gui.market import ReviewDeferred
    from gui.permissions.prompt import PromptAborted, ask_review

    if not is_interactive():
        raise ReviewDeferred
    try:
        granted = ask_review(request, ask, print)
        answer = ask(f"Install {request.plugin} {request.version} with "
                     f"{', '.join(sorted(granted)) or 'no permissions'}? [Y/n] ")
    except (PromptAborted, EOFError, KeyboardInterrupt):
        raise ReviewDeferred from None
    if answer.strip().lower() in ("n", "no"):
        return None
    return set(granted)


def _run_market(paths: AppPaths, work: Callable[[Any], Awaitable[int]], *,
                runtime: bool = True) -> int:
    """Run ``work(market)`` with a Marketplace (recovered, samples served)."""
    from gui.market import InstallError, Marketplace, SourceConfigError, SourceError
    from gui.market.journal import JournalError
    from gui.market.lockfile import LockfileError
    from gui.market.signing import SigningKeyError

    async def with_market(rt: Any) -> int:
        market = Marketplace(paths, rt)
        try:
            market.recover()
            await market.start_embedded(build=False)
            return await work(market)
        except (InstallError, SourceError, SourceConfigError, JournalError, LockfileError,
                SigningKeyError) as exc:
            return fail(str(exc))
        finally:
            await market.close()

    if runtime:
        return asyncio.run(with_runtime(paths, with_market))
    return asyncio.run(with_market(None))


def _print_result(result: Any) -> None:
    print(result.message)
    if result.signer:
        print(f"  signed by {result.signer} ({result.signature})")
    elif result.signature != "verified":
        print(f"  signature: {result.signature}")
    if result.granted is not None and result.permissions:
        print(f"  granted: {', '.join(sorted(result.granted)) or 'nothing'}")
    elif result.granted is None and result.outcome == "installed":
        print(f"  It does not run until its permissions are reviewed: "
              f"'pumpkin-patch plugin approve {result.name}' (or in the window).")
    if result.unimplemented:
        print(f"  note: {len(result.unimplemented)} imported functions are not available "
              "in Pumpkin Patch (calls to them fail)")


# -- sources ---------------------------------------------------------------------------------
def cmd_add_source(args: argparse.Namespace, paths: AppPaths) -> int:
    async def work(market: Marketplace) -> int:
        key = args.key
        if key is None:
            candidate = await market.add_source(args.url, None, name=args.name)
            print(f"{candidate.url} announces the key {candidate.fingerprint}")
            print(f"  ({candidate.public_key_hex})")
            if not args.yes:
                if not is_interactive():
                    return fail("not adding it without confirmation: check the fingerprint "
                                "with the repository's owner, then run again with --key HEX "
                                "or --yes")
                if ask("Trust this key for this source? [y/N] ").strip().lower() not in (
                        "y", "yes"):
                    print("Not added.")
                    return 1
            key = candidate.public_key_hex
        added = await market.add_source(args.url, key, name=args.name)
        print(f"Added source {added.name!r} ({added.url}), pinned to {added.fingerprint}")
        return 0

    return _run_market(paths, work, runtime=False)


def cmd_sources(args: argparse.Namespace, paths: AppPaths) -> int:
    async def work(market: Marketplace) -> int:
        for source in market.sources():
            tag = " (built in)" if source.builtin else ""
            print(f"{source.name}{tag}  {source.url}  {source.fingerprint}  {source.state}")
        return 0

    return _run_market(paths, work, runtime=False)


def cmd_remove_source(args: argparse.Namespace, paths: AppPaths) -> int:
    async def work(market: Marketplace) -> int:
        removed = market.remove_source(args.name)
        print(f"Removed source {removed.name!r}; plugins installed from it stay installed")
        return 0

    return _run_market(paths, work, runtime=False)


# -- browsing ------------------------------------------------------------------------------------
def cmd_search(args: argparse.Namespace, paths: AppPaths) -> int:
    async def work(market: Marketplace) -> int:
        results = await market.search(args.query, source=args.source, category=args.category)
        if args.json:
            print(json.dumps({"results": [asdict(r) for r in results],
                              "problems": results.problems}, indent=2))
        else:
            if not results:
                print("No plugins found.")
            for item in results:
                perms = ", ".join(item.permissions or ()) or "no permissions"
                print(f"{item.id:<24} {item.name:<16} {item.version:<9} [{item.source}, "
                      f"signer {item.signer}]  {perms}")
                if item.description:
                    print(f"{'':<24} {item.description}")
        for source, problem in results.problems.items():
            print(f"pumpkin-patch: source {source!r}: {problem}", file=sys.stderr)
        for status in market.sources():
            if status.builtin and status.state == "not built":
                print(f"pumpkin-patch: the {status.name!r} source is empty until the samples "
                      "are built: run 'pumpkin-patch market build-samples' (or start the app)",
                      file=sys.stderr)
        return 0

    return _run_market(paths, work, runtime=False)


def cmd_info(args: argparse.Namespace, paths: AppPaths) -> int:
    async def work(market: Marketplace) -> int:
        listing = await market.find(args.ref, args.source)
        details = await market.details(listing)
        if args.json:
            print(json.dumps({**asdict(details.listing),
                              "versions": [asdict(v) for v in details.versions]}, indent=2))
            return 0
        item = details.listing
        rows = [("Name", item.name), ("Id", item.id), ("Version", item.version),
                ("Source", item.source), ("Signer", item.signer),
                ("Authors", ", ".join(item.authors) or item.dev_name or "-"),
                ("Description", item.description or "-"), ("Category", item.category or "-"),
                ("Permissions", ", ".join(item.permissions or ()) or "none"),
                ("World", f"pumpkin:plugin@{item.world_version or '?'}"),
                ("SHA-256", item.sha256 or "-"),
                ("Size", f"{item.size:,} bytes" if item.size is not None else "-"),
                ("Versions", ", ".join(v.version for v in details.versions))]
        width = max(len(k) for k, _ in rows)
        for key, value in rows:
            print(f"{key:<{width}}  {value}")
        return 0

    return _run_market(paths, work, runtime=False)


# -- installing ------------------------------------------------------------------------------------
def cmd_install(args: argparse.Namespace, paths: AppPaths) -> int:
    async def work(market: Marketplace) -> int:
        ref = args.ref
        if ref.endswith(".wasm") and Path(ref).is_file():
            result = await market.install_file(Path(ref), _console_review, _progress,
                                               allow_unsigned=args.allow_unsigned or None)
        else:
            listing = await market.find(ref, args.source)
            result = await market.install(listing, _console_review, _progress)
        _print_result(result)
        return 0 if result.outcome != "declined" else 1

    return _run_market(paths, work)


def cmd_installed(args: argparse.Namespace, paths: AppPaths) -> int:
    async def work(market: Marketplace) -> int:
        entries = market.installed()
        if args.json:
            print(json.dumps([e.to_toml() for e in entries], indent=2))
            return 0
        if not entries:
            print("Nothing installed from the marketplace.")
        for e in entries:
            extra = f"; previous {e.previous.version}" if e.previous else ""
            extra += f"; {e.held.version} held for review" if e.held else ""
            print(f"{e.name:<16} {e.version:<9} from {e.source or 'a file'} "
                  f"({e.signature}{', ' + e.signer if e.signer else ''}){extra}")
        return 0

    return _run_market(paths, work, runtime=False)


def cmd_update(args: argparse.Namespace, paths: AppPaths) -> int:
    if not args.all and not args.name:
        return fail("name a plugin to update, or pass --all")

    async def work(market: Marketplace) -> int:
        names = [args.name] if args.name else [e.name for e in market.installed() if e.source]
        status = 0
        for name in names:
            from gui.market import InstallError

            try:
                result = await market.update(name, _console_review, _progress)
            except InstallError as exc:
                status = fail(str(exc))
                continue
            _print_result(result)
        return status

    return _run_market(paths, work)


def cmd_rollback(args: argparse.Namespace, paths: AppPaths) -> int:
    async def work(market: Marketplace) -> int:
        result = await market.rollback(args.name)
        print(result.message)
        return 0

    return _run_market(paths, work, runtime=False)


def cmd_uninstall(args: argparse.Namespace, paths: AppPaths) -> int:
    async def work(market: Marketplace) -> int:
        await market.uninstall(args.name, keep_data=args.keep_data)
        kept = " (its data folder is kept)" if args.keep_data else ""
        print(f"Uninstalled {args.name}{kept}")
        return 0

    return _run_market(paths, work, runtime=False)


# -- hosting -------------------------------------------------------------------------------------
def cmd_keygen(args: argparse.Namespace, paths: AppPaths) -> int:
    from gui.market.signing import (
        SigningKeyError,
        fingerprint,
        generate_key,
        public_key_hex,
        save_private_key,
    )

    key = generate_key()
    try:
        save_private_key(args.keyfile, key)
    except SigningKeyError as exc:
        return fail(str(exc))
    print(public_key_hex(key))
    print(f"Wrote the private key to {args.keyfile} (keep it secret); fingerprint "
          f"{fingerprint(public_key_hex(key))}", file=sys.stderr)
    return 0


def cmd_publish(args: argparse.Namespace, paths: AppPaths) -> int:
    from gui.market.repository import Repository, RepositoryError
    from gui.market.signing import SigningKeyError, load_private_key
    from gui.plugins.files import read_plugin_file
    from gui.plugins.inspect import InspectError, inspect_file

    try:
        key = load_private_key(args.key)
    except SigningKeyError as exc:
        return fail(str(exc))

    async def work(runtime: PluginRuntime) -> int:
        try:
            found = await inspect_file(runtime, args.file)
        except InspectError as exc:
            return fail(str(exc))
        md = found.metadata
        try:
            plugin, version = Repository(args.repo).publish(
                read_plugin_file(args.file), name=md.name, version=md.version, key=key,
                authors=list(md.authors), description=args.description or md.description,
                permissions=list(md.permissions), world_version=found.world_version,
                category=args.category)
        except RepositoryError as exc:
            return fail(str(exc))
        print(plugin.public_id)
        print(f"Published {md.name} {version.version} into {args.repo} "
              f"(sha256 {version.sha256})", file=sys.stderr)
        return 0

    return asyncio.run(with_runtime(paths, work))


def cmd_serve(args: argparse.Namespace, paths: AppPaths) -> int:
    from gui.market.repository import Repository, RepositoryError
    from gui.market.server import RepositoryServer
    from gui.market.signing import fingerprint

    repo = Repository(args.dir)
    try:
        key = repo.public_key_hex
    except RepositoryError as exc:
        return fail(str(exc))

    async def serve() -> int:
        server = RepositoryServer(args.dir, args.host, args.port)
        try:
            url = await server.start()
        except RepositoryError as exc:
            return fail(str(exc))
        print(f"Serving {args.dir} at {url}", flush=True)
        print(f"Key {fingerprint(key)}; add it with: pumpkin-patch market add-source {url} "
              f"--key {key}", flush=True)
        try:
            await asyncio.Event().wait()
        finally:
            await server.stop()
        return 0

    return asyncio.run(serve())


def cmd_build_samples(args: argparse.Namespace, paths: AppPaths) -> int:
    async def work(market: Marketplace) -> int:
        print("Building the sample plugins (about 16 s each the first time; cached after) ...",
              file=sys.stderr, flush=True)
        await market.embedded.build()
        state = market.embedded.state
        if state != "ready":
            return fail(f"samples source: {state}")
        for item in await market.search("", source="samples"):
            print(f"{item.id:<24} {item.name:<14} {item.version}")
        return 0

    return _run_market(paths, work)
