"""Word-level evidence in the learned ranking, and how its training pairs are weighted.

The engines match character bigrams; the reranker also counts the question's whole words
(``analysis.query_words``), so that among candidates with the same bigram coverage the one that
holds the word a reader typed (病死猪, 贴息) is told apart. Training pairs weigh what a reader
sees: a chosen result buried at 8 under a skipped one at 1 counts more than a swap at 24/25.
"""

from __future__ import annotations

import pytest

from search import analysis
from search.engines.base import Hit
from search.learning.features import FEATURES, matrix
from search.learning.model import pair_weights

pytestmark = pytest.mark.django_db

WORDS = FEATURES.index("words")
BIGRAM_COVERAGE = FEATURES.index("body")


def _hit(doc_id: int, title: str, body: str, score: float = 1.0) -> Hit:
    return Hit(doc_type="article", doc_id=doc_id, external_id="", title=title, url=f"/a/{doc_id}/",
               snippet="", score=score, body=body)


def test_query_words_are_the_whole_words_without_function_words():
    words = analysis.query_words("企业所得税的优惠政策有哪些？")
    assert "所得税" in words
    assert "优惠政策" in words or {"优惠", "政策"} <= set(words)
    assert not {"的", "有", "哪些", "？"} & set(words)
    # Normalised like the index: traditional and full-width forms give the same words.
    assert analysis.query_words("營業執照ＡＢＣ") == analysis.query_words("营业执照abc")


@pytest.mark.parametrize("text", ["", "？？？", "的了吗", "& < > \" '", "＝SUM(A1:A9)", "税" * 10_000])
def test_query_words_never_fail_on_odd_input(text):
    words = analysis.query_words(text)
    assert all(len(w) >= 2 for w in words)
    assert "的" not in words


def test_a_document_with_the_whole_word_scores_above_one_with_only_its_bigrams():
    # Both bodies hold the bigrams 病死 and 死猪 (same bigram coverage); only the first holds the word.
    q = "病死猪补助"
    hits = [
        _hit(1, "关于防病死亡的通知", "防病死亡事故，死猪处理另行规定，补助按年度拨付。"),
        _hit(2, "病死猪无害化处理补助", "病死猪无害化处理补助资金提前拨付，病死猪收集点补助。"),
        _hit(3, "生猪调运", "生猪调运恢复正常。"),
    ]
    x = matrix(q, hits, None)
    assert x[0, BIGRAM_COVERAGE] == pytest.approx(x[1, BIGRAM_COVERAGE])
    assert x[1, WORDS] > x[0, WORDS] > x[2, WORDS] == 0.0


def test_pairs_far_up_the_page_weigh_more_than_swaps_deep_in_the_list():
    w = pair_weights([(7, 0), (24, 23), (1, 0)])
    assert w.mean() == pytest.approx(1.0)
    assert w[0] > w[2] > w[1] > 0
