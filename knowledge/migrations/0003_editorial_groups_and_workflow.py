"""Editorial roles and the two-step moderation workflow.

编辑 drafts, 部门联络员 countersigns (部门会签), 审核 reviews and publishes,
管理员 manages everything. The workflow is attached to the home page so it
covers every topic, article and guide below it.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_EDITOR = "编辑"
GROUP_REVIEWER = "审核"
GROUP_LIAISON = "部门联络员"
GROUP_ADMIN = "管理员"
WORKFLOW_NAME = "指引审核流程"
TASK_COUNTERSIGN = "部门会签"
TASK_PUBLISH = "审核发布"

SNIPPET_MODELS = ["district", "department", "serviceitem", "policy"]

PAGE_PERMS = {
    GROUP_EDITOR: ["add_page", "change_page", "lock_page"],
    GROUP_REVIEWER: ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"],
    GROUP_LIAISON: [],
    GROUP_ADMIN: ["add_page", "change_page", "publish_page", "bulk_delete_page", "lock_page", "unlock_page"],
}


def _model_perms(models, actions):
    return [(f"{a}_{m}", "knowledge") for m in models for a in actions]


def global_perms():
    view_snippets = _model_perms(SNIPPET_MODELS, ["view"])
    return {
        GROUP_EDITOR: view_snippets + [("view_articlefeedback", "knowledge")],
        GROUP_REVIEWER: _model_perms(SNIPPET_MODELS, ["add", "change", "view"])
        + [("view_articlefeedback", "knowledge")],
        GROUP_LIAISON: view_snippets,
        GROUP_ADMIN: _model_perms(SNIPPET_MODELS, ["add", "change", "delete", "view"])
        + _model_perms(["articlefeedback"], ["view", "delete"])
        + [
            ("add_user", "auth"),
            ("change_user", "auth"),
            ("delete_user", "auth"),
            ("view_user", "auth"),
            ("add_group", "auth"),
            ("change_group", "auth"),
            ("view_group", "auth"),
            ("add_image", "wagtailimages"),
            ("change_image", "wagtailimages"),
            ("choose_image", "wagtailimages"),
            ("add_document", "wagtaildocs"),
            ("change_document", "wagtaildocs"),
            ("choose_document", "wagtaildocs"),
            ("add_redirect", "wagtailredirects"),
            ("change_redirect", "wagtailredirects"),
            ("delete_redirect", "wagtailredirects"),
            ("add_workflow", "wagtailcore"),
            ("change_workflow", "wagtailcore"),
            ("add_task", "wagtailcore"),
            ("change_task", "wagtailcore"),
        ],
    }


def setup(apps, schema_editor):
    # Permissions are normally created after migrate; make sure ours exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Page = apps.get_model("wagtailcore", "Page")
    GroupPagePermission = apps.get_model("wagtailcore", "GroupPagePermission")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")

    home = Page.objects.filter(depth=2, content_type__app_label="home").order_by("path").first()
    access_admin = Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin")
    groups = {}
    for name, perms in global_perms().items():
        group, _ = Group.objects.get_or_create(name=name)
        groups[name] = group
        group.permissions.add(access_admin)
        for codename, app_label in perms:
            perm = Permission.objects.filter(codename=codename, content_type__app_label=app_label).first()
            if perm:
                group.permissions.add(perm)
        if home:
            for codename in PAGE_PERMS[name]:
                perm = Permission.objects.get(content_type__app_label="wagtailcore", codename=codename)
                GroupPagePermission.objects.get_or_create(group=group, page=home, permission=perm)

    task_ct, _ = ContentType.objects.get_or_create(app_label="wagtailcore", model="groupapprovaltask")
    countersign = GroupApprovalTask.objects.filter(name=TASK_COUNTERSIGN).first() or GroupApprovalTask.objects.create(
        name=TASK_COUNTERSIGN, content_type=task_ct, active=True
    )
    countersign.groups.set([groups[GROUP_LIAISON]])
    publish = GroupApprovalTask.objects.filter(name=TASK_PUBLISH).first() or GroupApprovalTask.objects.create(
        name=TASK_PUBLISH, content_type=task_ct, active=True
    )
    publish.groups.set([groups[GROUP_REVIEWER]])

    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME, defaults={"active": True})
    WorkflowTask.objects.update_or_create(workflow=workflow, task=countersign, defaults={"sort_order": 0})
    WorkflowTask.objects.update_or_create(workflow=workflow, task=publish, defaults={"sort_order": 1})
    if home:
        WorkflowPage.objects.update_or_create(page=home, defaults={"workflow": workflow})


def teardown(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    Task = apps.get_model("wagtailcore", "Task")
    Workflow.objects.filter(name=WORKFLOW_NAME).delete()
    Task.objects.filter(name__in=[TASK_COUNTERSIGN, TASK_PUBLISH]).delete()
    Group.objects.filter(name__in=[GROUP_EDITOR, GROUP_REVIEWER, GROUP_LIAISON, GROUP_ADMIN]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0002_shanghai_districts"),
        ("home", "0002_create_homepage"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("wagtailimages", "0001_initial"),
        ("wagtaildocs", "0001_initial"),
        ("wagtailredirects", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(setup, teardown)]
