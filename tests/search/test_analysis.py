"""The analysis pipeline: the same tokens whatever form the reader types."""

import pytest

from search import analysis
from search.models import SearchSynonym, SearchTerm


def test_traditional_full_width_and_case_fold_to_the_same_tokens():
    simplified = analysis.analyze_for_index("企业后来办理简易注销 ABC123")
    traditional = analysis.analyze_for_index("企業後來辦理簡易註銷 ＡＢＣ１２３")
    assert simplified == traditional
    assert "注销" in simplified.split() and "abc123" in simplified.split()


def test_variant_characters_fold_to_the_common_form():
    assert analysis.normalize("其馀") == analysis.normalize("其余")


def test_query_drops_function_words_between_runs():
    tokens = analysis.analyze_query("营业执照注销了吗？")
    assert "注销" in tokens and "营业" in tokens
    assert "了吗" not in tokens and "销了" not in tokens


@pytest.mark.parametrize(
    "text",
    ['" * AND OR NOT NEAR( ) : - ^ ~ { } [ ] \\ /', "", "   ", "注" * 10_000, b"\xff\xfe\xc3(".decode("utf-8", "surrogateescape")],
)
def test_odd_input_never_raises(text):
    tokens = analysis.analyze_query(text)
    assert all(" " not in t and '"' not in t for t in tokens)
    assert len(tokens) <= 2000


def test_builtin_synonyms_expand_queries():
    assert "证照" in analysis.analyze_query("营业执照丢了") or "照丢" in analysis.analyze_query("营业执照丢了")
    assert "歇业" in analysis.analyze_query("注销")


@pytest.mark.django_db
def test_editor_synonym_applies_without_restart():
    assert "告知" not in analysis.analyze_query("容缺")
    SearchSynonym.objects.create(terms="容缺，先受理后补正，告知")
    tokens = analysis.analyze_query("容缺")
    assert "告知" in tokens and "后补" in tokens
    SearchSynonym.objects.all().delete()
    assert "告知" not in analysis.analyze_query("容缺")


@pytest.mark.django_db
def test_editor_term_keeps_a_word_whole_in_highlights():
    assert "一窗综办" not in analysis.highlight_terms("一窗综办在哪")
    SearchTerm.objects.create(term="一窗综办")
    assert "一窗综办" in analysis.highlight_terms("一窗综办在哪")


@pytest.mark.django_db
def test_removing_an_editor_synonym_leaves_common_words_as_they_were():
    # 注销 is in jieba's own dictionary. A synonym line naming it and then deleted
    # must not leave jieba unable to cut 注销 out of a question until the next restart.
    question = "前租户未完成企业注销怎么办"
    before = analysis.highlight_terms(question)
    assert "注销" in analysis.words_around(question, ["注销"])
    SearchSynonym.objects.create(terms="打烊，注销")
    assert "打烊" in analysis.highlight_terms(question)
    SearchSynonym.objects.all().delete()
    assert analysis.highlight_terms(question) == before
    assert "注销" in analysis.words_around(question, ["注销"])


# Texts where piece-by-piece analysis could differ from the whole text's if it were done wrong:
# traditional phrases, full-width and compatibility forms, a combining mark after a space, Greek
# final sigma, a character OpenCC converts although it is outside the Han ranges (𰻞), dotted İ.
TRICKY = ["乾隆 乾坤 乾燥", "髮 發 後 後面 著作 著", "\u3000全角　ＡＢＣ　１２３", "e\u0301 \u0301x", "ΣΑΣ ΣΑΣ",
          "𰻞 中文", "𰻞 abc", "İstanbul İ", "a\u00a0b\u2003c", "  ", "", "丽 \U0002f800", "其馀 夠 裏"]


def _library_texts() -> list[str]:
    import json
    from pathlib import Path

    from wagtail.rich_text import get_text_for_indexing

    from search.documents import body_parts, steps_html
    from search.sources import html_to_text, join_text

    texts = list(TRICKY)
    path = Path(__file__).resolve().parent.parent / "knowledge" / "data" / "library_snippets.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        summary, problem, rest = body_parts(doc["title"], doc["body"])
        steps = steps_html(rest)
        texts += [doc["title"], doc["body"], summary, get_text_for_indexing(steps), join_text(problem, html_to_text(steps))]
    return texts


def test_shared_analysis_gives_the_whole_texts_results():
    """An import analyses each piece of text once (shared_analysis): same normalised text and tokens."""
    texts = _library_texts()
    whole = [(analysis.normalize(t), analysis.tokens(t), analysis.analyze_for_index(t)) for t in texts]
    with analysis.shared_analysis():
        pieces = [(analysis.normalize(t), analysis.tokens(t), analysis.analyze_for_index(t)) for t in texts]
        again = [(analysis.normalize(t), analysis.tokens(t), analysis.analyze_for_index(t)) for t in texts]
    assert pieces == whole and again == whole
    assert analysis.normalize("𰻞 中文") != "𰻞 中文"  # converted with the rest of its text


def test_joined_analysed_values_are_analysed_as_modelsearch_would():
    """A list field's values: the analysis of the joined analysed values, without a second pass."""
    texts = _library_texts()
    for values in ([texts[-1]], texts[:4], TRICKY, ["", "注销"], []):
        analysed = [analysis.analyze_for_index(v) for v in values]
        assert analysis.analyze_joined_for_index(analysed) == analysis.analyze_for_index(", ".join(analysed))
