"""The admission decision: may this .wasm run, and with what, or must the admin decide?

One pure function, :func:`decide`, answers it for every path that adds or
loads a plugin: the load gate (:mod:`gui.permissions.gate`), the install
pipeline (:mod:`gui.market.installer`), ``pumpkin-patch plugin add`` and the
manager's "does this update wait for review" (through the gate). It reads
nothing and writes nothing; the caller records what it says.

The table, for a plugin requesting ``R`` whose stored decision is ``D``:

=====================================  =================================================
``D``                                  verdict
=====================================  =================================================
approved for this very file            KEEP (``D.granted``)
declined, the admin adds it again      ASK (a declined plugin is asked about again,
                                       never approved by the policy instead)
declined, ``R`` within ``D.requested``  DECLINED
approved for another file,             INHERIT (``D.granted & R``)
``R`` within ``D.requested``
grants file damaged                    ASK if anything needs deciding, else
                                       BY_POLICY with nothing granted, not recorded
``ask_permission_confirmation=false``  BY_POLICY (``R`` minus what cannot be granted)
nothing new the admin could decide     BY_POLICY (earlier grants ``& R``; what the
                                       policy allows is added at load by
                                       :meth:`PermissionPolicy.effective`)
otherwise                              ASK (the review starts from the earlier grants)
=====================================  =================================================

"New" is ``R`` minus what the earlier approval requested (everything for a
first decision, and for a declined plugin that now asks for more).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from gui.permissions.grants import Decision, DecisionState
from gui.permissions.policy import PermissionPolicy


class Verdict(StrEnum):
    KEEP = "keep"  # this file was approved before: run it with that decision
    INHERIT = "inherit"  # a new version asking for nothing new: the earlier grants carry over
    BY_POLICY = "by-policy"  # nothing the admin could decide: approved by the policy
    ASK = "ask"  # the admin decides (the review dialog or the console questions)
    DECLINED = "declined"  # the admin said no, and nothing new is asked for


APPROVING = frozenset({Verdict.KEEP, Verdict.INHERIT, Verdict.BY_POLICY})


@dataclass(frozen=True)
class AdmissionDecision:
    """What :func:`decide` answers.

    Attributes:
        verdict: See :class:`Verdict`.
        granted: For an approving verdict, the grants to record (and to run
            with, policy applied); for ASK, the earlier grants a review
            starts from.
        previous: The decision a review compares with (the earlier approval
            of an update; an empty one for a first review).
        added: Requested permissions the earlier approval did not request.
        record: False when the grants file is damaged: run with ``granted``
            now, but write nothing over the damaged file.
    """

    verdict: Verdict
    granted: frozenset[str] = frozenset()
    previous: Decision = field(default_factory=Decision)
    added: frozenset[str] = frozenset()
    record: bool = True

    @property
    def approved(self) -> bool:
        """Whether the plugin may run without asking the admin."""
        return self.verdict in APPROVING

    @property
    def needs_recording(self) -> bool:
        """Whether the caller must store ``granted`` as an approval of this file."""
        return self.record and self.verdict in (Verdict.INHERIT, Verdict.BY_POLICY)


def decide(plugin: str, sha256: str, requested: Iterable[str], previous: Decision,
           policy: PermissionPolicy, *, explicit: bool = False,
           damaged: bool = False) -> AdmissionDecision:
    """The admission of one .wasm of ``plugin`` (pure: no I/O).

    Args:
        plugin: The plugin's name.
        sha256: Of the .wasm being admitted ("" when not known yet).
        requested: What its metadata requests.
        previous: The stored decision about ``plugin``.
        policy: The admin's policy.
        explicit: The admin is adding this file now (install, ``plugin add``):
            a declined plugin is asked about again.
        damaged: The grants file cannot be read (``previous`` is then undecided).
    """
    wanted = frozenset(requested)
    state = previous.state
    if state is DecisionState.APPROVED and sha256 and previous.sha256 == sha256:
        return AdmissionDecision(Verdict.KEEP, previous.granted & wanted, previous)
    earlier = Decision()
    if state is DecisionState.DECLINED:
        if explicit:
            return AdmissionDecision(Verdict.ASK, frozenset(), previous,
                                     wanted - previous.requested)
        if wanted <= previous.requested:
            return AdmissionDecision(Verdict.DECLINED, frozenset(), previous)
    elif state is DecisionState.APPROVED:
        if wanted <= previous.requested:
            return AdmissionDecision(Verdict.INHERIT, previous.granted & wanted, previous)
        earlier = previous
    added = wanted - earlier.requested
    kept = earlier.granted & wanted
    if damaged:
        if policy.needs_decision(plugin, wanted):
            return AdmissionDecision(Verdict.ASK, frozenset(), earlier, added)
        return AdmissionDecision(Verdict.BY_POLICY, frozenset(), earlier, added, record=False)
    if not policy.asks(plugin):
        return AdmissionDecision(Verdict.BY_POLICY, policy.without_asking(plugin, wanted),
                                 earlier, added)
    if not policy.needs_decision(plugin, added):
        return AdmissionDecision(Verdict.BY_POLICY, kept, earlier, added)
    return AdmissionDecision(Verdict.ASK, kept, earlier, added)
