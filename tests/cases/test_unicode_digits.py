"""Characters Python calls digits that are not 0–9 (² ³ ¹, ٣, ०): a number typed with them gets the
same clear answer as any other bad number, never a server error. ``str.isdigit`` says yes to
"²", and ``int`` then fails."""

import pytest
from django.test import Client

from tests.cases.open311_helpers import issue_key, make_system, request_params
from tests.helpers import login

pytestmark = pytest.mark.django_db

ODD_DIGITS = ["²", "1²", "٣", "०१"]


@pytest.mark.parametrize("value", ODD_DIGITS)
@pytest.mark.parametrize("param", ["page_size", "page", "service_code"])
def test_open311_request_list_answers_a_400_in_chinese(hongkou, param, value):
    # The request list is public: no key needed to reach it.
    response = Client(raise_request_exception=False).get("/open311/v2/requests.json", {param: value})
    assert response.status_code == 400
    assert any("应为正整数" in e["description"] or "service_code 不正确" in e["description"] for e in response.json())


@pytest.mark.parametrize("value", ODD_DIGITS)
def test_open311_service_definition_and_filing_answer_a_400_or_404(hongkou, value):
    raw = issue_key(make_system(district=hongkou))[1]
    client = Client(raise_request_exception=False)
    assert client.get(f"/open311/v2/services/{value}.json", {"api_key": raw}).status_code == 404
    filed = client.post("/open311/v2/requests.json", request_params(raw, service_code=value))
    assert filed.status_code == 400 and "service_code" in filed.content.decode()


@pytest.mark.parametrize("value", ODD_DIGITS)
def test_registering_into_an_odd_case_number_says_so(window_user, hall, value):
    staff = login(window_user)
    staff.raise_request_exception = False
    response = staff.post("/admin/cases/case/new/", {
        "merge_into": value, "channel": "counter", "hall": hall.pk, "reporter_type": "person",
        "reporter_name": "张某", "reporter_phone": "13800001234", "contact_preference": "phone",
        "matter": "前租户未注销营业执照",
    })
    assert response.status_code == 400
    assert "要并入的案件无效，请重新选择或直接登记。" in response.content.decode()
