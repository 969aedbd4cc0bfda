"""State and signature badges: the coloured pills on plugin rows and headers.

:func:`plugin_badge` says what a plugin's state badge reads and which
colour it has; :func:`signature_badge` does the same for signed /
unverified; :func:`paint_pill` draws one. The words match the issue's list
(running, trapped, restarting, quarantined, disabled, needs review,
declined, incompatible) plus the transient ones (installed, loading,
failed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter

from gui.plugins import PluginState

S = PluginState


@dataclass(frozen=True)
class Badge:
    """A pill: its text, its fill colour and its text colour (``#rrggbb``)."""

    label: str
    fill: str
    ink: str = "#ffffff"
    tooltip: str = ""


_STATE_BADGES: dict[PluginState, Badge] = {
    S.INSTALLED: Badge("installed", "#78909c"),
    S.NEEDS_REVIEW: Badge("needs review", "#f9a825", "#212121",
                          "Its permissions have not been decided: open it and review them."),
    S.DECLINED: Badge("declined", "#6d4c41",
                      tooltip="You declined its permissions; it does not run."),
    S.LOADING: Badge("loading", "#1e88e5"),
    S.RUNNING: Badge("running", "#2e7d32"),
    S.TRAPPED: Badge("trapped", "#c62828",
                     tooltip="It trapped; it restarts by itself shortly."),
    S.RESTARTING: Badge("restarting", "#ef6c00"),
    S.QUARANTINED: Badge("quarantined", "#6a1b9a",
                         tooltip="It trapped too often; fix it, then press Re-enable."),
    S.DISABLED: Badge("disabled", "#757575"),
    S.FAILED: Badge("failed", "#b71c1c"),
    S.REMOVED: Badge("removed", "#9e9e9e"),
}
INCOMPATIBLE = Badge("incompatible", "#455a64",
                     tooltip="Not a Pumpkin plugin this host can run; see its error.")
SIGNED = "#00695c"
UNVERIFIED = "#8d6e63"

# The manager's refusals for files it cannot run at all (see PluginManager._load_file).
_INCOMPATIBLE_HINTS = ("not a pumpkin plugin", "not a valid webassembly component")


def plugin_badge(plugin: Any) -> Badge:
    """The state badge of a :class:`gui.plugins.Plugin`."""
    state = plugin.lifecycle.state
    if state is S.FAILED and plugin.error and any(
            hint in plugin.error.lower() for hint in _INCOMPATIBLE_HINTS):
        return INCOMPATIBLE
    badge = _STATE_BADGES[state]
    if plugin.error and state in (S.FAILED, S.NEEDS_REVIEW, S.DECLINED):
        return Badge(badge.label, badge.fill, badge.ink, plugin.error)
    return badge


def signature_badge(signer: str | None) -> Badge:
    """``signed`` (with who signed it) or ``unverified``."""
    if signer:
        return Badge("signed", SIGNED, tooltip=f"Signed by {signer}; the signature was "
                                               "checked against the source's pinned key.")
    return Badge("unverified", UNVERIFIED,
                 tooltip="Not installed from a source with a verified signature.")


def update_badge(latest: str | None) -> Badge | None:
    """``update X`` when the plugin's source offers a newer version, else nothing."""
    if not latest:
        return None
    return Badge(f"update {latest}", "#1565c0",
                 tooltip=f"Version {latest} is available from this plugin's source: "
                         "open it and press Update.")


def pill_width(metrics: QFontMetrics, text: str) -> int:
    return metrics.horizontalAdvance(text) + 14


def paint_pill(painter: QPainter, rect: QRectF, badge: Badge) -> None:
    """Draw ``badge`` as a rounded pill filling ``rect``."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(badge.fill))
    radius = rect.height() / 2
    painter.drawRoundedRect(rect, radius, radius)
    painter.setPen(QColor(badge.ink))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, badge.label)
    painter.restore()
