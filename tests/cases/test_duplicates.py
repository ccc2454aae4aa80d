"""Possible duplicates (并单): same reporter, or very similar text within 30 days."""

import datetime

from cases.duplicates import DuplicateCandidate, possible_duplicates

DAY = datetime.date(2026, 11, 30)


def cand(case_id, text, days_ago=0, **kw):
    return DuplicateCandidate(case_id, text, DAY - datetime.timedelta(days=days_ago), **kw)


NEW = cand("new", "新租的铺位前租户没有注销企业，我的餐饮店营业执照办不下来", phone="138 1234 5678")


def test_rephrased_matter_and_same_reporter_are_flagged_unrelated_are_not():
    others = [
        cand("rephrased", "前租户公司未注销，占着铺位地址，我们新开的餐饮店办不了营业执照", days_ago=3),
        cand("same-phone", "上次反映的事情还没有回音", days_ago=10, phone="+86 13812345678"),
        cand("same-item-other-matter", "餐饮店营业执照的经营范围想增加预包装食品销售", days_ago=5),
        cand("parking", "小区停车难，车位不够", days_ago=1),
        cand("too-old", "前租户没有注销企业，新租铺位的餐饮店营业执照办不下来", days_ago=45),
    ]
    found = possible_duplicates(NEW, others)
    assert [d.case_id for d in found] == ["same-phone", "rephrased"]
    assert found[0].same_reporter and found[0].reason.startswith("同一反映人（联系电话相同）")
    assert not found[1].same_reporter and "反映内容相似度" in found[1].reason
    assert found[1].similarity >= 0.5


def test_same_id_or_credit_code_counts_as_same_reporter():
    new = cand("n", "企业注销股东失联", id_number="310101198003071236", credit_code="91350100M000100Y43")
    others = [cand("a", "完全不同的事项：发票申领", id_number="310101 19800307 1236"),
              cand("b", "另一件事：社保补缴", credit_code="91350100m000100y43")]
    found = {d.case_id: d.reason for d in possible_duplicates(new, others)}
    assert found == {"a": "同一反映人（身份证号码相同）", "b": "同一反映人（统一社会信用代码相同）"}


def test_nothing_to_compare():
    assert possible_duplicates(NEW, []) == []
    assert possible_duplicates(NEW, [NEW]) == []
