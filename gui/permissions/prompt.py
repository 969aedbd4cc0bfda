"""The console form of a review: one question per permission.

Used by ``pumpkin-patch plugin add`` / ``plugin approve`` when a terminal is
attached. Rows the admin cannot change (never grantable, or always granted
by policy) are printed with their reason and not asked. Each question's
default (Enter) is the row's initial tick: low and medium risk yes, high
risk no.
"""

from __future__ import annotations

from collections.abc import Callable

from gui.errors import PumpkinPatchError
from gui.permissions.review import ReviewRequest, ReviewRow

Ask = Callable[[str], str]
Write = Callable[[str], None]


class PromptAborted(PumpkinPatchError):
    """The admin ended the questions (end of input or Ctrl-C); nothing was decided."""


def format_header(review: ReviewRequest) -> list[str]:
    """The lines that introduce a review on the console."""
    authors = ", ".join(review.authors) or "unknown authors"
    signed = review.signature + (f" by {review.signer}" if review.signer else "")
    lines = [f"{review.plugin} {review.version} by {authors} (signature: {signed})"]
    if review.description:
        lines.append(f"  {review.description}")
    if review.removed:
        lines.append(f"  No longer requested: {', '.join(review.removed)}")
    if not review.rows:
        lines.append("  It requests no permissions.")
    return lines


def format_row(row: ReviewRow) -> str:
    """One permission on one line: name, risk, description, and what is new."""
    cap = row.capability
    new = " [new]" if row.change == "added" else ""
    return f"{row.permission}{new} ({cap.risk} risk): {cap.description}"


def ask_review(review: ReviewRequest, ask: Ask, write: Write) -> frozenset[str]:
    """Ask about each changeable row of ``review``; returns the permissions granted.

    Args:
        review: What to ask about.
        ask: Reads one answer (``input`` on a terminal).
        write: Prints one line.

    Raises:
        PromptAborted: input ended (EOF) or was interrupted.
    """
    for line in format_header(review):
        write(line)
    granted: set[str] = set()
    for row in review.rows:
        if not row.enabled:
            state = "granted" if row.initially_checked else "not granted"
            write(f"  - {format_row(row)} — {state}: {row.reason or row.capability.reason}")
            if row.initially_checked:
                granted.add(row.permission)
            continue
        hint = "[Y/n]" if row.initially_checked else "[y/N]"
        while True:
            try:
                answer = ask(f"  Grant {format_row(row)}? {hint} ").strip().lower()
            except (EOFError, KeyboardInterrupt) as exc:
                raise PromptAborted("no answer; nothing was decided") from exc
            if answer in ("", "y", "yes", "n", "no"):
                break
            write("    Please answer y or n.")
        if answer in ("y", "yes") or (answer == "" and row.initially_checked):
            granted.add(row.permission)
    return frozenset(granted)
