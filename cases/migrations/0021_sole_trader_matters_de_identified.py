"""The de-identified matter of cases reported by a 个体工商户 (credit code 92…) is derived again.

0013 filled it from the reporter's name, phone and ID only, so a 个体工商户's name and credit
code quoted in an older case's matter stayed in it; roles without personal-data rights search
that field in the case list (a right guess of the name found the case, a wrong one did not).
New writes replace them (Case.save); this brings the older rows in line. Afterwards run
``manage.py rebuild_search_index`` so the case library's index holds the same text.
"""

from django.db import migrations

SOURCES = ("matter", "reporter_name", "reporter_phone", "reporter_id_number", "tracking_number",
           "filing_extras", "enterprise_name", "credit_code")


def forwards(apps, schema_editor):
    # The live rule (Case.deidentify_text) on an unsaved copy of the fields it reads: old rows
    # get exactly what a save writes today, not a copy of the rule that could drift from it.
    from cases.models import Case as LiveCase

    Case = apps.get_model("cases", "Case")
    rows = Case.objects.filter(credit_code__startswith="92").values("pk", "matter_deidentified", *SOURCES)
    for row in rows.iterator(chunk_size=500):
        pk, stored = row.pop("pk"), row.pop("matter_deidentified")
        text = LiveCase(**row).deidentify_text(row["matter"])
        if text != stored:
            Case.objects.filter(pk=pk).update(matter_deidentified=text)


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0020_case_filing_extras"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
