"""Public contact points versus personal data: classifying what the de-identifier finds.

The de-identifier (``kernel.personal_data.deidentify``) finds every phone number, e-mail, address and
labelled name, because on a case all of them belong to the reporter. A government notice
carries the same shapes as public information: an office landline with its area code, a
hotline, ``…@jiangxi.gov.cn``, the hall's address, the contact a notice publishes under
联系人/联系电话. Pure text functions (no database), used by the publish guard:

- ``classify(text, case_drawn=...)`` → one ``Finding`` per piece of data, with a category:
  ``personal`` (must go), ``institutional`` (机构公开联系方式), ``official`` (公职人员公开信息),
  ``pseudonym`` (a report's own anonymised reference: 王先生（化名）, 陈某某), or
  ``registered`` (a contact registered on a Department snippet: passes without asking).
- Content drawn from a case is never classified as public: everything but a registered
  department contact is ``personal`` there.
- Identity numbers, bank cards, individual business credit codes, case numbers and social
  accounts are ``personal`` wherever they appear.

The non-personal categories are *acknowledgeable*: an editor confirms each one with a reason
before the page can be published (``knowledge.publish_guard``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from kernel.personal_data import KIND_LABELS, deidentify

__all__ = [
    "PERSONAL",
    "INSTITUTIONAL",
    "OFFICIAL",
    "PSEUDONYM",
    "REGISTERED",
    "ACKNOWLEDGEABLE",
    "CATEGORY_LABELS",
    "Finding",
    "classify",
    "finding_key",
    "RegisteredContacts",
]

PERSONAL = "personal"
INSTITUTIONAL = "institutional"
OFFICIAL = "official"
PSEUDONYM = "pseudonym"
REGISTERED = "registered"

# What an editor may confirm, and the words the confirmation carries.
ACKNOWLEDGEABLE = (INSTITUTIONAL, OFFICIAL, PSEUDONYM)
CATEGORY_LABELS = {
    PERSONAL: "个人信息",
    INSTITUTIONAL: "机构公开联系方式",
    OFFICIAL: "公职人员公开信息",
    PSEUDONYM: "公开报道中的化名",
    REGISTERED: "部门登记的联系方式",
}

# Never public, whoever publishes them.
_ALWAYS_PERSONAL = {"id_number", "bank_card", "credit_code", "tracking_number", "social_account"}

# Contact labels a notice publishes its own contacts under.
_CONTACT_LABEL = re.compile(
    r"联系人|联系电话|联系方式|咨询电话|监督电话|举报电话|投诉电话|服务电话|值班电话|办公电话|热线|"
    r"电\s*话|传真|手机|电子邮箱|邮\s*箱|信箱|E-?mail|Email|邮件至|请联系|联系科室|对接部门|技术支持|微信号|"
    r"咨询|受理|报名",
    re.I,
)
# Words that make a number, address or e-mail someone's own: the reporter, a resident, a patient.
_PERSONAL_CUE = re.compile(
    r"(?:申请人|反映人|当事人|投诉人|来电人|举报人|本人|患者|病例|嫌疑人|家属|居民|市民|业主|户主|股东|"
    r"法定代表人|他|她|其)[^，。；,;：:（(]{0,2}(?:的)?(?:手机|电话|号码|联系方式|住址|地址|邮箱|证件|微信)"
    r"|来电号码|家住|住址|居住|住在|户籍|租住|暂住|身份证|证件|登记信息|他说|她说|他的|她的|私人|个人手机"
)
# Someone whose own details a sentence gives: their contact is theirs, not an office's.
_REPORTER = re.compile(r"申请人|反映人|投诉人|当事人|来电人|举报人|患者|家属|嫌疑人")
# "可拨打…咨询", "预约电话": a number the public is asked to call.
_CALL_CUE = re.compile(r"拨打|致电|预约电话|咨询电话|热线")
# An organisation or office nearby: the contact belongs to it.
_ORG = re.compile(
    r"[局委办厅处科室部组站所院校会馆中心窗口大厅公司集团平台基金会协会学会医院银行政府大楼]"
    r"|政务服务|红十字|人民医院|服务中心|指挥部"
)
_ADDRESS_LABEL = re.compile(r"地址|地点|来信|邮寄|寄至|办公|窗口|大厅|现场|收）|收;|收；")
_PUBLIC_ROLE = re.compile(
    r"局长|处长|科长|主任|书记|区长|市长|县长|镇长|乡长|院长|厅长|部长|所长|站长|发言人|民警|警官|"
    r"干部|委员|专家|医生|医师|教授|律师|记者|检察官|法官"
)
_PUBLIC_VEHICLE = re.compile(r"公交|路（|路\(|班车|车次|出租|客车|大巴|航班|列车|地铁")
_PSEUDONYM_NAME = re.compile(r"某|女士|先生|小姐|阿姨|大爷|大妈|师傅|老师")
_FREE_MAIL = {
    "163.com", "126.com", "qq.com", "foxmail.com", "sina.com", "sina.cn", "sohu.com", "yeah.net",
    "139.com", "189.cn", "aliyun.com", "gmail.com", "hotmail.com", "outlook.com", "live.com",
    "yahoo.com", "icloud.com", "msn.com", "tom.com", "21cn.com",
}
_INSTITUTIONAL_MAIL = re.compile(r"\.(gov|edu|org|mil)(\.[a-z]{2})?$|\.gov\.cn$|\.org\.cn$|\.edu\.cn$")
_CONTACT_NAME_LABEL = re.compile(r"(?:联系人|经办人|负责人|联系科室|对接人)[：:\s]*$")
_WINDOW = 40
_SENTENCE_BREAK = re.compile(r"[。！？!?\n]")


@dataclass(frozen=True)
class Finding:
    kind: str  # the de-identifier's kind: mobile, landline, email, address, name, …
    text: str  # exactly as it stands in the text
    start: int
    end: int
    category: str
    why: str  # a short Chinese reason shown to the editor

    @property
    def key(self) -> str:
        return finding_key(self.kind, self.text)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def category_label(self) -> str:
        return CATEGORY_LABELS[self.category]

    @property
    def acknowledgeable(self) -> bool:
        return self.category in ACKNOWLEDGEABLE

    @property
    def blocks_without_acknowledgement(self) -> bool:
        return self.category != REGISTERED


def _compact(value: str) -> str:
    return re.sub(r"[\s\u3000\-－‐‑–—−·•・()（）]", "", unicodedata.normalize("NFKC", value)).lower()


def finding_key(kind: str, text: str) -> str:
    """What an acknowledgement is attached to: the kind and the compacted text.

    The same number typed twice (with and without spaces) is one acknowledgement; a
    different number is not covered by it.
    """
    return f"{kind}:{_compact(text)}"


def _digits(value: str) -> str:
    return re.sub(r"\D", "", unicodedata.normalize("NFKC", value))


class RegisteredContacts:
    """Phone numbers and addresses registered on Department snippets (public by definition)."""

    def __init__(self, phones=(), addresses=()):
        self.phones: set[str] = set()
        for value in phones:
            for number in re.findall(r"[0-9０-９][0-9０-９\-－ ]{4,}[0-9０-９]", value or ""):
                digits = _digits(number)
                if len(digits) >= 5:
                    self.phones.add(digits)
        self.addresses = [_compact(a) for a in addresses if a and len(_compact(a)) >= 4]

    def has_phone(self, text: str) -> bool:
        digits = _digits(text)
        if not digits:
            return False
        return any(digits == p or digits.endswith(p) or p.endswith(digits) and len(digits) >= 7 for p in self.phones)

    def has_address(self, text: str) -> bool:
        compact = _compact(text)
        return bool(compact) and any(compact in a for a in self.addresses)


NO_REGISTERED = RegisteredContacts()


def _before(text: str, start: int, width: int = _WINDOW) -> str:
    """The text before ``start`` back to the previous sentence end, at most ``width`` characters."""
    window = text[max(0, start - width) : start]
    parts = _SENTENCE_BREAK.split(window)
    return parts[-1] if parts else window


def _after(text: str, end: int, width: int = 20) -> str:
    window = text[end : end + width]
    return _SENTENCE_BREAK.split(window)[0]


def _near_other_number(text: str, start: int) -> bool:
    # Lists of contacts: "0832-3950804 15708196523", "（65396033，13426396042）".
    return bool(re.search(r"[0-9０-９]{7,}", _before(text, start, 30)))


def _classify_one(text: str, kind: str, start: int, end: int, registered: RegisteredContacts) -> tuple[str, str]:
    value = text[start:end]
    before, after = _before(text, start), _after(text, end)
    if kind in ("mobile", "landline") and registered.has_phone(value):
        return REGISTERED, "部门登记的咨询电话"
    if kind == "address" and registered.has_address(value):
        return REGISTERED, "部门登记的办公地址"
    if kind in _ALWAYS_PERSONAL:
        return PERSONAL, "身份、账户类信息一律不公开"
    personal_cue = _PERSONAL_CUE.search(before[-16:])
    if kind == "landline":
        compact = _compact(value)
        if compact.startswith("0") and not personal_cue:
            return INSTITUTIONAL, "带区号的固定电话"
        if _CALL_CUE.search(before[-8:] + _after(text, end, 6)):
            return INSTITUTIONAL, "请公众拨打的电话"
        if _CONTACT_LABEL.search(before) and not personal_cue:
            return INSTITUTIONAL, "通知公布的联系电话"
        return PERSONAL, "未标明为机构电话"
    if kind in ("mobile", "email") and _REPORTER.search(before) and not _CALL_CUE.search(before[-8:]):
        return PERSONAL, "办事人或当事人本人的联系方式"
    if kind == "mobile":
        if personal_cue:
            return PERSONAL, "个人的手机号"
        if _CONTACT_LABEL.search(before) or _near_other_number(text, start):
            return INSTITUTIONAL, "通知在联系方式中公布的手机号"
        if _ORG.search(before[-12:]) and re.search(r"[：:（(]\s*$|[\u4e00-\u9fff]{2,3}\s*[（(]?\s*$", before):
            return INSTITUTIONAL, "机构联系人的电话"
        return PERSONAL, "未标明为机构联系方式的手机号"
    if kind == "email":
        domain = value.split("@")[-1].split("＠")[-1].lower()
        if _INSTITUTIONAL_MAIL.search(domain) and not personal_cue:
            return INSTITUTIONAL, "政府或机构邮箱"
        if domain not in _FREE_MAIL and not personal_cue:
            return INSTITUTIONAL, "机构域名邮箱"
        if _CONTACT_LABEL.search(before) and not personal_cue:
            return INSTITUTIONAL, "通知公布的联系邮箱"
        return PERSONAL, "个人邮箱"
    if kind == "address":
        if re.search(r"家住|住址|居住|住在|租住|暂住|户籍|家庭", before[-12:]):
            return PERSONAL, "个人住址"
        if _ADDRESS_LABEL.search(before) or _ORG.search(after[:12]) or _ORG.search(before[-8:]):
            return INSTITUTIONAL, "机构或办事场所地址"
        if re.search(r"(?:号|室|楼)[^。]{0,4}$", before[-6:]):
            return INSTITUTIONAL, "机构地址的一部分"
        return PERSONAL, "未标明为机构地址"
    if kind == "plate":
        if _PUBLIC_VEHICLE.search(before[-8:] + after[:6]):
            return INSTITUTIONAL, "公共交通车辆"
        return PERSONAL, "个人车辆号牌"
    if kind == "name":
        if _CONTACT_NAME_LABEL.search(before) or re.search(r"联系人[：:]\s*[^；;。]{0,12}$", before):
            return INSTITUTIONAL, "通知公布的联系人"
        if re.search(r"(?:申请人|当事人|投诉人|反映人|来电人|户主|业主|股东|法定代表人|法人代表|姓名|代理人|委托人|办事人)[：:\s]*$", before):
            return PERSONAL, "办事人或当事人的姓名"
        if "某" in value and not re.search(r"我叫|本人叫|我的名字", before[-6:]):
            return PSEUDONYM, "公开报道中的匿名称谓"
        if re.search(r"我叫|名叫|本人叫|我的名字", before[-6:]):
            return PERSONAL, "自我介绍中的姓名"
        if _PUBLIC_ROLE.search(before[-8:]):
            return OFFICIAL, "以公职身份出现的人员"
        if _PSEUDONYM_NAME.search(value):
            return PSEUDONYM, "公开报道中的化名或匿名称谓"
        return PERSONAL, "个人姓名"
    return PERSONAL, "个人信息"


def classify(text: str, *, case_drawn: bool = False, registered: RegisteredContacts | None = None) -> list[Finding]:
    """Every piece of personal-looking data in ``text``, classified."""
    if not text:
        return []
    registered = registered or NO_REGISTERED
    findings = []
    for r in deidentify(text).replacements:
        category, why = _classify_one(text, r.kind, r.start, r.end, registered)
        if case_drawn and category != REGISTERED:
            category, why = PERSONAL, "来自案件的内容严格去除个人信息"
        findings.append(Finding(r.kind, text[r.start : r.end], r.start, r.end, category, why))
    return findings
