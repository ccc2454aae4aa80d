from django.db import migrations, models


def withdraw_dispatches_of_closed_cases(apps, schema_editor):
    """Cases closed before this change kept unanswered dispatches in the departments' queues."""
    Dispatch = apps.get_model("cases", "Dispatch")
    TimelineEntry = apps.get_model("cases", "TimelineEntry")
    stale = Dispatch.objects.filter(status="pending", case__status__in=["closed", "archived"])
    by_case: dict[int, list[str]] = {}
    for dispatch in stale.select_related("department"):
        by_case.setdefault(dispatch.case_id, []).append(dispatch.department.name)
    stale.update(status="withdrawn")
    TimelineEntry.objects.bulk_create(
        TimelineEntry(case_id=case_id, kind="state_change", text=f"案件已办结，未答复的分办随之撤回：{'、'.join(names)}。")
        for case_id, names in by_case.items()
    )


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0008_personal_data_erasure"),
    ]

    operations = [
        migrations.AlterField(
            model_name="dispatch",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "办理中"),
                    ("replied", "已答复"),
                    ("returned", "已退单"),
                    ("reassigned", "已改派"),
                    ("withdrawn", "已撤回（案件已办结）"),
                ],
                default="pending",
                max_length=20,
                verbose_name="状态",
            ),
        ),
        migrations.RunPython(withdraw_dispatches_of_closed_cases, migrations.RunPython.noop),
    ]
