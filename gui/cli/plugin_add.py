"""``pumpkin-patch plugin add FILE.wasm``: a sideloaded file through the install pipeline.

The same pipeline as ``market install FILE`` and the window's local install
(:meth:`gui.market.installer.Installer.install_file`: read under the plugin
file rules -> name rule -> verify -> inspect -> admission -> atomic commit),
with what belongs to this command: an unsigned file is accepted (the admin
named it; the lockfile records it as unsigned), and the review is the
console questions. Without a terminal the plugin waits undecided; an update
that asks for more waits in ``plugins/.staged`` while the installed version
stays in use.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING

from gui.cli import plugin_terminal as terminal
from gui.cli.common import fail, with_runtime
from gui.paths import AppPaths
from gui.runtime import PluginRuntime

if TYPE_CHECKING:
    from gui.market.artifacts import InstallResult
    from gui.permissions import ReviewRequest


class ConsoleReview:
    """The review step of ``plugin add``: questions on a terminal, else decide later."""

    def __init__(self, paths: AppPaths) -> None:
        self.paths = paths
        self.asked = False

    async def __call__(self, request: ReviewRequest) -> set[str] | None:
        from gui.market.artifacts import ReviewDeferred

        name = request.plugin
        if self.paths.plugin_file(name).exists():
            added = ", ".join(request.added) or "changed permissions"
            print(f"{name} {request.version} requests more permissions (added: {added}); it "
                  f"waits for review in {self.paths.staged_update(name)} and the installed "
                  "version stays in use.")
        granted = terminal.review_on_terminal(request)
        if granted is None:
            raise ReviewDeferred
        self.asked = True
        return granted


def cmd_add(args: argparse.Namespace, paths: AppPaths) -> int:
    from gui.market.artifacts import InstallError
    from gui.market.installer import Installer
    from gui.market.journal import JournalError, recover
    from gui.market.layout import MarketPaths

    async def work(runtime: PluginRuntime) -> int:
        store, policy = terminal.grant_store(paths), terminal.policy(paths)
        market = MarketPaths(paths)
        installer = Installer(market, runtime, store, policy, allow_unsigned=True)
        review = ConsoleReview(paths)
        try:
            recover(market.journal, market.lock_file)  # a killed install is finished first
            result = await installer.install_file(args.file, review)
        except (InstallError, JournalError) as exc:
            return fail(str(exc))
        _report(result, review, store.decision(result.name).state, paths)
        return 0

    return asyncio.run(with_runtime(paths, work))


def _report(result: InstallResult, review: ConsoleReview, state: str,
            paths: AppPaths) -> None:
    """What ``plugin add`` did, in the words of the old command."""
    from gui.permissions.admission import Verdict

    name, target = result.name, paths.plugin_file(result.name)
    if result.outcome in ("held", "declined"):
        if result.outcome == "declined":
            print(result.message)
        return
    if result.outcome == "unchanged":
        print(f"{name} {result.version} is already installed in {target}; it is {state} "
              f"(see 'pumpkin-patch plugin grants {name}').")
        return
    granted = terminal.listing(result.granted or ())
    verb = "Updated" if result.outcome == "updated" else "Added"
    line = f"{verb} {name} {'to ' if verb == 'Updated' else ''}{result.version} -> {target}"
    if result.granted is None or review.asked:
        print(line)  # undecided (the review said how to decide), or decided on the terminal
        if result.granted is None:
            return
        print(f"Approved {name} with: {granted}.")
    elif result.admission == Verdict.KEEP:
        print(f"{line}; it was {state} for this very file already (see 'pumpkin-patch "
              f"plugin grants {name}').")
    elif result.admission == Verdict.INHERIT:
        print(f"{line}; it requests nothing new and keeps its grants: {granted}.")
    else:
        print(f"{line}; approved without asking (your policy): {granted}.")
    terminal.print_next_load(name)
