"""Validation of search parameters shared by the search page and the JSON API.

Every way a parameter can be wrong ends in a Chinese message, never in an
exception further down (engines, SQL, Elasticsearch).
"""

from __future__ import annotations

import re
import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _

from .engines.base import DOC_TYPES

MAX_QUERY_LENGTH = 200
MAX_PAGE = 500
DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 50

# Content types a reader can pick on the public page, in display order.
PUBLIC_TYPE_LABELS = {
    "article": _("办事指引"),
    "guide": _("衔接指引"),
    "policy": _("政策文件"),
}
TYPE_LABELS = {**PUBLIC_TYPE_LABELS, "case": _("案例")}

_SLUGISH = re.compile(r"^[\w\-]{1,100}$", re.UNICODE)


def requested_types(params: dict) -> list[str]:
    """The content types a cleaned search asks for ([] = all it may see)."""
    return [t for t in (params.get("type") or "").split(",") if t]


def _has_undecodable(value: str) -> bool:
    # Django decodes query strings with errors="replace": invalid UTF-8 shows
    # up as U+FFFD. Control characters never belong in a query either.
    if "\ufffd" in value:
        return True
    return any(unicodedata.category(ch) in ("Cc", "Cs", "Co") and ch not in "\t\n\r" for ch in value)


class SearchForm(forms.Form):
    q = forms.CharField(required=False, strip=True)
    type = forms.CharField(required=False)
    department = forms.CharField(required=False)
    topic = forms.CharField(required=False)
    tag = forms.CharField(required=False)
    district = forms.CharField(required=False)
    page = forms.CharField(required=False)

    error_messages = {
        "too_long": _("搜索词太长了，请控制在 %(max)s 个字以内。"),
        "bad_chars": _("搜索内容包含无法识别的字符，请检查后重新输入。"),
        "bad_type": _("不支持的内容类型。"),
        "bad_filter": _("筛选条件无效。"),
        "bad_page": _("页码应为 1 到 %(max)s 之间的整数。"),
    }

    def _clean_text(self, name: str, *, max_length: int) -> str:
        value = self.cleaned_data.get(name) or ""
        if _has_undecodable(value):
            raise forms.ValidationError(self.error_messages["bad_chars"], code="bad_chars")
        value = " ".join(value.split())
        if len(value) > max_length:
            raise forms.ValidationError(
                self.error_messages["too_long"], code="too_long", params={"max": max_length}
            )
        return value

    def clean_q(self) -> str:
        return self._clean_text("q", max_length=MAX_QUERY_LENGTH)

    def clean_type(self) -> str:
        """One type, or several separated by commas ("article,guide"); kept as that string."""
        value = self._clean_text("type", max_length=60)
        types = list(dict.fromkeys(t.strip() for t in re.split(r"[,，]", value) if t.strip()))
        if any(t not in DOC_TYPES for t in types):
            raise forms.ValidationError(self.error_messages["bad_type"], code="bad_type")
        return ",".join(types)

    def clean_department(self) -> str:
        value = self._clean_text("department", max_length=20)
        if value and not value.isdigit():
            raise forms.ValidationError(self.error_messages["bad_filter"], code="bad_filter")
        return value

    def _clean_slugish(self, name: str) -> str:
        value = self._clean_text(name, max_length=100)
        if value and not _SLUGISH.match(value):
            raise forms.ValidationError(self.error_messages["bad_filter"], code="bad_filter")
        return value

    def clean_topic(self) -> str:
        return self._clean_slugish("topic")

    def clean_district(self) -> str:
        return self._clean_slugish("district")

    def clean_tag(self) -> str:
        # Tags are free text (Chinese, spaces); only the length and characters are checked.
        return self._clean_text("tag", max_length=100)

    def _clean_int(self, name: str, *, default: int, maximum: int, message: str) -> int:
        raw = (self.cleaned_data.get(name) or "").strip()
        if not raw:
            return default
        if not raw.isascii() or not raw.isdigit() or not (1 <= int(raw) <= maximum):
            raise forms.ValidationError(self.error_messages[message], code=message, params={"max": maximum})
        return int(raw)

    def clean_page(self) -> int:
        return self._clean_int("page", default=1, maximum=MAX_PAGE, message="bad_page")

    @property
    def has_filters(self) -> bool:
        data = self.cleaned_data
        return any(data.get(k) for k in ("type", "department", "topic", "tag", "district"))

    def first_error(self) -> str:
        for errors in self.errors.values():
            if errors:
                return str(errors[0])
        return ""


class SearchAPIForm(SearchForm):
    page_size = forms.CharField(required=False)

    error_messages = {
        **SearchForm.error_messages,
        "bad_page_size": _("每页条数应为 1 到 %(max)s 之间的整数。"),
    }

    def clean_page_size(self) -> int:
        return self._clean_int(
            "page_size", default=DEFAULT_PAGE_SIZE, maximum=MAX_PAGE_SIZE, message="bad_page_size"
        )
