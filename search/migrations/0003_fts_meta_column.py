"""FTS5 gets a ``meta`` column (filters evaluated inside FTS5). SQLite only.

The full-text table is recreated empty, so the embedded index is emptied too:
run ``manage.py rebuild_search_index`` after migrating (make run's demo loader does).
"""

from django.db import migrations


def recreate_fts(apps, schema_editor):
    conn = schema_editor.connection
    if conn.vendor != "sqlite":
        return
    from search.engines.embedded import ensure_schema_for

    with conn.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS search_fts_vocab")
        cur.execute("DROP TABLE IF EXISTS search_fts")
        cur.execute("DELETE FROM search_facet")
        cur.execute("DELETE FROM search_entry")
    ensure_schema_for(conn)


class Migration(migrations.Migration):
    dependencies = [("search", "0002_fulltext_schema")]

    operations = [migrations.RunPython(recreate_fts, migrations.RunPython.noop)]
