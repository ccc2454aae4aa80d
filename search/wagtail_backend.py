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
from django.db.models import Avg, F
from django.db.models.functions import Length
from django.utils.encoding import force_str
from modelsearch.query import Phrase, PlainText
from modelsearch.utils import get_content_type_pk

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


def _batch_title_norms(base):
    class BatchTitleNormIndex(base):
        """After adding objects, refresh the title norm of their rows only.

        modelsearch refreshes every row whose norm is still 1.0 (the value of a row just
        written), which means scanning the whole table on every save and every bulk add;
        the rows just written are the ones it means.
        """

        def add_items(self, model, objs):
            objs = list(objs)
            self._added = (get_content_type_pk(model), [force_str(obj.pk) for obj in objs])
            try:
                return super().add_items(model, objs)
            finally:
                self._added = None

        def _refresh_title_norms(self, full=False):
            added = getattr(self, "_added", None)
            if full or added is None:
                return super()._refresh_title_norms(full=full)
            content_type_pk, object_ids = added
            lavg = (
                self.entries.annotate(title_length=Length("title"))
                .filter(title_length__gt=0)
                .aggregate(Avg("title_length"))["title_length__avg"]
            )
            self.entries.filter(content_type_id=content_type_pk, object_id__in=object_ids, title_norm=1.0).annotate(
                title_length=Length("title")
            ).filter(title_length__gt=0).update(title_norm=lavg / F("title_length"))

    return BatchTitleNormIndex


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
        index_class = _batch_title_norms(backend_cls.index_class)
        query_compiler_class = _analysing_compiler(backend_cls.query_compiler_class)
        autocomplete_query_compiler_class = _analysing_compiler(backend_cls.autocomplete_query_compiler_class)

    return ChineseSearchBackend(params)
