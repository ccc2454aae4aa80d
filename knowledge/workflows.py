"""部门会签: a workflow task a liaison may only sign for their own department.

Wagtail's GroupApprovalTask lets any member of the group act on any page, so
the liaison of 医保局 could countersign a 市场监管局 article. This task keeps
the group check and adds one rule: the liaison's department (their staff
profile) must be among the departments the revision under review names.
A page that names no department can be signed by any liaison, because there
is no department to speak for. Superusers act as in Wagtail.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _
from wagtail.models import AbstractGroupApprovalTask, TaskState

logger = logging.getLogger(__name__)


def staff_department_id(user) -> int | None:
    """The department a staff member works for (their case-desk profile), if any."""
    try:
        profile = user.case_profile
    except (AttributeError, ObjectDoesNotExist):
        return None
    return profile.department_id if profile else None


def named_department_ids(obj, *, latest_revision: bool = True) -> set[int]:
    """Departments a page or snippet names (empty if it has no such field).

    By default the latest revision counts, since that is what the liaison signs.
    """
    obj = getattr(obj, "specific", obj)
    if latest_revision and hasattr(obj, "get_latest_revision_as_object"):
        obj = obj.get_latest_revision_as_object()
    departments = getattr(obj, "departments", None)
    if departments is None:
        return set()
    return {d.pk for d in departments.all()}


class DepartmentCountersignTask(AbstractGroupApprovalTask):
    """Group approval limited to the liaisons of the departments the content names."""

    def _may_sign(self, obj, user) -> bool:
        if user.is_superuser:
            return True
        if not self._user_in_groups(user):
            return False
        named = named_department_ids(obj)
        return not named or staff_department_id(user) in named

    def user_can_access_editor(self, obj, user):
        return self._may_sign(obj, user)

    def locked_for_user(self, obj, user):
        return not self._may_sign(obj, user)

    def user_can_lock(self, obj, user):
        return not user.is_superuser and self._may_sign(obj, user)

    def get_actions(self, obj, user):
        if self._may_sign(obj, user):
            return [
                ("reject", _("退回修改"), True),
                ("approve", _("会签通过"), False),
                ("approve", _("会签通过并留言"), True),
            ]
        return []

    def get_task_states_user_can_moderate(self, user, **kwargs):
        states = self.task_states.filter(status=TaskState.STATUS_IN_PROGRESS)
        if user.is_superuser:
            return states
        if not self._user_in_groups(user):
            return TaskState.objects.none()
        department_id = staff_department_id(user)
        allowed = []
        for state in states.select_related("revision"):
            named = named_department_ids(state.revision.as_object(), latest_revision=False)
            if not named or department_id in named:
                allowed.append(state.pk)
        return states.filter(pk__in=allowed)

    @classmethod
    def get_description(cls):
        return _("所选用户组中、且所在部门为内容涉及部门的联络员可以会签")

    class Meta:
        verbose_name = _("部门会签任务")
        verbose_name_plural = _("部门会签任务")
