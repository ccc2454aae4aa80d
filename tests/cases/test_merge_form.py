"""并单 on the case page: this case's possible duplicates, or a typed 案件编号 — never a list of every open case."""

import re

import pytest
from django.urls import reverse

from cases import services
from cases.models import Case, CaseMerge

from .conftest import register
from tests.helpers import login, shown_version

pytestmark = pytest.mark.django_db

UNKNOWN = "编号不存在或您无权处理。"


def merge_form(html: str) -> str:
    """The 并单 section of a case page."""
    return re.search(r'<details[^>]*id="action-merge".*?</details>', html, re.S).group(0)


def post_merge(user, case, **fields):
    data = {**shown_version(case), "action": "merge", "merge-reason": "同一反映人同一事项"}
    data.update({f"merge-{name}": value for name, value in fields.items()})
    return login(user).post(reverse("cases:inspect", args=[case.pk]), data)


@pytest.fixture
def duplicate(window_user, hall, case):
    # Same reporter (the helper's phone and ID number), the matter said again in other words.
    return register(window_user, hall, matter="前租户没注销，新店营业执照办不了，上周已经来反映过。")


@pytest.fixture
def unrelated(window_user, hall):
    return register(window_user, hall, reporter_name="王某某", reporter_phone="13700009999", reporter_id_number="",
                    matter="残疾人证换领需要本人到场，老人行动不便")


def test_a_possible_duplicate_is_offered_with_its_reason_and_merged_by_choice(case, duplicate, unrelated, triage_user):
    form = merge_form(login(triage_user).get(reverse("cases:inspect", args=[case.pk])).content.decode())
    assert duplicate.tracking_number in form
    assert "同一反映人" in form
    # Only the suggestion is listed; any other open case is reached by typing its number.
    assert unrelated.tracking_number not in form
    assert "或输入重复案件编号" in form

    response = post_merge(triage_user, case, duplicate=duplicate.pk)
    assert response.status_code == 302
    merge = CaseMerge.objects.get()
    assert (merge.primary, merge.merged) == (case, duplicate)


@pytest.mark.parametrize("typed", ["{}", " {} ", "{full}", "{lower}"])
def test_any_open_case_is_merged_by_its_typed_number(typed, case, unrelated, triage_user):
    number = unrelated.tracking_number
    full_width = "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in number)
    value = typed.format(number, full=full_width, lower=number.lower())
    response = post_merge(triage_user, case, tracking_number=value)
    assert response.status_code == 302
    assert CaseMerge.objects.get().merged == unrelated
    unrelated.refresh_from_db()
    assert unrelated.status == Case.Status.CLOSED


def test_a_number_outside_the_users_scope_reads_as_a_nonexistent_one(case, qingpu_case, triage_user):
    assert qingpu_case.is_open
    answers = []
    for number in (qingpu_case.tracking_number, "BCS-2099-999999"):
        response = post_merge(triage_user, case, tracking_number=number)
        assert response.status_code == 400
        form = merge_form(response.content.decode())
        answers.append(re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", form))
    assert UNKNOWN in answers[0]
    # The same page apart from the number echoed in the field: no oracle of which numbers exist.
    assert answers[0].replace(qingpu_case.tracking_number, "N") == answers[1].replace("BCS-2099-999999", "N")
    assert not CaseMerge.objects.exists()


@pytest.mark.parametrize("value, message", [
    ("& < > \" '", UNKNOWN),
    ("=HYPERLINK(\"http://evil.example\",\"点我\")", UNKNOWN),
    ("９" * 10_000, UNKNOWN),
    ("self", "不能并入本案自身。"),
    ("closed", "已办结的案件不能并单。"),
    ("", "请选择疑似重复案件，或输入重复案件编号。"),
    ("both", "不要同时填写"),
])
def test_bad_numbers_get_a_clear_message_and_nothing_is_saved(value, message, case, duplicate, unrelated, triage_user):
    fields = {"tracking_number": value}
    if value == "self":
        fields["tracking_number"] = case.tracking_number
    elif value == "closed":
        services.case_merge(primary=duplicate, duplicate=unrelated, author=triage_user, reason="同一事项")
        fields["tracking_number"] = unrelated.tracking_number
    elif value == "both":
        fields = {"duplicate": duplicate.pk, "tracking_number": unrelated.tracking_number}
    merges = CaseMerge.objects.count()
    version = shown_version(case)
    response = post_merge(triage_user, case, **fields)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in merge_form(html)
    if "&" in value:  # echoed escaped, never as markup
        assert "&amp; &lt; &gt; &quot; &#x27;" in merge_form(html)
    assert CaseMerge.objects.count() == merges
    assert shown_version(case) == version
    case.refresh_from_db()
    assert case.is_open


def test_the_page_of_a_user_with_many_open_cases_lists_a_bounded_few(case, window_user, hall, triage_user):
    # 25 repeats by the same reporter plus 15 other open cases: the form offers at most 20.
    for n in range(25):
        register(window_user, hall, matter=f"前租户未完成企业注销，新商户无法办理营业执照（第 {n} 次反映）")
    for n in range(15):
        register(window_user, hall, reporter_phone=f"136000000{n:02d}", reporter_id_number="",
                 matter=f"第 {n} 件：公积金提取材料反复被退回")
    assert Case.objects.filter(status=Case.Status.REGISTERED).count() == 41
    html = login(triage_user).get(reverse("cases:inspect", args=[case.pk])).content.decode()
    form = merge_form(html)
    assert len(re.findall(r'name="merge-duplicate"', form)) == 20
    assert "<option" not in form
    assert "公积金提取" not in form


def test_without_possible_duplicates_the_form_asks_for_the_number_alone(case, unrelated, triage_user):
    """No list to choose from: no "或…" label and no "请选择疑似重复案件" message."""
    form = merge_form(login(triage_user).get(reverse("cases:inspect", args=[unrelated.pk])).content.decode())
    assert "疑似重复案件</legend>" not in form and "或输入" not in form
    assert "重复案件编号" in form
    response = post_merge(triage_user, unrelated, tracking_number="")
    assert response.status_code == 400
    form = merge_form(response.content.decode())
    assert "请输入重复案件编号。" in form and "请选择疑似重复案件" not in form
