"""Property-based tests of the sanitiser: on generated hostile HTML, richtext.clean_html
keeps only allowed tags, attributes and URL schemes, and cleaning its output again changes
nothing.

The allowlist is restated here on purpose (as in test_richtext.py): widening the policy
must make these tests fail until someone widens them too.
"""

from __future__ import annotations

import html
import re

from bleach._vendor import html5lib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.richtext import clean_html

ALLOWED = {
    "paragraph": {"strong": set(), "em": set(), "a": {"href"}, "br": set()},
    "list_item": {"strong": set(), "em": set(), "a": {"href"}, "br": set()},
}
ALLOWED_SCHEMES = {"http", "https", "mailto", "tel"}

TAGS = [
    # allowed, or mapped onto the allowlist
    "strong", "em", "a", "br", "b", "i", "span", "p", "div", "li", "ul",
    # dangerous: scripts, raw text, foreign content, embeds, forms, document-level
    "script", "style", "svg", "math", "mglyph", "mtext", "annotation-xml", "foreignObject",
    "noscript", "template", "iframe", "object", "embed", "img", "video", "textarea",
    "title", "xmp", "noembed", "plaintext", "form", "input", "button", "base", "meta",
    "link", "frameset", "table", "select", "option", "details", "marquee", "x-custom",
]  # fmt: skip
ATTRIBUTES = [
    "href", "src", "srcset", "style", "class", "id", "title", "target", "rel",
    "onclick", "onerror", "onload", "onmouseover", "ONFOCUS", "formaction", "action",
    "hx-get", "hx-on:click", "data-hx-post", "xlink:href", "xmlns", "autofocus", "name",
]  # fmt: skip
URLS = [
    "https://exemple.fr/a?b=1&c=2",
    "http://exemple.fr",
    "mailto:redaction@exemple.fr",
    "tel:+33123456789",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "jav\tascript:alert(1)",
    "java&#x09;script:alert(1)",
    "&#106;avascript:alert(1)",
    "&#x6A;avascript&colon;alert(1)",
    " \x01javascript:alert(1)",
    "javascript&#58;alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "//evil.example/x",
    "\\\\evil.example",
    "/relatif",
    "#ancre",
    "ｊavascript:alert(1)",
    "https:&#47;&#47;exemple.fr",
    '"><script>alert(1)</script>',
]
TEXT = st.one_of(
    st.sampled_from(
        [
            "texte",
            "a < b",
            "&lt;script&gt;alert(1)&lt;/script&gt;",
            "&amp;lt;b&amp;gt;",
            "&#60;img src=x onerror=alert(1)&#62;",
            "&quot;&apos;",
            "<!-- commentaire -->",
            "<![CDATA[x]]>",
            "]]>",
            "\x00\x07",
            "é à ç « »",
            "</p>",
            "<",
            "&",
        ]
    ),
    st.text(alphabet="<>&;#/=\"' abcxj:\t\n", max_size=12),
)


def attribute_value():
    return st.one_of(st.sampled_from(URLS), st.sampled_from(["x", "alert(1)", "color:red"]))


@st.composite
def element(draw, children):
    tag = draw(st.sampled_from(TAGS))
    attributes = draw(
        st.lists(st.tuples(st.sampled_from(ATTRIBUTES), attribute_value()), max_size=3)
    )
    quote = draw(st.sampled_from(['"', "'", ""]))
    rendered = "".join(
        f" {name}={quote}{value.replace(quote, '') if quote else value.replace(' ', '')}{quote}"
        for name, value in attributes
    )
    inner = "".join(draw(st.lists(children, max_size=3)))
    closing = draw(st.sampled_from([f"</{tag}>", "", f"</{tag.upper()}>"]))
    return f"<{tag}{rendered}>{inner}{closing}"


HTML = st.recursive(TEXT, lambda children: element(children), max_leaves=12)
DOCUMENTS = st.lists(HTML, min_size=1, max_size=4).map("".join)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def elements(fragment_html: str):
    """Every element of the fragment, parsed as a browser would."""
    parser = html5lib.HTMLParser(tree=html5lib.getTreeBuilder("etree"), namespaceHTMLElements=False)
    root = parser.parseFragment(fragment_html)
    return [node for node in root.iter() if node is not root and isinstance(node.tag, str)]


def scheme(url: str) -> str | None:
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.\-]*):", url)
    return match[1].lower() if match else None


@SETTINGS
@given(raw=DOCUMENTS, kind=st.sampled_from(sorted(ALLOWED)))
def test_rich_output_holds_only_allowed_tags_attributes_and_schemes(raw, kind):
    cleaned = clean_html(raw, kind).html
    for node in elements(cleaned):
        assert node.tag in ALLOWED[kind], (raw, cleaned)
        assert set(node.attrib) <= ALLOWED[kind][node.tag], (raw, cleaned)
        if "href" in node.attrib:
            href = node.attrib["href"]
            assert scheme(href) in ALLOWED_SCHEMES, (raw, cleaned)
            assert href == href.strip() and not re.search(r"[\x00-\x20]", href[: len("https:")])
    assert clean_html(cleaned, kind).html == cleaned, raw


@SETTINGS
@given(raw=DOCUMENTS)
def test_plain_output_is_text_that_stays_text(raw):
    cleaned = clean_html(raw, "plain").html
    # Plain text is escaped by Jinja at render time; once escaped it is never markup.
    assert elements(html.escape(cleaned)) == []
    # …and it does not even look like a tag, a comment or a closing tag ("</" alone is text).
    assert not re.search(r"<([a-zA-Z!?]|/[a-zA-Z])", cleaned), (raw, cleaned)
    assert clean_html(cleaned, "plain").html == cleaned, raw


@SETTINGS
@given(raw=DOCUMENTS)
def test_a_list_item_and_a_paragraph_follow_the_same_inline_policy(raw):
    assert clean_html(raw, "list_item").html == clean_html(raw, "paragraph").html
