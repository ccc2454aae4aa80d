"""What a case action is, and the rules every action shares.

An action is declared once (``cases.actions.registry``): its name, label, form,
permission, when it is available, what it looks like when it is already done,
and the service it calls. The case page, ``cases.permissions`` and the tests
read those declarations; nothing else lists actions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.models import Case
from cases.permissions import CASE_RUNNER_PERMS, pending_dispatches_for_user  # noqa: F401 (re-exported)
from cases.services import CaseConflictError

def _always(*args) -> bool:
    return True


def _never(*args):
    return None


def _no_kwargs(user, case) -> dict:
    return {}


@dataclass(frozen=True)
class CaseAction:
    """One staff action on one case.

    ``permission``: the Django permission the role needs, or ``None`` for a department
    action (allowed while the user's department has a pending dispatch on the case).
    ``when(user, case)``: available in the case's current state (and role details).
    ``has_work(case)``: there is something to act on (a pending extension, a material…);
    without it the form is not offered, but a request is not refused for it.
    ``done(case)``: a plain message when the case is already where this action would
    take it (a second 办结), said instead of a refusal.
    ``perform(case, user, data)``: calls the service with the form's cleaned data.
    ``next_when(case)``: this is the next expected step of the case (highlighted).
    ``inline``: offered as a form on the case page (``edit_intake`` has a page of its own).
    ``changes_case``: a write others must see before acting again (bumps the version);
    notes and messages only add to the timeline and leave others' forms valid.
    """

    name: str
    label: Any
    permission: str | None
    form: type | None = None
    perform: Callable[[Case, Any, dict], Any] | None = None
    when: Callable[[Any, Case], bool] = _always
    has_work: Callable[[Case], bool] = _always
    done: Callable[[Case], str | None] = _never
    form_kwargs: Callable[[Any, Case], dict] = _no_kwargs
    next_when: Callable[[Case], bool] | None = None
    inline: bool = True
    changes_case: bool = True
    success_message: Any = None
    extra: dict = field(default_factory=dict)

    def build_form(self, user, case: Case, data=None):
        return self.form(data, case=case, prefix=self.name, **self.form_kwargs(user, case))


class ActionRefused(Exception):
    """The action cannot run now; ``message`` says why in the user's words.

    ``status`` 403: the role may not; 409: the case's state or version does not allow it.
    """

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.message = message
        self.status = status


def has_role_for(user, action: CaseAction, case: Case) -> bool:
    """The role part of the rule: the permission, or a pending dispatch for department actions."""
    if not user.is_authenticated or not user.is_active:
        return False
    if action.permission is None:
        return pending_dispatches_for_user(user, case).exists()
    return user.has_perm(action.permission)


def user_can(user, action: CaseAction, case: Case) -> bool:
    return has_role_for(user, action, case) and bool(action.when(user, case))


def check(user, action: CaseAction, case: Case, version) -> None:
    """Refuse with the reason the user should read, in this order: the role may not
    (403); the case is already where the action would take it (say so); the page was
    stale (someone changed the case since it was shown); the state does not allow it."""
    if not has_role_for(user, action, case):
        raise ActionRefused(_("您没有执行该操作的权限。"), status=403)
    message = action.done(case)
    if message:
        raise ActionRefused(message)
    if version != case.version:
        raise ActionRefused(str(CaseConflictError().messages[0]))
    if not action.when(user, case):
        raise ActionRefused(
            _("案件当前状态为“%(s)s”，不能执行“%(a)s”。") % {"s": case.get_status_display(), "a": action.label}
        )


def parse_version(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def run(action: CaseAction, *, case: Case, user, data: dict, version) -> Any:
    """Perform ``action`` if the case is still at ``version`` (the one its form was shown with).

    The check and the service share one transaction with the case row locked, so two
    people acting on the same page serialise and the second is told, nothing overwritten.
    """
    with transaction.atomic():
        current = Case.objects.select_for_update().get(pk=case.pk)
        check(user, action, current, version)
        try:
            result = action.perform(current, user, data)
        except CaseConflictError as exc:
            raise ActionRefused(str(exc.messages[0])) from exc
        if action.changes_case:
            # Services that only add rows (a material, a visit) leave the version alone;
            # bump it here so a form shown before this write is detected as stale too.
            Case.objects.filter(pk=current.pk, version=current.version).update(
                version=F("version") + 1, updated_at=timezone.now()
            )
        return result
