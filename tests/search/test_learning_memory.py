"""What the reranker learns from its memory of past questions.

A real log is mostly questions asked once. Left out of the memory while training (so that it
looks new), such a question's answer has no memory, while other candidates carry other
questions' choices: a model fitted on that would learn that a remembered result is a *worse*
one, and could never use the memory for a new question about a notice readers already chose.
The memory features are learned from the questions the memory could have answered, and kept at
the share of questions it answers in the logs.
"""

from __future__ import annotations

import pytest

from search.engines.base import Hit
from search.learning import model
from search.learning.features import FEATURES
from search.learning.memory import Memory
from search.learning.signals import CLICK, PUBLIC, Signal

pytestmark = pytest.mark.django_db

SERVICES = ["居住证", "营业执照", "公积金提取", "社保转移", "户口迁移", "食品经营许可", "出生医学证明", "不动产登记"]
ANSWERABLE = 2  # the first services' guide is asked about twice, in different words; the rest once
GUIDE = "办理{s}：准备身份证件，到政务服务中心窗口提交申请，当场受理，材料齐全的当日办结。"
RENEWAL = "{s}有效期满前三十日内申请续签，可以网上提交，邮寄送达。"


def _hit(doc_id: int, title: str, body: str, score: float) -> Hit:
    return Hit(doc_type="article", doc_id=doc_id, external_id="", title=title, url=f"/a/{doc_id}/",
               snippet="", score=score, body=body)


def _copy(i: int, score: float) -> Hit:  # a near-identical notice the engine puts first
    return _hit(100 + i, f"{SERVICES[i]}办理指南", GUIDE.format(s=SERVICES[i]), score)


def _guide(i: int, score: float) -> Hit:  # the one readers open
    return _hit(200 + i, f"{SERVICES[i]}办理指南", GUIDE.format(s=SERVICES[i]), score)


def _renewal(i: int, score: float) -> Hit:  # another notice on the same service, chosen by its own question
    return _hit(300 + i, f"{SERVICES[i]}续签", RENEWAL.format(s=SERVICES[i]), score)


def _guide_candidates(i: int) -> list[Hit]:
    return [_copy(i, 1.0), _guide(i, 0.9), _renewal(i, 0.85)]


def _renewal_candidates(i: int) -> list[Hit]:
    return [_guide(i, 1.0), _renewal(i, 0.9), _copy(i, 0.85)]


def _logs() -> tuple[list[model.Example], list[Signal]]:
    asked = [(f"{s}怎么办", _guide_candidates(i), _guide(i, 0)) for i, s in enumerate(SERVICES)]
    asked += [(f"{s}续签怎么办", _renewal_candidates(i), _renewal(i, 0)) for i, s in enumerate(SERVICES)]
    asked += [(f"{SERVICES[i]}需要带什么", _guide_candidates(i), _guide(i, 0)) for i in range(ANSWERABLE)]
    key = lambda hit: f"{hit.doc_type}:{hit.doc_id}"  # noqa: E731
    examples = [model.Example(query=q, hits=hits, positives={key(chosen)}) for q, hits, chosen in asked]
    signals = [Signal(query=q, doc=key(chosen), kind=CLICK, audience=PUBLIC) for q, _h, chosen in asked]
    return examples, signals


def test_a_new_question_about_a_notice_readers_chose_puts_it_above_its_copy():
    examples, signals = _logs()
    memory = Memory.build(signals)
    assert model.memory_share(examples, memory) == 0.222  # 4 of the 18 logged questions
    ranker, _pairs = model.fit(examples, memory, choice={"c": 1.0, "k": 20, "memory": 0.222})
    assert ranker.coef[FEATURES.index("memory")] + ranker.coef[FEATURES.index("memory_sim")] > 0
    hits = _guide_candidates(0)
    assert ranker.order("居住证在哪里办", hits)[0] == 1  # the chosen notice, not the copy


def test_without_memory_the_copies_keep_the_engine_order():
    examples, signals = _logs()
    ranker, _pairs = model.fit(examples, Memory.build(signals), choice={"c": 1.0, "k": 20, "memory": 0.0})
    assert ranker.order("居住证在哪里办", _guide_candidates(0))[0] == 0


def test_a_question_asked_once_does_not_teach_that_being_remembered_is_bad():
    examples, signals = _logs()
    memory = Memory.build(signals)
    once = next(ex for ex in examples if ex.query == f"{SERVICES[5]}怎么办")
    twice = next(ex for ex in examples if ex.query == f"{SERVICES[0]}怎么办")
    memory_columns = [FEATURES.index("memory"), FEATURES.index("memory_sim")]
    # The renewal notice is remembered (its own question chose it): for the question asked once,
    # whose answer nobody else chose, the memory columns are blanked, not learned from.
    assert model._training_matrix(once, memory)[:, memory_columns].max() == 0.0
    assert model._training_matrix(twice, memory)[1, memory_columns].max() > 0.0
