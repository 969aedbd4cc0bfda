"""``pumpkin-patch backup create|list|restore NAME|prune``: backups of a profile.

These work on the files directly, for a profile whose server is not
running (a running server makes its own: type ``backup`` on its console,
or use the window's Backups page). ``restore`` backs up the current state
first, and refuses a damaged or crafted archive with nothing changed.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

from gui.cli.common import fail
from gui.paths import AppPaths


def register(commands: argparse._SubParsersAction, profile_options: Callable) -> None:
    backup = commands.add_parser("backup", help="make, list, restore and prune backups")
    profile_options(backup)
    verbs = backup.add_subparsers(dest="verb", metavar="VERB", required=True)
    create = verbs.add_parser("create", help="back up the server, plugins and their data")
    create.set_defaults(handler=cmd_create)
    listing = verbs.add_parser("list", help="list the backups, oldest first")
    listing.add_argument("--json", action="store_true", help="print one JSON array")
    listing.set_defaults(handler=cmd_list)
    restore = verbs.add_parser("restore", help="restore a backup (the current state is "
                                               "backed up first)")
    restore.add_argument("name", help="the backup's file name, as 'backup list' shows it")
    restore.set_defaults(handler=cmd_restore)
    prune = verbs.add_parser("prune", help="delete the oldest backups beyond [backups] keep")
    prune.add_argument("--keep", type=int, default=None, metavar="N",
                       help="keep N instead of the setting")
    prune.set_defaults(handler=cmd_prune)


def _service(paths: AppPaths, warn: Callable[[str], None] | None = None):
    from gui.ops import BackupService, OpsSettings
    from gui.settings import AppSettings

    def report(message: str) -> None:
        print(f"pumpkin-patch: {message}")

    settings = AppSettings.load(paths.config_file, warn=warn or report)
    ops = OpsSettings.from_settings(settings, warn or report)
    return BackupService(paths.ensure(), ops.backups)


def _size(size: int) -> str:
    return f"{size / (1 << 20):.1f} MiB"


def cmd_create(args: argparse.Namespace, paths: AppPaths) -> int:
    from gui.ops import BackupError

    service = _service(paths)
    try:
        info = service.create_now()
    except BackupError as exc:
        return fail(str(exc))
    print(f"Made {info.name} ({_size(info.size)}) in {service.folder}")
    return 0


def cmd_list(args: argparse.Namespace, paths: AppPaths) -> int:
    archives = _service(paths).list()
    if args.json:
        print(json.dumps([{"name": b.name, "size": b.size, "created": b.created,
                           "reason": b.reason, "path": str(b.path)} for b in archives]))
        return 0
    if not archives:
        print(f"No backups yet in {_service(paths).folder}; make one with "
              "'pumpkin-patch backup create'")
        return 0
    for info in archives:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(info.created))
        print(f"{info.name}  {when}  {_size(info.size):>10}  {info.reason}")
    return 0


def cmd_restore(args: argparse.Namespace, paths: AppPaths) -> int:
    from gui.ops import BackupError

    service = _service(paths)
    try:
        restored = service.restore_now(args.name)
    except BackupError as exc:
        return fail(str(exc))
    print(f"Restored {restored.name}; the state before it is in {restored.safety}")
    return 0


def cmd_prune(args: argparse.Namespace, paths: AppPaths) -> int:
    if args.keep is not None and args.keep < 0:
        return fail("--keep must be 0 or more")
    removed = _service(paths).prune(args.keep)
    for info in removed:
        print(f"Deleted {info.name}")
    print(f"{len(removed)} backup(s) deleted")
    return 0
