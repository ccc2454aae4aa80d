"""Pinyin matching for autocomplete and the no-result page.

Readers on a phone with the wrong keyboard, or used to a pinyin input method
that was not switched on, type ``yingyezhizhao`` or its initials ``yyzz``
instead of 营业执照. Chinese government portals answer those; so do we, by
matching the typed letters against the pinyin of public titles at syllable
boundaries (full syllables, a last syllable still being typed, or initials)
and mapping the match back to the Chinese characters it covers.

Only titles are matched: they are short, public and edited, so the list is
small enough to hold in memory and there is nothing personal in it.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from pypinyin import Style, lazy_pinyin

# Letters with optional spaces or apostrophes (xi'an), 2–40 letters: anything
# else is not a pinyin query.
_PINYIN_QUERY = re.compile(r"^[a-z][a-z' ]*$")
MIN_LETTERS = 2
MAX_LETTERS = 40


def pinyin_key(text: str) -> str:
    """The letters of a query that looks like pinyin, lowercased and joined; else ""."""
    text = (text or "").strip().lower()
    if not text.isascii() or not _PINYIN_QUERY.match(text):
        return ""
    key = text.replace(" ", "").replace("'", "")
    return key if MIN_LETTERS <= len(key) <= MAX_LETTERS else ""


def _syllables(title: str) -> list[str]:
    """One entry per character of ``title``: its pinyin, the letter itself, or "" for
    punctuation and spaces (so no match runs across them)."""

    def other(chunk: str) -> list[str]:
        return [c.lower() if c.isascii() and c.isalnum() else "" for c in chunk]

    out = lazy_pinyin(title, style=Style.NORMAL, errors=other)
    # lazy_pinyin yields one item per Han character and, through ``other``, per other character.
    return out if len(out) == len(title) else [""] * len(title)


@dataclass(frozen=True)
class TitleMatch:
    title: str
    term: str  # the Chinese characters the letters stand for, e.g. 营业执照
    rank: int  # 0 full pinyin at the start, 1 full pinyin inside, 2/3 initials at the start/inside


@dataclass(frozen=True)
class _Entry:
    title: str
    syllables: tuple[str, ...]
    full: str
    starts: tuple[int, ...]  # offset in ``full`` where each character's syllable starts
    initials: str  # one letter per character; " " where a character has no pinyin

    @classmethod
    def build(cls, title: str) -> _Entry:
        syllables = tuple(_syllables(title))
        starts, pos, parts = [], 0, []
        for s in syllables:
            starts.append(pos)
            # A boundary marker keeps "" characters from gluing their neighbours together.
            piece = s or " "
            parts.append(piece)
            pos += len(piece)
        return cls(
            title=title,
            syllables=syllables,
            full="".join(parts),
            starts=tuple(starts),
            initials="".join(s[0] if s else " " for s in syllables),
        )

    def match(self, key: str) -> TitleMatch | None:
        # Full pinyin, starting on a syllable boundary; the last syllable may be partial.
        for char_index, offset in enumerate(self.starts):
            if self.syllables[char_index] and self.full.startswith(key, offset):
                end = offset + len(key)
                last = char_index
                while last + 1 < len(self.starts) and self.starts[last + 1] < end:
                    last += 1
                term = self.title[char_index:last + 1]
                return TitleMatch(self.title, term, 0 if char_index == 0 else 1)
        # Initials (yyzz): one letter per character.
        if len(key) >= MIN_LETTERS:
            at = self.initials.find(key)
            if at >= 0:
                return TitleMatch(self.title, self.title[at:at + len(key)], 2 if at == 0 else 3)
        return None


# Pinyin of every title seen, kept across index rebuilds: titles rarely change, and
# pypinyin costs ~0.1 ms a title, so only new titles are worked out after a publish.
_ENTRIES: dict[str, _Entry] = {}
_ENTRIES_MAX = 50_000
_lock = threading.Lock()


def _entry(title: str) -> _Entry:
    entry = _ENTRIES.get(title)
    if entry is None:
        if len(_ENTRIES) >= _ENTRIES_MAX:
            _ENTRIES.clear()
        entry = _ENTRIES[title] = _Entry.build(title)
    return entry


class PinyinTitleIndex:
    """The pinyin of a set of titles, matched in memory by a linear scan (~2 ms per
    1,000 titles a query: meant for a portal's guides and policies, not millions)."""

    def __init__(self, titles: list[str]):
        with _lock:
            self._entries = [_entry(t) for t in dict.fromkeys(t for t in titles if t)]

    def __len__(self) -> int:
        return len(self._entries)

    def matches(self, query: str, *, limit: int = 8) -> list[TitleMatch]:
        key = pinyin_key(query)
        if not key:
            return []
        found = [m for m in (e.match(key) for e in self._entries) if m is not None]
        found.sort(key=lambda m: (m.rank, len(m.title), m.title))
        return found[:limit]

    def terms(self, query: str, *, limit: int = 5) -> list[str]:
        """Distinct Chinese terms the letters stand for, most titles first ("您是不是要找")."""
        counts: dict[str, list] = {}
        for m in self.matches(query, limit=len(self._entries) or 1):
            slot = counts.setdefault(m.term, [0, m.rank])
            slot[0] += 1
            slot[1] = min(slot[1], m.rank)
        ranked = sorted(counts.items(), key=lambda kv: (kv[1][1], -kv[1][0], len(kv[0]), kv[0]))
        return [term for term, _ in ranked[:limit]]
