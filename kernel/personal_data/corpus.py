"""Synthetic personal data for measuring de-identification and the publish guard (tests, ``manage.py guard_eval``).

Generated, never real: phone numbers, resident IDs (valid check digits), individual business
credit codes, names with titles and labels, addresses, plates, e-mails and case numbers,
each typed the ways people type them (spaces, dashes, full-width digits) and placed in a
sentence. ``personal_corpus()`` is deterministic.
"""

import random

from .identity import CREDIT_ALPHABET, credit_code_check_char, resident_id_check_char

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


