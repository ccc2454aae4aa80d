"""Review flags raised from a case carry the reason as typed (see cases 0015).

The case desk's old form cleaning stored "&", "<" and ">" HTML-escaped, and a flag
raised from a case (指引内容有误/需更新) took its reason from there. The knowledge
app's own forms stored text as typed, so only flags from cases are repaired, with the
same per-value rule (``kernel.text.unescape_stored_text``).
"""

from django.db import migrations

from kernel.text import unescape_stored_text


def forwards(apps, schema_editor):
    Flag = apps.get_model("knowledge", "ArticleReviewFlag")
    for pk, reason in Flag.objects.filter(source="case", reason__contains="&").values_list("pk", "reason").iterator():
        repaired = unescape_stored_text(reason)
        if repaired != reason:
            Flag.objects.filter(pk=pk).update(reason=repaired)


class Migration(migrations.Migration):

    dependencies = [
        ("knowledge", "0008_public_info_acknowledgements"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
