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


def test_editor_keeps_page_search_and_gets_precedent_search_without_empty_counts(client, db):
    from django.contrib.auth.models import Group, User

    editor = User.objects.create_user("editor_dash", password="x")
    editor.groups.add(Group.objects.get(name="编辑"))
    html = dashboard(client, editor)
    assert "搜索所有页面" in html  # editors do explore pages
    box = panel(html)
    assert 'name="q"' in box and "待研判" not in box  # the library has no queue of theirs
