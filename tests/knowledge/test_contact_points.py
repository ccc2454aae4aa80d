"""Public contact points versus personal data (issue 13): what the guard lets an editor confirm."""

from knowledge.contact_points import (
    INSTITUTIONAL,
    OFFICIAL,
    PERSONAL,
    PSEUDONYM,
    REGISTERED,
    RegisteredContacts,
    classify,
)


def categories(text, **kw):
    return [(f.kind, f.text, f.category) for f in classify(text, **kw)]


def test_institutional_contacts_in_a_notice():
    text = ("联系人：王蔚，联系电话：010-64521233，手机：13911530695；电子邮箱：wang@rsj.beijing.gov.cn；"
            "举报邮箱：jubao@163.com。地址：北京市西城区西三环南路1号北京市政务中心。")
    found = categories(text)
    assert ("name", "王蔚", INSTITUTIONAL) in found
    assert ("landline", "010-64521233", INSTITUTIONAL) in found
    assert ("mobile", "13911530695", INSTITUTIONAL) in found
    assert ("email", "wang@rsj.beijing.gov.cn", INSTITUTIONAL) in found
    assert ("email", "jubao@163.com", INSTITUTIONAL) in found
    assert all(c == INSTITUTIONAL for _, _, c in found), found


def test_personal_data_stays_personal_in_any_notice():
    text = "申请人身份证号310101199001011234，申请人的手机13812345678，家住曲阳路800弄12号1203室，车牌沪AD12345。"
    assert {c for _, _, c in categories(text)} == {PERSONAL}


def test_reports_and_officials():
    assert categories("居民王先生（化名）5日出院。")[0][2] == PSEUDONYM
    assert categories("犯罪嫌疑人颜某被抓获。")[0][2] == PSEUDONYM
    assert categories("市政府新闻发言人张女士介绍。")[0][2] == OFFICIAL
    assert categories("乘坐38路（青A 60292）公交车")[0][2] == INSTITUTIONAL


def test_case_drawn_content_is_strictly_personal():
    text = "联系人：王蔚，联系电话：010-64521233"
    assert {c for _, _, c in categories(text, case_drawn=True)} == {PERSONAL}


def test_registered_department_contacts_pass_without_asking_even_from_a_case():
    registered = RegisteredContacts(phones=["021-25157200"], addresses=["虹口区飞虹路518号"])
    text = "请致电021-2515 7200，或到飞虹路518号办理；申请人手机13812345678"
    found = categories(text, case_drawn=True, registered=registered)
    assert ("landline", "021-2515 7200", REGISTERED) in found
    assert [c for k, _, c in found if k == "mobile"] == [PERSONAL]
    assert [c for k, _, c in found if k == "address"] == [REGISTERED]
