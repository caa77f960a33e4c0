"""The classic editor's text as WordPress turns it into HTML: wpautop, shortcodes, autoembed.

Ports of WordPress's own functions (wp-includes/formatting.php, shortcodes.php,
class-wp-embed.php), kept close to the PHP so that a classic post's paragraphs fall
where WordPress put them for readers:

- `wpautop`: blank lines make paragraphs, single newlines <br>, block-level tags are
  left out of <p>; <pre> untouched;
- `shortcode_regex` / `parse_shortcode_attributes`: get_shortcode_regex() and
  shortcode_parse_atts(), for the shortcodes we convert ([caption], [gallery], [embed]);
- `replace_in_html_tags`: wp_replace_in_html_tags(), used by wpautop and autoembed to
  keep newlines inside tags out of the way;
- `AUTOEMBED_LINE` / `AUTOEMBED_PARAGRAPH`: WP_Embed::autoembed()'s two expressions,
  a URL alone on its line or alone in a paragraph.

Expressions are ASCII ("(?a)"): PHP's PCRE, without the /u flag WordPress leaves off,
reads "\\s" and "\\w" as ASCII, so a no-break space is not a space to wpautop.

Pure: strings in, strings out. Nothing here sanitises: the HTML goes to clean_html next.
"""

from __future__ import annotations

import re

# wpautop's $allblocks as WordPress 6.x writes it (older versions also listed "math").
_ALLBLOCKS = (
    r"(?:table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre"
    r"|form|map|area|blockquote|address|style|p|h[1-6]|hr|fieldset|legend|section"
    r"|article|aside|hgroup|header|footer|nav|figure|figcaption|details|menu|summary)"
)

# get_html_split_regex(): an element, a comment or a CDATA section (each possibly
# unterminated, then running to the end of the input).
_HTML_SPLIT = re.compile(
    r"(<(?:(?=!--)!(?:-(?!->)[^\-]*+)*+(?:-->)?"
    r"|(?=!\[CDATA\[)!\[CDATA\[[^\]]*+(?:](?!]>)[^\]]*+)*+(?:]]>)?"
    r"|[^>]*>?))"
)


def html_split(text: str) -> list[str]:
    """wp_html_split(): text and elements alternating, elements at odd indexes."""
    return _HTML_SPLIT.split(text)


def replace_in_html_tags(text: str, pairs: dict[str, str]) -> str:
    """wp_replace_in_html_tags(): replace `pairs` inside elements and comments only."""
    parts = html_split(text)
    for index in range(1, len(parts), 2):
        for needle, replacement in pairs.items():
            if needle in parts[index]:
                parts[index] = parts[index].replace(needle, replacement)
    return "".join(parts)


_PRE = "<pre"
_BR_PAIR = re.compile(r"(?a)<br\s*/?>\s*<br\s*/?>")
_BLOCK_OPEN = re.compile(r"(?a)(<" + _ALLBLOCKS + r"[\s/>])")
_BLOCK_CLOSE = re.compile(r"(?a)(</" + _ALLBLOCKS + r">)")
_HR = re.compile(r"(?a)(<hr\s*?/?>)")
_WPNL = " <!-- wpnl --> "


def wpautop(text: str, br: bool = True) -> str:
    """WordPress's wpautop(): paragraphs from blank lines, <br> from single newlines.

    A port of wp-includes/formatting.php (WordPress 6.x), step for step, for the HTML of
    a classic post (or a classic block). Returns "" for blank text.
    """
    if not text.strip():
        return ""
    text = text + "\n"  # pad the end

    # <pre> blocks are set aside and put back untouched.
    pre_tags: dict[str, str] = {}
    if _PRE in text:
        parts = text.split("</pre>")
        last = parts.pop()
        text = ""
        for index, part in enumerate(parts):
            start = part.find(_PRE)
            if start == -1:  # malformed HTML
                text += part
                continue
            name = f"<pre wp-pre-tag-{index}></pre>"
            pre_tags[name] = part[start:] + "</pre>"
            text += part[:start] + name
        text += last

    text = _BR_PAIR.sub("\n\n", text)
    text = _BLOCK_OPEN.sub(r"\n\n\1", text)
    text = _BLOCK_CLOSE.sub(r"\1\n\n", text)
    text = _HR.sub(r"\1\n\n", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = replace_in_html_tags(text, {"\n": _WPNL})

    if "<option" in text:
        text = re.sub(r"(?a)\s*<option", "<option", text)
        text = re.sub(r"(?a)</option>\s*", "</option>", text)
    if "</object>" in text:
        text = re.sub(r"(?a)(<object[^>]*>)\s*", r"\1", text)
        text = re.sub(r"(?a)\s*</object>", "</object>", text)
        text = re.sub(r"(?a)\s*(</?(?:param|embed)[^>]*>)\s*", r"\1", text)
    if "<source" in text or "<track" in text:
        text = re.sub(r"(?a)([<\[](?:audio|video)[^>\]]*[>\]])\s*", r"\1", text)
        text = re.sub(r"(?a)\s*([<\[]/(?:audio|video)[>\]])", r"\1", text)
        text = re.sub(r"(?a)\s*(<(?:source|track)[^>]*>)\s*", r"\1", text)
    if "<figcaption" in text:
        text = re.sub(r"(?a)\s*(<figcaption[^>]*>)", r"\1", text)
        text = re.sub(r"(?a)</figcaption>\s*", "</figcaption>", text)

    text = re.sub(r"(?a)\n\n+", "\n\n", text)
    pieces = [piece for piece in re.split(r"(?a)\n\s*\n", text) if piece]
    text = "".join(f"<p>{piece.strip(chr(10))}</p>\n" for piece in pieces)

    text = re.sub(r"(?a)<p>\s*</p>", "", text)
    text = re.sub(r"(?a)<p>([^<]+)</(div|address|form)>", r"<p>\1</p></\2>", text)
    text = re.sub(r"(?a)<p>\s*(</?" + _ALLBLOCKS + r"[^>]*>)\s*</p>", r"\1", text)
    text = re.sub(r"(?a)<p>(<li.+?)</p>", r"\1", text)
    text = re.sub(r"(?a)<p><blockquote([^>]*)>", r"<blockquote\1><p>", text, flags=re.IGNORECASE)
    text = text.replace("</blockquote></p>", "</p></blockquote>")
    text = re.sub(r"(?a)<p>\s*(</?" + _ALLBLOCKS + r"[^>]*>)", r"\1", text)
    text = re.sub(r"(?a)(</?" + _ALLBLOCKS + r"[^>]*>)\s*</p>", r"\1", text)

    if br:
        # Newlines inside script, style and svg are not line breaks.
        text = re.sub(
            r"(?a)<(script|style|svg)\b.*?</\1>",
            lambda m: m[0].replace("\n", "<WPPreserveNewline />"),
            text,
            flags=re.DOTALL,
        )
        text = text.replace("<br>", "<br />").replace("<br/>", "<br />")
        text = re.sub(r"(?a)(?<!<br />)\s*\n", "<br />\n", text)
        text = text.replace("<WPPreserveNewline />", "\n")

    text = re.sub(r"(?a)(</?" + _ALLBLOCKS + r"[^>]*>)\s*<br />", r"\1", text)
    text = re.sub(r"(?a)<br />(\s*</?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol)[^>]*>)", r"\1", text)
    text = re.sub(r"(?a)\n</p>$", "</p>", text)

    for name, original in pre_tags.items():
        text = text.replace(name, original)
    if "<!-- wpnl -->" in text:
        text = text.replace(_WPNL, "\n").replace("<!-- wpnl -->", "\n")
    return text


# --------------------------------------------------------------------------- shortcodes


def shortcode_regex(names: list[str] | tuple[str, ...]) -> re.Pattern:
    """get_shortcode_regex() for these shortcode names.

    Groups: 1 an extra "[" (escaped shortcode "[[x]]"), 2 the name, 3 the attributes,
    4 "/" when self-closing, 5 the content between [x] and [/x], 6 an extra "]".
    """
    names_pattern = "|".join(re.escape(name) for name in names)
    return re.compile(
        r"(?a)\[(\[?)(" + names_pattern + r")(?![\w-])"
        r"([^\]/]*(?:/(?!\])[^\]/]*)*?)"
        r"(?:(/)\]|\](?:([^\[]*+(?:\[(?!/\2\])[^\[]*+)*+)\[/\2\])?)"
        r"(\]?)"
    )


# Any shortcode-looking tag, for counting the ones we do not convert: a name as
# WordPress allows it (no spaces, quotes, brackets, slashes, "<", ">", "&", "=").
ANY_SHORTCODE = re.compile(
    r"\[(\[?)([^\s\[\]/\"'<>&=\x00-\x20]+)([^\[\]]*)\](?:(.{0,5000}?)\[/\2\])?", re.DOTALL
)  # (the content is looked for over 5,000 characters at most: a linear scan per tag)

_ATTRIBUTE = re.compile(
    r"""(?a)([\w-]+)\s*=\s*"([^"]*)"(?:\s|$)|([\w-]+)\s*=\s*'([^']*)'(?:\s|$)"""
    r"""|([\w-]+)\s*=\s*([^\s'"]+)(?:\s|$)|"([^"]*)"(?:\s|$)|'([^']*)'(?:\s|$)|(\S+)(?:\s|$)"""
)


def parse_shortcode_attributes(text: str) -> dict[str, str]:
    """shortcode_parse_atts(): {lower-case name: value}; positional values under "0", "1"…"""
    text = re.sub(r"[\u00a0\u200b]+", " ", text)
    attributes: dict[str, str] = {}
    position = 0
    for match in _ATTRIBUTE.finditer(text):
        if match[1]:
            attributes[match[1].lower()] = match[2]
        elif match[3]:
            attributes[match[3].lower()] = match[4]
        elif match[5]:
            attributes[match[5].lower()] = match[6]
        else:
            value = next((g for g in match.groups()[6:] if g is not None), "")
            attributes[str(position)] = value
            position += 1
    return attributes


# --------------------------------------------------------------------------- autoembed

# WP_Embed::autoembed(): a URL alone on its line (newlines inside tags set aside first),
# and a URL alone in a paragraph.
AUTOEMBED_LINE = re.compile(r"(?a)^(\s*)(https?://[^\s<>\"]+)(\s*)$", re.IGNORECASE | re.MULTILINE)
AUTOEMBED_PARAGRAPH = re.compile(
    r"(?a)(<p(?: [^>]*)?>\s*)(https?://[^\s<>\"]+)(\s*</p>)", re.IGNORECASE
)
_LINE_BREAK_PLACEHOLDER = "<!-- wp-line-break -->"


def autoembed(text: str, embed) -> str:
    """WP_Embed::autoembed(): each URL alone on a line or in a paragraph replaced by
    embed(url), what the caller puts there (an embed's placeholder, or a link)."""
    text = replace_in_html_tags(text, {"\n": _LINE_BREAK_PLACEHOLDER})
    if re.search(r"(?a)(^|\s|>)https?://", text, re.IGNORECASE):
        text = AUTOEMBED_LINE.sub(lambda m: m[1] + embed(m[2]) + m[3], text)
        text = AUTOEMBED_PARAGRAPH.sub(lambda m: m[1] + embed(m[2]) + m[3], text)
    return text.replace(_LINE_BREAK_PLACEHOLDER, "\n")
