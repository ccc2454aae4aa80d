"""Reference data the case-desk browser tests need, created if missing.

Transactional (live_server) tests flush the database; depending on the order
and on Playwright's event loop, the rows written by data migrations (districts,
role groups) may not be restored, so these tests recreate what they use.
"""

import importlib

from django.contrib.auth.models import Group, Permission

from knowledge.models import District

_roles_migration = importlib.import_module("cases.migrations.0003_case_desk_groups")
_escalate_migration = importlib.import_module("cases.migrations.0005_escalate_permission")


def ensure_case_desk_reference_data() -> None:
    District.objects.get_or_create(code="hongkou", defaults={"name": "虹口区", "sort_order": 6})
    access_admin = Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    for name, codenames in _roles_migration.ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        extra = ["escalate_case"] if name == "督办" else []
        perms = Permission.objects.filter(content_type__app_label="cases", codename__in=[*codenames, *extra])
        group.permissions.add(access_admin, *perms)
    assert _escalate_migration  # the permission that migration grants is granted above
