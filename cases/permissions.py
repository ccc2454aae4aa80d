"""Who may do what on the case desk.

Roles are Wagtail groups (窗口人员, 研判员, 部门经办人, 督办) created by a data
migration; this module turns their permissions plus the user's StaffProfile
into yes/no answers for one case. Views, exports and the search API all ask
here (and scope their querysets with ``cases.selectors``), never templates.
"""

from __future__ import annotations

from cases.models import Case, Dispatch

ROLE_WINDOW = "窗口人员"
ROLE_TRIAGE = "研判员"
ROLE_DEPARTMENT = "部门经办人"
ROLE_SUPERVISOR = "督办"
ROLES = (ROLE_WINDOW, ROLE_TRIAGE, ROLE_DEPARTMENT, ROLE_SUPERVISOR)

def profile_of(user):
    return getattr(user, "case_profile", None) if user.is_authenticated else None


def can_view_personal_data(user) -> bool:
    return user.is_authenticated and user.has_perm("cases.view_personal_data")


def can_export(user) -> bool:
    return user.is_authenticated and user.has_perm("cases.export_cases")


# Staff who run a case (city, district, hall), as opposed to a department answering a dispatch.
CASE_RUNNER_PERMS = (
    "cases.view_all_cases",
    "cases.view_district_cases",
    "cases.view_hall_cases",
)
RESPONSIBILITY_PERMS = (*CASE_RUNNER_PERMS, "cases.view_department_cases")


def answers_for_cases(user) -> bool:
    """Works on cases (a queue, a district, a department), as opposed to only reading
    the shared case library: what the statistics, 来电查询 and the dashboard queue are for."""
    return bool(
        user.is_authenticated and user.is_active
        and (user.is_superuser or any(user.has_perm(p) for p in RESPONSIBILITY_PERMS))
    )


def can_use_case_intelligence(user) -> bool:
    """Reads the case library or works on cases: the precedent, triage and duplicate panels,
    一类事, and the pointer to it from the 类案 list."""
    return bool(
        user.is_authenticated and user.is_active
        and (user.is_superuser or any(user.has_perm(p) for p in ("cases.view_case_library", *RESPONSIBILITY_PERMS)))
    )


def can_view_statistics(user) -> bool:
    return answers_for_cases(user)


def can_look_up_reporter(user) -> bool:
    # A lookup by phone or ID number confirms the number: only for roles that may see it.
    return answers_for_cases(user) and user.has_perm("cases.view_case") and can_view_personal_data(user)


def can_import(user) -> bool:
    return user.is_authenticated and user.has_perm("cases.import_cases")


def pending_dispatches_for_user(user, case: Case):
    """The case's dispatches still waiting on the user's department."""
    profile = profile_of(user)
    if not profile or not profile.department_id or not user.has_perm("cases.reply_dispatch"):
        return Dispatch.objects.none()
    return case.dispatches.filter(department_id=profile.department_id, status=Dispatch.Status.PENDING)


def user_can(user, action: str, case: Case) -> bool:
    """Whether ``user`` may perform ``action`` on ``case`` (which they can already see).

    The rules are the action's own declaration in ``cases.actions``.
    """
    from cases import actions

    return actions.user_can(user, actions.get(action), case)


def allowed_actions(user, case: Case) -> set[str]:
    from cases import actions

    return actions.allowed_names(user, case)
