"""A public search page cached before the index update is not served after it.

With a task worker the index changes after the publish request has returned (and after
the publish invalidated the page cache); a reader searching in between must not pin
the old results for everyone until the next publish.
"""

import pytest
from django.test import Client

from tests.helpers import DATABASE_TASKS, run_db_worker
from tests.search.experience_helpers import make_article, make_topic

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_search_shows_a_published_article_once_the_worker_has_indexed_it(settings):
    settings.TASKS = DATABASE_TASKS
    topic = make_topic()
    run_db_worker()
    reader = Client()

    make_article(topic, "宠物诊疗许可证补办指引", problem="宠物医院许可证遗失怎么补办")
    before = reader.get("/search/", {"q": "宠物诊疗许可证"}).content.decode()
    assert "宠物诊疗许可证补办指引" not in before  # not indexed yet: the worker has not run

    run_db_worker()
    after = reader.get("/search/", {"q": "宠物诊疗许可证"}).content.decode()
    assert "宠物诊疗许可证补办指引" in after
