"""Identity numbers: validation and normalisation.

Pure functions over strings (no database), so forms, services, imports and
the de-identification code all share one definition of "a valid number".

- Resident ID (居民身份证号码, GB 11643-1999): 18 characters, the last one a
  mod 11-2 check character (0-9 or X). The old 15-digit form (pre-1999, no
  century, no check digit) is converted to 18 digits: the seed's Qingpu case
  failed because a 15-digit number could not be looked up.
- Unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters
  over a 31-character alphabet (digits and capitals without I, O, Z, S, V),
  the last one a mod 31 check character.

Input typed at a counter or pasted from a spreadsheet is tolerated: full-width
digits and letters, spaces and dashes inside the number, lower-case x.
"""

from __future__ import annotations

import datetime
import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

__all__ = [
    "ID_WEIGHTS",
    "CREDIT_ALPHABET",
    "CREDIT_WEIGHTS",
    "PROVINCE_CODES",
    "resident_id_check_char",
    "credit_code_check_char",
    "clean_number_input",
    "normalize_resident_id",
    "normalize_credit_code",
    "is_valid_resident_id",
    "is_valid_credit_code",
    "INDIVIDUAL_BUSINESS_CREDIT_PREFIX",
    "is_individual_business_credit_code",
    "resident_id_birth_date",
    "classify_identity_number",
    "validate_resident_id",
    "validate_credit_code",
    "ResidentIdField",
    "CreditCodeField",
]

# Weights 2^(17-i) mod 11 for the 17 body digits of a resident ID.
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# Index = (weighted sum mod 11) -> check character.
_ID_CHECK_CHARS = "10X98765432"

CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
# Weights 3^i mod 31 for the 17 body characters of a credit code.
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# First two digits of the administrative division code (GB/T 2260), plus
# 83 (Taiwan residence permits) and 91 (foreigners' permanent residence IDs).
PROVINCE_CODES = frozenset(
    {
        "11", "12", "13", "14", "15",
        "21", "22", "23",
        "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46",
        "50", "51", "52", "53", "54",
        "61", "62", "63", "64", "65",
        "71", "81", "82", "83", "91",
    }
)

# Separators people type inside long numbers: ASCII/full-width spaces and
# every dash-like character (NFKC already folds the full-width hyphen).
_SEPARATORS_RE = re.compile(r"[\s\-\u2010-\u2015\u2212\ufe58\ufe63\uff0d_·.]")


def clean_number_input(value: str) -> str:
    """Fold full-width characters, drop separators, upper-case.

    NFKC maps full-width digits/letters (０-９, Ｘ) to ASCII and the ideographic
    space to a plain space.
    """
    text = unicodedata.normalize("NFKC", str(value or ""))
    return _SEPARATORS_RE.sub("", text).upper()


def resident_id_check_char(body17: str) -> str:
    """The GB 11643 check character for 17 body digits."""
    total = sum(int(d) * w for d, w in zip(body17, ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def credit_code_check_char(body17: str) -> str:
    """The GB 32100 check character for 17 body characters."""
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(body17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def _birth_date(yyyymmdd: str) -> datetime.date | None:
    try:
        born = datetime.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return None
    if born.year < 1900 or born > datetime.date.today():
        return None
    return born


def normalize_resident_id(value: str) -> str:
    """Return the canonical 18-character resident ID or raise ValidationError.

    The message says what is wrong, so the counter clerk can ask the right
    question instead of retyping blindly.
    """
    raw = clean_number_input(value)
    if not raw:
        raise ValidationError(_("身份证号码不能为空。"), code="id_empty")
    if not re.fullmatch(r"[0-9X]+", raw):
        raise ValidationError(
            _("身份证号码含有非法字符：只能包含数字和末位的 X。"), code="id_invalid_chars"
        )
    if len(raw) == 15:
        if not raw.isdigit():
            raise ValidationError(
                _("身份证号码含有非法字符：15 位旧号码只能包含数字。"), code="id_invalid_chars"
            )
        # Old form: 6-digit region, YYMMDD (19xx), 3-digit sequence, no check digit.
        body = raw[:6] + "19" + raw[6:15]
        raw = body + resident_id_check_char(body)
        converted = True
    elif len(raw) == 18:
        converted = False
    else:
        raise ValidationError(
            _("身份证号码位数不对：应为 18 位（或 15 位旧号码），实际为 %(n)d 位。") % {"n": len(raw)},
            code="id_length",
        )
    body, check = raw[:17], raw[17]
    if not body.isdigit():
        raise ValidationError(
            _("身份证号码含有非法字符：X 只能出现在最后一位。"), code="id_invalid_chars"
        )
    if body[:2] not in PROVINCE_CODES or body[2:6] == "0000":
        raise ValidationError(
            _("身份证号码地区码无效：前 6 位 %(code)s 不是有效的行政区划代码。") % {"code": body[:6]},
            code="id_region",
        )
    if _birth_date(body[6:14]) is None:
        raise ValidationError(
            _("身份证号码中的出生日期无效：%(date)s。") % {"date": body[6:14]},
            code="id_birth_date",
        )
    expected = resident_id_check_char(body)
    if not converted and check != expected:
        raise ValidationError(
            _("身份证号码校验位错误，应为 %(expected)s（请核对各位数字是否录入正确）。")
            % {"expected": expected},
            code="id_checksum",
        )
    return raw


def normalize_credit_code(value: str) -> str:
    """Return the canonical 18-character unified social credit code or raise."""
    raw = clean_number_input(value)
    if not raw:
        raise ValidationError(_("统一社会信用代码不能为空。"), code="credit_empty")
    if len(raw) != 18:
        raise ValidationError(
            _("统一社会信用代码位数不对：应为 18 位，实际为 %(n)d 位。") % {"n": len(raw)},
            code="credit_length",
        )
    bad = sorted({c for c in raw if c not in CREDIT_ALPHABET})
    if bad:
        raise ValidationError(
            _("统一社会信用代码含有非法字符：%(chars)s（不使用字母 I、O、Z、S、V）。")
            % {"chars": "、".join(bad)},
            code="credit_invalid_chars",
        )
    if not raw[2:8].isdigit():
        raise ValidationError(
            _("统一社会信用代码第 3-8 位应为行政区划代码（数字）。"), code="credit_region"
        )
    expected = credit_code_check_char(raw[:17])
    if raw[17] != expected:
        raise ValidationError(
            _("统一社会信用代码校验位错误，应为 %(expected)s（请核对各位字符是否录入正确）。")
            % {"expected": expected},
            code="credit_checksum",
        )
    return raw


def is_valid_resident_id(value: str) -> bool:
    try:
        normalize_resident_id(value)
    except ValidationError:
        return False
    return True


def is_valid_credit_code(value: str) -> bool:
    try:
        normalize_credit_code(value)
    except ValidationError:
        return False
    return True


# Registration authority 9 (市场监督管理) and type 2 (个体工商户): the opening of a natural
# person's business's code. Stored codes are normalised, so a database filter may use it as is.
INDIVIDUAL_BUSINESS_CREDIT_PREFIX = "92"


def is_individual_business_credit_code(value: str) -> bool:
    """A code starting with 92 belongs to a 个体工商户: a natural person's business, so the
    code and the business name are that person's data (the rule ``deidentify`` applies too);
    codes of legal entities (91…) and other organisations are public registration data."""
    return clean_number_input(value).startswith(INDIVIDUAL_BUSINESS_CREDIT_PREFIX)


def resident_id_birth_date(value: str) -> datetime.date:
    """Birth date encoded in a (15- or 18-digit) resident ID."""
    normalized = normalize_resident_id(value)
    born = _birth_date(normalized[6:14])
    assert born is not None  # normalize_resident_id already checked it
    return born


def classify_identity_number(value: str) -> tuple[str, str]:
    """Tell a resident ID from a credit code: ("resident_id" | "credit_code", normalized).

    A reporter field accepts either. A valid resident ID wins (a credit code
    made only of digits that also passes the ID checks is practically
    impossible); otherwise the credit-code error is raised when the input
    looks like a code (contains letters other than a final X), else the
    resident-ID error.
    """
    try:
        return "resident_id", normalize_resident_id(value)
    except ValidationError as id_error:
        raw = clean_number_input(value)
        if len(raw) == 18 and not re.fullmatch(r"[0-9]{17}[0-9X]", raw):
            return "credit_code", normalize_credit_code(value)
        if len(raw) == 18:
            try:
                return "credit_code", normalize_credit_code(value)
            except ValidationError:
                pass
        raise id_error


def validate_resident_id(value: str) -> None:
    """Model-field validator (values are stored normalized by the form/service)."""
    from .masking import mask_id  # masking builds on this module

    normalized = normalize_resident_id(value)
    if normalized != value:
        raise ValidationError(_("身份证号码应以 18 位标准格式保存：%(v)s。") % {"v": mask_id(normalized)},
                              code="id_not_normalized")


def validate_credit_code(value: str) -> None:
    normalized = normalize_credit_code(value)
    if normalized != value:
        raise ValidationError(_("统一社会信用代码应以标准格式保存。"), code="credit_not_normalized")


# --- Form fields ------------------------------------------------------------


class ResidentIdField(forms.CharField):
    """A CharField whose cleaned value is the normalized 18-character ID."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)  # room for spaces/dashes as typed
        kwargs.setdefault("label", _("身份证号码"))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return ""
        return normalize_resident_id(value)


class CreditCodeField(forms.CharField):
    """A CharField whose cleaned value is the normalized 18-character credit code."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 30)
        kwargs.setdefault("label", _("统一社会信用代码"))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return ""
        return normalize_credit_code(value)
