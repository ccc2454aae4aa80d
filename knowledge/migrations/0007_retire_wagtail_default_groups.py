"""Retire what Wagtail's initial data creates and Bancheng does not use.

Wagtail installs the groups "Editors" and "Moderators" and a workflow
"Moderators approval" on the root page. Bancheng's own groups (编辑, 审核,
部门联络员, 管理员) and workflow 指引审核流程 replace them, and the English
leftovers confused staff in the group list and the workflow report. The root
page, titled "Root", becomes 全部站点. Groups that already have members are
kept, and so is anything with a workflow still in progress: this only tidies
an installation nobody has used yet.
"""

from django.db import migrations

WAGTAIL_DEFAULT_GROUPS = ["Editors", "Moderators"]
ROOT_TITLE = "全部站点"


def retire_defaults(apps, schema_editor):
    # The tree's root shows in every admin breadcrumb.
    Page = apps.get_model("wagtailcore", "Page")
    Page.objects.filter(depth=1, title="Root").update(title=ROOT_TITLE, draft_title=ROOT_TITLE)

    Group = apps.get_model("auth", "Group")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    WorkflowPage = apps.get_model("wagtailcore", "WorkflowPage")
    WorkflowState = apps.get_model("wagtailcore", "WorkflowState")

    unused = list(Group.objects.filter(name__in=WAGTAIL_DEFAULT_GROUPS, user__isnull=True))
    if not unused:
        return
    unused_ids = {g.pk for g in unused}
    default_tasks = [
        task
        for task in GroupApprovalTask.objects.filter(groups__in=unused_ids).distinct()
        if set(task.groups.values_list("pk", flat=True)) <= unused_ids
    ]
    task_ids = {t.pk for t in default_tasks}
    for workflow in Workflow.objects.filter(workflow_tasks__task_id__in=task_ids).distinct():
        if set(workflow.workflow_tasks.values_list("task_id", flat=True)) - task_ids:
            continue  # a workflow someone built with other tasks too
        if WorkflowState.objects.filter(workflow=workflow, status="in_progress").exists():
            continue
        WorkflowPage.objects.filter(workflow=workflow).delete()
        if WorkflowState.objects.filter(workflow=workflow).exists():
            workflow.active = False  # keep the history of finished runs
            workflow.save(update_fields=["active"])
        else:
            workflow.delete()
    for task in default_tasks:
        if task.task_states.exists() or task.workflow_tasks.exists():
            task.active = False
            task.save(update_fields=["active"])
        else:
            task.delete()
    Group.objects.filter(pk__in=unused_ids).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0006_department_countersign_task"),
        ("wagtailcore", "0098_apitoken"),
        ("wagtailimages", "0027_image_description"),
        ("wagtaildocs", "0014_alter_document_file_size"),
        ("wagtailadmin", "0006_formstate"),
    ]

    # Not reversible in content (the groups are gone), but migrating back is allowed.
    operations = [migrations.RunPython(retire_defaults, migrations.RunPython.noop)]
