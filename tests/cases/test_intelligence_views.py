"""The side-panel JSON endpoints: staff only, visibility-filtered, suggestion never applied."""

import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from cases import intelligence_views as views
from cases import services
from cases.models import Case
from cases.triage import load_fixture_samples, train
from knowledge.models import Department, ServiceItem

from .conftest import register


def call(view, user, **data):
    request = RequestFactory().post("/x/", data)
    request.user = user
    response = view(request)
    return response.status_code, json.loads(response.content)


@pytest.fixture
def model_path(tmp_path, settings):
    settings.BANCHENG_TRIAGE_MODEL_PATH = tmp_path / "triage.joblib"
    return settings.BANCHENG_TRIAGE_MODEL_PATH


def test_anonymous_and_users_without_case_access_are_refused(db, django_user_model):
    nobody = django_user_model.objects.create_user("nobody", password="pw-123456")
    for view in (views.precedents_json, views.triage_suggestion_json, views.duplicates_json):
        assert call(view, AnonymousUser(), text="停车难")[0] == 403
        assert call(view, nobody, text="停车难")[0] == 403


def test_get_is_not_allowed(triage_user):
    request = RequestFactory().get("/x/", {"text": "电话13812345678"})
    request.user = triage_user
    assert views.triage_suggestion_json(request).status_code == 405


def test_suggestion_without_a_saved_model_trains_one_on_first_use(triage_user, model_path):
    # Fresh install: no model file, too few triaged cases -> the bundled sample set.
    assert not model_path.exists()
    status, data = call(views.triage_suggestion_json, triage_user, text="小区里车位太少，晚上回来停车难")
    assert status == 200 and data["available"] is True
    assert data["suggestion"]["classification"] == "out_of_scope"
    assert model_path.exists()


def test_suggestion_when_no_model_can_be_trained_says_how(triage_user, model_path, tmp_path, settings):
    # An unwritable location: the panel says how to train instead of failing.
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    settings.BANCHENG_TRIAGE_MODEL_PATH = blocker / "triage.joblib"
    status, data = call(views.triage_suggestion_json, triage_user, text="小区停车难")
    assert status == 200 and data["available"] is False and "triage_train" in data["message"]


def test_suggestion_is_labelled_and_case_is_untouched(triage_user, window_user, hall, model_path):
    train(load_fixture_samples(), analyzer="char").save()
    case = register(window_user, hall, matter="小区里车位太少，晚上回来停车难")
    status, data = call(views.triage_suggestion_json, triage_user, text=case.matter)
    assert status == 200 and data["available"]
    s = data["suggestion"]
    assert (s["classification"], s["classification_label"]) == ("out_of_scope", "非政务服务")
    assert s["blocking_cause_label"] == "其他"
    assert s["department"]["name"] == "街道办事处"
    assert any("停车" in reason for reason in s["reasons"])
    assert "建议" in data["note"]
    case.refresh_from_db()
    assert case.classification == "" and case.status == Case.Status.REGISTERED


def test_catalogue_routes_the_lead_department_over_the_models_guess(
    triage_user, window_user, hall, market_dept, model_path
):
    # The wording alone makes the model guess 街道办事处; the item's catalogue entry decides.
    train(load_fixture_samples(), analyzer="char").save()
    item = ServiceItem.objects.create(name="食品经营许可", department=market_dept)
    case = register(window_user, hall, matter="小区里车位太少，晚上回来停车难", service_item=item)
    status, data = call(views.triage_suggestion_json, triage_user, text=case.matter, case=case.pk)
    department = data["suggestion"]["department"]
    assert (department["id"], department["source"]) == (market_dept.pk, "catalogue")
    assert "食品经营许可" in department["reason"] and department["note"] == ""
    assert data["suggestion"]["department_confidence"] == 1.0
    # Without an item the model's guess stands, and says it is one.
    status, data = call(views.triage_suggestion_json, triage_user, text=case.matter)
    assert data["suggestion"]["department"]["source"] == "model"


def test_catalogue_item_of_another_district_routes_to_the_local_counterpart(
    qingpu_triage_user, qingpu_hall, qingpu, market_dept, model_path
):
    train(load_fixture_samples(), analyzer="char").save()
    item = ServiceItem.objects.create(name="企业注销登记", department=market_dept)  # registered for Hongkou
    local = Department.objects.create(name="青浦区市场监督管理局", slug="qp-scjgj", district=qingpu)
    case = register(qingpu_triage_user, qingpu_hall, matter="企业注销办不了", service_item=item)
    data = call(views.triage_suggestion_json, qingpu_triage_user, text=case.matter, case=case.pk)[1]
    assert data["suggestion"]["department"]["id"] == local.pk
    # No counterpart in that district: the catalogue's department, with a warning to check.
    local.delete()
    data = call(views.triage_suggestion_json, qingpu_triage_user, text=case.matter, case=case.pk)[1]
    department = data["suggestion"]["department"]
    assert department["id"] == market_dept.pk and "虹口区" in department["note"]


def test_intake_form_choices_route_before_the_case_exists(triage_user, hall, market_dept, model_path):
    train(load_fixture_samples(), analyzer="char").save()
    item = ServiceItem.objects.create(name="食品经营许可", department=market_dept)
    data = call(views.triage_suggestion_json, triage_user, text="火锅店的食品经营许可办不下来",
                service_item=item.pk, hall=hall.pk)[1]
    assert data["suggestion"]["department"]["id"] == market_dept.pk
    # Garbage ids are ignored, never a 500.
    status, data = call(views.triage_suggestion_json, triage_user, text="火锅店的许可办不下来",
                        service_item="abc", hall="999999", district="x")
    assert status == 200 and data["suggestion"]["department"]["source"] == "model"


def test_catalogue_routing_ignores_a_case_the_user_may_not_see(
    qingpu_triage_user, window_user, hall, market_dept, model_path
):
    train(load_fixture_samples(), analyzer="char").save()
    item = ServiceItem.objects.create(name="食品经营许可", department=market_dept)
    hongkou_case = register(window_user, hall, matter="小区里车位太少，晚上回来停车难", service_item=item)
    data = call(views.triage_suggestion_json, qingpu_triage_user, text="停车难", case=hongkou_case.pk)[1]
    assert data["suggestion"]["department"]["source"] == "model"


def test_duplicates_only_among_visible_open_cases(window_user, other_window_user, hall, other_hall):
    mine = register(window_user, hall, matter="前租户没有注销企业，新租铺位的餐饮店营业执照办不下来",
                    reporter_phone="13800001234")
    register(other_window_user, other_hall, matter="前租户没有注销企业，新租铺位的餐饮店营业执照办不下来")
    status, data = call(views.duplicates_json, window_user,
                        text="我们新租的铺位前租户没有注销企业，餐饮店营业执照办不下来", phone="")
    assert status == 200
    assert [r["id"] for r in data["results"]] == [mine.pk]
    assert "相似度" in data["results"][0]["reason"]
    status, data = call(views.duplicates_json, window_user, text="别的事", phone="138-0000-1234")
    assert data["results"][0]["same_reporter"] and data["results"][0]["tracking_number"] == mine.tracking_number
    status, data = call(views.duplicates_json, window_user, text="别的事", phone="138-0000-1234", case=mine.pk)
    assert data["results"] == []


def test_precedents_endpoint_returns_why(triage_user, window_user, hall, market_dept):
    from search.engines import get_engine
    from search.sources import get_source

    get_engine().clear()
    case = register(window_user, hall)
    services.case_triage(case=case, author=triage_user, classification="difficult", blocking_cause="legacy")
    services.case_dispatch(case=case, author=triage_user, lead_department=market_dept, lead_task="协调")
    services.case_close(case=case, author=triage_user, outcome="done", resolution_summary="协助前租户简易注销后办结。")
    get_engine().index([get_source("case").document_for(case)])
    status, data = call(views.precedents_json, triage_user, text="前租户未注销，营业执照办不了")
    assert status == 200
    first = data["results"][0]
    assert first["kind"] == "case" and first["id"] == case.pk and first["outcome"] == "办成"
    assert first["matched_terms"] and "<mark>" in first["snippet"]


def test_duplicates_by_identifier_are_audited_and_rate_limited(window_user, hall):
    mine = register(window_user, hall, reporter_phone="13800001234")
    status, data = call(views.duplicates_json, window_user, text="别的事", phone="13800001234")
    assert data["results"][0]["same_reporter"]
    entry = mine.timeline.filter(kind="view_personal_data").get()
    assert entry.author == window_user and "联系电话" in entry.text
    # Repeats while the clerk types do not flood the timeline.
    call(views.duplicates_json, window_user, text="别的事啊", phone="13800001234")
    assert mine.timeline.filter(kind="view_personal_data").count() == 1
    for _ in range(views.IDENTIFIER_CHECKS.count - 2):
        call(views.duplicates_json, window_user, text="别的事", phone="13900000000")
    status, data = call(views.duplicates_json, window_user, text="别的事", phone="13800001234")
    assert status == 429 and "过于频繁" in data["error"]
    # Text-only checks (no identifier) are not limited.
    assert call(views.duplicates_json, window_user, text="别的事")[0] == 200


def test_duplicates_ignore_identifiers_for_roles_that_see_them_masked(dept_user, dispatched_case):
    right = call(views.duplicates_json, dept_user, text="别的事", phone="13800001234")
    wrong = call(views.duplicates_json, dept_user, text="别的事", phone="13800009999")
    assert right == wrong == (200, {"results": []})
    assert not dispatched_case.timeline.filter(kind="view_personal_data").exists()
