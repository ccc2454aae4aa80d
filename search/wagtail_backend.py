"""Wagtail's own search backend (admin page explorer, choosers) made to understand Chinese.

Wagtail's database backend (modelsearch) stores each object's text in an FTS5
table (SQLite) or a tsvector (PostgreSQL) and tokenises it with unicode61 /
the 'simple' parser, which keeps a whole run of Chinese text as one token: a
search for 注销 never finds 简易注销. Here the same analysis as the portal's
search (search.analysis) is applied on both sides:

- index side: every field value goes through ``analyze_for_index`` (Han
  bigrams, NFKC, traditional→simplified) before modelsearch stores it;
- query side: plain-text and phrase queries are replaced by their analysed
  tokens, OR-ed and ranked by the backend's BM25 / ts_rank. Tokens are Han
  bigrams and [a-z0-9] words only, so no FTS syntax reaches the database.

modelsearch's ``Index.add_items`` builds the module-level ``ObjectIndexer``;
we point that name at an analysing subclass for the vendor in use. After
switching to this backend run ``manage.py update_index`` once.
"""

from django.db import connection
from modelsearch.query import Phrase, PlainText

from . import analysis

_NO_MATCH = "x0x0nomatch"


def _analysing_indexer(base):
    class AnalysingObjectIndexer(base):
        def prepare_value(self, value):
            # modelsearch joins a list's (or dict's) prepared values and prepares the result
            # again: the same tokens, without analysing the analysed text a second time.
            if isinstance(value, list):
                return analysis.analyze_joined_for_index([self.prepare_value(item) for item in value])
            if isinstance(value, dict):
                return analysis.analyze_joined_for_index([self.prepare_value(item) for item in value.values()])
            return analysis.analyze_for_index(super().prepare_value(value))

        def prepare_field(self, obj, field):
            # modelsearch walks every field three times (for title, body and autocomplete),
            # reading related rows and analysing the text each time: do it once per object.
            if obj is not self.obj:
                yield from super().prepare_field(obj, field)
                return
            prepared = self.__dict__.setdefault("_prepared_fields", {})
            if id(field) not in prepared:
                prepared[id(field)] = list(super().prepare_field(obj, field))
            yield from prepared[id(field)]

    return AnalysingObjectIndexer


def _analysing_compiler(base):
    class AnalysingQueryCompiler(base):
        def __init__(self, queryset, query, *args, **kwargs):
            super().__init__(queryset, query, *args, **kwargs)
            if isinstance(self.query, (PlainText, Phrase)):
                tokens = analysis.analyze_query(self.query.query_string)[:64]
                self.query = PlainText(" ".join(tokens) or _NO_MATCH, operator="or")

    return AnalysingQueryCompiler


def SearchBackend(params):
    """Entry point named in WAGTAILSEARCH_BACKENDS["default"]["BACKEND"]."""
    if connection.vendor == "postgresql":
        from modelsearch.backends.database.postgres import postgres as mod

        backend_cls = mod.PostgresSearchBackend
    elif connection.vendor == "sqlite":
        from modelsearch.backends.database.sqlite import sqlite as mod

        backend_cls = mod.SQLiteSearchBackend
    else:  # other databases: Wagtail's default behaviour
        from modelsearch.backends.database import SearchBackend as default

        return default(params)

    if not getattr(mod.ObjectIndexer, "_bancheng_analysing", False):
        mod.ObjectIndexer = _analysing_indexer(mod.ObjectIndexer)
        mod.ObjectIndexer._bancheng_analysing = True

    class ChineseSearchBackend(backend_cls):
        query_compiler_class = _analysing_compiler(backend_cls.query_compiler_class)
        autocomplete_query_compiler_class = _analysing_compiler(backend_cls.autocomplete_query_compiler_class)

    return ChineseSearchBackend(params)
