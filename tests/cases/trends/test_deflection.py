"""Deflection: guides opened from 提交前看看, and whether the same session reported anyway."""

import datetime

from django.urls import reverse

from cases.models import GuideVisit
from cases.trends.selectors import TrendFilter, knowledge_tables
from tests.cases.test_public import report_data
from tests.search.experience_helpers import make_article, make_topic


def test_guide_visits_then_a_report_marks_them_reported(client, db, supervisor, hongkou):
    page = make_article(make_topic("企业开办与注销", slug="deflect-topic"), "前租户未注销怎么办", slug="deflect")
    url = reverse("cases_public:guide_open", args=[page.pk])
    assert client.get(url).url == page.url
    other = client.__class__()
    assert other.get(url).url == page.url  # another reader, who does not report
    assert GuideVisit.objects.filter(reported=False).count() == 2
    assert client.get(reverse("cases_public:guide_open", args=[999999])).status_code == 404

    # The first reader reports after all: their visit did not deflect anything.
    assert client.post(reverse("cases_public:report"), report_data(hongkou)).status_code == 302
    assert GuideVisit.objects.filter(reported=True).count() == 1

    today = datetime.date.today()
    f = TrendFilter(date_from=today - datetime.timedelta(days=1), date_to=today)
    table = {t.key: t for t in knowledge_tables(supervisor, f)}["deflection"]
    totals = [sum(r[i] for r in table.rows) for i in (1, 2, 3)]
    assert totals == [2, 1, 1]  # opened, reported anyway, deflected
