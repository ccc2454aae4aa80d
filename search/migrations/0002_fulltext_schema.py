"""The full-text part of the embedded index: FTS5 (SQLite) or tsvector + GIN (PostgreSQL)."""

from django.db import migrations


def create_fulltext(apps, schema_editor):
    from search.engines.embedded import ensure_schema_for

    ensure_schema_for(schema_editor.connection)


def drop_fulltext(apps, schema_editor):
    conn = schema_editor.connection
    with conn.cursor() as cur:
        if conn.vendor == "sqlite":
            cur.execute("DROP TABLE IF EXISTS search_fts")
        elif conn.vendor == "postgresql":
            cur.execute("DROP INDEX IF EXISTS search_entry_vector_gin")
            cur.execute("ALTER TABLE search_entry DROP COLUMN IF EXISTS search_vector")


class Migration(migrations.Migration):
    dependencies = [("search", "0001_vocabulary_index_queue_analytics")]

    operations = [migrations.RunPython(create_fulltext, drop_fulltext)]
