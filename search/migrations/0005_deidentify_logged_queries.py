"""Replace personal data in search queries logged before analytics de-identified them.

Readers type phone and ID numbers into the search box; the reports show queries to
editors. Only rows with a run of digits or an @ can hold such data, so only those are
read; the import of ``search.analytics`` is the same code new searches go through.
"""

from django.db import migrations
from django.db.models import Q

MAYBE_PERSONAL = Q(query__regex=r"[0-9]{6}") | Q(query__contains="@")


def deidentify_queries(apps, schema_editor):
    from search.analytics import loggable_query

    for model_name in ("QueryLog", "QueryClick"):
        model = apps.get_model("search", model_name)
        for pk, query in model.objects.filter(MAYBE_PERSONAL).values_list("pk", "query").iterator():
            cleaned = loggable_query(query)
            if cleaned != query:
                model.objects.filter(pk=pk).update(query=cleaned or "—")


class Migration(migrations.Migration):
    dependencies = [("search", "0004_search_entry_facets")]
    operations = [migrations.RunPython(deidentify_queries, migrations.RunPython.noop)]
