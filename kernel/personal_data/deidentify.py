"""De-identification of case text before it becomes public knowledge.

Issue 5: "De-identification before anything leaves the case". Everything a
reader could use to identify the reporter is replaced by a placeholder; the
editor gets the list of replacements (with the originals masked, so the list
itself can be shown and logged safely).

Pure text functions, no database: the article-from-case service calls
``deidentify`` on every field it pre-fills, and the publish guard calls
``find_personal_data`` on every text field of the page.

What is replaced (kind -> placeholder):

- name            张女士 / 王先生 / 李某某 / 姓名：张三  -> 申请人 (title forms) or 【姓名】 (labelled forms)
- mobile          13812345678, +86 138 1234 5678, 86-138-1234-5678, full-width -> 【手机号】
- landline        021-61234567, (0512)6123-4567, 电话：61234567 (7-8 digits after a phone cue) -> 【电话】
- id_number       18/15-digit resident IDs (plausible region + birth date; spaced,
                  dashed, full-width; a typo'd check digit is still an ID) -> 【身份证号】
- credit_code     统一社会信用代码 starting with 92 (个体工商户: the code of a
                  natural person's business) -> 【统一社会信用代码】
- bank_card       16-19 digits passing the Luhn check -> 【银行卡号】
- address         …路123号…室, …弄…号, …号楼…室 -> 【地址】
- plate           沪A12345, 沪AD12345 (new energy), 沪A·12345 -> 【车牌号】
- email           zhang.san@example.com -> 【邮箱】
- tracking_number BCS-2026-000123 -> 【案件编号】
- social_account  微信号：zs_2023 / QQ：12345678 -> 【社交账号】

Deliberately kept (documented decisions):

- Credit codes of legal entities and government bodies (not starting with 92):
  they are public registration data of organisations, and articles cite them.
- Public service hotlines: any bare number of at most 6 digits (12345, 962222,
  12366) and 400/800 business numbers; a bare 7-8 digit number is only treated
  as a landline when a phone cue (电话/手机/联系/座机/Tel) precedes it.
- Policy document numbers (沪府办〔2023〕12号), dates, times, amounts,
  article numbers (第十二条), counts, 15-digit numbers that are not plausible
  IDs (e.g. old business registration numbers with a zero month).
- Names without a title or label (王宏强说): recognising bare names needs a
  named-entity model; editors review the draft before it can be published.
- Office addresses of departments are replaced like any address (a small
  over-redaction that an editor can undo deliberately).
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass, field

from .identity import PROVINCE_CODES
from .masking import mask_name, mask_phone

__all__ = [
    "KIND_LABELS",
    "PLACEHOLDERS",
    "Replacement",
    "DeidResult",
    "deidentify",
    "redact_known_values",
    "find_personal_data",
    "personal_data_message",
]

KIND_LABELS = {
    "name": "姓名",
    "mobile": "手机号",
    "landline": "电话号码",
    "id_number": "身份证号",
    "credit_code": "个体工商户统一社会信用代码",
    "bank_card": "银行卡号",
    "address": "地址",
    "plate": "车牌号",
    "email": "邮箱",
    "tracking_number": "案件编号",
    "social_account": "社交账号",
}

PLACEHOLDERS = {
    "name": "申请人",
    "name_labelled": "【姓名】",
    "mobile": "【手机号】",
    "landline": "【电话】",
    "id_number": "【身份证号】",
    "credit_code": "【统一社会信用代码】",
    "bank_card": "【银行卡号】",
    "address": "【地址】",
    "plate": "【车牌号】",
    "email": "【邮箱】",
    "tracking_number": "【案件编号】",
    "social_account": "【社交账号】",
}


# What de-identification leaves in place of a value: 【…】 here, and the reporter's own [电话] /
# [身份证号] (``redact_known_values``). Not the text's words: searching or learning from them
# matches guidance about 个体工商户 names or changing an ID number for any such text.
_PLACEHOLDER_PATTERN = re.compile(r"【[^【】\s]{1,12}】|\[(?:电话|身份证号)\]")


def without_placeholders(text: str) -> str:
    """``text`` with de-identification's placeholders taken out (for searching with it)."""
    return _PLACEHOLDER_PATTERN.sub(" ", text or "").strip()


@dataclass(frozen=True)
class Replacement:
    kind: str
    original_masked: str
    replacement: str
    start: int  # offsets in the ORIGINAL text
    end: int


@dataclass(frozen=True)
class DeidResult:
    text: str
    replacements: list[Replacement] = field(default_factory=list)

    @property
    def kinds(self) -> list[str]:
        return sorted({r.kind for r in self.replacements})


# --- Building blocks --------------------------------------------------------

D = "[0-9０-９]"
ND_BEFORE = "(?<![0-9０-９A-Za-zＡ-Ｚａ-ｚ])"
ND_AFTER = "(?![0-9０-９A-Za-zＡ-Ｚａ-ｚ])"
# One optional separator between digits: spaces (ASCII/ideographic) or dashes.
SEP = r"(?:[ \u3000\t]{1,2}|[\-－‐‑–—−])?"
CJK = "\u4e00-\u9fff"


def _digits_of(s: str) -> str:
    return re.sub(r"[^0-9X]", "", unicodedata.normalize("NFKC", s).upper())


def _plausible_date(y: int, m: int, d: int) -> bool:
    try:
        born = datetime.date(y, m, d)
    except ValueError:
        return False
    return 1900 <= born.year and born <= datetime.date.today()


def _is_id_number(digits: str) -> bool:
    if len(digits) == 18:
        if not digits[:17].isdigit():
            return False
        return digits[:2] in PROVINCE_CODES and _plausible_date(
            int(digits[6:10]), int(digits[10:12]), int(digits[12:14])
        )
    if len(digits) == 15 and digits.isdigit():
        return digits[:2] in PROVINCE_CODES and _plausible_date(
            1900 + int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
        )
    return False


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def _digit_seq(n: int, last: str = D) -> str:
    """n digits with optional separators between them; the last may be a wider class."""
    return D + (f"(?:{SEP}{D})" * (n - 2)) + f"{SEP}{last}"


# Common surnames (single and compound). Restricting names to a surname list
# keeps ordinary words ("该女士", "一位先生", "某网络平台") untouched.
_SURNAMES_1 = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    "常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季"
    "裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦"
    "戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻"
    "苑迟邝"
)
_SURNAMES_2 = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙", "夏侯", "端木", "司徒")
_SURNAME = "(?:" + "|".join(_SURNAMES_2) + f"|[{_SURNAMES_1}])"
# Only titles that follow a surname as a form of address; "向律师咨询" or
# "向老师反映" would otherwise turn a preposition into a name.
_TITLES = "女士|先生|小姐|阿姨|大爷|大妈|师傅"
# Words that follow "X某" when 某 means "some" rather than an anonymised name.
_MOU_NOT_NAME = "日|月|年|种|些|个|项|地|处|时|天|次|一|部门|单位|公司|企业|平台|区|街|镇|市|省|件|类|方"
_NAME_LABELS = "姓名|申请人|联系人|反映人|当事人|法定代表人|法人代表|股东|经办人|办事人|来电人|投诉人|代理人|委托人|户主|业主"

_PHONE_CUE = r"(?:电话|手机|联系方式|联系|座机|致电|来电|拨打|Tel|TEL|tel|☎)"

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE_LETTER = "[A-HJ-NP-ZＡ-Ｈ Ｊ-ＮＰ-Ｚ]".replace(" ", "")
_PLATE_ALNUM = "[A-HJ-NP-Z0-9Ａ-ＨＪ-ＮＰ-Ｚ０-９]"

_NUM = f"(?:{D}+|[一二三四五六七八九十百零〇两]+)"
# A road name: up to 4 characters before the suffix, never crossing an
# administrative unit, punctuation or a function word (keeps "家住…区" intact),
# nor a verb of going ("1月30日赴沪太路841号": the address starts at 沪).
_ROAD = f"[^\\s{'市区县省镇乡街道'}，。、；：,.;:（）()【】\\[\\]住在于到至及和与的为是码号电址赴往0-9０-９]{{1,4}}?(?:路|街|巷|公路|大道|村|宅|里|坊)"
_HOUSE = (
    f"(?:{_NUM}(?:弄|支弄))?{_NUM}号(?!令|文|线|公告|第)"
    f"(?:{_NUM}(?:号楼|幢|栋|座|单元|楼|层|号))*(?:{_NUM}室)?"
)
_BUILDING = f"{_NUM}(?:号楼|幢|栋|座)(?:{_NUM}(?:单元|楼|层))*{_NUM}室"

# (kind, compiled regex, group holding the personal data, validator on the match)
_PATTERNS: list[tuple[str, re.Pattern, int, object]] = []


def _add(kind: str, pattern: str, group: int = 0, check=None, flags: int = 0) -> None:
    _PATTERNS.append((kind, re.compile(pattern, flags), group, check))


# Order = priority when matches overlap (earlier wins).
_add("email", r"[A-Za-z0-9._%+\-]+[@＠][A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_add("tracking_number", rf"(?<![A-Za-z])[Bb][Cc][Ss]{SEP}(?:20|２０){D}{{2}}{SEP}{D}{{4,8}}{ND_AFTER}")
_add(
    "id_number",
    ND_BEFORE + "(?:" + _digit_seq(18, "[0-9０-９XxＸｘ]") + "|" + _digit_seq(15) + ")" + ND_AFTER,
    check=lambda m: _is_id_number(_digits_of(m.group(0))),
)
_add(
    "credit_code",
    ND_BEFORE + "(?:92|９２)" + "(?:" + SEP + "[0-9A-Za-z０-９Ａ-Ｚａ-ｚ]){16}" + ND_AFTER,
    check=lambda m: len(_digits_of_alnum(m.group(0))) == 18,
)
_add(
    "bank_card",
    ND_BEFORE + "(?:" + "|".join(_digit_seq(n) for n in (19, 18, 17, 16)) + ")" + ND_AFTER,
    check=lambda m: _luhn_ok(_digits_of(m.group(0))),
)
_add(
    "mobile",
    ND_BEFORE
    + rf"(?:(?:[+＋]|00)?(?:86|８６){SEP}|[（(](?:[+＋]?(?:86|８６))[）)]{SEP})?"
    + "[1１]" + SEP + "[3-9３-９]" + "(?:" + SEP + D + "){9}"
    + ND_AFTER,
)
_add(
    "landline",
    ND_BEFORE + rf"[（(]?[0０][1-9１-９]{D}{{1,2}}[）)]?{SEP}[2-9２-９](?:{SEP}{D}){{6,7}}"
    + rf"(?:{SEP}(?:转|-|ext\.?){D}{{1,5}})?" + ND_AFTER,
)
_add(
    "landline",
    _PHONE_CUE + r"[^0-9０-９\n]{0,6}?" + ND_BEFORE + rf"([2-9２-９](?:{SEP}{D}){{6,7}})" + ND_AFTER,
    group=1,
)
_add(
    "plate",
    rf"[{_PROVINCES}]{_PLATE_LETTER}[ ·•・\-]?(?:[DFＤＦ]{_PLATE_ALNUM}{{5}}|{_PLATE_ALNUM}{{5}}[DFＤＦ]?)"
    + "(?![A-Za-z0-9Ａ-Ｚａ-ｚ０-９])",
)
_add(
    "social_account",
    r"(?:微信号?|QQ号?|qq号?|wechat|WeChat)[：:\s]*([A-Za-z0-9][A-Za-z0-9_\-]{4,19})(?![A-Za-z0-9_])",
    group=1,
)
_add("address", f"(?:{_ROAD}){_HOUSE}")
_add("address", f"(?<![〔\\[（(]){_NUM}(?:弄|支弄){_NUM}号(?:{_NUM}(?:号楼|幢|栋|座|单元|楼|层|号))*(?:{_NUM}室)?")
_add("address", _BUILDING)
_add("address", f"(?<![0-9０-９]){D}{{3,4}}室")
# A labelled name ends at punctuation; when text runs on, only surname + one
# character is taken (a three-character name may leave one character behind).
_add("name_labelled", f"(?:{_NAME_LABELS})(?:[：:]\\s*|\\s+)({_SURNAME}[{CJK}]{{1,2}}?)(?![{CJK}])", group=1)
_add("name_labelled", f"(?:{_NAME_LABELS})(?:[：:]\\s*|\\s+)({_SURNAME}[{CJK}])", group=1)
# A self-introduction ("我叫王小明，…"): only the cues that always precede a name (我是 and 本人
# precede roles and places: 我是房东, 我是江苏人) and only a name that ends the clause.
_add("name_labelled", f"(?:我叫|名叫|本人叫|我的名字(?:是|叫))({_SURNAME}[{CJK}]{{1,2}}?)(?=[，。,.;；、！!？?\\s]|$)", group=1)
_add("name", f"{_SURNAME}某某?(?:{_TITLES})?(?!{_MOU_NOT_NAME})")
_add("name", f"{_SURNAME}(?:{_TITLES})")


def _digits_of_alnum(s: str) -> str:
    return re.sub(r"[^0-9A-Z]", "", unicodedata.normalize("NFKC", s).upper())


def _mask(kind: str, original: str) -> str:
    if kind in ("name", "name_labelled"):
        return mask_name(original)
    if kind in ("mobile", "landline"):
        return mask_phone(original)
    if kind in ("id_number", "bank_card", "credit_code"):
        compact = _digits_of_alnum(original)
        return compact[:4] + "*" * max(len(compact) - 6, 0) + compact[-2:]
    if kind == "email":
        local, _, domain = unicodedata.normalize("NFKC", original).partition("@")
        return (local[:1] + "***@" + domain) if domain else "***"
    if kind == "plate":
        return original[:2] + "***" + original[-1:]
    if kind == "address":
        return original[:2] + "…"
    return original[:3] + "***"


def _known_name_spans(text: str, names) -> list[tuple[int, int, str]]:
    """Exact occurrences of names known from the case record (bare names have no pattern)."""
    spans: list[tuple[int, int, str]] = []
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True):
        # The full name, optionally with a title, and the surname + title form (张三丰 -> 张女士).
        alternatives = [re.escape(name) + f"(?:{_TITLES})?", re.escape(name[0]) + f"(?:{_TITLES})"]
        for m in re.finditer("|".join(alternatives), text):
            if all(m.end() <= a or m.start() >= b for a, b, _ in spans):
                spans.append((m.start(), m.end(), "name"))
    return spans


def _find_spans(text: str, known_names=()) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, kind) spans; earlier patterns win overlaps."""
    taken: list[tuple[int, int, str]] = _known_name_spans(text, known_names)

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e, _ in taken)

    for kind, regex, group, check in _PATTERNS:
        pos = 0
        while pos <= len(text):
            m = regex.search(text, pos)
            if not m:
                break
            a, b = m.span(group)
            if (check is None or check(m)) and b > a and free(a, b):
                taken.append((a, b, kind))
                pos = m.end()
            else:
                # Retry one character later: a longer neighbour may hide a shorter hit.
                pos = m.start() + 1
    return sorted(taken)


def deidentify(text: str, *, known_names=()) -> DeidResult:
    """Replace personal data in ``text`` with placeholders.

    ``known_names``: names from the case record (reporter, shareholders...),
    replaced wherever they occur, even without a title.
    """
    if not text:
        return DeidResult(text or "", [])
    spans = _find_spans(text, known_names)
    out: list[str] = []
    replacements: list[Replacement] = []
    last = 0
    for start, end, kind in spans:
        original = text[start:end]
        placeholder = PLACEHOLDERS[kind]
        public_kind = "name" if kind == "name_labelled" else kind
        out.append(text[last:start])
        out.append(placeholder)
        replacements.append(Replacement(public_kind, _mask(kind, original), placeholder, start, end))
        last = end
    out.append(text[last:])
    return DeidResult("".join(out), replacements)


def find_personal_data(text: str) -> list[str]:
    """Kinds of personal data still present in ``text`` (sorted, distinct).

    Placeholders are not personal data, so a de-identified text returns [].
    """
    if not text:
        return []
    kinds = {"name" if kind == "name_labelled" else kind for _, _, kind in _find_spans(text)}
    return sorted(kinds)


def personal_data_message(kinds: list[str]) -> str:
    """The publish guard's refusal message: 页面仍含有个人信息（手机号、地址），请删除后再发布。"""
    labels = "、".join(KIND_LABELS.get(k, k) for k in kinds)
    return f"页面仍含有个人信息（{labels}），请删除或替换后再发布。"



_KEEP = "\ue000"  # stands in for a kept value: no personal-data pattern matches it


def redact_known_values(
    text: str, *, name: str = "", phone: str = "", id_number: str = "", others=(), keep: str = ""
) -> str:
    """Free text with a record's known identifiers and any personal-data pattern replaced.

    ``others``: more (value, placeholder) pairs the record holds (an address, coordinates, a
    个体工商户's name); a value starting or ending in a digit is only replaced where no digit
    continues it. All known values, the reporter's too, are replaced longest first.
    ``keep`` survives untouched (a case page shows its own tracking number already;
    only other cases' numbers are blanked).
    """
    text = text or ""
    # (value, placeholder, digit-bounded): the reporter's own identifiers go wherever they
    # appear; the record's other values only where no digit continues a number.
    known = [(name, "反映人", False), (phone, "[电话]", False), (id_number, "[身份证号]", False)]
    known += [((value or "").strip(), placeholder, True) for value, placeholder in others]
    # Longest first, all together: a value containing another (a shop named after its owner,
    # an address and a piece of it) goes whole under its own placeholder, not as the
    # shorter value's placeholder with the rest of it left over.
    for value, placeholder, bounded in sorted(known, key=lambda item: len(item[0] or ""), reverse=True):
        if not value or len(value) < 2 or value not in text:
            continue
        if not bounded:
            text = text.replace(value, placeholder)
            continue
        pattern = re.escape(value)
        if value[0].isdigit():
            pattern = f"(?<![0-9０-９.．]){pattern}"
        if value[-1].isdigit():
            pattern += "(?![0-9０-９])"
        text = re.sub(pattern, lambda _m, placeholder=placeholder: placeholder, text)
    if name and len(name) >= 2:
        text = text.replace(name[0] + "女士", "反映人").replace(name[0] + "先生", "反映人")
    if keep:
        text = text.replace(keep, _KEEP)
    return deidentify(text).text.replace(_KEEP, keep) if keep else deidentify(text).text
