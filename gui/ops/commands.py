"""Console commands of the operations: ``backup`` and ``schedule`` (op level 4).

``backup`` makes a backup; ``backup list`` lists them; ``backup restore NAME``
restores one (the server stops and starts again). ``schedule list`` shows
each schedule with its last and next run; ``schedule run NAME`` runs one
now. A restore or a scheduled run is started outside the command, since it
may stop the server the command runs in (over RCON, the connection closes).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from gui.ops.backups import BackupError
from gui.server.arguments import StringArgument
from gui.server.commands import Command, CommandContext, CommandError, CommandNode

if TYPE_CHECKING:
    from gui.ops.service import Operations
    from gui.server.instance import ServerInstance

OWNER = "ops"
LEVEL = 4


def _when(value: dt.datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else "never"


def ops_commands(ops: Operations) -> list[Command]:
    async def backup(ctx: CommandContext) -> int:
        ctx.reply("Making a backup…")
        try:
            info = await ops.backup()
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        ctx.reply(f"Backup {info.name} made ({info.size} bytes)")
        return 1

    async def backup_list(ctx: CommandContext) -> int:
        archives = ops.backups.list()
        if not archives:
            ctx.reply(f"No backups yet in {ops.backups.folder}; type 'backup' to make one")
            return 0
        for info in archives:
            ctx.reply(f"{info.name}  {info.size / (1 << 20):.1f} MiB  {info.reason}")
        return len(archives)

    async def backup_restore(ctx: CommandContext) -> int:
        name = ctx["name"]
        try:
            ops.backups.get(name)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        ctx.reply(f"Restoring {name}: the server stops, the current state is backed up "
                  "first, then the server starts again")
        ops.spawn(ops.restore(name), f"restoring {name}")
        return 1

    async def schedule_list(ctx: CommandContext) -> int:
        statuses = ops.schedules.statuses()
        if not statuses:
            ctx.reply("No schedules; add [[schedules]] to config.toml or use the window")
            return 0
        for status in statuses:
            s = status.schedule
            state = "" if s.enabled else " (disabled)"
            ctx.reply(f"{s.name}{state}: {s.what}, {s.when}; last {_when(status.last_run)}"
                      f" ({status.last_result or '-'}), next {_when(status.next_run)}")
        return len(statuses)

    async def schedule_run(ctx: CommandContext) -> int:
        try:
            schedule = ops.schedules.get(ctx["name"])
        except KeyError as exc:
            raise CommandError(str(exc.args[0])) from exc
        ctx.reply(f"Running {schedule.name} now")
        ops.spawn(ops.schedules.run_now(schedule.name), f"running schedule {schedule.name}")
        return 1

    literal, argument = CommandNode.literal, CommandNode.argument
    return [
        Command(["backup"], "Make, list or restore backups", permission_level=LEVEL)
        .executes(backup).then(
            literal("list").executes(backup_list),
            literal("restore").then(argument("name", StringArgument()).executes(backup_restore)),
        ),
        Command(["schedule"], "List scheduled tasks or run one now", permission_level=LEVEL)
        .then(
            literal("list").executes(schedule_list),
            literal("run").then(argument("name", StringArgument()).executes(schedule_run)),
        ),
    ]


def register_ops_commands(server: ServerInstance, ops: Operations) -> None:
    for command in ops_commands(ops):
        command.owner = OWNER
        server.dispatcher.register(command)
