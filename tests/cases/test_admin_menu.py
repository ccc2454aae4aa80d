from django.urls import reverse


def test_case_desk_menu_per_role(client, triage_user, dept_user):
    client.force_login(triage_user)
    html = client.get("/admin/").content.decode()
    assert reverse("cases:index") in html and reverse("case_classes") in html
    assert reverse("my_dispatches:index") not in html
    client.force_login(dept_user)
    html = client.get("/admin/").content.decode()
    assert reverse("my_dispatches:index") in html
    assert reverse("staff_profiles:index") not in html


def test_class_report_page_renders(client, dispatched_case, triage_user):
    client.force_login(triage_user)
    assert client.get(reverse("case_classes")).status_code == 200


def test_intelligence_endpoints_staff_only(client, dispatched_case, triage_user):
    url = reverse("precedents_json")
    assert client.post(url, {"text": "前租户未注销"}).status_code in (302, 403)
    client.force_login(triage_user)
    assert client.post(url, {"text": "前租户未注销"}).status_code == 200
