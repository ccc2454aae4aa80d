"""Facet values per entry in one row, and a meta token on non-public entries (SQLite).

Both let the embedded engine answer a query from one ranking pass: facets are
counted from ``search_entry_facets`` and visibility is checked with
``NOT meta:np…``. The existing index is filled in here, so no rebuild is needed.
"""

import django.db.models.deletion
from django.db import migrations, models


def fill_existing_index(apps, schema_editor):
    conn = schema_editor.connection
    if conn.vendor != "sqlite":
        return
    from search.engines.embedded import backfill_facet_keys, backfill_non_public_token, ensure_schema_for

    ensure_schema_for(conn)
    with conn.cursor() as cur:
        backfill_facet_keys(cur)
        backfill_non_public_token(cur)


class Migration(migrations.Migration):
    dependencies = [("search", "0003_fts_meta_column")]

    operations = [
        migrations.CreateModel(
            name="SearchEntryFacets",
            fields=[
                (
                    "entry",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="facet_keys",
                        serialize=False,
                        to="search.searchentry",
                    ),
                ),
                ("keys", models.TextField(blank=True, default="")),
            ],
            options={"db_table": "search_entry_facets"},
        ),
        migrations.RunPython(fill_existing_index, migrations.RunPython.noop),
    ]
