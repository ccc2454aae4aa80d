"""Chinese text analysis: the one pipeline every engine indexes and queries with.

normalize → tokens:
  1. Unicode NFKC (full-width letters/digits/punctuation → half-width),
  2. OpenCC traditional → simplified (+ a few variant folds OpenCC keeps, 馀→余),
  3. lowercase,
  4. split into runs of Han characters and runs of Latin letters/digits,
  5. Han runs → jieba search-mode words (domain dictionary in search/dictionary/
     + editor-managed SearchTerm snippets) AND overlapping character bigrams.

Measured on the NCP dev set (python -m search.bench relevance, see README):
jieba words alone lose recall on unseen compounds, bigrams alone miss the
precision of whole words; indexing both in one token stream ranks best.
Engines store the analysed tokens space-separated and split on whitespace,
so FTS5 (unicode61), PostgreSQL ('simple') and Elasticsearch (`whitespace`)
see exactly the same terms.

Synonyms (built-in search/dictionary/synonyms.txt + SearchSynonym snippets)
are expanded at query time only, so an editor's new synonym needs no reindex.
Editor vocabulary is reloaded lazily when its version changes (saved in the
admin → the version check at the next query picks it up, at most a couple of
seconds later in other processes).
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
import time
import unicodedata
from functools import lru_cache
from pathlib import Path

logger = logging.getLogger(__name__)

DICT_DIR = Path(__file__).resolve().parent / "dictionary"

# Tuned on the dev set only (see search/bench.py); general choices, not per-query tricks.
CONFIG = {
    "words": False,  # jieba search-mode words in the index (measured: -0.002..-0.006 nDCG)
    "bigrams": True,  # overlapping Han character bigrams
    "unigrams": False,  # single Han characters (measured: lower than bigrams alone)
    "stopwords": True,  # drop function words from the jieba words
    # Query side: jieba splits the question, function words (stopwords.txt)
    # break it into runs, and only bigrams *inside* a run are searched, so
    # "做了哪些部署" does not search 了哪/些部 (measured: +0.004..+0.007 nDCG).
    "query_stop_split": True,
    "query_synonyms": True,
}

MAX_QUERY_CHARS = 1000  # longer queries are cut: past this nothing helps ranking
VERSION_CHECK_SECONDS = 2.0

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef"
_RUN_RE = re.compile(rf"([{_HAN}]+)|([a-z0-9]+)")
_HAN_RE = re.compile(rf"[{_HAN}]")
# Variants OpenCC's t2s leaves alone but readers type the common form of.
_VARIANTS = str.maketrans({"馀": "余", "夠": "够", "着": "着", "裏": "里", "麪": "面", "綫": "线"})

_lock = threading.RLock()


# --- normalisation -------------------------------------------------------------


@lru_cache(maxsize=1)
def _opencc():
    import opencc

    return opencc.OpenCC("t2s")


def _t2s(text: str) -> str:
    if not text or not _HAN_RE.search(text):
        return text
    return _opencc().convert(text).translate(_VARIANTS)


def normalize(text) -> str:
    """NFKC + traditional→simplified + lowercase. Never raises on odd input."""
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    text = str(text)
    # Lone surrogates (from broken UTF-8 decoded with surrogateescape) cannot be encoded later.
    text = text.encode("utf-8", errors="replace").decode("utf-8")
    memo = getattr(_shared, "memo", None)
    if memo is not None:
        return _normalize_pieces(text, memo)
    return _t2s(_nfkc(text)).lower()


# --- analysing shared texts once (bulk imports) ------------------------------------

_WS_PIECES = re.compile(r"(\s+)")
_shared = threading.local()


@contextlib.contextmanager
def shared_analysis():
    """Normalise and tokenise each distinct piece of text once while the block runs.

    For a bulk write that feeds both the portal's index and Wagtail's admin index: they
    analyse the same titles, summaries and paragraphs (the portal's body is the article's
    fields joined), and modelsearch analyses a list field's analysed tokens once more. Inside
    the block ``normalize`` and the token functions work piece by piece between whitespace
    and remember every piece. The result is the same as for the whole text: NFKC, OpenCC's
    phrase matches, lowercasing and token runs never span whitespace, and OpenCC is applied
    to every piece exactly when the whole text has a Han character (tests/search/test_analysis.py
    compares both on the NCP library). Nested blocks share the outer memory.
    """
    if getattr(_shared, "memo", None) is not None:
        yield
        return
    _shared.memo = ({}, {}, {})  # piece -> NFKC; (NFKC piece, Han in text) -> normalised; norm piece -> tokens
    try:
        yield
    finally:
        _shared.memo = None


def _normalize_pieces(text: str, memo) -> str:
    nfkc_memo, norm_memo, _ = memo
    pieces = []
    for piece in _WS_PIECES.split(text):
        n = nfkc_memo.get(piece)
        if n is None:
            n = nfkc_memo[piece] = _nfkc(piece)
        pieces.append(n)
    # _t2s converts the whole text when any of it is Han: the same for each of its pieces.
    han = any(_HAN_RE.search(n) for n in pieces)
    out = []
    for n in pieces:
        key = (n, han)
        done = norm_memo.get(key)
        if done is None:
            done = norm_memo[key] = ((_opencc().convert(n).translate(_VARIANTS) if han else n).lower())
        out.append(done)
    return "".join(out)


def _one_to_one_nfkc() -> tuple[re.Pattern, dict[int, str]]:
    """Characters common in Chinese text that NFKC maps to exactly one character
    (Han, ASCII, CJK punctuation, curly quotes, full-width ASCII forms): a regex for
    runs of them, and a translate table doing their NFKC at C speed."""
    ranges = [(0x09, 0x0D), (0x20, 0x7E), (0x2018, 0x201D), (0x3000, 0x303F), (0x4E00, 0x9FFF), (0xFF01, 0xFF5E)]
    chars, table = [], {}
    for lo, hi in ranges:
        for code in range(lo, hi + 1):
            n = unicodedata.normalize("NFKC", chr(code))
            # Combining marks (〪 …) may reorder or compose with neighbours: never in a run.
            if len(n) == 1 and not unicodedata.combining(chr(code)):
                chars.append(chr(code))
                if n != chr(code):
                    table[code] = n
    return re.compile("[" + re.escape("".join(chars)) + "]+"), table


_NFKC_ONE_TO_ONE_RUN, _NFKC_ONE_TO_ONE = _one_to_one_nfkc()


def _nfkc(text: str) -> str:
    """NFKC, with runs of one-to-one characters translated at C speed: unicodedata's NFKC
    is slow on text that is not normalised already, as Chinese text with full-width
    punctuation never is."""
    if unicodedata.is_normalized("NFKC", text):
        return text
    parts, pos = [], 0

    def gap(segment: str) -> str | None:
        # A combining mark right after a run would compose with it: signal "do it whole".
        if pos and unicodedata.combining(segment[0]):
            return None
        return unicodedata.normalize("NFKC", segment)

    for run in _NFKC_ONE_TO_ONE_RUN.finditer(text):
        if run.start() > pos:
            normalised = gap(text[pos:run.start()])
            if normalised is None:
                return unicodedata.normalize("NFKC", text)
            parts.append(normalised)
        parts.append(run.group().translate(_NFKC_ONE_TO_ONE))
        pos = run.end()
    if pos < len(text):
        normalised = gap(text[pos:])
        if normalised is None:
            return unicodedata.normalize("NFKC", text)
        parts.append(normalised)
    return "".join(parts)


def normalize_with_map(text: str) -> tuple[str, list[int]]:
    """Normalised text and, for each of its characters, the index in ``text`` it came from.

    Used to highlight the original (possibly traditional / full-width) text
    with terms found in the normalised one.
    """
    out: list[str] = []
    idx: list[int] = []
    pos = 0
    # Runs of characters that NFKC maps one to one are normalised whole with an identity
    # index map; only the rest goes character by character. Same result, a fraction of the cost.
    def one_by_one(start: int, end: int) -> None:
        for i in range(start, end):
            n = unicodedata.normalize("NFKC", text[i])
            out.append(n)
            idx.extend([i] * len(n))

    for run in _NFKC_ONE_TO_ONE_RUN.finditer(text):
        one_by_one(pos, run.start())
        out.append(run.group().translate(_NFKC_ONE_TO_ONE))
        idx.extend(range(run.start(), run.end()))
        pos = run.end()
    one_by_one(pos, len(text))
    joined = "".join(out)
    conv = _t2s(joined)
    if len(conv) != len(joined):  # a multi-character conversion: fall back to char by char
        conv = "".join(_t2s(c) if len(_t2s(c)) == 1 else c for c in joined)
    lowered = conv.lower()
    if len(lowered) != len(conv):  # a character lowercases to two (İ): keep those as they are
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in conv)
    return lowered, idx


# --- vocabulary (dictionary files + editor snippets) -----------------------------


def _read_lines(name: str) -> list[str]:
    path = DICT_DIR / name
    if not path.exists():
        return []
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


_SPLIT_SYN = re.compile(r"[,，、;；/|\s]+")


def parse_synonym_line(line: str) -> list[str]:
    terms = []
    for t in _SPLIT_SYN.split(line or ""):
        t = normalize(t).strip()
        if t and t not in terms:
            terms.append(t)
    return terms


# jieba frequency given to editors' terms and synonyms: high enough to keep them whole.
EDITOR_WORD_FREQ = 2000


class _Vocabulary:
    """Editor-managed terms and synonyms, reloaded when their version changes."""

    def __init__(self):
        self.version = None
        self.checked_at = 0.0
        self.terms: set[str] = set()
        # jieba's own frequency of each word we raised (None: jieba did not know it), so
        # that removing an editor's term or synonym puts a common word like 注销 back as it
        # was instead of deleting it from the dictionary.
        self.original_freq: dict[str, int | None] = {}
        self.synonym_groups: list[list[str]] = []
        self.enabled = True  # False in the benchmark: no database vocabulary

    def invalidate(self):
        self.checked_at = 0.0

    def _db_version(self):
        from django.db.models import Count, Max

        from .models import SearchSynonym, SearchTerm

        a = SearchTerm.objects.aggregate(n=Count("id"), m=Max("updated_at"))
        b = SearchSynonym.objects.aggregate(n=Count("id"), m=Max("updated_at"))
        return (a["n"], str(a["m"]), b["n"], str(b["m"]))

    def refresh(self, force: bool = False):
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self.checked_at < VERSION_CHECK_SECONDS:
            return
        try:
            version = self._db_version()
        except Exception:  # tables not migrated yet, no database: the built-in vocabulary still works
            self.checked_at = now
            return
        self.checked_at = now
        if version == self.version:
            return
        from .models import SearchSynonym, SearchTerm

        terms = {normalize(t).strip() for t in SearchTerm.objects.filter(active=True).values_list("term", flat=True)}
        groups = [
            parse_synonym_line(s)
            for s in SearchSynonym.objects.filter(active=True).values_list("terms", flat=True)
        ]
        groups = [g for g in groups if len(g) > 1]
        new_words = {w for w in terms | {t for g in groups for t in g if _HAN_RE.search(t)} if w and " " not in w}
        with _lock:
            tok = _tokenizer()
            for gone in self.terms - new_words:
                original = self.original_freq.pop(gone, None)
                if original:
                    tok.add_word(gone, freq=original)
                else:
                    tok.del_word(gone)
            for word in new_words:
                if word not in self.original_freq:
                    self.original_freq[word] = tok.FREQ.get(word) or None
                tok.add_word(word, freq=max(EDITOR_WORD_FREQ, self.original_freq[word] or 0))
            self.terms = new_words
            self.synonym_groups = groups
            self.version = version
            _analyze_cached.cache_clear()
            _query_tokens_cached.cache_clear()
            _query_words_cached.cache_clear()
            _highlight_terms_cached.cache_clear()


vocabulary = _Vocabulary()


def invalidate_vocabulary() -> None:
    """Called when a SearchTerm/SearchSynonym is saved or deleted."""
    vocabulary.invalidate()


@lru_cache(maxsize=1)
def _stopwords() -> frozenset:
    return frozenset(normalize(w) for w in _read_lines("stopwords.txt"))


@lru_cache(maxsize=1)
def _builtin_synonyms() -> tuple:
    return tuple(tuple(g) for g in (parse_synonym_line(l) for l in _read_lines("synonyms.txt")) if len(g) > 1)


def synonym_groups() -> list[list[str]]:
    return [list(g) for g in _builtin_synonyms()] + vocabulary.synonym_groups


_tok = None


def _tokenizer():
    """One jieba tokenizer per process, with the domain dictionary (quiet, loaded once)."""
    global _tok
    if _tok is None:
        with _lock:
            if _tok is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                tok.initialize()
                for line in _read_lines("gov_terms.txt"):
                    parts = line.split()
                    freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
                    tok.add_word(normalize(parts[0]), freq=freq)
                _tok = tok
    return _tok


def segment(text: str) -> list[str]:
    """The words of ``text`` as the search analysis cuts them (domain dictionary included)."""
    return [w for w in _tokenizer().cut(text or "") if w.strip()]


def domain_terms() -> list[str]:
    """The words of the domain dictionary (营业执照, 简易注销…), e.g. for pinyin suggestions."""
    return [line.split()[0] for line in _read_lines("gov_terms.txt")]


def warm_up() -> None:
    """Load jieba's dictionary and OpenCC now, not during the first search (~0.7 s)."""
    _tokenizer()
    _t2s("預熱")


# --- tokenisation ------------------------------------------------------------------


def _han_tokens(run: str, cfg: dict) -> list[str]:
    out: list[str] = []
    if cfg["words"]:
        stop = _stopwords() if cfg["stopwords"] else frozenset()
        for w in _tokenizer().cut_for_search(run, HMM=True):
            if len(w) < 2 or w in stop:
                continue
            if cfg["bigrams"] and len(w) == 2:
                continue  # the bigram stream below has it already
            out.append(w)
    if cfg["bigrams"]:
        if len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
    if cfg["unigrams"]:
        out.extend(run)
    elif not cfg["bigrams"] and len(run) == 1:
        out.append(run)
    return out


def tokens(text, cfg: dict | None = None) -> list[str]:
    """Analysed tokens of ``text`` in order (duplicates kept: term frequency matters)."""
    return normalized_tokens(normalize(text), cfg)


def normalized_tokens(norm: str, cfg: dict | None = None) -> list[str]:
    """``tokens`` of a text already through ``normalize`` (an indexer that keeps the normalised text too)."""
    memo = getattr(_shared, "memo", None)
    if memo is not None and (cfg is None or cfg == CONFIG):
        # Token runs never contain whitespace: the tokens of the pieces between it, remembered.
        token_memo = memo[2]
        out = []
        for piece in norm.split():
            toks = token_memo.get(piece)
            if toks is None:
                toks = token_memo[piece] = _normalized_tokens(piece, CONFIG)
            out.extend(toks)
        return out
    return _normalized_tokens(norm, cfg or CONFIG)


def _normalized_tokens(norm: str, cfg: dict) -> list[str]:
    out: list[str] = []
    for m in _RUN_RE.finditer(norm):
        han, alnum = m.group(1), m.group(2)
        if han:
            out.extend(_han_tokens(han, cfg))
        elif alnum:
            out.append(alnum[:64])
    return out


@lru_cache(maxsize=4096)
def _analyze_cached(text: str) -> tuple:
    return tuple(tokens(text))


def analyze_for_index(text) -> str:
    """Space-separated analysed tokens for an index field."""
    return " ".join(tokens(text))


def analyze_joined_for_index(analysed: list[str]) -> str:
    """``analyze_for_index(", ".join(analysed))`` where each item is ``analyze_for_index`` output.

    What modelsearch indexes for a list field (a stream field's blocks, tags): it analyses
    each value, joins them and analyses the joined tokens again. Analysed tokens are their
    own analysis (checked once per token: simplified, NFKC, lowercase, one run each), so the
    second pass is their concatenation; any token that is not falls back to the full pass.
    """
    joined = ", ".join(analysed)
    toks = joined.replace(",", " ").split()
    han = bool(_HAN_RE.search(joined))
    known = _FIXED_TOKENS[han]
    if len(known) > 500_000:  # bounded: bigrams of a large library
        known.clear()
    for token in set(toks).difference(known):
        if not _is_fixed_token(token, han):
            return analyze_for_index(joined)
        known.add(token)
    return " ".join(toks)


# Tokens known to be their own analysis, in a text with (True) or without (False) Han characters.
_FIXED_TOKENS: dict[bool, set[str]] = {True: set(), False: set()}


def _is_fixed_token(token: str, han: bool) -> bool:
    # What the full pass does to this piece of a text that has (or has no) Han character.
    norm = _nfkc(token)
    norm = (_opencc().convert(norm).translate(_VARIANTS) if han else norm).lower()
    return norm == token and _normalized_tokens(token, CONFIG) == [token]


def analyze_normalized_for_index(norm: str) -> str:
    """``analyze_for_index`` of a text already through ``normalize``."""
    return " ".join(normalized_tokens(norm))


def query_runs(norm: str) -> list[str]:
    """A normalised query cut into runs of meaningful text: function words are the separators."""
    stop = _stopwords()
    runs: list[str] = []
    for m in _RUN_RE.finditer(norm):
        han, alnum = m.group(1), m.group(2)
        if alnum:
            runs.append(alnum[:64])
            continue
        cur = ""
        for w in _tokenizer().cut(han, HMM=True):
            if w in stop:
                if cur:
                    runs.append(cur)
                cur = ""
            else:
                cur += w
        if cur:
            runs.append(cur)
    return runs


@lru_cache(maxsize=4096)
def _query_tokens_cached(norm: str) -> tuple:
    if not CONFIG["query_stop_split"]:
        return tuple(tokens(norm))
    out: list[str] = []
    for run in query_runs(norm):
        out.extend(tokens(run))
    return tuple(out)


def analyze_query(text) -> list[str]:
    """Distinct analysed query tokens, synonyms expanded (never raises, may be empty)."""
    vocabulary.refresh()
    norm = normalize(text)[:MAX_QUERY_CHARS]
    result = list(dict.fromkeys(_query_tokens_cached(norm)))
    if CONFIG["query_synonyms"]:
        for extra in expansions(norm):
            for t in _analyze_cached(extra):
                if t not in result:
                    result.append(t)
    return result


def expansions(norm_query: str) -> list[str]:
    """Synonym terms to add for a normalised query (terms of every group the query mentions)."""
    extra: list[str] = []
    for group in synonym_groups():
        if any(t in norm_query for t in group):
            extra.extend(t for t in group if t not in norm_query and t not in extra)
    return extra


def highlight_terms(text) -> list[str]:
    """Normalised surface terms to mark in snippets: query words, synonyms, and bigrams as a fallback."""
    vocabulary.refresh()
    return list(_highlight_terms_cached(normalize(text)[:MAX_QUERY_CHARS]))


@lru_cache(maxsize=1024)
def _highlight_terms_cached(norm: str) -> tuple:
    cfg = dict(CONFIG, bigrams=False, unigrams=False, words=True)
    terms: list[str] = []
    for t in tokens(norm, cfg):
        if t not in terms:
            terms.append(t)
    for extra in expansions(norm):
        if extra not in terms:
            terms.append(extra)
    # Bigrams let a partial match (e.g. 注销 inside 简易注销登记) still be marked.
    for m in _RUN_RE.finditer(norm):
        run = m.group(1)
        if run and len(run) >= 2:
            for i in range(len(run) - 1):
                bg = run[i : i + 2]
                if bg not in terms and bg not in _stopwords():
                    terms.append(bg)
    return tuple(terms)


def words_around(text, fragments) -> list[str]:
    """The whole words of ``text`` that each fragment falls in, for people to read.

    Bigram features and highlight fragments ("了营", "方停") mean nothing to staff;
    the jieba words they overlap ("营业执照"; "地方", "停车") do. Function words and
    single characters are left out, and so is a word inside a longer word listed.
    """
    norm = normalize(text)
    if not norm:
        return []
    spans = list(_tokenizer().tokenize(norm, HMM=True))
    stop = _stopwords()
    found: list[str] = []
    for fragment in fragments:
        frag = normalize(fragment).strip()
        start = norm.find(frag) if frag else -1
        if start < 0:
            continue
        end = start + len(frag)
        for word, s, e in spans:
            if s < end and e > start and len(word) >= 2 and word not in stop and _RUN_RE.fullmatch(word):
                if word not in found:
                    found.append(word)
    return [w for w in found if not any(w != other and w in other for other in found)]


def query_words(text) -> list[str]:
    """The query's whole words as jieba cuts it (domain dictionary; function words, single
    characters and punctuation left out): what word-level ranking features match, where the
    index matches character bigrams."""
    vocabulary.refresh()
    return list(_query_words_cached(normalize(text)[:MAX_QUERY_CHARS]))


@lru_cache(maxsize=4096)
def _query_words_cached(norm: str) -> tuple:
    stop = _stopwords()
    words = []
    for m in _RUN_RE.finditer(norm):
        han, alnum = m.group(1), m.group(2)
        if alnum:
            words.append(alnum[:64])
            continue
        words.extend(w for w in _tokenizer().cut(han, HMM=True) if len(w) >= 2 and w not in stop)
    return tuple(dict.fromkeys(words))


def word_parts(word: str) -> list[str]:
    """The shorter dictionary words inside ``word`` (营业性演出许可 → 营业, 演出, 许可…), longest last."""
    norm = normalize(word)
    return [w for w in dict.fromkeys(_tokenizer().cut_for_search(norm, HMM=False)) if len(w) >= 2 and w != norm]


def is_function_word(word: str) -> bool:
    """A word of the stopword list (的, 可以, 怎么…): it says nothing about a text's subject."""
    return normalize(word) in _stopwords()
