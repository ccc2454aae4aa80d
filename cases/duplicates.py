"""Possible duplicates of open cases (issue 5: 并单).

Plain data: the selector that feeds it passes the open cases of the last
``days`` days. Two signals, each reported with its reason:
- the same reporter (normalised phone, resident ID or credit code), or
- very similar matter text (cosine of TF-IDF over the analysed text).
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from dataclasses import dataclass
from typing import Hashable

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from .triage import _ANALYSERS, _search_analyser_available

__all__ = ["DuplicateCandidate", "PossibleDuplicate", "possible_duplicates", "same_text", "DEFAULT_TEXT_THRESHOLD"]

# Surface similarity: term-frequency cosine over Han unigrams+bigrams, no IDF
# (the handful of open cases compared is too few to estimate it). Measured on
# tests/cases/test_duplicates.py: a rephrasing of the same matter 0.59, another
# matter of the same service item 0.35, unrelated matters below 0.15.
DEFAULT_TEXT_THRESHOLD = 0.5


@dataclass(frozen=True)
class DuplicateCandidate:
    case_id: Hashable
    text: str
    created_at: datetime.datetime | datetime.date
    phone: str = ""
    id_number: str = ""
    credit_code: str = ""


@dataclass(frozen=True)
class PossibleDuplicate:
    case_id: Hashable
    same_reporter: bool
    similarity: float
    reason: str  # Chinese, for the 研判员


def _digits(value: str) -> str:
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", value or ""))
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits


def _code(value: str) -> str:
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", value or "")).upper()


def _text_key(value: str) -> str:
    # Letters, digits and Han only: spacing, punctuation and full-width forms do not make a new matter.
    return "".join(ch for ch in unicodedata.normalize("NFKC", value or "").lower() if ch.isalnum())


def same_text(a: str, b: str) -> bool:
    """The same matter text, typed again (an exact repeat, not a rephrasing)."""
    key = _text_key(a)
    return bool(key) and key == _text_key(b)


def _day(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def possible_duplicates(
    new: DuplicateCandidate,
    others: list[DuplicateCandidate],
    *,
    days: int = 30,
    text_threshold: float = DEFAULT_TEXT_THRESHOLD,
    analyzer: str = "char",
) -> list[PossibleDuplicate]:
    """Open cases within ``days`` of ``new`` that may be the same matter, most likely first."""
    window = [
        o for o in others
        if o.case_id != new.case_id and abs((_day(new.created_at) - _day(o.created_at)).days) <= days
    ]
    if not window:
        return []
    if analyzer == "auto":
        analyzer = "search" if _search_analyser_available() else "char"
    texts = [new.text or ""] + [o.text or "" for o in window]
    try:
        X = TfidfVectorizer(analyzer=_ANALYSERS[analyzer], use_idf=False, sublinear_tf=True).fit_transform(texts)
        sims = cosine_similarity(X[0], X[1:])[0]
    except ValueError:  # no terms at all
        sims = [0.0] * len(window)
    found: list[PossibleDuplicate] = []
    for other, sim in zip(window, sims):
        same = []
        if _digits(new.phone) and _digits(new.phone) == _digits(other.phone):
            same.append("联系电话")
        if _code(new.id_number) and _code(new.id_number) == _code(other.id_number):
            same.append("身份证号码")
        if _code(new.credit_code) and _code(new.credit_code) == _code(other.credit_code):
            same.append("统一社会信用代码")
        similar = float(sim) >= text_threshold
        if not same and not similar:
            continue
        parts = []
        if same:
            parts.append(f"同一反映人（{'、'.join(same)}相同）")
        if similar:
            parts.append(f"反映内容相似度 {float(sim):.0%}")
        found.append(PossibleDuplicate(other.case_id, bool(same), round(float(sim), 3), "；".join(parts)))
    found.sort(key=lambda d: (not d.same_reporter, -d.similarity, str(d.case_id)))
    return found
