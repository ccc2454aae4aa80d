"""The public report form and the status lookup."""

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from cases import services
from cases.models import Case

from .conftest import make_resident_id


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()
    yield
    cache.clear()


def report_data(district, **overrides):
    data = {
        "reporter_type": "person", "reporter_name": "钱某某", "reporter_phone": "13800002468",
        "reporter_id_number": "", "enterprise_name": "", "credit_code": "", "district": district.pk,
        "matter": "申请廉租房租金补助，窗口说不符合标准", "counter_failure_reason": "", "website": "",
        "idempotency_key": "k-123",
    }
    data.update(overrides)
    return data


def test_report_page_renders_with_key(client, hongkou):
    response = client.get(reverse("cases_public:report"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "还是办不成？在线反映" in html and 'name="idempotency_key"' in html and "csrfmiddlewaretoken" in html


def test_report_creates_case_once_for_double_submit(client, hongkou):
    first = client.post(reverse("cases_public:report"), report_data(hongkou))
    second = client.post(reverse("cases_public:report"), report_data(hongkou))
    assert first.status_code == second.status_code == 302
    case = Case.objects.get()
    assert case.channel == Case.Channel.ONLINE
    done = client.get(reverse("cases_public:report_done")).content.decode()
    assert case.tracking_number in done
    assert "钱某某" not in done and "13800002468" not in done


def test_report_honeypot_saves_nothing(client, hongkou):
    response = client.post(reverse("cases_public:report"), report_data(hongkou, website="http://spam.example"))
    assert response.status_code == 302
    assert Case.objects.count() == 0


@override_settings(CASES_REPORT_RATE_LIMIT=(2, 3600))
def test_report_rate_limit(client, hongkou):
    for i in range(2):
        assert client.post(reverse("cases_public:report"), report_data(hongkou, idempotency_key=f"k{i}")).status_code == 302
    response = client.post(reverse("cases_public:report"), report_data(hongkou, idempotency_key="k9"))
    assert response.status_code == 429
    html = response.content.decode()
    assert "提交过于频繁" in html and 'value="钱某某"' in html  # what they typed is still there
    assert Case.objects.count() == 2
    # Pressing submit again on an accepted report still shows its receipt.
    assert client.post(reverse("cases_public:report"), report_data(hongkou, idempotency_key="k1")).status_code == 302


@override_settings(CASES_REPORT_RATE_LIMIT=(2, 3600))
def test_report_typos_do_not_use_up_the_quota(client, hongkou):
    for _ in range(4):
        response = client.post(reverse("cases_public:report"), report_data(hongkou, reporter_phone="1380000246"))
        assert response.status_code == 400
        assert 'value="1380000246"' in response.content.decode()
    for key in ("k1", "k2"):
        assert client.post(reverse("cases_public:report"), report_data(hongkou, idempotency_key=key)).status_code == 302
    assert Case.objects.count() == 2


@override_settings(CASES_REPORT_ATTEMPT_RATE_LIMIT=(3, 3600))
def test_report_attempt_limit_stops_probing(client, hongkou):
    for _ in range(3):
        assert client.post(reverse("cases_public:report"), report_data(hongkou, matter="办不成")).status_code == 400
    response = client.post(reverse("cases_public:report"), report_data(hongkou))
    assert response.status_code == 429 and "提交过于频繁" in response.content.decode()
    assert Case.objects.count() == 0


@override_settings(CASES_REPORT_RATE_LIMIT=(1, 3600), BANCHENG_CLIENT_IP_HEADER="HTTP_X_REAL_IP")
def test_report_quota_per_client_behind_proxy(client, hongkou):
    url = reverse("cases_public:report")
    assert client.post(url, report_data(hongkou, idempotency_key="a1"), HTTP_X_REAL_IP="203.0.113.1").status_code == 302
    assert client.post(url, report_data(hongkou, idempotency_key="a2"), HTTP_X_REAL_IP="203.0.113.1").status_code == 429
    assert client.post(url, report_data(hongkou, idempotency_key="b1"), HTTP_X_REAL_IP="203.0.113.2").status_code == 302
    assert Case.objects.count() == 2


@override_settings(CASES_REPORT_RATE_LIMIT=(1, 3600), BANCHENG_CLIENT_IP_HEADER="HTTP_X_FORWARDED_FOR")
def test_report_forwarded_for_uses_the_proxys_entry(client, hongkou):
    url = reverse("cases_public:report")
    first = client.post(url, report_data(hongkou, idempotency_key="a1"), HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.1")
    # A client-supplied left-hand entry does not buy a fresh quota.
    forged = client.post(url, report_data(hongkou, idempotency_key="a2"), HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.1")
    assert (first.status_code, forged.status_code) == (302, 429)
    assert Case.objects.count() == 1


def test_report_form_labels(client, hongkou):
    html = client.get(reverse("cases_public:report")).content.decode()
    assert "请选择所在区" in html and "---------" not in html
    assert "联系电话" in html and "带区号的固定电话" in html and "后四位" in html


def test_report_accepts_landline(client, hongkou):
    assert client.post(reverse("cases_public:report"), report_data(hongkou, reporter_phone="021-12345678")).status_code == 302
    assert Case.objects.get().reporter_phone == "021-12345678"


def test_report_phone_error_comes_with_the_other_errors(client, hongkou):
    data = report_data(hongkou, reporter_phone="123", reporter_name="", reporter_id_number="310109199003071230",
                       matter="办不成")
    data["district"] = ""
    response = client.post(reverse("cases_public:report"), data)
    assert response.status_code == 400
    html = response.content.decode()
    for message in ("联系电话格式不正确", "请填写“姓名”", "校验位错误", "请选择“所在区”", "至少 5 个字"):
        assert message in html, message
    assert Case.objects.count() == 0


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"reporter_id_number": "310109199003071230"}, "校验位错误"),
        ({"credit_code": "ABC"}, "统一社会信用代码位数不对"),
        ({"reporter_phone": "999"}, "联系电话格式不正确"),
        ({"matter": "x" * 2001}, "2000"),
        ({"matter": "办不成"}, "至少 5 个字"),
        ({"reporter_name": ""}, "请填写“姓名”"),
        ({"reporter_type": "enterprise"}, "企业名称"),
    ],
)
def test_report_bad_input(client, hongkou, overrides, message):
    response = client.post(reverse("cases_public:report"), report_data(hongkou, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Case.objects.count() == 0


def test_report_keeps_markup_as_typed_text(client, hongkou):
    typed = "<script>alert(1)</script>窗口说不符合标准<b>怎么办</b>"
    client.post(reverse("cases_public:report"),
                report_data(hongkou, matter=typed, reporter_id_number=make_resident_id()))
    assert Case.objects.get().matter == typed  # text, escaped wherever it is shown (tests/cases/test_plain_text.py)


def lookup(client, case, last4):
    return client.post(reverse("cases_public:status"),
                       {"step": "lookup", "tracking_number": case.tracking_number.lower(), "phone_last4": last4},
                       follow=True)


def test_status_lookup_shows_messages_not_internal_notes(client, dispatched_case, triage_user):
    services.case_message_reporter(case=dispatched_case, author=triage_user, text="请于周五前补充租赁合同")
    services.case_add_note(case=dispatched_case, author=triage_user, text="内部：前租户法人失联")
    wrong = lookup(client, dispatched_case, "0000")
    assert wrong.status_code == 404 and "没有找到该案件" in wrong.content.decode()
    html = lookup(client, dispatched_case, "1234").content.decode()
    assert "办理中" in html and "请于周五前补充租赁合同" in html
    assert "前租户法人失联" not in html
    assert "张某某" not in html and "13800001234" not in html and "联系前租户完成简易注销" not in html
    assert 'name="rating"' not in html  # not closed yet


def test_status_lookup_other_case_not_leaked(client, dispatched_case, qingpu_case):
    html = lookup(client, qingpu_case, "1234").content.decode()
    assert "没有找到该案件" in html and qingpu_case.matter not in html


def test_rate_after_closure(client, dispatched_case, triage_user):
    services.case_close(case=dispatched_case, author=triage_user, outcome="done", resolution_summary="已协调完成注销")
    html = lookup(client, dispatched_case, "1234").content.decode()
    assert "办成" in html and "已协调完成注销" in html and 'name="rating"' in html
    bad = client.post(reverse("cases_public:status"), {"step": "rate", "rating": "9"})
    assert bad.status_code == 400
    assert Case.objects.get(pk=dispatched_case.pk).rating is None
    client.post(reverse("cases_public:status"), {"step": "rate", "rating": "1", "comment": "太慢"})
    case = Case.objects.get(pk=dispatched_case.pk)
    assert case.rating == 1 and case.rectifications.count() == 1
    html = client.get(reverse("cases_public:status")).content.decode()
    assert "非常不满意" in html and 'name="rating"' not in html


def test_rate_without_lookup_is_refused(client, dispatched_case, triage_user):
    services.case_close(case=dispatched_case, author=triage_user, outcome="done", resolution_summary="x")
    response = client.post(reverse("cases_public:status"), {"step": "rate", "rating": "5"})
    assert response.status_code == 302
    assert Case.objects.get(pk=dispatched_case.pk).rating is None


@override_settings(CASES_LOOKUP_RATE_LIMIT=(3, 600))
def test_lookup_rate_limit(client, dispatched_case):
    for _ in range(3):
        lookup(client, dispatched_case, "0000")
    response = lookup(client, dispatched_case, "1234")
    assert response.status_code == 429 and "查询过于频繁" in response.content.decode()


@override_settings(CASES_LOOKUP_RATE_LIMIT=(1, 600), BANCHENG_CLIENT_IP_HEADER="HTTP_X_REAL_IP")
def test_lookup_rate_limit_per_client_behind_proxy(client, dispatched_case):
    url = reverse("cases_public:status")
    data = {"step": "lookup", "tracking_number": dispatched_case.tracking_number, "phone_last4": "0000"}
    assert client.post(url, data, HTTP_X_REAL_IP="203.0.113.1").status_code == 404
    assert client.post(url, data, HTTP_X_REAL_IP="203.0.113.1").status_code == 429
    assert client.post(url, data, HTTP_X_REAL_IP="203.0.113.2").status_code == 404


@pytest.mark.django_db(transaction=True)
@override_settings(CASES_REPORT_RATE_LIMIT=(5, 3600))
def test_concurrent_reports_and_repeats_keep_the_quota_exact(hongkou):
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection
    from django.test import Client

    def send(i):
        try:
            # Ten sends of report "r0" (a double-clicking reader), then 20 different reports.
            key = "r0" if i < 10 else f"r{i}"
            return Client().post(reverse("cases_public:report"), report_data(hongkou, idempotency_key=key)).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(send, range(30)))
    # r0 spent one unit however often it was sent; four of the others got the rest.
    assert Case.objects.filter(idempotency_key="web:r0").count() == 1
    assert Case.objects.count() == 5
    assert codes[:10] == [302] * 10
    assert codes.count(429) == 16
