"""Seed the 2026 national holiday arrangement (国务院办公厅通知) and per-class time limits.

Both stay editable in the admin; this only gives a fresh install a real calendar.
"""

import datetime

from django.db import migrations

HOLIDAYS_2026 = [
    ("元旦", datetime.date(2026, 1, 1), datetime.date(2026, 1, 3)),
    ("春节", datetime.date(2026, 2, 15), datetime.date(2026, 2, 23)),
    ("清明节", datetime.date(2026, 4, 4), datetime.date(2026, 4, 6)),
    ("劳动节", datetime.date(2026, 5, 1), datetime.date(2026, 5, 5)),
    ("端午节", datetime.date(2026, 6, 19), datetime.date(2026, 6, 21)),
    ("中秋节", datetime.date(2026, 9, 25), datetime.date(2026, 9, 27)),
    ("国庆节", datetime.date(2026, 10, 1), datetime.date(2026, 10, 7)),
]
MAKEUP_WORKDAYS_2026 = [
    (datetime.date(2026, 1, 4), "元旦调休上班"),
    (datetime.date(2026, 2, 14), "春节调休上班"),
    (datetime.date(2026, 2, 28), "春节调休上班"),
    (datetime.date(2026, 5, 9), "劳动节调休上班"),
    (datetime.date(2026, 9, 20), "国庆节调休上班"),
    (datetime.date(2026, 10, 10), "国庆节调休上班"),
]
CLASS_DEFAULTS = {
    "expedite": 2,
    "dont_know": 3,
    "cannot": 5,
    "difficult": 10,
    "out_of_scope": 1,
}


def seed(apps, schema_editor):
    Override = apps.get_model("cases", "WorkingDayOverride")
    Policy = apps.get_model("cases", "ClassDeadlinePolicy")
    for name, first, last in HOLIDAYS_2026:
        day = first
        while day <= last:
            Override.objects.update_or_create(
                date=day, defaults={"is_working_day": False, "note": name}
            )
            day += datetime.timedelta(days=1)
    for day, note in MAKEUP_WORKDAYS_2026:
        Override.objects.update_or_create(date=day, defaults={"is_working_day": True, "note": note})
    for classification, days in CLASS_DEFAULTS.items():
        Policy.objects.update_or_create(
            classification=classification, defaults={"working_days": days}
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_case_desk")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
