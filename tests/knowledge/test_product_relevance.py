"""Readers of an imported library get what the relevance benchmark measures (issue 13).

A small library of real notice snippets is imported through ``import_articles`` and every
question is asked through ``GET /api/search/``; the same documents indexed straight into the
engine the way ``python -m search.bench relevance`` indexes them must rank identically, on
both engines. (``python -m knowledge.bench relevance`` runs the full set.)
"""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from knowledge.bench import product_rankings
from knowledge.models import SolutionArticlePage
from search.bench import _docs_to_search, score
from search.engines.base import SearchQuery

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"


def read(name):
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def test_product_path_ranks_exactly_like_the_benchmark_path(search_engine, django_capture_on_commit_callbacks):
    docs, questions = read("library_snippets.jsonl"), read("library_questions.jsonl")
    with django_capture_on_commit_callbacks(execute=True):  # index writes follow each batch's commit
        call_command("import_articles", str(DATA / "library_snippets.jsonl"), "--public-source",
                     stdout=StringIO(), stderr=StringIO())
    assert SolutionArticlePage.objects.live().count() == len(docs)
    product = product_rankings(questions)

    search_engine.clear()
    search_engine.rebuild(_docs_to_search(docs))
    bench = {
        q["query"]: [h.external_id for h in search_engine.search(SearchQuery(q=q["query"], page_size=10)).hits]
        for q in questions
    }
    assert product == bench
    # And the figures are meaningful: most questions find their notice first.
    assert score(questions, product)["mrr@10"] > 0.5
