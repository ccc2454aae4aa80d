"""kernel.text: plain text kept as typed, and the repair of text stored escaped."""

import pytest

from kernel.text import allowed_html, plain_text, unescape_stored_text


@pytest.mark.parametrize("typed", [
    "A&B公司 面积<50", "\"引号\" 'single'", "<A级纳税人> <<公司法>>", "<script>alert(1)</script>",
    "ＡＢＣ　全角１２３，。", "R&amp;D &copy;", "=HYPERLINK(\"http://x\")", "第一行\n\t第二行",
])
def test_typed_text_is_kept(typed):
    assert plain_text(typed) == typed
    assert plain_text(plain_text(typed)) == typed


def test_controls_and_bidi_overrides_go_line_endings_unify():
    assert plain_text("  a\x00b\x1b[0m\u202ec\ufeff\r\nd\re\u2028f  ") == "ab[0mc\nd\ne\nf"
    assert plain_text("\ud800孤立代理") == "孤立代理"
    assert plain_text(None) == "" and plain_text("\x00 \u3000") == ""


def test_single_line_folds_breaks_and_tabs():
    assert plain_text(" 王\r\n\t某 ", single_line=True) == "王 某"


def test_nfc_composes_but_keeps_full_width():
    assert plain_text("e\u0301") == "\u00e9"
    assert plain_text("ＡＢＣ") == "ＡＢＣ"


@pytest.mark.parametrize("stored, typed", [
    ("A&amp;B公司 面积&lt;50", "A&B公司 面积<50"),
    ("&quot;x&quot; &#x27;y&#39; &#34;z&#34;", "\"x\" 'y' \"z\""),
    ("&amp;lt; &copy; &nbsp;", "&lt; &copy; &nbsp;"),  # one pass; other entities stay
    ("R&D 部门", "R&D 部门"),  # a bare & : stored as typed, left alone
    ("3<4 &amp;", "3<4 &amp;"),  # a bare < : stored as typed, left alone
    ("无实体", "无实体"),
    ("", ""),
])
def test_unescape_stored_text(stored, typed):
    assert unescape_stored_text(stored) == typed


def test_allowed_html_keeps_only_the_highlight():
    html = '<mark onclick="x()">营业执照</mark> A&amp;B <script>alert(1)</script><b>粗</b><a href="javascript:x">链</a>'
    cleaned = allowed_html(html)
    assert "<mark>营业执照</mark>" in cleaned and "A&amp;B" in cleaned
    assert "<script" not in cleaned and "<b>" not in cleaned and "<a" not in cleaned and "onclick" not in cleaned
    assert allowed_html(None) == ""
