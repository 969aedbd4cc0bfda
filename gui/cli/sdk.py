"""``pumpkin-patch sdk new|build|run``: write, build and try plugins.

- ``new NAME --lang python|js`` writes a minimal project (gui/devkit/scaffold.py).
- ``build DIR -o FILE.wasm`` builds it: Python with Pumpkin's SDK
  (componentize-py), JavaScript with componentize-js from npm; against
  Pumpkin's world, or this project's (``world`` in pumpkin-plugin.toml,
  gui/devkit/project.py). Builds are cached by source hash.
- ``run DIR`` builds, installs into a temporary profile, grants what the
  plugin requests (it is the developer's own), starts the server with a
  playtest player named ``Dev``, and rebuilds and reloads on every save. A
  failed build keeps the running version and prints the compiler's message.
  Console commands are read from stdin (``playtest run Dev <command>``).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from gui.cli.common import fail
from gui.devkit import devkit_cache_dir
from gui.devkit.project import LANGUAGES, PluginProject
from gui.errors import PumpkinPatchError
from gui.paths import AppPaths

if TYPE_CHECKING:
    from gui.settings import AppSettings

log = logging.getLogger(__name__)

PLAYER = "Dev"
POLL_S = 0.5


def register(commands: argparse._SubParsersAction, profile_options: Callable) -> None:
    sdk = commands.add_parser("sdk", help="write, build and try plugins (Python or JavaScript)")
    verbs = sdk.add_subparsers(dest="verb", metavar="VERB", required=True)
    new = verbs.add_parser("new", help="write a minimal plugin project")
    new.add_argument("name", help="the plugin's name (letters, digits, _)")
    new.add_argument("--lang", choices=sorted(LANGUAGES), default="python")
    new.add_argument("--dir", type=Path, default=Path("."),
                     help="the folder to make it in (default: here)")
    new.set_defaults(handler=cmd_new)
    build = verbs.add_parser("build", help="build a plugin project into a .wasm")
    build.add_argument("project", type=Path)
    build.add_argument("-o", "--output", type=Path, default=None,
                       help="where to write it (default: PROJECT/NAME.wasm)")
    build.set_defaults(handler=cmd_build)
    run = verbs.add_parser("run", help="run a plugin project against a local server with a "
                                       "playtest player; rebuilt and reloaded on every save")
    run.add_argument("project", type=Path)
    run.add_argument("--http-host", action="append", default=[], metavar="HOST[:PORT]",
                     help="let the plugin's http.outbound reach this host (repeatable)")
    run.set_defaults(handler=cmd_run)


def cmd_new(args: argparse.Namespace, paths: AppPaths) -> int:
    from gui.devkit.scaffold import new_project

    folder = new_project(args.name, args.lang, args.dir)
    print(f"Wrote {folder} ({args.lang}). Build it with: pumpkin-patch sdk build {folder}")
    print(f"Try it on a local server: pumpkin-patch sdk run {folder}")
    return 0


def build_project(project: PluginProject) -> Path:
    """Build ``project`` (cached); the path of the built component in the cache."""
    from gui.devkit.sdk_build import build_plugin

    return build_plugin(project.directory, project.name, devkit_cache_dir() / "sdk")


def cmd_build(args: argparse.Namespace, paths: AppPaths) -> int:
    project = PluginProject.load(args.project)
    output = args.output or project.directory / f"{project.name}.wasm"
    print(f"Building {project.entry} ({project.language}, world {project.world})...",
          flush=True)
    built = build_project(project)
    output.parent.mkdir(parents=True, exist_ok=True)
    # Through a temporary file beside the target: never a half-written .wasm.
    with tempfile.NamedTemporaryFile(dir=output.parent, prefix=f".{output.name}.",
                                     delete=False) as tmp, built.open("rb") as src:
        shutil.copyfileobj(src, tmp)
    Path(tmp.name).replace(output)
    print(f"Wrote {output} ({output.stat().st_size / (1 << 20):.1f} MiB)")
    return 0


def cmd_run(args: argparse.Namespace, paths: AppPaths) -> int:
    project = PluginProject.load(args.project)
    dev = AppPaths.temporary_profile()
    try:
        settings = _dev_settings(project, args.http_host)
        return asyncio.run(_run(project, dev, settings))
    except PumpkinPatchError as exc:
        return fail(str(exc))
    finally:
        dev.cleanup()


def _dev_settings(project: PluginProject, hosts: list[str]) -> AppSettings:
    """The temporary profile's config: the developer's own plugin gets what it requests."""
    from gui.settings import AppSettings, SettingsError

    settings = AppSettings().with_plugins(ask_permission_confirmation=False)
    try:
        return settings.with_http_hosts(project.name, hosts) if hosts else settings
    except SettingsError as exc:
        raise PumpkinPatchError(f"--http-host: {exc}") from None


async def _run(project: PluginProject, dev: AppPaths, settings: AppSettings) -> int:
    from gui.core import ServerCore
    from gui.devkit.watch import ChangeWatcher
    from gui.headless import ConsolePrinter

    print(f"Building {project.entry}...", flush=True)
    built = await asyncio.to_thread(build_project, project)
    dev.ensure()
    settings.save(dev.config_file)
    dev.plugins_dir.mkdir(parents=True, exist_ok=True)
    installed = dev.plugins_dir / f"{project.name}.wasm"
    shutil.copyfile(built, installed)
    core = ServerCore(dev)
    core.build_samples = False  # only the developer's plugin
    core.console.subscribe(ConsolePrinter(sys.stdout))
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, core.server.request_stop)
    await core.start()
    print(f"sdk run: {project.name} is installed in a temporary profile and granted what it "
          "requests (it is your own plugin).", flush=True)
    await core.server.execute_console(f"playtest join {PLAYER}")
    print(f"sdk run: watching {project.directory}; type console commands, e.g. "
          f"'playtest run {PLAYER} <command>'; 'stop' or Ctrl+C ends.", flush=True)
    tasks = [asyncio.ensure_future(_watch(core, project, ChangeWatcher(project.directory))),
             asyncio.ensure_future(_console(core))]
    try:
        await core.wait_stopped()
    finally:
        for task in tasks:
            task.cancel()
        await core.stop()
    return 0


async def _watch(core, project: PluginProject, watcher) -> None:
    """Rebuild after each settled change; a failed build keeps the running version."""
    from gui.plugins import PluginError

    while True:
        await asyncio.sleep(POLL_S)
        if not await asyncio.to_thread(watcher.poll):
            continue
        print(f"sdk run: {project.directory.name} changed; rebuilding...", flush=True)
        try:
            built = await asyncio.to_thread(build_project, project)
            result = await core.plugins.stage_update(project.name, built)
        except (PumpkinPatchError, PluginError) as exc:
            print(f"sdk run: the build failed; the running version stays.\n{exc}", flush=True)
            continue
        except Exception as exc:  # e.g. a file vanishing mid-scan: keep watching
            log.exception("sdk run: rebuilding %s failed", project.directory)
            print(f"sdk run: rebuilding failed ({type(exc).__name__}: {exc}); the running "
                  "version stays, and the next save tries again.", flush=True)
            continue
        print(f"sdk run: {result.message}", flush=True)


async def _console(core) -> None:
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str | None] = asyncio.Queue()

    def read() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(lines.put_nowait, line)
        loop.call_soon_threadsafe(lines.put_nowait, None)

    threading.Thread(target=read, name="stdin", daemon=True).start()
    while (line := await lines.get()) is not None:
        if line.strip():
            await core.server.execute_console(line)
