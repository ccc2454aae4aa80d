"""Masking: listings and exports show enough to tell records apart, never enough
to identify the person (issue 4, "Who sees what")."""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError

from .identity import clean_number_input, is_individual_business_credit_code, normalize_resident_id

__all__ = [
    "ERASED_NAME",
    "mask_name",
    "mask_phone",
    "mask_id",
    "mask_credit_code",
    "mask_enterprise_name",
    "mask_reporter",
]

# What stays of a reporter's name once the retention period has ended.
ERASED_NAME = "（已删除）"


def mask_name(value: str) -> str:
    """张三丰 -> 张**, 李四 -> 李*; a Latin name keeps its first letter."""
    name = (value or "").strip()
    if not name:
        return ""
    if len(name) == 1:
        return "*"
    return name[0] + "*" * (len(name) - 1)


def mask_phone(value: str) -> str:
    """13812345678 -> 138****5678; 021-61234567 -> 021-****4567; keep last 4 digits."""
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    digits = re.sub(r"\D", "", text)
    if not digits:
        return ""
    if digits.startswith("86") and len(digits) == 13 and digits[2] == "1":
        digits = digits[2:]
    if len(digits) == 11 and digits.startswith("1"):
        return f"{digits[:3]}****{digits[-4:]}"
    m = re.match(r"^\(?(0\d{2,3})\)?[\s\-]*(\d{7,8})$", text)
    if m:
        return f"{m.group(1)}-****{m.group(2)[-4:]}"
    if len(digits) <= 4:
        return "*" * len(digits)
    return "*" * (len(digits) - 4) + digits[-4:]


def mask_id(value: str) -> str:
    """First 6 (region) + 8 stars + last 4; a 15-digit ID is converted first."""
    raw = clean_number_input(value)
    if not raw:
        return ""
    try:
        raw = normalize_resident_id(raw)
    except ValidationError:
        pass
    if len(raw) <= 10:
        return "*" * len(raw)
    return raw[:6] + "********" + raw[-4:]


def mask_credit_code(value: str) -> str:
    """First 8 (authority, category, region) + stars + last 2."""
    raw = clean_number_input(value)
    if not raw:
        return ""
    if len(raw) <= 10:
        return "*" * len(raw)
    return raw[:8] + "*" * (len(raw) - 10) + raw[-2:]


def mask_enterprise_name(name: str, credit_code: str) -> str:
    """A 个体工商户's name (credit code starting with 92) masked like a person's name, since it
    names the same natural person (张三小吃店 -> 张****); a company's name is not personal
    data and stays whole."""
    if is_individual_business_credit_code(credit_code):
        return mask_name(name)
    return name or ""


def mask_reporter(
    *, name: str, phone: str, id_number: str, credit_code: str, enterprise_name: str = "", erased: bool = False
) -> dict[str, str]:
    """A reporter's identifiers as a role without personal-data rights sees them."""
    if erased:
        # Nothing left to mask: say so instead of masking the placeholder.
        return {"reporter_name": ERASED_NAME, "reporter_phone": "", "reporter_id_number": "",
                "credit_code": mask_credit_code(credit_code),
                "enterprise_name": mask_enterprise_name(enterprise_name, credit_code)}
    return {
        "reporter_name": mask_name(name),
        "reporter_phone": mask_phone(phone),
        "reporter_id_number": mask_id(id_number),
        "credit_code": mask_credit_code(credit_code),
        "enterprise_name": mask_enterprise_name(enterprise_name, credit_code),
    }
