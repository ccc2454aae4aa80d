"""De-identification before case text becomes an article (issue 5).

Two generated corpora: every personal-data variant must be removed (100%),
every legitimate number must survive untouched (100%).
"""

import random
import re

from kernel.personal_data import credit_code_check_char, deidentify, find_personal_data, personal_data_message
from kernel.personal_data.corpus import RNG_SEED, personal_corpus

def test_generated_personal_data_is_removed_completely():
    corpus = personal_corpus()
    assert len(corpus) >= 1900
    failures = []
    for kind, value, text in corpus:
        result = deidentify(text)
        leftover_digits = re.search(r"[0-9０-９]{3}", result.text)
        kinds = {r.kind for r in result.replacements}
        if value.strip("，") in result.text or leftover_digits or kind not in kinds or find_personal_data(result.text):
            failures.append((kind, text, result.text))
    assert failures == [], f"{len(failures)}/{len(corpus)} leaked, e.g. {failures[:5]}"


def test_every_kind_is_detected_for_the_publish_guard():
    corpus = personal_corpus()
    by_kind = {}
    for kind, _value, text in corpus:
        by_kind.setdefault(kind, []).append(text)
    for kind, texts in by_kind.items():
        for text in texts:
            assert kind in find_personal_data(text), (kind, text)


LEGITIMATE = [
    "依据《关于进一步优化营商环境的实施意见》（沪府办〔2023〕12号）",
    "沪府规〔2024〕3号第十二条规定",
    "国办发[2019]45号、沪府发［2022］7号",
    "请拨打市民服务热线12345咨询，或拨打962222",
    "咨询电话：12345；投诉电话12315；税务12366；法律援助12348",
    "也可致电021-12345或400-820-8820、800-820-8820",
    "2023年7月17日起施行，2023-07-17 09:23:55发布，2023/07/17更新，2023.07.17归档",
    "补助标准为每月5000元，最高1.5万元，合计1,250,000元，约0.5%",
    "第十二条第二款、第3条、第12号令",
    "集成了全区31家职能部门600多个政务服务事项",
    "材料少则50页，多则上百页，全程耗时约5分钟，办理时限为5个工作日",
    "《营业性演出许可》事项全程网办",
    "该女士身患大病，一位先生前来咨询，通过某网络平台查询，于某日办结",
    "向律师咨询后，向老师反映，可到3号窗口办理，乘地铁10号线",
    "虹口区曲阳路街道社区事务受理服务中心",
    "北外滩来福士广场一商户",
    "固化了电话办、微信办、公益邮寄办等材料补齐新方式",
    "GB 11643-1999 与 GB 32100-2015 标准",
    "企业统一社会信用代码91350100M000100Y43，机关代码11310000MB2F2X5Q7U",
    "营业执照注册号310000000000000（已停用）",
    "2024年度共受理1250件，同比增长12.5%，其中快办类320件",
    "上海市人民政府办公厅2023年3月发布《2023年上海市全面深化“一网通办”改革工作要点》",
    "面积120平方米，层高3.5米，1号楼大厅",
    "时间20230717，批次号202307",
    "沪ICP备12345678号，沪公网安备31010102000001号",
]


def legitimate_corpus():
    rng = random.Random(RNG_SEED + 1)
    samples = list(LEGITIMATE)
    issuers = ["沪府办", "沪府规", "沪府发", "国办发", "沪市监规", "嘉府办发", "沪人社规", "虹府办", "普府发", "青府办发"]
    brackets = [("〔", "〕"), ("[", "]"), ("［", "］"), ("（", "）")]
    for issuer in issuers:
        for year in range(2015, 2027):
            l, r = rng.choice(brackets)
            samples.append(f"根据{issuer}{l}{year}{r}{rng.randint(1, 300)}号文件")
    for _ in range(200):
        y, m, d = rng.randint(2000, 2026), rng.randint(1, 12), rng.randint(1, 28)
        samples.append(rng.choice([f"{y}年{m}月{d}日", f"{y}-{m:02d}-{d:02d}", f"{y}/{m}/{d}", f"{y}年{m}月", f"{y}.{m:02d}.{d:02d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"]))
    for _ in range(200):
        samples.append(rng.choice([f"{rng.randint(1, 99999)}元", f"{rng.randint(1, 999)}.{rng.randint(1, 9)}万元", f"{rng.randint(1, 99)}亿元", f"第{rng.randint(1, 300)}条", f"{rng.randint(1, 999)}多个", f"{rng.randint(1, 99)}家", f"{rng.randint(1, 60)}个工作日"]))
    for hotline in ["12345", "962222", "12366", "12315", "12348", "12333", "12320", "962121", "95598"]:
        samples.append(f"服务热线{hotline}")
        samples.append(f"咨询电话：{hotline}")
    return samples


def test_generated_legitimate_numbers_survive_completely():
    corpus = legitimate_corpus()
    assert len(corpus) >= 500
    failures = []
    for text in corpus:
        result = deidentify(text)
        if result.text != text or result.replacements or find_personal_data(text):
            failures.append((text, result.text))
    assert failures == [], f"{len(failures)}/{len(corpus)} damaged, e.g. {failures[:5]}"


def test_seed_story_paragraph_is_de_identified_readably():
    text = (
        "日前，张女士前往虹口区曲阳路街道社区事务受理服务中心申请廉租房租金补助，"
        "联系电话13812345678，家住虹口区曲阳路800弄12号1203室，车牌沪AD12345。"
        "依据沪府办〔2023〕12号，可拨打12345咨询。"
    )
    result = deidentify(text)
    assert result.text == (
        "日前，申请人前往虹口区曲阳路街道社区事务受理服务中心申请廉租房租金补助，"
        "联系电话【手机号】，家住虹口区【地址】，车牌【车牌号】。"
        "依据沪府办〔2023〕12号，可拨打12345咨询。"
    )
    assert [r.kind for r in result.replacements] == ["name", "mobile", "address", "plate"]
    # The editor sees what was replaced, masked, with positions in the original text.
    mobile = result.replacements[1]
    assert mobile.original_masked == "138****5678"
    assert text[mobile.start : mobile.end] == "13812345678"
    assert all("13812345678" not in r.original_masked for r in result.replacements)


def test_individual_business_codes_go_but_legal_entity_codes_stay():
    body = "92310115MA1K3AB2" + "7"
    code = body + credit_code_check_char(body)
    result = deidentify(f"个体工商户（{code}）与公司（91350100M000100Y43）")
    assert result.text == "个体工商户（【统一社会信用代码】）与公司（91350100M000100Y43）"


def test_publish_guard_message_names_what_remains():
    kinds = find_personal_data("请联系王先生，电话 138 1234 5678")
    assert kinds == ["mobile", "name"]
    assert personal_data_message(kinds) == "页面仍含有个人信息（手机号、姓名），请删除或替换后再发布。"
    assert find_personal_data(deidentify("请联系王先生，电话 138 1234 5678").text) == []
    assert find_personal_data("") == []


def test_known_names_from_the_case_record_are_replaced_without_a_title():
    result = deidentify("王宏强说，王宏强先生的股东王女士已失联；王宏不是同一人", known_names=["王宏强", ""])
    assert result.text == "申请人说，申请人的股东申请人已失联；王宏不是同一人"
    assert [r.original_masked for r in result.replacements] == ["王**", "王****", "王**"]


def test_self_introductions_lose_the_name_but_roles_and_places_stay():
    assert deidentify("我叫王小明，想问营业执照怎么补办").text == "我叫【姓名】，想问营业执照怎么补办"
    assert deidentify("我的名字叫欧阳娜娜。").text == "我的名字叫【姓名】。"
    # 我是 introduces roles and places far more often than names: those stay readable.
    for text in ("我是江苏人。", "我是房东，店面要转租", "我是申请人。", "我是杨浦的，离得远"):
        assert deidentify(text).text == text


def test_a_date_before_an_address_is_not_part_of_it():
    result = deidentify("记者于1月30日赴沪太路841号上海邮局海关验放现场察看")
    assert [text for text in ["1月30日赴", "沪太路841号"] if text in result.text] == ["1月30日赴"]
    assert result.text.startswith("记者于1月30日赴【地址】")


def test_a_shop_named_after_its_owner_reads_as_the_shop_not_as_the_owner():
    # 张三's shop 张三小吃店: the longer known value wins, whichever list it came in.
    from kernel.personal_data import redact_known_values

    text = "虹口区张三小吃店的张三反映：张三小吃店营业执照办不下来"
    out = redact_known_values(text, name="张三", others=[("张三小吃店", "【个体工商户名称】")])
    assert out == "虹口区【个体工商户名称】的反映人反映：【个体工商户名称】营业执照办不下来"
    assert "反映人小吃店" not in out and "张" not in out


def test_the_reporters_name_still_wins_over_a_shorter_known_value():
    from kernel.personal_data import redact_known_values

    out = redact_known_values("欧阳小明说欧阳小明的店", name="欧阳小明", others=[("欧阳", "【个体工商户名称】")])
    assert out == "反映人说反映人的店"
