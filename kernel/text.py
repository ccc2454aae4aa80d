"""Plain text from people: stored as typed, escaped only when rendered.

Citizens and staff type text, never HTML. Whatever they type — ``A&B公司``,
``面积<50``, ``"第3期"``, ``<A级纳税人>``, full-width ``ＡＢＣ　１２３``, even
``<script>`` — is kept character for character; Django's template autoescaping
(and the exports' own cell rules) make it harmless where it is shown. Escaping or
tag-stripping on input loses what was typed: bleach stored ``A&B`` as
``A&amp;B`` (the reader then saw "A&amp;B") and dropped ``<A级纳税人>`` entirely,
taking it for a tag.

What is removed is only what nobody means to type and what breaks storage or
display: control characters (NUL, escape sequences; tab and newline are kept in
multi-line text), Unicode bidirectional overrides (they reorder how a line reads),
non-characters and lone surrogates (PostgreSQL refuses them). Line endings become
``\\n``, the text is NFC-composed (full-width forms are kept: NFC is not NFKC) and
trimmed.
"""

from __future__ import annotations

import re
import unicodedata

# C0/C1 controls except tab and newline (carriage returns are folded into newlines first),
# bidi embeddings/overrides/isolates, the byte-order mark, non-characters, lone surrogates.
_UNWANTED = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff\ufffe\uffff\ud800-\udfff]"
)
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85]")
_SINGLE_LINE_SPACE = re.compile(r"[\t\n]+")


def plain_text(value, *, single_line: bool = False) -> str:
    """``value`` as a person typed it, safe to store: see the module docstring.

    ``single_line`` (names, titles, short labels): tabs and line breaks become one
    space each run. Idempotent: cleaning cleaned text changes nothing.
    """
    if value is None:
        return ""
    text = _LINE_BREAKS.sub("\n", str(value))
    text = _UNWANTED.sub("", text)
    text = unicodedata.normalize("NFC", text)
    if single_line:
        text = _SINGLE_LINE_SPACE.sub(" ", text)
    return text.strip()


# --- HTML we allow ---------------------------------------------------------------
# People never give us HTML (see plain_text). Markup we build ourselves and show as
# HTML goes through this one allow-list on its way out, so a bug upstream (an engine
# that forgot to escape a snippet) cannot become a script on a public page.

ALLOWED_TAGS = frozenset({"mark"})


def allowed_html(value) -> str:
    """``value`` with every tag outside ``ALLOWED_TAGS`` and every attribute removed."""
    import bleach

    return bleach.clean(str(value or ""), tags=ALLOWED_TAGS, attributes={}, strip=True)


# --- text stored escaped by earlier versions ------------------------------------
# Until plain_text, free text went through bleach.clean, which stores "&" as "&amp;",
# "<" as "&lt;" and ">" as "&gt;" (and keeps entities that were typed, "&amp;" too).
# The data migrations that repair such rows use unescape_stored_text.

_STORED_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "#x27": "'", "#39": "'", "#34": '"'}
_STORED_ENTITY = re.compile(r"&(amp|lt|gt|quot|#x27|#39|#34);")
# A character bleach would have escaped: "<", ">", or an "&" that does not start an entity.
_UNESCAPED = re.compile(r"[<>]|&(?![A-Za-z][A-Za-z0-9]*;|#[0-9]+;|#[xX][0-9A-Fa-f]+;)")


def unescape_stored_text(value: str) -> str:
    """Text as it was typed, from a value stored HTML-escaped; any other value unchanged.

    Only a value that could be escaped output is decoded: one with no bare ``<``,
    ``>`` or ``&``. Text stored as typed ("A&B", "面积<50") is left alone, and so is a
    repaired value once it holds a decoded "&", "<" or ">" — running the repair twice
    changes nothing there. Exactly the entities ``&amp; &lt; &gt; &quot; &#x27; &#39;``
    (and ``&#34;``) are decoded, in one pass, so "&amp;lt;" becomes "&lt;", never "<";
    other entities (``&copy;``) stay as they are.

    Ambiguity, decided on purpose: a person who literally typed "&amp;" was stored
    exactly like one who typed "&" (bleach keeps entities it finds), so the two cannot
    be told apart; "&" is by far the likelier, so it becomes "&".
    """
    if not value or "&" not in value or _UNESCAPED.search(value):
        return value
    return _STORED_ENTITY.sub(lambda m: _STORED_ENTITIES[m.group(1)], value)
