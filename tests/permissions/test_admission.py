"""The admission decision table (gui/permissions/admission.py), row by row.

Pure: a stored Decision, a requested set and a policy in, a verdict out.
The paths that use it (gate, installer, ``plugin add``, updates) are tested
with real plugins in test_permission_enforcement, test_permission_cli and
tests/market.
"""

from __future__ import annotations

import pytest

from gui.permissions import Decision, DecisionState, PermissionPolicy
from gui.permissions.admission import Verdict, decide

A, D = DecisionState.APPROVED, DecisionState.DECLINED
R, W = "fs.read.data", "fs.write.data"
ASKING = PermissionPolicy()


def approved(requested, granted, sha="old") -> Decision:
    return Decision(A, frozenset(requested), frozenset(granted), sha)


def declined(requested, sha="old") -> Decision:
    return Decision(D, frozenset(requested), frozenset(), sha)


@pytest.mark.parametrize(("previous", "sha", "requested", "policy", "explicit", "verdict",
                          "granted"), [
    # first decision
    (Decision(), "new", [], ASKING, False, Verdict.BY_POLICY, set()),
    (Decision(), "new", [R], ASKING, False, Verdict.ASK, set()),
    (Decision(), "new", [R, "network.outbound"], PermissionPolicy(ask=False), False,
     Verdict.BY_POLICY, {R}),  # unenforceable: never granted, even without asking
    (Decision(), "new", [R], PermissionPolicy(allowed=frozenset({R})), False,
     Verdict.BY_POLICY, set()),  # allowed ones are added at load (policy.effective)
    (Decision(), "new", ["network.outbound"], ASKING, False, Verdict.BY_POLICY, set()),
    # the same file again
    (approved([R, W], [R], sha="new"), "new", [R, W], ASKING, False, Verdict.KEEP, {R}),
    (approved([R, W], [R], sha="new"), "new", [R, W], ASKING, True, Verdict.KEEP, {R}),
    # an update
    (approved([R, W], [R]), "new", [R], ASKING, False, Verdict.INHERIT, {R}),
    (approved([R, W], [W]), "new", [R, W], PermissionPolicy(ask=False), False,
     Verdict.INHERIT, {W}),  # nothing new: the admin's earlier no stays a no
    (approved([R], [R]), "new", [R, W], ASKING, False, Verdict.ASK, {R}),
    (approved([R], [R]), "new", [R, W], PermissionPolicy(allowed=frozenset({W})), False,
     Verdict.BY_POLICY, {R}),
    (approved([R], []), "new", [R, W], PermissionPolicy(ask=False), False,
     Verdict.BY_POLICY, {R, W}),
    # declined
    (declined([R]), "new", [R], ASKING, False, Verdict.DECLINED, set()),
    (declined([R]), "new", [R], PermissionPolicy(ask=False), False, Verdict.DECLINED, set()),
    (declined([R]), "new", [R, W], ASKING, False, Verdict.ASK, set()),
    (declined([R]), "new", [R, W], PermissionPolicy(ask=False), False, Verdict.BY_POLICY,
     {R, W}),  # asks for something new: decided afresh
    (declined([R]), "new", [R], PermissionPolicy(ask=False), True, Verdict.ASK, set()),
    (declined([R], sha="new"), "new", [R], ASKING, True, Verdict.ASK, set()),
])
def test_decision_table(previous, sha, requested, policy, explicit, verdict, granted):
    decision = decide("p", sha, requested, previous, policy, explicit=explicit)
    assert decision.verdict is verdict
    assert decision.granted == granted
    assert decision.approved == (verdict in (Verdict.KEEP, Verdict.INHERIT, Verdict.BY_POLICY))
    assert decision.record


def test_an_ask_names_what_is_new_and_the_decision_a_review_compares_with():
    earlier = approved([R], [R])
    decision = decide("p", "new", [R, W], earlier, ASKING)
    assert (decision.verdict, decision.added, decision.previous) == (Verdict.ASK, {W}, earlier)
    first = decide("p", "new", [R, W], Decision(), ASKING)
    assert (first.added, first.previous.decided) == ({R, W}, False)


def test_a_damaged_grants_file_approves_only_what_needs_no_decision_and_records_nothing():
    nothing = decide("p", "new", ["network.outbound"], Decision(), ASKING, damaged=True)
    assert (nothing.verdict, nothing.granted, nothing.record) == (Verdict.BY_POLICY, set(),
                                                                  False)
    assert not nothing.needs_recording
    asks = decide("p", "new", [R], Decision(), PermissionPolicy(ask=False), damaged=True)
    assert asks.verdict is Verdict.ASK  # never approved for the admin while grants are unknown


def test_only_inherit_and_policy_approvals_are_recorded_by_the_caller():
    assert decide("p", "new", [], Decision(), ASKING).needs_recording
    assert decide("p", "new", [R], approved([R], [R]), ASKING).needs_recording
    assert not decide("p", "new", [R], approved([R], [R], sha="new"), ASKING).needs_recording
    assert not decide("p", "new", [R], Decision(), ASKING).needs_recording


def test_lockdown_asks_for_everything_enforceable():
    lockdown = PermissionPolicy(allowed=frozenset({R}), ask=False, lockdown="config unreadable")
    assert decide("p", "new", [R], Decision(), lockdown).verdict is Verdict.ASK
    assert decide("p", "new", [R], approved([R], [R]), lockdown).verdict is Verdict.INHERIT
