"""Wagtail's admin page search finds Chinese text (the same analysis as the portal's search)."""

from wagtail.models import Page

from tests.search.experience_helpers import make_article, make_topic


def test_page_search_finds_part_of_a_chinese_title(db):
    topic = make_topic()
    article = make_article(topic, "个体工商户简易注销办理指引", slug="jianyi")
    make_article(topic, "廉租房申请条件", slug="lianzu")
    found = list(Page.objects.search("注销"))
    assert article.page_ptr in found or any(p.pk == article.pk for p in found)
    assert all("廉租房" not in p.title for p in found)
    # Traditional characters and syntax characters are harmless.
    assert any(p.pk == article.pk for p in Page.objects.search("註銷"))
    list(Page.objects.search('"注销 AND NEAR( * -'))


def test_admin_explorer_search_for_zhuxiao(admin_client):
    topic = make_topic()
    make_article(topic, "个体工商户简易注销办理指引", slug="jianyi")
    response = admin_client.get("/admin/pages/search/", {"q": "注销"})
    assert response.status_code == 200
    assert "个体工商户简易注销办理指引" in response.content.decode()
