"""The rich-text sanitiser: what editors paste, what attackers send, what the editor is told.

The policy checks below restate the allowlist on purpose instead of importing it, so that
widening richtext.POLICY makes these tests fail until someone widens them too.
"""

from __future__ import annotations

import json
import random
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bleach._vendor import html5lib
from markupsafe import Markup

from services.richtext import (
    MAX_INPUT_CHARS,
    MAX_START_TAGS,
    CleanResult,
    TooLongError,
    clean_html,
    removal_message,
    to_plain_text,
)

PAYLOADS = json.loads(
    (Path(__file__).parent / "data" / "xss-payloads.json").read_text(encoding="utf-8")
)
KINDS = ("paragraph", "list_item", "plain")
INLINE = {"strong": set(), "em": set(), "a": {"href"}, "br": set()}
EXPECTED_POLICY = {"paragraph": INLINE, "list_item": INLINE, "plain": {}}
ALLOWED_SCHEMES = {"http", "https", "mailto", "tel"}


# --------------------------------------------------------------------------- a table of cases

CASES = [
    # (id, kind, input, expected output)
    (
        "bold-italic-kept",
        "paragraph",
        "<strong>a</strong> <em>b</em>",
        "<strong>a</strong> <em>b</em>",
    ),
    (
        "b-i-mapped",
        "paragraph",
        "<b>gras</b> et <i>italique</i>",
        "<strong>gras</strong> et <em>italique</em>",
    ),
    ("redundant-nesting", "paragraph", "<b><strong>x</strong></b>", "<strong>x</strong>"),
    ("br-normalised", "paragraph", "a<br/>b<br >c</br>", "a<br>b<br>c<br>"),
    (
        "word-paste",
        "paragraph",
        "<p class=MsoNormal><span style='font-family:Calibri'>texte<o:p></o:p></span></p>",
        "texte",
    ),
    (
        "word-paste-document",
        "paragraph",
        "<html xmlns:o='urn:schemas-microsoft-com:office:office'><head><meta charset=utf-8>"
        "<title>Doc1</title><style>p.MsoNormal{margin:0}</style></head><body lang=FR>"
        "<!--StartFragment--><p class=MsoNormal><b>Titre</b> suite<o:p></o:p></p>"
        "<!--[if gte mso 9]><xml><o:OfficeDocumentSettings/></xml><![endif]--></body></html>",
        "<strong>Titre</strong> suite",
    ),
    (
        "google-docs-paste",
        "paragraph",
        '<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-1a2b3c">'
        '<span style="font-size:11pt;font-family:Arial;color:#000000;">x</span></b>',
        "x",
    ),
    (
        "google-docs-bold-italic-spans",
        "paragraph",
        '<b style="font-weight:normal;" id="docs-internal-guid-1a2b3c">'
        '<span style="font-weight:700;">gras</span> '
        '<span style="font-style:italic;">penché</span></b>',
        "<strong>gras</strong> <em>penché</em>",
    ),
    (
        "link-http",
        "paragraph",
        '<a href="http://exemple.fr">l</a>',
        '<a href="http://exemple.fr">l</a>',
    ),
    (
        "link-https-query",
        "paragraph",
        '<a href="https://exemple.fr/a?b=1&c=2">l</a>',
        '<a href="https://exemple.fr/a?b=1&amp;c=2">l</a>',
    ),
    (
        "link-mailto",
        "paragraph",
        '<a href="mailto:redaction@exemple.fr">écrire</a>',
        '<a href="mailto:redaction@exemple.fr">écrire</a>',
    ),
    (
        "link-tel",
        "paragraph",
        '<a href="tel:+33123456789">appeler</a>',
        '<a href="tel:+33123456789">appeler</a>',
    ),
    (
        "link-uppercase-scheme",
        "paragraph",
        '<a href="HTTPS://X.FR">l</a>',
        '<a href="HTTPS://X.FR">l</a>',
    ),
    (
        "link-spaces-trimmed",
        "paragraph",
        '<a href="  https://x.fr  ">l</a>',
        '<a href="https://x.fr">l</a>',
    ),
    (
        "link-target-rel-class-dropped",
        "paragraph",
        '<a href="https://x.fr" target="_blank" rel="opener" class="c" title="t">l</a>',
        '<a href="https://x.fr">l</a>',
    ),
    ("link-without-href-unwrapped", "paragraph", '<a name="ancre">texte</a>', "texte"),
    (
        "link-in-link",
        "paragraph",
        '<a href="https://a.fr">a<a href="https://b.fr">b</a></a>',
        '<a href="https://a.fr">a</a><a href="https://b.fr">b</a>',
    ),
    ("javascript", "paragraph", '<a href="javascript:alert(1)">texte</a>', "texte"),
    ("javascript-mixed-case", "paragraph", '<a href="JaVaScRiPt:alert(1)">texte</a>', "texte"),
    ("javascript-tab", "paragraph", '<a href="jav\tascript:alert(1)">texte</a>', "texte"),
    ("javascript-newline", "paragraph", '<a href="jav\nascript:alert(1)">texte</a>', "texte"),
    (
        "javascript-tab-entity",
        "paragraph",
        '<a href="java&#x09;script:alert(1)">texte</a>',
        "texte",
    ),
    (
        "javascript-decimal-entity",
        "paragraph",
        '<a href="&#106;avascript:alert(1)">texte</a>',
        "texte",
    ),
    (
        "javascript-padded-entity",
        "paragraph",
        '<a href="&#0000106avascript:alert(1)">texte</a>',
        "texte",
    ),
    (
        "javascript-colon-entity",
        "paragraph",
        '<a href="javascript&colon;alert(1)">texte</a>',
        "texte",
    ),
    (
        "javascript-leading-space",
        "paragraph",
        '<a href=" \x01\x10javascript:alert(1)">texte</a>',
        "texte",
    ),
    (
        "javascript-inner-control",
        "paragraph",
        '<a href="java\x01script:alert(1)">texte</a>',
        "texte",
    ),
    ("javascript-fullwidth", "paragraph", '<a href="ｊavascript:alert(1)">texte</a>', "texte"),
    ("data-uri", "paragraph", '<a href="data:text/html;base64,PHNjcmlwdD4=">texte</a>', "texte"),
    ("vbscript", "paragraph", '<a href="vbscript:msgbox(1)">texte</a>', "texte"),
    # Decision: only complete URLs; relative and protocol-relative links are refused.
    ("protocol-relative", "paragraph", '<a href="//evil.example">texte</a>', "texte"),
    ("backslash-relative", "paragraph", '<a href="\\\\evil.example">texte</a>', "texte"),
    ("relative-path", "paragraph", '<a href="/section/article">texte</a>', "texte"),
    ("fragment-only", "paragraph", '<a href="#note">texte</a>', "texte"),
    (
        "on-attributes",
        "paragraph",
        '<strong onclick="x()" onmouseover="y()">a</strong>',
        "<strong>a</strong>",
    ),
    (
        "htmx-data-attributes",
        "paragraph",
        '<em hx-get="/x" data-hx-post="/y" data-id="1" id="i" style="color:red">a</em>',
        "<em>a</em>",
    ),
    (
        "script-content-dropped",
        "paragraph",
        "avant<script>alert('xss')</script>après",
        "avantaprès",
    ),
    ("style-content-dropped", "paragraph", "a<style>p{color:red}</style>b", "ab"),
    (
        "raw-text-elements-dropped",
        "paragraph",
        "a<title>T</title><textarea>U</textarea><xmp>V</xmp><noembed>W</noembed><noframes>X</noframes>b",
        "ab",
    ),
    (
        "template-noscript-dropped",
        "paragraph",
        "a<template><b>T</b></template><noscript>N</noscript>b",
        "ab",
    ),
    (
        "embeds-dropped",
        "paragraph",
        'a<iframe src="https://x">I</iframe><object>O</object><embed src=x><video>V</video>b',
        "ab",
    ),
    ("svg-math-dropped", "paragraph", "a<svg><text>S</text></svg><math><mi>M</mi></math>b", "ab"),
    ("svg-breakout-kept-as-text", "paragraph", "<svg><p>dehors</p></svg>", "dehors"),
    ("image-dropped", "paragraph", 'a<img src=x onerror="alert(1)" alt="A">b', "ab"),
    ("comments-dropped", "paragraph", "a<!-- secret -->b", "ab"),
    (
        "unclosed-tags",
        "paragraph",
        "<b>gras <i>et penché",
        "<strong>gras <em>et penché</em></strong>",
    ),
    ("misnested-tags", "paragraph", "<b>1<i>2</b>3</i>", "<strong>1<em>2</em></strong><em>3</em>"),
    ("paragraphs-do-not-run-together", "paragraph", "<p>Un</p><p>Deux</p>", "Un\nDeux"),
    ("entities-kept", "paragraph", "a &lt; b &amp; c &gt; d", "a &lt; b &amp; c &gt; d"),
    ("bare-ampersand-escaped", "paragraph", "Tom & Jerry < 3", "Tom &amp; Jerry &lt; 3"),
    (
        "named-entities-decoded",
        "paragraph",
        "&eacute;t&eacute; &laquo;&nbsp;oui&nbsp;&raquo;",
        "été «\xa0oui\xa0»",
    ),
    (
        "french-and-emoji",
        "paragraph",
        "« Élan » — “guillemets” ’ 😀 🇫🇷",
        "« Élan » — “guillemets” ’ 😀 🇫🇷",
    ),
    ("whitespace-trimmed", "paragraph", "  \n <b> x </b> \n ", "<strong> x </strong>"),
    ("control-characters-dropped", "paragraph", "a\x00b\x07c\x0bd", "abc\nd"),
    (
        "list-item-like-paragraph",
        "list_item",
        '<li><b>x</b> <a href="https://x.fr" onclick=y>l</a></li>',
        '<strong>x</strong> <a href="https://x.fr">l</a>',
    ),
    (
        "plain-strips-everything",
        "plain",
        '<b>Titre</b> <a href="https://x.fr">lien</a><script>s</script>',
        "Titre lien",
    ),
    ("plain-keeps-comparisons", "plain", "a < b & c", "a < b & c"),
    (
        "plain-decodes-entities",
        "plain",
        "a &lt; b &amp; c &laquo;&nbsp;d&nbsp;&raquo;",
        "a < b & c «\xa0d\xa0»",
    ),
    (
        "plain-br-and-blocks-become-spaces",
        "plain",
        "<p>Un</p><p>Deux<br>Trois</p>",
        "Un Deux Trois",
    ),
    ("plain-escaped-markup-also-stripped", "plain", "&lt;b&gt;gras&lt;/b&gt;", "gras"),
    ("plain-french", "plain", "L’été « chaud » 😀", "L’été « chaud » 😀"),
    ("empty", "paragraph", "", ""),
    ("none", "plain", None, ""),
]


@pytest.mark.parametrize(
    ("kind", "raw", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_clean_html(kind, raw, expected):
    result = clean_html(raw, kind)
    assert result.html == expected
    assert clean_html(result.html, kind).html == expected


# --------------------------------------------------------------------------- the policy, re-parsed


class _Collector(HTMLParser):
    """Python's own parser: a second opinion, independent of the engine being tested."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.other: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))

    def handle_startendtag(self, tag, attrs):
        self.elements.append((tag, attrs))

    def handle_comment(self, data):
        self.other.append(f"comment {data!r}")

    def handle_decl(self, decl):
        self.other.append(f"declaration {decl!r}")

    def handle_pi(self, data):
        self.other.append(f"processing instruction {data!r}")

    def unknown_decl(self, data):
        self.other.append(f"unknown declaration {data!r}")


def _elements_seen_by_a_browser(markup):
    """(tag, attributes) of every node, parsed as a browser would (html5lib)."""
    parser = html5lib.HTMLParser(tree=html5lib.getTreeBuilder("etree"), namespaceHTMLElements=False)
    fragment = parser.parseFragment(markup)
    return [
        (node.tag, list(node.attrib.items())) for node in fragment.iter() if node is not fragment
    ]


def _policy_violations(markup, kind):
    collector = _Collector()
    collector.feed(markup)
    collector.close()
    violations = list(collector.other)
    allowed = EXPECTED_POLICY[kind]
    for tag, attrs in collector.elements + _elements_seen_by_a_browser(markup):
        if not isinstance(tag, str) or tag not in allowed:  # comments have a function as tag
            violations.append(f"element {tag!r}")
            continue
        for name, value in attrs:
            if name.startswith(("on", "hx-", "data-")) or name not in allowed[tag]:
                violations.append(f"attribute {name!r} on {tag}")
            elif name == "href" and (
                urlsplit(value).scheme.lower() not in ALLOWED_SCHEMES or value != value.strip()
            ):
                violations.append(f"href {value!r}")
    return violations


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("payload", PAYLOADS, ids=[f"payload{i}" for i in range(len(PAYLOADS))])
def test_corpus_payload_is_clean_and_stable(payload, kind):
    result = clean_html(payload, kind)

    assert _policy_violations(result.html, kind) == []
    again = clean_html(result.html, kind)
    assert again.html == result.html
    assert again.removed == ()  # re-saving clean text tells the editor nothing
    removal_message(result)  # must never raise


def test_spliced_payloads_are_clean_and_stable():
    """Random slices of the corpus glued together: unclosed tags, cut attributes, etc."""
    rng = random.Random(20260601)
    for _ in range(400):
        pieces = []
        for _ in range(rng.randint(1, 6)):
            payload = rng.choice(PAYLOADS)
            start = rng.randint(0, len(payload))
            pieces.append(payload[start : rng.randint(start, len(payload))])
        raw = "".join(pieces)
        for kind in ("paragraph", "plain"):
            result = clean_html(raw, kind)
            assert _policy_violations(result.html, kind) == [], raw
            assert clean_html(result.html, kind).html == result.html, raw


@pytest.mark.parametrize("kind", ["paragraph", "plain"])
def test_deeply_nested_entities_still_settle(kind):
    raw = "&amp;amp;amp;amp;amp;amp;lt;b&amp;amp;amp;amp;amp;amp;gt;x " * 3
    once = clean_html(raw, kind).html
    assert clean_html(once, kind).html == once
    assert "<b" not in once


def test_cleaner_is_safe_to_call_from_many_threads():
    sample = PAYLOADS[:80]
    expected = [clean_html(p).html for p in sample]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(lambda p: clean_html(p).html, sample)) == expected


# --------------------------------------------------------------------------- guards and helpers


def test_input_over_the_length_limit_is_refused():
    assert clean_html("a" * MAX_INPUT_CHARS).html == "a" * MAX_INPUT_CHARS
    with pytest.raises(TooLongError, match="trop long"):
        clean_html("a" * (MAX_INPUT_CHARS + 1))


def test_input_with_too_many_tags_is_refused():
    with pytest.raises(ValueError, match="trop long"):
        clean_html("<b>" * (MAX_START_TAGS + 1))


def test_unknown_kind_is_an_error():
    with pytest.raises(ValueError, match="kind"):
        clean_html("x", "heading-with-typo")


def test_to_plain_text():
    assert (
        to_plain_text("<strong>L’été</strong> &amp; <a href='https://x.fr'>lien</a>")
        == "L’été & lien"
    )


@pytest.mark.parametrize(
    ("fragment", "text"),
    [
        (None, ""),
        ("", ""),
        ("un<br>deux", "un deux"),
        ("<p>un</p><p>deux</p>", "un  deux"),  # block-level tags separate words...
        ("<em>in</em>croyable", "incroyable"),  # ...inline ones do not
        ('<a href="https://x.fr/?a=1&amp;b=>">lien</a>', "lien"),  # ">" in a quoted value
        ("a &lt;b&gt; c&nbsp;!", "a <b> c\xa0!"),  # entities decoded, once
        ("<!-- note -->texte", "texte"),
        (Markup("<em>Markup</em>"), "Markup"),
    ],
)
def test_to_plain_text_of_stored_html(fragment, text):
    assert to_plain_text(fragment) == text


def test_word_counts_and_search_read_the_same_text():
    from models.content import Block, BlockKind
    from services.search import block_text

    data = {"html": "Un <em>in</em>croyable<br>résultat &amp; plus"}
    assert block_text(BlockKind.PARAGRAPH, data) == "Un incroyable résultat & plus"
    assert to_plain_text(Block(kind=BlockKind.PARAGRAPH, data=data).text_for_reading()) == (
        "Un incroyable résultat & plus"
    )


# --------------------------------------------------------------------------- what the editor is told


@pytest.mark.parametrize(
    ("raw", "removed", "message"),
    [
        ("<b>ok</b>", (), None),
        ("a<script>s</script>", (("script", 1),), "1 script a été retiré."),
        (
            "<b style='color:red'>x</b><i style='x'>y</i><script>z</script>",
            (("style", 2), ("script", 1)),
            "2 styles et 1 script ont été retirés.",
        ),
        ("<img src=x>", (("image", 1),), "1 image a été retirée."),
        ("<span>a</span><font>b</font>", (("balise", 2),), "2 balises ont été retirées."),
        ('<a href="javascript:x">t</a>', (("lien", 1),), "1 lien a été retiré."),
        (
            '<p class="c" onclick="x"><img src=x><a href="javascript:y">t</a><iframe></iframe></p>',
            (
                ("script", 1),
                ("media", 1),
                ("image", 1),
                ("lien", 1),
                ("attribut", 1),
                ("balise", 1),
            ),
            "1 script, 1 contenu intégré, 1 image, 1 lien, 1 attribut et 1 balise ont été retirés.",
        ),
    ],
)
def test_removals_are_counted_and_told(raw, removed, message):
    result = clean_html(raw)
    assert result.removed == removed
    assert removal_message(result) == message


@pytest.mark.parametrize(
    ("removed", "message"),
    [
        ((), None),
        ((("style", 0),), None),
        ((("script", 1),), "1 script a été retiré."),
        ((("script", 3),), "3 scripts ont été retirés."),
        ((("media", 2),), "2 contenus intégrés ont été retirés."),
        ((("balise", 1),), "1 balise a été retirée."),
        ((("image", 1), ("balise", 1)), "1 image et 1 balise ont été retirées."),
        ((("style", 2), ("script", 1)), "2 styles et 1 script ont été retirés."),
        ((("style", 1), ("balise", 4)), "1 style et 4 balises ont été retirés."),
        (
            (("style", 1), ("lien", 2), ("attribut", 3)),
            "1 style, 2 liens et 3 attributs ont été retirés.",
        ),
        ((("unknown", 5),), None),
    ],
)
def test_removal_message_grammar(removed, message):
    assert removal_message(CleanResult("", removed)) == message


def test_removal_message_takes_a_translator():
    english = {
        "%(num)d style": "%(num)d style",
        "%(num)d styles": "%(num)d styles",
        "%(num)d script": "%(num)d script",
        "%(items)s ont été retirés.": "%(items)s were removed.",
        "%(first)s et %(last)s": "%(first)s and %(last)s",
    }

    def ngettext(singular, plural, n):
        return english[singular if n == 1 else plural]

    result = CleanResult("", (("style", 2), ("script", 1)))
    assert removal_message(result, ngettext, english.get) == "2 styles and 1 script were removed."
