"""Plugin permissions: what a plugin may do, decided by the admin, enforced by the host.

Public surface:
    Risk, Capability, describe, CATALOGUE          (catalogue.py: Pumpkin's names)
    PermissionPolicy                               (policy.py: allowed / blocked)
    DecisionState, Decision, GrantStore, GrantError  (grants.py: grants.json)
    ReviewRow, ReviewRequest, build_review         (review.py: what a review shows)
    decide, Verdict, AdmissionDecision             (admission.py: may it run, or ask?)
    PermissionGate, sandbox_for                    (gate.py: the manager's LoadGate)
    PermissionService                              (service.py: admin actions, live)
    ask_review                                     (prompt.py: the console questions)
    AppPaths.grants_file                           where the grants are stored
"""

from gui.permissions.admission import AdmissionDecision, Verdict, decide
from gui.permissions.catalogue import CATALOGUE, Capability, Risk, describe
from gui.permissions.gate import PermissionGate, sandbox_for
from gui.permissions.grants import Decision, DecisionState, GrantError, GrantStore
from gui.permissions.policy import PermissionPolicy
from gui.permissions.review import ReviewRequest, ReviewRow, build_review
from gui.permissions.service import PermissionService

__all__ = [
    "CATALOGUE",
    "AdmissionDecision",
    "Capability",
    "Decision",
    "DecisionState",
    "GrantError",
    "GrantStore",
    "PermissionGate",
    "PermissionPolicy",
    "PermissionService",
    "ReviewRequest",
    "ReviewRow",
    "Risk",
    "Verdict",
    "build_review",
    "decide",
    "describe",
    "sandbox_for",
]
