"""Who may register policy changes: 部门联络员 registers, 审核/管理员 manage, 编辑 reads."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMS = {
    "部门联络员": ["add_policychange", "view_policychange"],
    "审核": ["add_policychange", "change_policychange", "view_policychange"],
    "管理员": ["add_policychange", "change_policychange", "delete_policychange", "view_policychange"],
    "编辑": ["view_policychange"],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in PERMS.items():
        group = Group.objects.filter(name=name).first()
        if group is None:
            continue
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="knowledge", codename__in=codenames)
        )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    for name, codenames in PERMS.items():
        group = Group.objects.filter(name=name).first()
        if group is not None:
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label="knowledge", codename__in=codenames)
            )


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0004_review_flags_and_policy_changes")]

    operations = [migrations.RunPython(grant, revoke)]
