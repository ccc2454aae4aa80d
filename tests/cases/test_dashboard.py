"""The case desk on the Wagtail dashboard: each role lands on its own queue and a precedent search."""

import datetime
import re

from django.urls import reverse

from cases.models import Case

from .conftest import register


def dashboard(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    return response.content.decode()


def panel(html: str) -> str:
    match = re.search(r'data-testid="case-desk-panel".*?</section>', html, re.S)
    assert match, "the case desk panel is missing"
    return match.group(0)


def count_of(html: str, label: str) -> int:
    return int(re.search(rf"<strong>(\d+)</strong> {label}", html).group(1))


def test_window_lands_on_queue_and_precedent_search_not_a_dead_page_search(client, window_user, hall, case):
    html = dashboard(client, window_user)
    box = panel(html)
    # Wagtail's "search all pages" only led window staff to "no permission".
    assert "搜索所有页面" not in html
    assert f'action="{reverse("search:search")}"' in box and 'name="q"' in box
    assert count_of(box, "待研判") == 1 and count_of(box, "未办结") == 1
    assert reverse("cases:add") in box


def test_counts_follow_the_users_own_scope_and_link_to_the_same_cases(client, triage_user, window_user, hall,
                                                                      dispatched_case, qingpu_case):
    Case.objects.filter(pk=dispatched_case.pk).update(deadline=datetime.date.today() - datetime.timedelta(days=3))
    register(window_user, hall, matter="另一件刚登记的事项，还没研判")
    box = panel(dashboard(client, triage_user))
    assert count_of(box, "已超期") == 1 and count_of(box, "待研判") == 1  # 青浦's case is not 虹口's queue
    overdue_url = re.search(r'href="([^"]*deadline_state=overdue)"', box).group(1).replace("&amp;", "&")
    listing = client.get(overdue_url).content.decode()
    assert dispatched_case.tracking_number in listing and qingpu_case.tracking_number not in listing


def test_department_sees_its_pending_replies(client, dept_user, dispatched_case):
    box = panel(dashboard(client, dept_user))
    assert count_of(box, "本部门待答复") == 1
    assert reverse("my_dispatches:index") in box
    assert reverse("cases:add") not in box  # departments do not register cases
    assert "待研判" not in box  # nothing untriaged is ever dispatched to them: a count stuck at 0


def test_editor_keeps_page_search_and_gets_precedent_search_without_empty_counts(client, db):
    from django.contrib.auth.models import Group, User

    editor = User.objects.create_user("editor_dash", password="x")
    editor.groups.add(Group.objects.get(name="编辑"))
    html = dashboard(client, editor)
    assert "搜索所有页面" in html  # editors do explore pages
    box = panel(html)
    assert 'name="q"' in box and "待研判" not in box  # the library has no queue of theirs


def test_returned_and_escalated_cases_stand_out_on_the_dashboard_and_in_the_list(client, triage_user,
                                                                                  dispatched_case, qingpu_case):
    box = panel(dashboard(client, triage_user))
    assert "有退单" not in box and "提级督办" not in box  # nothing to flag, nothing shown
    Case.objects.filter(pk=dispatched_case.pk).update(return_count=2, escalated=True)
    box = panel(dashboard(client, triage_user))
    assert count_of(box, "有退单") == 1 and count_of(box, "提级督办") == 1
    returned_url = re.search(r'href="([^"]*returned=true)"', box).group(1)
    escalated_url = re.search(r'href="([^"]*escalated=true)"', box).group(1)
    for url in (returned_url, escalated_url):
        listing = client.get(url).content.decode()
        assert dispatched_case.tracking_number in listing
        row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{dispatched_case.tracking_number}.*?</tr>", listing, re.S).group(0)
        assert "case-badge--returned" in row and "退单×2" in row and "case-badge--escalated" in row


def test_plain_cases_carry_no_marker_in_the_list(client, triage_user, dispatched_case):
    client.force_login(triage_user)
    listing = client.get(reverse("cases:index")).content.decode()
    assert dispatched_case.tracking_number in listing
    assert "case-badge" not in listing
    assert client.get(reverse("cases:index"), {"returned": "true"}).content.decode().count(
        dispatched_case.tracking_number) == 0


def test_department_reaches_my_todo_list_from_the_dashboard(client, dept_user, dispatched_case):
    box = panel(dashboard(client, dept_user))
    link = re.search(r'<a class="button" href="([^"]+)" data-testid="my-dispatches-link">我的待办</a>', box)
    assert link and link.group(1) == reverse("my_dispatches:index")
    todo = client.get(link.group(1))
    assert todo.status_code == 200 and dispatched_case.tracking_number in todo.content.decode()


def test_window_clerk_has_no_my_todo_button(client, window_user, hall, case):
    assert "我的待办" not in panel(dashboard(client, window_user))


def test_dashboard_trend_table_folds_under_its_chart(client, window_user, hall, case):
    """Twelve weekly rows under the chart filled a phone screen on every sign-in."""
    html = dashboard(client, window_user)
    trends = re.search(r'data-testid="trends-panel".*?</section>\s*<p>', html, re.S).group(0)
    assert re.search(r"<details[^>]*>\s*<summary>查看数据表</summary>.*<table", trends, re.S)
