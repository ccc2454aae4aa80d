"""Create the case-desk roles as Wagtail groups with their permissions.

Scope permissions (view_hall_cases, view_district_cases, view_department_cases,
view_all_cases) decide which cases a member sees; ``cases.selectors`` reads them.
"""

from django.db import migrations

ROLES = {
    "窗口人员": [
        "add_case", "change_case", "view_case", "view_hall_cases", "view_personal_data",
        "add_missingmaterial", "change_missingmaterial", "view_missingmaterial",
        "add_timelineentry", "view_timelineentry", "view_servicehall",
    ],
    "研判员": [
        "add_case", "change_case", "view_case", "view_district_cases", "view_personal_data",
        "triage_case", "close_case", "decide_extension", "export_cases", "import_cases",
        "add_dispatch", "change_dispatch", "view_dispatch",
        "add_missingmaterial", "change_missingmaterial", "view_missingmaterial",
        "add_timelineentry", "view_timelineentry", "view_servicehall",
        "add_returnvisit", "view_returnvisit", "change_rectification", "view_rectification",
        "view_deadlineextension", "change_deadlineextension",
        "view_workingdayoverride", "view_classdeadlinepolicy",
    ],
    "部门经办人": [
        "view_case", "view_department_cases", "reply_dispatch", "view_dispatch",
        "add_timelineentry", "view_timelineentry", "add_deadlineextension",
        "view_deadlineextension", "view_missingmaterial", "view_rectification",
        "change_rectification",
    ],
    "督办": [
        "view_case", "view_all_cases", "view_personal_data", "export_cases",
        "view_dispatch", "view_timelineentry", "add_timelineentry", "view_missingmaterial",
        "view_rectification", "change_rectification", "view_returnvisit",
        "view_deadlineextension", "decide_extension", "view_servicehall",
        "view_workingdayoverride", "change_workingdayoverride", "add_workingdayoverride",
        "view_classdeadlinepolicy", "change_classdeadlinepolicy",
    ],
}


def create_groups(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; make sure ours exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    access_admin = Permission.objects.get(
        content_type__app_label="wagtailadmin", codename="access_admin"
    )
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        perms = list(
            Permission.objects.filter(content_type__app_label="cases", codename__in=codenames)
        )
        missing = set(codenames) - {p.codename for p in perms}
        if missing:
            raise RuntimeError(f"missing permissions: {sorted(missing)}")
        group.permissions.add(access_admin, *perms)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0002_calendar_2026_and_deadlines"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_groups, remove_groups)]
