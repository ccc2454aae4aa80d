"""有帮助 / 没帮助 votes as a learned-ranking signal: one reader's votes on a page count once.

The rate limits let one address post several votes on a page every ten minutes; counted one
each, a script could push a guide's vote prior (the ``votes`` feature) to its maximum.
"""

import pytest
from django.test import Client
from django.urls import reverse

from knowledge.models import ArticleFeedback, SolutionArticlePage
from search.learning import signals
from search.learning.memory import Memory
from search.learning.signals import VOTE_DOWN, VOTE_UP

pytestmark = pytest.mark.django_db

SLUG = "rongque-shouli-cailiao-zenme-bu"


@pytest.fixture
def article(demo):
    return SolutionArticlePage.objects.get(slug=SLUG)


def _vote(article, address: str, helpful: str, **headers):
    response = Client(REMOTE_ADDR=address, **headers).post(reverse("knowledge:feedback", args=(article.pk,)),
                                                           {"helpful": helpful})
    assert response.status_code == 302


def _votes(article) -> tuple[int, int]:
    doc = Memory.build(signals.collect(signals.PUBLIC)).get(f"article:{article.pk}")
    return (doc.up, doc.down) if doc else (0, 0)


def test_one_readers_repeated_votes_count_once_their_last(article):
    for _ in range(4):
        _vote(article, "198.51.100.20", "yes", HTTP_X_FORWARDED_FOR="10.0.0.1", HTTP_X_REAL_IP="10.0.0.2")
    _vote(article, "198.51.100.20", "no")  # changed their mind: the last vote is theirs
    assert ArticleFeedback.objects.filter(page=article).count() == 5  # editors still see every answer
    assert _votes(article) == (0, 1)


def test_distinct_readers_each_count(article):
    for n in range(3):
        _vote(article, f"203.0.113.{n + 1}", "yes")
    _vote(article, "203.0.113.9", "no")
    assert _votes(article) == (3, 1)


def test_votes_without_a_marker_count_one_each(article):
    ArticleFeedback.objects.bulk_create([ArticleFeedback(page=article, helpful=True) for _ in range(2)])
    assert _votes(article) == (2, 0)
    kinds = [s.kind for s in signals.collect(signals.PUBLIC) if s.kind in (VOTE_UP, VOTE_DOWN)]
    assert kinds == [VOTE_UP, VOTE_UP]


def test_the_marker_is_not_the_address(article):
    _vote(article, "198.51.100.21", "yes")
    marker = ArticleFeedback.objects.get().client
    assert marker and "198.51.100.21" not in marker
