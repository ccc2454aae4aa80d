"""Pinyin typed with the input method off still finds the Chinese titles."""

import pytest

from search.pinyin import PinyinTitleIndex, pinyin_key

TITLES = [
    "前租户未注销，新商户营业执照怎么办",
    "营业性演出许可全程网办",
    "企业简易注销登记办理指引",
    "容缺受理材料怎么补",
    "ICP备案",
    "西安路受理点",
]


@pytest.fixture(scope="module")
def index():
    return PinyinTitleIndex(TITLES)


@pytest.mark.parametrize(
    "typed, term",
    [
        ("yingyezhizhao", "营业执照"),
        ("YingYe ZhiZhao", "营业执照"),
        ("yingyezhizh", "营业执照"),  # the last syllable still being typed
        ("yyzz", "营业执照"),  # initials
        ("rqsl", "容缺受理"),
        ("jianyizhuxiao", "简易注销"),
        ("xi'an", "西安"),
        ("icp", "ICP"),
    ],
)
def test_full_pinyin_partial_syllables_and_initials_find_the_term(index, typed, term):
    assert term in index.terms(typed)
    assert any(term in m.title for m in index.matches(typed))


def test_matches_start_on_syllable_boundaries_and_not_across_punctuation(index):
    assert index.matches("ngyezhi") == []  # inside 营 (ying)
    assert index.matches("xiaoxin") == []  # 注销，新: the comma separates them


def test_a_title_starting_with_the_term_ranks_first(index):
    assert [m.title for m in index.matches("yingye")][:2] == ["营业性演出许可全程网办", "前租户未注销，新商户营业执照怎么办"]


@pytest.mark.parametrize("typed", ["", "a", "营业", "yyzz营业", "13812345678", "hello-world", "x" * 41])
def test_only_letter_queries_count_as_pinyin(index, typed):
    assert pinyin_key(typed) == "" and index.matches(typed) == []
