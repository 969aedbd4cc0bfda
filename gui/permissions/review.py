"""What the admin is asked about one plugin: a :class:`ReviewRequest`.

Built from the plugin's metadata, the previous decision (to show what an
update adds and removes, and to keep earlier choices) and the admin's
policy. The review dialog (gui/ui/permission_dialog.py) and the console
prompt (``pumpkin-patch plugin add``) both show one; neither decides
anything on its own.

Rules for a row:

- a permission this host cannot grant (unknown, unenforceable, blocked by
  policy) is disabled and unticked, with the reason;
- one the policy allows is ticked and disabled (granted without asking);
- one the admin decided before (an unchanged permission of an approved
  plugin) starts as it was decided;
- otherwise low- and medium-risk rows start ticked, high-risk rows unticked.
"""

from __future__ import annotations

from dataclasses import dataclass

from gui.permissions.catalogue import Capability, Risk, describe
from gui.permissions.grants import Decision, DecisionState
from gui.permissions.policy import PermissionPolicy
from gui.plugins.metadata import PluginMetadata

SIGNATURE_STATES = ("verified", "unverified", "unsigned", "unknown")


@dataclass(frozen=True)
class ReviewRow:
    """One requested permission in a review.

    Attributes:
        permission: The name as requested.
        capability: Its catalogue entry.
        initially_checked: Whether its checkbox starts ticked.
        enabled: Whether the admin can change the checkbox.
        change: "" (first review), "added" (new in this version) or "unchanged".
        reason: Why the row is disabled (or why it is ticked and disabled); may be "".
        reach: What a grant reaches when settings decide it (PermissionPolicy.reach).
    """

    permission: str
    capability: Capability
    initially_checked: bool
    enabled: bool
    change: str
    reason: str = ""
    reach: str = ""


@dataclass(frozen=True)
class ReviewRequest:
    """Everything a review shows about one plugin version.

    Attributes:
        signature: "verified", "unverified", "unsigned" or "unknown" (filled in by the
            marketplace; files added by hand are "unknown").
        signer: Who signed it, when known.
        removed: Permissions the previous version requested that this one drops.
        sha256: The .wasm under review ("" when unknown).
    """

    plugin: str
    version: str
    authors: tuple[str, ...]
    description: str
    signature: str
    signer: str | None
    rows: tuple[ReviewRow, ...]
    removed: tuple[str, ...]
    sha256: str = ""

    @property
    def added(self) -> tuple[str, ...]:
        return tuple(r.permission for r in self.rows if r.change == "added")

    @property
    def requested(self) -> tuple[str, ...]:
        return tuple(r.permission for r in self.rows)


def build_review(
    metadata: PluginMetadata,
    *,
    previous: Decision | None,
    policy: PermissionPolicy,
    signature: str = "unknown",
    signer: str | None = None,
    sha256: str = "",
) -> ReviewRequest:
    """The review of ``metadata``'s requested permissions.

    Args:
        metadata: The plugin version under review.
        previous: The stored decision about this plugin (None or undecided for a
            first review); an approved one also gives the earlier ticks.
        policy: The admin's allowed/blocked lists.
        signature: Signature state, one of :data:`SIGNATURE_STATES`.
        signer: The signer's name, when known.
        sha256: The .wasm under review, for whoever records the decision.
    """
    if signature not in SIGNATURE_STATES:
        raise ValueError(f"signature must be one of {', '.join(SIGNATURE_STATES)}, "
                         f"not {signature!r}")
    name = metadata.name
    known = previous is not None and previous.state is not DecisionState.UNDECIDED
    approved = known and previous is not None and previous.state is DecisionState.APPROVED
    rows = []
    for permission in dict.fromkeys(metadata.permissions):  # de-duplicated, in order
        capability = describe(permission)
        change = ""
        if known and previous is not None:
            change = "unchanged" if permission in previous.requested else "added"
        refusal = policy.refusal(name, permission)
        if refusal:
            rows.append(ReviewRow(permission, capability, False, False, change, refusal))
            continue
        if policy.is_allowed(name, permission):
            rows.append(ReviewRow(permission, capability, True, False, change,
                                  "always granted by your policy (allowed_permissions)",
                                  policy.reach(name, permission)))
            continue
        if approved and change == "unchanged" and previous is not None:
            checked = permission in previous.granted
        else:
            checked = capability.risk in (Risk.LOW, Risk.MEDIUM)
        rows.append(ReviewRow(permission, capability, checked, True, change,
                              reach=policy.reach(name, permission)))
    removed: tuple[str, ...] = ()
    if known and previous is not None:
        removed = tuple(sorted(previous.requested - set(metadata.permissions)))
    return ReviewRequest(
        plugin=name,
        version=metadata.version,
        authors=tuple(metadata.authors),
        description=metadata.description,
        signature=signature,
        signer=signer,
        rows=tuple(rows),
        removed=removed,
        sha256=sha256,
    )
