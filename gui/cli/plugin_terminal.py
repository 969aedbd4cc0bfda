"""What the ``plugin`` commands share: the terminal's questions, grants and policy.

``is_interactive`` and ``ask`` are looked up at call time (``terminal.ask``),
so tests can replace them here.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from gui.paths import AppPaths

if TYPE_CHECKING:
    from gui.permissions import GrantStore, PermissionPolicy


def is_interactive() -> bool:
    """Whether questions can be asked (stdin is a terminal); tests replace this."""
    return sys.stdin.isatty()


def ask(question: str) -> str:
    """Read one answer from the terminal; tests replace this."""
    return input(question)


def print_next_load(name: str) -> None:
    print(f"It takes effect when {name} next loads: at the next server start, within a "
          f"second in a running server, or with 'plugin reload {name}'.")


def listing(permissions: Any) -> str:
    return ", ".join(sorted(permissions)) or "no permissions"


def grant_store(paths: AppPaths) -> GrantStore:
    from gui.permissions import GrantStore

    return GrantStore(paths.grants_file,
                      warn=lambda message: print(f"pumpkin-patch: {message}", file=sys.stderr))


def policy(paths: AppPaths) -> PermissionPolicy:
    from gui.permissions import PermissionPolicy
    from gui.settings import AppSettings

    settings = AppSettings.load(
        paths.config_file, warn=lambda message: print(f"pumpkin-patch: {message}",
                                                      file=sys.stderr))
    return PermissionPolicy.from_settings(settings)


def review_on_terminal(review: Any) -> set[str] | None:
    """Ask the admin, permission by permission; None when left undecided (said why).

    Without a terminal nothing is asked: the message says how to decide later.
    """
    from gui.permissions.prompt import PromptAborted, ask_review

    name = review.plugin
    if not is_interactive():
        print(f"{name} is waiting for your decision and will not run until then: run "
              f"'pumpkin-patch plugin approve {name} --all' (or --none, or in a terminal to "
              f"choose one by one), 'pumpkin-patch plugin decline {name}', or review it in "
              "the Plugins window.")
        return None
    try:
        return set(ask_review(review, ask, print))
    except PromptAborted:
        print(f"\nNo decision recorded; {name} waits for review "
              f"('pumpkin-patch plugin approve {name}').")
        return None
