"""部门会签 becomes a DepartmentCountersignTask: liaisons sign only for their own department.

The old group task is kept (inactive, renamed) so that finished task states keep their history.
"""

import django.db.models.deletion
from django.db import migrations, models

TASK_COUNTERSIGN = "部门会签"
RETIRED_NAME = "部门会签（旧，不限部门）"
GROUP_LIAISON = "部门联络员"


def use_department_task(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Group = apps.get_model("auth", "Group")
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    DepartmentCountersignTask = apps.get_model("knowledge", "DepartmentCountersignTask")

    old = GroupApprovalTask.objects.filter(name=TASK_COUNTERSIGN).first()
    if DepartmentCountersignTask.objects.filter(name=TASK_COUNTERSIGN).exists():
        return
    task_ct, _ = ContentType.objects.get_or_create(app_label="knowledge", model="departmentcountersigntask")
    new = DepartmentCountersignTask.objects.create(name=TASK_COUNTERSIGN, content_type=task_ct, active=True)
    if old is not None:
        new.groups.set(old.groups.all())
        WorkflowTask.objects.filter(task_id=old.pk).update(task_id=new.pk)
        old.name = RETIRED_NAME
        old.active = False
        old.save(update_fields=["name", "active"])
    else:
        new.groups.set(Group.objects.filter(name=GROUP_LIAISON))


def use_group_task(apps, schema_editor):
    GroupApprovalTask = apps.get_model("wagtailcore", "GroupApprovalTask")
    WorkflowTask = apps.get_model("wagtailcore", "WorkflowTask")
    DepartmentCountersignTask = apps.get_model("knowledge", "DepartmentCountersignTask")
    new = DepartmentCountersignTask.objects.filter(name=TASK_COUNTERSIGN).first()
    old = GroupApprovalTask.objects.filter(name=RETIRED_NAME).first()
    if new is None or old is None:
        return
    WorkflowTask.objects.filter(task_id=new.pk).update(task_id=old.pk)
    old.name = TASK_COUNTERSIGN
    old.active = True
    old.save(update_fields=["name", "active"])
    new.delete()


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('knowledge', '0005_policy_change_permissions'),
        ('wagtailcore', '0098_apitoken'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.CreateModel(
            name='DepartmentCountersignTask',
            fields=[
                ('task_ptr', models.OneToOneField(auto_created=True, on_delete=django.db.models.deletion.CASCADE, parent_link=True, primary_key=True, serialize=False, to='wagtailcore.task')),
                ('groups', models.ManyToManyField(help_text='Pages/snippets at this step in a workflow will be moderated or approved by these groups of users', to='auth.group', verbose_name='groups')),
            ],
            options={
                'verbose_name': '部门会签任务',
                'verbose_name_plural': '部门会签任务',
            },
            bases=('wagtailcore.task',),
        ),
        migrations.RunPython(use_department_task, use_group_task),
    ]
