"""One place for case actions: the declarations (``registry``) and the rules they share (``base``).

    from cases import actions
    actions.get("close")                      # the declaration
    actions.allowed_names(user, case)        # what the user may do now
    actions.offered(user, case)              # the forms the case page shows, in order
    actions.run(action, case=…, user=…, data=…, version=…)   # check + service, one transaction
"""

from __future__ import annotations

from cases.actions.base import (
    ActionRefused,
    CaseAction,
    check,
    has_role_for,
    parse_version,
    pending_dispatches_for_user,
    run,
    user_can,
)
from cases.actions.registry import ACTIONS, BY_NAME


def get(name: str) -> CaseAction:
    return BY_NAME[name]


def allowed_names(user, case) -> set[str]:
    return {action.name for action in ACTIONS if user_can(user, action, case)}


def offered(user, case) -> list[CaseAction]:
    """The inline actions the user may take now and that have something to act on."""
    return [a for a in ACTIONS if a.inline and user_can(user, a, case) and a.has_work(case)]


def next_action(case, candidates: list[CaseAction]) -> CaseAction | None:
    """The step the case is waiting for, among those offered (highlighted on the page)."""
    for action in candidates:
        if action.next_when is not None and action.next_when(case):
            return action
    return None


__all__ = [
    "ACTIONS", "ActionRefused", "CaseAction", "allowed_names", "check", "get", "has_role_for",
    "next_action", "offered", "parse_version", "pending_dispatches_for_user", "run", "user_can",
]
