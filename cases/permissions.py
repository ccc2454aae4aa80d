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

# action -> permission codename (without the app label)
ACTION_PERMISSIONS = {
    "edit_intake": "change_case",
    "triage": "triage_case",
    "dispatch": "triage_case",
    "reassign": "triage_case",
    "note": "add_timelineentry",
    "message": "change_case",
    "material_add": "add_missingmaterial",
    "material_update": "change_missingmaterial",
    "extension_request": "add_deadlineextension",
    "extension_decide": "decide_extension",
    "close": "close_case",
    "return_visit": "close_case",
    "rate": "close_case",
    "reopen": "close_case",
    "archive": "close_case",
    "rectification": "change_rectification",
    "rectification_verify": "verify_rectification",
    "escalate": "escalate_case",
    "merge": "triage_case",
    "link_article": "add_casearticlelink",
    "quote_article": "add_casearticlelink",
    "flag_article": "add_timelineentry",
    "draft_article": "draft_article_from_case",
}
DEPARTMENT_ACTIONS = {"reply", "return"}


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


def can_view_statistics(user) -> bool:
    return answers_for_cases(user)


def can_look_up_reporter(user) -> bool:
    return answers_for_cases(user) and user.has_perm("cases.view_case")


def can_import(user) -> bool:
    return user.is_authenticated and user.has_perm("cases.import_cases")


def pending_dispatches_for_user(user, case: Case):
    """The case's dispatches still waiting on the user's department."""
    profile = profile_of(user)
    if not profile or not profile.department_id or not user.has_perm("cases.reply_dispatch"):
        return Dispatch.objects.none()
    return case.dispatches.filter(department_id=profile.department_id, status=Dispatch.Status.PENDING)


def user_can(user, action: str, case: Case) -> bool:
    """Whether ``user`` may perform ``action`` on ``case`` (which they can already see)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if action in DEPARTMENT_ACTIONS:
        return pending_dispatches_for_user(user, case).exists()
    codename = ACTION_PERMISSIONS.get(action)
    if codename is None:
        raise KeyError(action)
    if not user.has_perm(f"cases.{codename}"):
        return False
    open_only = {
        "edit_intake", "triage", "dispatch", "reassign", "material_add", "extension_request", "close",
    }
    if action in open_only and not case.is_open:
        return False
    if action == "extension_request" and not any(user.has_perm(p) for p in CASE_RUNNER_PERMS):
        # A department asks for more time only while it still owes an answer.
        return pending_dispatches_for_user(user, case).exists()
    if action == "merge":
        return case.is_open
    if action == "quote_article":
        return case.is_open and user.has_perm("cases.change_case")
    if action == "draft_article":
        return case.status in (Case.Status.CLOSED, Case.Status.ARCHIVED)
    if action == "escalate":
        return case.is_open and not case.escalated
    if action == "rectification":
        return case.rectifications.filter(status="open").exists()
    if action == "rectification_verify":
        # Four eyes: someone else submitted it.
        return case.rectifications.filter(status="submitted").exclude(submitted_by=user).exists()
    if action == "reopen":
        return case.status in (Case.Status.CLOSED, Case.Status.ARCHIVED)
    if action == "archive":
        return case.status == Case.Status.CLOSED
    if action in ("return_visit", "rate"):
        return case.status in (Case.Status.CLOSED, Case.Status.ARCHIVED)
    return True


def allowed_actions(user, case: Case) -> set[str]:
    actions = {a for a in ACTION_PERMISSIONS if user_can(user, a, case)}
    actions |= {a for a in DEPARTMENT_ACTIONS if user_can(user, a, case)}
    return actions
