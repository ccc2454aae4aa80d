"""Free text stored HTML-escaped by the old form cleaning goes back to what was typed.

Until kernel.text.plain_text, the case desk's forms kept bleach's output, so "A&B公司
面积<50" was stored as "A&amp;B公司 面积&lt;50" and read back that way on the status
page, the case page and in exports. ``kernel.text.unescape_stored_text`` decides per
value (only values with no bare "&", "<" or ">" are decoded, exactly once, and a typed
"&amp;" cannot be told from a typed "&": it becomes "&"; see its docstring).

Not reversible (the old escaping lost information). Afterwards run
``manage.py rebuild_search_index`` so the case library's index holds the repaired text.
"""

from django.db import migrations
from django.db.models import Q

from kernel.text import unescape_stored_text

FREE_TEXT = {
    "Case": (
        "reporter_name", "enterprise_name", "matter", "matter_deidentified", "counter_name",
        "counter_failure_reason", "cited_rule", "alternative_path", "guidance_answer", "guidance_link",
        "referred_to", "referral_reason", "resolution_summary", "rating_comment",
    ),
    "Dispatch": ("task", "reply", "returned_reason"),
    "TimelineEntry": ("text",),
    "MissingMaterial": ("name", "waive_reason"),
    "DeadlineExtension": ("reason",),
    "Rectification": ("reason", "result", "verification_note"),
    "ReturnVisit": ("notes",),
    "CaseMerge": ("reason",),
    "ClassCase": ("title", "outcome_summary"),
}
BATCH = 500


def repair(model, fields) -> int:
    """Decode every escaped value of ``fields``; returns the number of rows changed."""
    candidates = Q()
    for name in fields:
        candidates |= Q(**{f"{name}__contains": "&"})
    changed, batch = 0, []
    # Rows are updated with queryset writes: timeline entries refuse save() by design.
    for row in model.objects.filter(candidates).only("pk", *fields).order_by("pk").iterator(chunk_size=BATCH):
        dirty = False
        for name in fields:
            value = getattr(row, name)
            repaired = unescape_stored_text(value)
            if repaired != value:
                setattr(row, name, repaired)
                dirty = True
        if dirty:
            batch.append(row)
        if len(batch) >= BATCH:
            model.objects.bulk_update(batch, fields)
            changed += len(batch)
            batch = []
    if batch:
        model.objects.bulk_update(batch, fields)
        changed += len(batch)
    return changed


def forwards(apps, schema_editor):
    for model_name, fields in FREE_TEXT.items():
        repair(apps.get_model("cases", model_name), fields)


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0014_dispatch_case_department_status_index"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
