"""API keys: stored hashed, revoked at once, limited per key whatever the caller does; no personal data out."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings

from cases import services
from cases.models import Case
from cases.open311.models import ApiKey, hash_key
from tests.cases.conftest import make_credit_code, make_resident_id
from tests.cases.open311_helpers import issue_key, make_system, request_params
from tests.helpers import login

BASE = "/open311/v2"


@pytest.fixture
def hotline(hongkou):
    return make_system(district=hongkou, count=5, window=3600)


def test_only_the_hash_is_stored(hotline):
    key, raw = issue_key(hotline)
    stored = ApiKey.objects.filter(pk=key.pk).values().get()
    assert raw not in json.dumps(stored, default=str)
    assert stored["key_hash"] == hash_key(raw)
    assert raw.startswith(stored["prefix"])


def test_revoked_key_is_refused_at_once(hotline):
    key, raw = issue_key(hotline)
    client = Client()
    assert client.post(f"{BASE}/requests.json", request_params(raw)).status_code == 201
    admin = User.objects.create_superuser("root", "root@example.com", "pw-123456")
    response = login(admin).post(f"/admin/integrations/keys/revoke/{key.pk}/")
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None and key.revoked_by == admin
    for call in (
        lambda: client.post(f"{BASE}/requests.json", request_params(raw)),
        lambda: client.get(f"{BASE}/requests.json", HTTP_X_API_KEY=raw),
        lambda: client.get(f"{BASE}/services.json", {"api_key": raw}),
    ):
        response = call()
        assert response.status_code == 403
        assert response.json()[0]["code"] == 403
    assert Case.objects.count() == 1


def test_the_limit_is_per_key_not_per_address_or_header(hotline):
    raw = issue_key(hotline)[1]
    client = Client()
    statuses = [
        client.get(f"{BASE}/services.json", HTTP_X_API_KEY=raw, REMOTE_ADDR=f"10.0.0.{n}",
                   HTTP_X_FORWARDED_FOR=f"192.168.1.{n}", HTTP_X_REAL_IP=f"172.16.0.{n}").status_code
        for n in range(8)
    ]
    assert statuses == [200] * 5 + [429] * 3
    limited = client.post(f"{BASE}/requests.json", request_params(raw), REMOTE_ADDR="10.9.9.9")
    assert limited.status_code == 429 and limited["Retry-After"] == "3600"
    assert limited.json()[0]["code"] == 429
    # Another system's key has its own budget.
    other = issue_key(make_system("随申办", district=hotline.district, kind="system"))[1]
    assert client.get(f"{BASE}/services.json", HTTP_X_API_KEY=other).status_code == 200


@override_settings(OPEN311_BAD_KEY_RATE_LIMIT=(3, 600))
def test_guessing_keys_is_limited(hotline):
    client = Client()
    statuses = [client.get(f"{BASE}/services.json", HTTP_X_API_KEY=f"bc_guess{n}").status_code for n in range(5)]
    assert statuses == [403, 403, 403, 429, 429]


@pytest.mark.django_db(transaction=True)
def test_parallel_requests_cannot_exceed_the_limit(live_server, hongkou):
    """Twenty requests at once through a real server: exactly the key's five get through."""
    raw = issue_key(make_system(district=hongkou, count=5, window=3600))[1]
    statuses: list[int] = []
    lock = threading.Lock()

    def call():
        request = urllib.request.Request(f"{live_server.url}{BASE}/services.json", headers={"X-Api-Key": raw})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                code = response.status
        except urllib.error.HTTPError as exc:
            code = exc.code
        with lock:
            statuses.append(code)

    threads = [threading.Thread(target=call) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] * 5 + [429] * 15


def test_admin_issues_a_key_shown_once_and_lists_what_it_filed(hotline):
    admin = User.objects.create_superuser("root", "root@example.com", "pw-123456")
    client = login(admin)
    response = client.post("/admin/integrations/keys/new/", {"system": hotline.pk, "label": "测试 & <对接>"})
    assert response.status_code == 200
    html = response.content.decode()
    key = ApiKey.objects.get()
    raw = html.split('data-testid="raw-key"')[1].split(">", 1)[1].split("<", 1)[0]
    assert key.key_hash == hash_key(raw) and key.label == "测试 & <对接>"
    assert "no-store" in response["Cache-Control"]
    Client().post(f"{BASE}/requests.json", request_params(raw))
    page = client.get(f"/admin/integrations/keys/inspect/{key.pk}/").content.decode()
    case = Case.objects.get()
    assert case.tracking_number in page and raw not in page
    listing = client.get("/admin/integrations/keys/")
    assert listing.status_code == 200
    row = listing.content.decode().split(key.prefix, 1)[1].split("</tr>", 1)[0]
    assert "有效" in row and ">1<" in row.replace(" ", "").replace("\n", "")  # one case filed
    client.post(f"/admin/integrations/keys/revoke/{key.pk}/")
    assert "已吊销" in client.get("/admin/integrations/keys/").content.decode()
    assert client.get("/admin/integrations/systems/").status_code == 200
    assert client.get("/admin/integrations/deliveries/").status_code == 200


def test_staff_without_the_permission_cannot_manage_keys(hotline, window_user):
    client = login(window_user)
    assert client.get("/admin/integrations/keys/").status_code in (302, 403)
    assert client.post("/admin/integrations/keys/new/", {"system": hotline.pk}).status_code in (302, 403)
    assert ApiKey.objects.count() == 0


def test_no_endpoint_gives_away_personal_data_or_internal_notes(hotline, triage_user, market_dept, window_user,
                                                               hall, food_item):
    raw = issue_key(hotline)[1]
    client = Client()
    secret_id = make_resident_id()
    secret_code = make_credit_code()
    client.post(f"{BASE}/requests.json", request_params(
        raw, service_code=str(food_item.pk), last_name="欧阳", first_name="秘密", phone="13987654321",
        description="我叫欧阳秘密，身份证" + secret_id,
        **{"attribute[id_number]": secret_id, "attribute[reporter_type]": "enterprise",
           "attribute[enterprise_name]": "秘密贸易有限公司", "attribute[credit_code]": secret_code},
    ))
    case = Case.objects.get()
    services.case_add_note(case=case, author=triage_user, text="内部备注：不要外传")
    services.case_triage(case=case, author=triage_user, classification="difficult", blocking_cause="legacy")
    services.case_dispatch(case=case, author=triage_user, lead_department=market_dept, lead_task="核实欧阳秘密的情况")
    services.case_close(case=Case.objects.get(pk=case.pk), author=triage_user, outcome="done",
                        resolution_summary="已告知欧阳秘密（13987654321），秘密贸易有限公司执照已办出。")
    secrets = ["欧阳", "秘密", "13987654321", "4321", secret_id, secret_code, "内部备注", "核实"]
    tn = case.tracking_number
    urls = [
        f"{BASE}/services.json", f"{BASE}/services/{food_item.pk}.json", f"{BASE}/requests.json",
        f"{BASE}/requests/{tn}.json", f"{BASE}/requests.json?service_request_id={tn}",
        f"{BASE}/requests.json?status=closed&service_code={food_item.pk}",
    ]
    for url in urls:
        for headers in ({}, {"HTTP_X_API_KEY": raw}):
            body = client.get(url, **headers).content.decode()
            for secret in secrets:
                assert secret not in body, (url, headers, secret)
    # Filters are only on public fields: a phone or name given as a filter changes nothing.
    for probe in ({"phone": "13987654321"}, {"reporter_name": "欧阳秘密"}, {"q": "欧阳"}):
        assert client.get(f"{BASE}/requests.json", probe).json() == client.get(f"{BASE}/requests.json").json()
