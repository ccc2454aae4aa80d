"""The editorial workflow: 编辑 drafts, 部门联络员 countersigns, 审核 publishes."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from wagtail.models import Page, WorkflowState
from wagtail.test.utils.form_data import querydict_from_html

from knowledge.models import Department, SolutionArticlePage, TopicIndexPage
from tests.helpers import login

pytestmark = pytest.mark.django_db


def add_form(client, topic, departments=("hk-scjg",)):
    url = reverse("wagtailadmin_pages:add", args=("knowledge", "solutionarticlepage", topic.pk))
    response = client.get(url)
    assert response.status_code == 200
    data = querydict_from_html(response.content.decode(), form_id="page-edit-form")
    # querydict_from_html picks the first option of a multiple select; say which departments.
    data.setlist("departments", [str(Department.objects.get(slug=s).pk) for s in departments])
    # StreamFields are built client-side; post an empty stream.
    data["steps-count"] = "0"
    data["title"] = "个体户歇业后恢复营业怎么办"
    data["slug"] = "getihu-xieye-huifu"
    data["summary"] = "歇业期满前可申请恢复营业。"
    data["problem"] = "我办了歇业，现在想重新开张，要重新办执照吗？"
    return url, data


def edit_form(client, page):
    url = reverse("wagtailadmin_pages:edit", args=(page.pk,))
    response = client.get(url)
    assert response.status_code == 200
    data = querydict_from_html(response.content.decode(), form_id="page-edit-form")
    data.setdefault("steps-count", "0")
    return url, data


def workflow_action(client, page, action):
    page = Page.objects.get(pk=page.pk)
    task_state = page.current_workflow_task_state
    url = reverse("wagtailadmin_pages:workflow_action", args=(page.pk, action, task_state.pk))
    return client.post(url)


def test_groups_and_workflow_exist(demo):
    home = Page.objects.get(depth=2)
    workflow = home.specific.get_workflow()
    assert workflow.name == "指引审核流程"
    tasks = [t.specific for t in workflow.tasks]
    assert [t.name for t in tasks] == ["部门会签", "审核发布"]
    assert type(tasks[0]).__name__ == "DepartmentCountersignTask"
    assert [list(t.groups.values_list("name", flat=True)) for t in tasks] == [["部门联络员"], ["审核"]]
    # Articles below a topic inherit the workflow.
    article = SolutionArticlePage.objects.first()
    assert article.get_workflow() == workflow


def test_permission_api_only_reviewers_publish(demo, demo_user):
    article = SolutionArticlePage.objects.first()
    editor, reviewer, liaison = demo_user("editor"), demo_user("reviewer"), demo_user("liaison")
    assert article.permissions_for_user(editor).can_edit()
    assert not article.permissions_for_user(editor).can_publish()
    assert article.permissions_for_user(editor).can_submit_for_moderation()
    assert article.permissions_for_user(reviewer).can_publish()
    assert not article.permissions_for_user(liaison).can_edit()
    assert not article.permissions_for_user(liaison).can_publish()
    for user in (editor, reviewer, liaison):
        assert user.has_perm("wagtailadmin.access_admin")


def test_editor_cannot_publish_through_the_admin(demo, demo_user):
    editor = demo_user("editor")
    topic = TopicIndexPage.objects.get(slug="qiye-kaiban")
    client = login(editor)
    url, data = add_form(client, topic)
    data["action-publish"] = "action-publish"
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    page = SolutionArticlePage.objects.get(slug="getihu-xieye-huifu")
    assert not page.live  # saved as a draft, publish ignored
    assert Client().get("/qiye-kaiban/getihu-xieye-huifu/").status_code == 404

    # Bulk publish is refused as well.
    bulk = reverse(
        "wagtail_bulk_action", args=("wagtailcore", "page", "publish")
    ) + f"?id={page.pk}"
    client.post(bulk)
    page.refresh_from_db()
    assert not page.live

    # The same form posted by a reviewer publishes.
    url, data = edit_form(login(demo_user("reviewer")), page)
    data["action-publish"] = "action-publish"
    login(demo_user("reviewer")).post(url, data)
    page.refresh_from_db()
    assert page.live


def submit_new_article(editor_client):
    """The editor creates the test article and submits it: it waits for 部门会签."""
    url, data = add_form(editor_client, TopicIndexPage.objects.get(slug="qiye-kaiban"))
    data["action-submit"] = "action-submit"
    assert editor_client.post(url, data).status_code == 302
    return SolutionArticlePage.objects.get(slug="getihu-xieye-huifu")


def test_submit_countersign_and_publish(demo, demo_user):
    editor, liaison, reviewer = demo_user("editor"), demo_user("liaison"), demo_user("reviewer")
    editor_client = login(editor)
    page = submit_new_article(editor_client)
    state = WorkflowState.objects.get(object_id=str(page.pk), status=WorkflowState.STATUS_IN_PROGRESS)
    assert state.current_task_state.task.name == "部门会签"

    # Neither the editor nor the reviewer can sign for the department.
    # (Wagtail answers a refused action with a redirect to the dashboard.)
    for client in (editor_client, login(reviewer)):
        response = workflow_action(client, page, "approve")
        assert response.status_code in (302, 403)
        assert response.get("Location", "") != reverse("wagtailadmin_pages:edit", args=(page.pk,))
    state.refresh_from_db()
    assert state.current_task_state.task.name == "部门会签"

    # The liaison can open the editor while the page waits for them, and approves.
    assert login(liaison).get(reverse("wagtailadmin_pages:edit", args=(page.pk,))).status_code == 200
    assert workflow_action(login(liaison), page, "approve").status_code in (200, 302)
    state.refresh_from_db()
    assert state.current_task_state.task.name == "审核发布"
    page.refresh_from_db()
    assert not page.live
    assert Client().get("/qiye-kaiban/getihu-xieye-huifu/").status_code == 404

    assert workflow_action(login(reviewer), page, "approve").status_code in (200, 302)
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_APPROVED
    page.refresh_from_db()
    assert page.live
    response = Client().get("/qiye-kaiban/getihu-xieye-huifu/")
    assert response.status_code == 200
    assert "个体户歇业后恢复营业怎么办" in response.content.decode()
    assert "个体户歇业后恢复营业怎么办" in Client().get("/qiye-kaiban/").content.decode()


def test_reviewer_can_request_changes(demo, demo_user):
    page = SolutionArticlePage.objects.get(slug="xiaoqu-tingche-nan-zhao-shei")
    editor_client = login(demo_user("editor"))
    url, data = edit_form(editor_client, page)
    data["title"] = "小区停车难该找谁（修订稿）"
    data["action-submit"] = "action-submit"
    assert editor_client.post(url, data).status_code == 302
    page.refresh_from_db()
    # The published version stays as it was while the revision is reviewed.
    assert page.title == "小区停车难这类问题该找谁反映"
    assert "修订稿" not in Client().get(page.url).content.decode()
    assert page.workflow_in_progress


def test_scheduled_publishing_is_available(demo, demo_user):
    import datetime

    from django.core.management import call_command
    from django.utils import timezone

    topic = TopicIndexPage.objects.get(slug="qiye-kaiban")
    page = SolutionArticlePage(title="定时发布的指引", slug="dingshi", summary="s", problem="p", live=False)
    topic.add_child(instance=page)
    page.go_live_at = timezone.now() + datetime.timedelta(days=1)
    revision = page.save_revision(user=demo_user("reviewer"))
    revision.publish(user=demo_user("reviewer"))
    page.refresh_from_db()
    assert not page.live  # waits for its time
    assert Client().get("/qiye-kaiban/dingshi/").status_code == 404
    revision.refresh_from_db()
    # Let the clock "pass" the scheduled time.
    past = timezone.now() - datetime.timedelta(minutes=1)
    revision.approved_go_live_at = past
    revision.content["go_live_at"] = past.isoformat()
    revision.save()
    call_command("publish_scheduled")
    page.refresh_from_db()
    assert page.live


def test_locking_keeps_others_out(demo, demo_user):
    page = SolutionArticlePage.objects.first()
    reviewer, editor = demo_user("reviewer"), demo_user("editor")
    assert page.permissions_for_user(reviewer).can_lock()
    page.locked, page.locked_by = True, reviewer
    page.save()
    assert page.get_lock().for_user(editor)
    assert not page.get_lock().for_user(reviewer)


def test_revisions_are_kept(demo):
    page = SolutionArticlePage.objects.first()
    before = page.revisions.count()
    page.summary = "修订后的摘要"
    page.save_revision()
    assert page.revisions.count() == before + 1


def submitted_article(editor, departments):
    client = login(editor)
    url, data = add_form(client, TopicIndexPage.objects.get(slug="qiye-kaiban"), departments)
    data["action-submit"] = "action-submit"
    assert client.post(url, data).status_code == 302
    return SolutionArticlePage.objects.get(slug="getihu-xieye-huifu")


def other_liaison(username, department_slug):
    from django.contrib.auth.models import Group

    from cases.models import StaffProfile

    user = get_user_model().objects.create_user(username, password="x-" + username)
    user.groups.add(Group.objects.get(name="部门联络员"))
    StaffProfile.objects.create(user=user, department=Department.objects.get(slug=department_slug))
    return user


def test_liaison_signs_only_for_their_own_department(demo, demo_user):
    """The 市场监管局 liaison cannot countersign a page that only names 医保局."""
    page = submitted_article(demo_user("editor"), departments=("hk-ybj",))
    hk_scjg_liaison = demo_user("liaison")
    hk_ybj_liaison = other_liaison("ybj-liaison", "hk-ybj")
    edit_url = reverse("wagtailadmin_pages:edit", args=(page.pk,))

    client = login(hk_scjg_liaison)
    assert client.get(edit_url).status_code == 302  # sent back to the dashboard
    assert "个体户歇业后恢复营业怎么办" not in client.get(reverse("wagtailadmin_home")).content.decode()
    workflow_action(client, page, "approve")
    assert Page.objects.get(pk=page.pk).current_workflow_task.name == "部门会签"

    client = login(hk_ybj_liaison)
    assert client.get(edit_url).status_code == 200
    assert "个体户歇业后恢复营业怎么办" in client.get(reverse("wagtailadmin_home")).content.decode()
    assert workflow_action(client, page, "approve").status_code in (200, 302)
    assert Page.objects.get(pk=page.pk).current_workflow_task.name == "审核发布"


def test_any_department_named_lets_its_liaison_sign(demo, demo_user):
    page = submitted_article(demo_user("editor"), departments=("hk-ybj", "hk-scjg"))
    assert workflow_action(login(demo_user("liaison")), page, "approve").status_code in (200, 302)
    assert Page.objects.get(pk=page.pk).current_workflow_task.name == "审核发布"


def test_page_naming_no_department_can_be_signed_by_any_liaison(demo, demo_user):
    page = submitted_article(demo_user("editor"), departments=())
    liaison = other_liaison("ybj-liaison", "hk-ybj")
    assert workflow_action(login(liaison), page, "approve").status_code in (200, 302)
    assert Page.objects.get(pk=page.pk).current_workflow_task.name == "审核发布"


def test_liaison_without_a_department_cannot_sign_department_content(demo, demo_user):
    from django.contrib.auth.models import Group

    page = submitted_article(demo_user("editor"), departments=("hk-scjg",))
    nobody = get_user_model().objects.create_user("no-dept-liaison", password="x")
    nobody.groups.add(Group.objects.get(name="部门联络员"))
    assert login(nobody).get(reverse("wagtailadmin_pages:edit", args=(page.pk,))).status_code == 302
    workflow_action(login(nobody), page, "approve")
    assert Page.objects.get(pk=page.pk).current_workflow_task.name == "部门会签"


def test_liaison_signing_from_the_editor_lands_on_the_dashboard_not_a_refusal(demo, demo_user):
    page = submit_new_article(login(demo_user("editor")))
    liaison_client = login(demo_user("liaison"))
    edit_url, data = edit_form(liaison_client, page)
    data["action-workflow-action"] = "true"
    data["workflow-action-name"] = "approve"
    response = liaison_client.post(edit_url, data)
    assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    landing = liaison_client.get(response["Location"]).content.decode()
    assert "没有权限" not in landing
    state = WorkflowState.objects.get(object_id=str(page.pk), status=WorkflowState.STATUS_IN_PROGRESS)
    assert state.current_task_state.task.name == "审核发布"
