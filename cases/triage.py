"""Triage suggestions learned from past triage decisions (issue 5).

A deliberately transparent model: TF-IDF over the analysed text and one
multinomial logistic regression per target (class, lead department, blocking
cause). Every suggestion carries its probability and the terms that pushed it
there ("why"), and it is only ever shown to the 研判员 as a suggestion: nothing
here writes to a case.

Text analysis: the search app's pipeline (``search.analysis.tokens``: jieba
words + Han bigrams, the same terms the search index uses) when it can be
imported, otherwise character unigrams + bigrams of the Han runs. The
analyser used is stored in the model, so a saved model is always applied with
the analyser it was trained with.

Plain data in, plain data out: no dependency on ``cases.models``; the
management commands ``triage_train`` / ``triage_eval`` read the database.
"""

from __future__ import annotations

import datetime
import json
import logging
import re
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Hashable

import joblib
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

logger = logging.getLogger(__name__)

__all__ = [
    "TARGETS",
    "TriageSample",
    "Suggestion",
    "TriageModel",
    "train",
    "evaluate",
    "cross_validate",
    "load_fixture_samples",
    "default_model_path",
    "analyzed_tokens",
]

FIXTURE_PATH = Path(__file__).resolve().parent / "fixtures" / "triage_samples.jsonl"
TARGETS = ("classification", "department", "blocking_cause")
MODEL_FORMAT = 2


@dataclass(frozen=True)
class TriageSample:
    text: str
    classification: str
    lead_department_id: Hashable | None = None
    blocking_cause: str | None = None
    # What the counter said when it could not do it (未办成原因), and the 所办事项 named;
    # empty when unknown (the counter's answer is then looked for in the text itself).
    counter_answer: str = ""
    service_item: str = ""


@dataclass(frozen=True)
class Suggestion:
    classification: str
    confidence: float
    department_id: Hashable | None
    department_confidence: float
    blocking_cause: str | None
    cause_confidence: float
    reasons: list[str] = field(default_factory=list)  # terms behind the suggested class
    department_reasons: list[str] = field(default_factory=list)
    cause_reasons: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


# --- Text analysis ---------------------------------------------------------------

_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+|[a-z0-9]+")


def _char_tokens(text: str) -> list[str]:
    """Fallback analyser: Han unigrams + bigrams, Latin/digit runs as words."""
    norm = unicodedata.normalize("NFKC", text or "").lower()
    out: list[str] = []
    for run in _HAN_RUN.findall(norm):
        if run[0].isascii():
            out.append(run)
            continue
        out.extend(run)
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def _search_tokens(text: str) -> list[str]:
    from search.analysis import tokens

    return tokens(text or "")


_ANALYSERS = {"search": _search_tokens, "char": _char_tokens}


def _search_analyser_available() -> bool:
    try:
        from search.analysis import tokens  # noqa: F401
    except Exception:  # the search app may be absent or mid-change
        return False
    return True


def _readable(text: str, features: list[str]) -> list[str]:
    """Bigram features as the whole words of the matter they come from ("销时" → "注销")."""
    if not _search_analyser_available():
        return features
    from search.analysis import words_around

    return words_around(text or "", features) or features


def analyzed_tokens(text: str, analyzer: str = "auto") -> list[str]:
    if analyzer == "auto":
        analyzer = "search" if _search_analyser_available() else "char"
    return _ANALYSERS[analyzer](text)


# --- Blocking-cause features ----------------------------------------------------------
#
# The blocking cause is less in what the reporter wants than in why the counter said no:
# the counter's answer, the service item, and the words that name the rule or system that
# stopped it. Each becomes a feature of its own next to the words of the text.

ANSWER_PREFIX = "答:"
ITEM_PREFIX = "事项:"
RULE_PREFIX = "规则:"
RULE_WEIGHT = 3

# Where a matter typed as one text turns to what the counter answered.
_ANSWER_START = re.compile(r"(?:窗口|工作人员|柜台)(?:人员)?(?:说|称|表示|告知|答复|回复)|被告知|告知我|答复说")

# Words that name what stopped the case, by the blocking cause they point to.
RULE_WORDS: dict[str, tuple[str, ...]] = {
    "system": ("系统", "页面", "报错", "随申办", "一网通办", "网上", "线上", "平台", "操作", "提交", "填报",
               "下载", "电子", "卡住", "校验", "提示", "数据", "对不上", "记录"),
    "policy_change": ("新规定", "新政策", "新规", "政策调整", "调整", "出台", "过渡", "旧政策", "老政策", "以前的办法",
                      "超过", "期限", "时限", "按新"),
    "legacy": ("历史遗留", "遗留", "多年", "十几年", "几年前", "早年", "产证", "违法建筑", "宅基地", "吊销", "动迁",
               "失联", "前租户", "联系不上", "15位"),
    "missing_materials": ("缺", "少了", "没带", "原件", "复印件", "寄丢", "补齐", "后补", "容缺", "材料不全",
                          "差一份", "还缺"),
    "unclear_responsibility": ("互相", "互为前置", "各管", "不归", "推来推去", "来回跑", "几个部门", "两个部门",
                               "说找", "都说", "意见不一致", "要求矛盾"),
}


def split_counter_answer(text: str) -> tuple[str, str]:
    """(the reporter's matter, what the counter answered) of a text typed as one."""
    match = _ANSWER_START.search(text or "")
    if not match:
        return text or "", ""
    return text[: match.start()], text[match.start():]


def rule_words(text: str) -> list[str]:
    """The rule-naming words found in ``text``, as features ("规则:系统")."""
    text = unicodedata.normalize("NFKC", text or "")
    return [f"{RULE_PREFIX}{word}" for words in RULE_WORDS.values() for word in words if word in text]


@dataclass(frozen=True)
class CaseInput:
    """What the cause model reads: the text, the counter's answer and the service item."""

    text: str
    counter_answer: str = ""
    service_item: str = ""


class CauseFeatures:
    """Analyser of a ``CaseInput``: the text's words, the answer's words marked as the
    counter's, the service item as one feature, and the rule-naming words."""

    def __init__(self, analyzer: str):
        self.analyzer = analyzer

    def __call__(self, doc: CaseInput) -> list[str]:
        answer = doc.counter_answer
        if not answer:
            _matter, answer = split_counter_answer(doc.text)
        tokens = _ANALYSERS[self.analyzer](doc.text)
        if answer and answer not in doc.text:
            tokens += _ANALYSERS[self.analyzer](answer)
        tokens += [ANSWER_PREFIX + t for t in _ANALYSERS[self.analyzer](answer)]
        if doc.service_item.strip():
            tokens.append(ITEM_PREFIX + doc.service_item.strip())
        # Few words, each telling: counted three times so that TF-IDF over dozens of
        # ordinary words does not drown them (0.71 -> 0.76 on the sample set, once vs three times).
        tokens += rule_words(f"{doc.text}\n{answer}") * RULE_WEIGHT
        return tokens


def _readable_feature(text: str, feature: str) -> str:
    """A cause feature as the clerk reads it: 窗口答复「…」, 所办事项「…」, 规则用语「…」."""
    for prefix, label in ((ANSWER_PREFIX, "窗口答复"), (ITEM_PREFIX, "所办事项"), (RULE_PREFIX, "规则用语")):
        if feature.startswith(prefix):
            word = feature[len(prefix):]
            if prefix == ANSWER_PREFIX:
                word = (_readable(text, [word]) or [word])[0]
            return f"{label}「{word}」"
    return (_readable(text, [feature]) or [feature])[0]


# --- Model -------------------------------------------------------------------------------


class _Constant:
    """Stand-in classifier when the training data has a single label for a target."""

    def __init__(self, label):
        self.classes_ = np.array([label], dtype=object)

    def predict_proba(self, X):
        return np.ones((X.shape[0], 1))


def _fit(X, labels: list) -> LogisticRegression | _Constant | None:
    present = [label for label in labels if label is not None]
    if not present:
        return None
    distinct = sorted(set(present), key=str)
    if len(distinct) == 1:
        return _Constant(distinct[0])
    rows = [i for i, label in enumerate(labels) if label is not None]
    # Labels are ids or strings; the model sees their string form, mapped back on output.
    model = LogisticRegression(C=10.0, max_iter=2000, class_weight="balanced")
    model.fit(X[rows], [str(labels[i]) for i in rows])
    model.label_map_ = {str(label): label for label in distinct}
    return model


def _class_coefficients(model: LogisticRegression, index: int) -> np.ndarray:
    coef = model.coef_
    if coef.shape[0] == 1:  # binary: one row for classes_[1]
        return coef[0] if index == 1 else -coef[0]
    return coef[index]


class TriageModel:
    """Three classifiers over one vectoriser; ``suggest`` explains its output."""

    def __init__(self, *, analyzer: str, vectorizer: TfidfVectorizer, models: dict, trained_on: int,
                 cause_vectorizer: TfidfVectorizer | None = None):
        self.analyzer = analyzer
        self.vectorizer = vectorizer
        self.cause_vectorizer = cause_vectorizer
        self.models = models
        self.trained_on = trained_on
        self.trained_at = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        self.format = MODEL_FORMAT

    def _predict(self, target: str, X, terms: np.ndarray, n_reasons: int):
        model = self.models.get(target)
        if model is None:
            return None, 0.0, []
        proba = model.predict_proba(X)[0]
        index = int(np.argmax(proba))
        raw = model.classes_[index]
        if isinstance(model, _Constant):
            return raw, 1.0, []
        label = model.label_map_.get(raw, raw)
        contributions = X.toarray()[0] * _class_coefficients(model, index)
        order = np.argsort(-contributions)
        reasons = [str(terms[i]) for i in order[:n_reasons] if contributions[i] > 0]
        return label, round(float(proba[index]), 3), reasons

    def suggest(self, text: str, *, counter_answer: str = "", service_item: str = "",
                n_reasons: int = 5) -> Suggestion | None:
        """Suggest class, lead department and blocking cause; None when the text has no terms.

        ``counter_answer`` and ``service_item`` (when known) inform the blocking cause."""
        X = self.vectorizer.transform([text or ""])
        if X.nnz == 0:
            return None
        terms = self.vectorizer.get_feature_names_out()
        cls, cls_conf, cls_why = self._predict("classification", X, terms, n_reasons)
        dept, dept_conf, dept_why = self._predict("department", X, terms, n_reasons)
        cls_why, dept_why = (_readable(text, why) for why in (cls_why, dept_why))
        doc = CaseInput(text or "", counter_answer or "", service_item or "")
        Xc = self.cause_vectorizer.transform([doc])
        cause_terms = self.cause_vectorizer.get_feature_names_out()
        cause, cause_conf, cause_why = self._predict("blocking_cause", Xc, cause_terms, n_reasons)
        full = "\n".join(t for t in (text, counter_answer) if t)
        cause_why = list(dict.fromkeys(_readable_feature(full, f) for f in cause_why))
        return Suggestion(
            classification=cls,
            confidence=cls_conf,
            department_id=dept,
            department_confidence=dept_conf,
            blocking_cause=cause,
            cause_confidence=cause_conf,
            reasons=cls_why,
            department_reasons=dept_why,
            cause_reasons=cause_why,
        )

    # -- persistence --------------------------------------------------------

    def save(self, path: Path | str | None = None) -> Path:
        target = Path(path) if path else default_model_path()
        target.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(self, target)
        logger.info("triage model saved (%d samples, analyser %s)", self.trained_on, self.analyzer)
        return target

    @classmethod
    def load(cls, path: Path | str | None = None) -> TriageModel:
        source = Path(path) if path else default_model_path()
        model = joblib.load(source)
        if not isinstance(model, cls) or getattr(model, "format", None) != MODEL_FORMAT:
            raise ValueError("not a triage model of this version; retrain with manage.py triage_train")
        return model


def default_model_path() -> Path:
    from django.conf import settings

    configured = getattr(settings, "BANCHENG_TRIAGE_MODEL_PATH", None)
    if configured:
        return Path(configured)
    return Path(settings.VAR_DIR) / "models" / "triage.joblib"


def train(samples: list[TriageSample], *, analyzer: str = "auto") -> TriageModel:
    """Fit the vectoriser and the three classifiers on past triage decisions."""
    samples = [s for s in samples if (s.text or "").strip() and s.classification]
    if len(samples) < 2 or len({s.classification for s in samples}) < 2:
        raise ValueError("need at least two triaged cases of two different classes to train")
    if analyzer == "auto":
        analyzer = "search" if _search_analyser_available() else "char"
    vectorizer = TfidfVectorizer(analyzer=_ANALYSERS[analyzer], sublinear_tf=True)
    X = vectorizer.fit_transform([s.text for s in samples])
    cause_vectorizer = TfidfVectorizer(analyzer=CauseFeatures(analyzer), sublinear_tf=True)
    Xc = cause_vectorizer.fit_transform([_case_input(s) for s in samples])
    models = {
        "classification": _fit(X, [s.classification for s in samples]),
        "department": _fit(X, [s.lead_department_id for s in samples]),
        "blocking_cause": _fit(Xc, [s.blocking_cause for s in samples]),
    }
    return TriageModel(analyzer=analyzer, vectorizer=vectorizer, models=models, trained_on=len(samples),
                       cause_vectorizer=cause_vectorizer)


def _case_input(sample: TriageSample) -> CaseInput:
    return CaseInput(sample.text, sample.counter_answer, sample.service_item)


# --- Evaluation ------------------------------------------------------------------------


def _truth(sample: TriageSample, target: str):
    return {
        "classification": sample.classification,
        "department": sample.lead_department_id,
        "blocking_cause": sample.blocking_cause,
    }[target]


def _predicted(suggestion: Suggestion | None, target: str):
    if suggestion is None:
        return None
    return {
        "classification": suggestion.classification,
        "department": suggestion.department_id,
        "blocking_cause": suggestion.blocking_cause,
    }[target]


def _split(samples: list[TriageSample], test_fraction: float, seed: int):
    """Stratified by class: every class keeps at least one case on each side when it can."""
    rng = np.random.default_rng(seed)
    by_class: dict[str, list[TriageSample]] = {}
    for s in samples:
        by_class.setdefault(s.classification, []).append(s)
    train_part, test_part = [], []
    for cls in sorted(by_class):
        group = by_class[cls]
        order = rng.permutation(len(group))
        n_test = int(round(len(group) * test_fraction))
        n_test = min(max(n_test, 1 if len(group) > 1 else 0), len(group) - 1)
        for rank, i in enumerate(order):
            (test_part if rank < n_test else train_part).append(group[i])
    return train_part, test_part


def _score(model: TriageModel, train_part, test_part) -> dict:
    suggestions = [model.suggest(s.text, counter_answer=s.counter_answer, service_item=s.service_item)
                   for s in test_part]
    accuracy, baseline = {}, {}
    for target in TARGETS:
        pairs = [(_truth(s, target), _predicted(g, target)) for s, g in zip(test_part, suggestions)]
        pairs = [(t, p) for t, p in pairs if t is not None]
        accuracy[target] = round(sum(t == p for t, p in pairs) / len(pairs), 3) if pairs else None
        majority = Counter(_truth(s, target) for s in train_part if _truth(s, target) is not None)
        if pairs and majority:
            top = majority.most_common(1)[0][0]
            baseline[target] = round(sum(t == top for t, _ in pairs) / len(pairs), 3)
        else:
            baseline[target] = None
    confusion: dict[str, dict[str, int]] = {}
    for s, g in zip(test_part, suggestions):
        row = confusion.setdefault(s.classification, {})
        pred = _predicted(g, "classification") or "-"
        row[pred] = row.get(pred, 0) + 1
    return {"accuracy": accuracy, "baseline": baseline, "confusion": confusion}


def evaluate(samples: list[TriageSample], test_fraction: float = 0.25, seed: int = 0, *, analyzer: str = "auto") -> dict:
    """Held-out accuracy per target (stratified split), majority baseline and a confusion summary.

    ``confusion[true_class][predicted_class] = count`` over the held-out cases.
    """
    train_part, test_part = _split(list(samples), test_fraction, seed)
    if not test_part:
        raise ValueError("too few cases to hold any out")
    model = train(train_part, analyzer=analyzer)
    result = _score(model, train_part, test_part)
    result.update({"n_train": len(train_part), "n_test": len(test_part), "analyzer": model.analyzer,
                   "test_fraction": test_fraction, "seed": seed})
    return result


def cross_validate(samples: list[TriageSample], *, seeds: range = range(10), test_fraction: float = 0.25,
                   analyzer: str = "auto") -> dict:
    """Mean held-out accuracy over several random splits: steadier than one split on small data."""
    runs = [evaluate(samples, test_fraction, seed, analyzer=analyzer) for seed in seeds]
    mean = {}
    for target in TARGETS:
        values = [r["accuracy"][target] for r in runs if r["accuracy"][target] is not None]
        mean[target] = round(sum(values) / len(values), 3) if values else None
    base = {}
    for target in TARGETS:
        values = [r["baseline"][target] for r in runs if r["baseline"][target] is not None]
        base[target] = round(sum(values) / len(values), 3) if values else None
    return {"accuracy": mean, "baseline": base, "splits": len(runs), "analyzer": runs[0]["analyzer"],
            "n_train": runs[0]["n_train"], "n_test": runs[0]["n_test"]}


def load_fixture_samples(path: Path | str | None = None) -> list[TriageSample]:
    """The fixed, hand-written sample set (also used to seed the demo)."""
    rows = []
    with open(path or FIXTURE_PATH, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                rows.append(
                    TriageSample(
                        text=row["text"],
                        classification=row["classification"],
                        lead_department_id=row.get("lead_department") or None,
                        blocking_cause=row.get("blocking_cause") or None,
                        service_item=row.get("service_item") or "",
                    )
                )
    return rows
