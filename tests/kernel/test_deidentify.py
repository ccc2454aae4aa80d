"""De-identification before case text becomes an article (issue 5).

Two generated corpora: every personal-data variant must be removed (100%),
every legitimate number must survive untouched (100%).
"""

import random
import re

from kernel.personal_data import (
    CREDIT_ALPHABET,
    credit_code_check_char,
    deidentify,
    find_personal_data,
    personal_data_message,
    resident_id_check_char,
)

FW = str.maketrans("0123456789Xx+", "０１２３４５６７８９Ｘｘ＋")
RNG_SEED = 20260717

# Context sentences without digits, so "no digit run left" is a strong check.
CONTEXTS = [
    "{x}",
    "申请人反映，联系方式：{x}。",
    "来电号码{x}，请回电",
    "（{x}）",
    "据称其证件为{x}，无法查询",
    "登记信息：{x}；备注无",
    "他说{x}是他的",
]


def _fmt_digits(rng: random.Random, digits: str, groups: list[int]) -> str:
    """Render a digit string in one of the ways people type it."""
    style = rng.choice(["plain", "space", "dash", "fullwidth", "fw_space", "ideo_space", "mixed"])
    parts, i = [], 0
    for g in groups:
        parts.append(digits[i : i + g])
        i += g
    if i < len(digits):
        parts.append(digits[i:])
    if style == "plain":
        return digits
    if style == "space":
        return " ".join(parts)
    if style == "dash":
        return "-".join(parts)
    if style == "fullwidth":
        return digits.translate(FW)
    if style == "fw_space":
        return " ".join(parts).translate(FW)
    if style == "ideo_space":
        return "\u3000".join(parts)
    return "".join(c.translate(FW) if k % 2 else c for k, c in enumerate(digits))


def gen_mobiles(rng):
    prefixes = ["130", "131", "133", "135", "138", "139", "150", "153", "158", "166", "173", "177", "180", "186", "189", "191", "199"]
    for _ in range(400):
        number = rng.choice(prefixes) + "".join(rng.choice("0123456789") for _ in range(8))
        body = _fmt_digits(rng, number, [3, 4, 4])
        prefix = rng.choice(["", "", "+86", "+86 ", "86-", "86 ", "＋８６ ", "(+86)", "（+86）", "0086 "])
        yield "mobile", prefix + body


def gen_landlines(rng):
    for _ in range(200):
        area = rng.choice(["021", "0512", "0571", "010", "025"])
        local = rng.choice("2345678") + "".join(rng.choice("0123456789") for _ in range(7 if area in ("021", "010") else rng.choice([6, 7])))
        shape = rng.choice(["{a}-{l}", "({a}){l}", "（{a}）{l}", "{a} {l}", "{a}{l}", "{a}-{l1} {l2}"])
        text = shape.format(a=area, l=local, l1=local[:4], l2=local[4:])
        if rng.random() < 0.3:
            text = text.translate(FW)
        yield "landline", text
    for _ in range(60):
        local = rng.choice("2345678") + "".join(rng.choice("0123456789") for _ in range(7))
        cue = rng.choice(["电话：", "联系电话", "座机 ", "手机/电话：", "Tel: ", "致电"])
        yield "landline", cue + _fmt_digits(rng, local, [4, 4])


def make_id(rng, want_x=False):
    while True:
        region = rng.choice(["310101", "310104", "310114", "310118", "310229", "320503", "330106", "110105", "440305", "510107"])
        born = f"{rng.randint(1935, 2006)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        body = region + born + f"{rng.randint(0, 999):03d}"
        check = resident_id_check_char(body)
        if not want_x or check == "X":
            return body + check


def gen_ids(rng):
    for k in range(300):
        rid = make_id(rng, want_x=(k % 5 == 0))
        if rng.random() < 0.3:
            rid = rid[:-1] + rid[-1].lower()
        yield "id_number", _fmt_digits(rng, rid, rng.choice([[6, 8, 4], [4, 4, 4, 4, 2], [3, 3, 4, 4, 4]]))
    for _ in range(150):
        rid = make_id(rng)
        while rid[6:8] != "19":
            rid = make_id(rng)
        old = rid[:6] + rid[8:17]
        yield "id_number", _fmt_digits(rng, old, [6, 6, 3])


def gen_credit_codes(rng):
    for _ in range(100):
        body = "92" + rng.choice(["310101", "310115", "310229"]) + "".join(rng.choice(CREDIT_ALPHABET) for _ in range(9))
        code = body + credit_code_check_char(body)
        yield "credit_code", rng.choice([code, code.lower(), " ".join([code[:8], code[8:]]), code.translate(FW)])


def gen_names(rng):
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
    for s in surnames:
        for title in ["女士", "先生", "小姐", "阿姨", "师傅"]:
            yield "name", s + title
        yield "name", s + "某某"
        yield "name", s + "某某女士"
    for _ in range(60):
        label = rng.choice(["姓名：", "申请人：", "联系人：", "法定代表人：", "股东 ", "反映人："])
        yield "name", label + rng.choice(surnames) + rng.choice(["伟", "秀英", "建国", "丽", "志强", "小红"]) + "，"
    for compound in ["欧阳", "司马", "上官", "诸葛"]:
        yield "name", compound + "女士"


def gen_addresses(rng):
    roads = ["曲阳路", "博乐路", "南京西路", "淮海中路", "沪太公路", "世纪大道", "城中北路", "华漕镇许浦村", "徐家宅"]
    for _ in range(150):
        road = rng.choice(roads)
        shape = rng.choice(["{r}{n}号", "{r}{n}弄{m}号", "{r}{n}弄{m}号{k}室", "{r}{n}号{b}号楼{k}室", "{r}{n}号{k}室"])
        yield "address", shape.format(r=road, n=rng.randint(1, 2999), m=rng.randint(1, 99), k=rng.randint(101, 2806), b=rng.randint(1, 30))
    for _ in range(40):
        yield "address", f"{rng.randint(1, 40)}号楼{rng.randint(1, 6)}单元{rng.randint(101, 2806)}室"


def gen_plates(rng):
    provinces = "沪苏浙京皖粤"
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    alnum = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
    for _ in range(120):
        p, l = rng.choice(provinces), rng.choice(letters)
        kind = rng.random()
        if kind < 0.4:
            tail = "".join(rng.choice("0123456789") for _ in range(5))
        elif kind < 0.6:
            tail = "".join(rng.choice(alnum) for _ in range(5))
        elif kind < 0.85:
            tail = rng.choice("DF") + "".join(rng.choice(alnum) for _ in range(5))
        else:
            tail = "".join(rng.choice("0123456789") for _ in range(5)) + rng.choice("DF")
        yield "plate", p + l + rng.choice(["", "", "·", " "]) + tail


def gen_emails(rng):
    for _ in range(60):
        local = rng.choice(["zhang.san", "li_si88", "wangwu", "x.y-z", "shop2023"])
        domain = rng.choice(["163.com", "qq.com", "example.com.cn", "sh.gov.cn", "mail.example.org"])
        yield "email", local + rng.choice(["@", "＠"]) + domain


def gen_tracking(rng):
    for _ in range(60):
        code = f"BCS-{rng.randint(2024, 2029)}-{rng.randint(1, 999999):06d}"
        yield "tracking_number", rng.choice([code, code.lower(), code.translate(FW)])


def personal_corpus():
    rng = random.Random(RNG_SEED)
    samples = []
    for gen in (gen_mobiles, gen_landlines, gen_ids, gen_credit_codes, gen_names, gen_addresses, gen_plates, gen_emails, gen_tracking):
        for kind, value in gen(rng):
            samples.append((kind, value, rng.choice(CONTEXTS).format(x=value)))
    return samples


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
