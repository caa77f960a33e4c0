"""The Gutenberg block grammar: a post's content as the tree of blocks WordPress sees.

A port of WordPress's default block parser, WP_Block_Parser
(wp-includes/class-wp-block-parser.php, the PHP twin of Gutenberg's
packages/block-serialization-default-parser), kept faithful on purpose so that a post
reads here as it reads in WordPress, malformed ones included:

- block delimiters are HTML comments: `<!-- wp:name {"json":"attrs"} -->` opens,
  `<!-- /wp:name -->` closes, `<!-- wp:name /-->` is a void block; a name without a
  namespace is `core/` ("wp:paragraph" is "core/paragraph");
- text between blocks at the top level is a freeform block (name None): classic HTML;
- a closer never checks its name: it closes the innermost open block;
- an unclosed block at the end of the document gets an implicit closer (its HTML runs to
  the end); several unclosed nested blocks are each closed and output at the top level,
  innermost first, as WordPress does;
- a closer with nothing open ends parsing: the rest of the document, closer included,
  is one freeform block;
- attributes that are not valid JSON count as none (PHP's json_decode gives null).

Pure: no I/O, no WordPress runtime. `has_blocks` is WordPress's own test.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

# WP_Block_Parser::next_token's expression, as written there (PCRE's possessive `*+`
# is Python 3.11's too). Its attribute part was rewritten in WordPress 4.6.1 to avoid
# catastrophic backtracking on invalid comments; the same shape keeps that property.
_TOKEN = re.compile(
    r"<!--\s+(?P<closer>/)?wp:(?P<namespace>[a-z][a-z0-9_-]*/)?(?P<name>[a-z][a-z0-9_-]*)\s+"
    r"(?P<attrs>\{(?:(?:[^}]+|\}+(?=\})|(?!\}\s+/?-->).)*+)?\}\s+)?(?P<void>/)?-->",
    re.DOTALL | re.ASCII,  # PCRE without /u: \s is ASCII whitespace only
)


@dataclass
class ParsedBlock:
    """One block as WP_Block_Parser_Block holds it.

    `name` is "core/paragraph", or None for freeform HTML; `attrs` the decoded JSON
    attributes ({} when absent or invalid); `inner_blocks` the nested blocks in order;
    `inner_html` the block's own HTML without its inner blocks'; `inner_content` that
    HTML in pieces, with None where each inner block sits (so the block's full HTML is
    rebuilt by `full_html`).
    """

    name: str | None
    attrs: dict = field(default_factory=dict)
    inner_blocks: list[ParsedBlock] = field(default_factory=list)
    inner_html: str = ""
    inner_content: list[str | None] = field(default_factory=list)

    def full_html(self) -> str:
        """The block's HTML with its inner blocks' HTML put back where they sat.

        Iterative: a hostile post may nest blocks thousands deep."""
        out: list[str] = []
        stack = [(self.inner_content, iter(self.inner_blocks), 0)]
        while stack:
            content, inner, index = stack.pop()
            while index < len(content):
                piece = content[index]
                index += 1
                if piece is not None:
                    out.append(piece)
                    continue
                child = next(inner)
                stack.append((content, inner, index))
                stack.append((child.inner_content, iter(child.inner_blocks), 0))
                break
        return "".join(out)


@dataclass
class _Frame:
    block: ParsedBlock
    token_start: int
    token_length: int
    prev_offset: int
    leading_html_start: int | None


def has_blocks(content: str) -> bool:
    """WordPress's has_blocks(): whether the content holds a block delimiter at all."""
    return "<!-- wp:" in (content or "")


def parse_blocks(document: str) -> list[ParsedBlock]:
    """The document's top-level blocks, freeform HTML between them included.

    Never raises: like WordPress, a malformed document gets a best-effort parse (see the
    module's docstring for the rules on unclosed and unopened blocks).
    """
    return _Parser(document or "").parse()


class _Parser:
    def __init__(self, document: str):
        self.document = document
        self.offset = 0
        self.output: list[ParsedBlock] = []
        self.stack: list[_Frame] = []

    def parse(self) -> list[ParsedBlock]:
        while self._proceed():
            pass
        return self.output

    def _proceed(self) -> bool:
        token_type, name, attrs, start, length = self._next_token()
        depth = len(self.stack)
        leading_html_start = self.offset if start is not None and start > self.offset else None

        if token_type == "no-more-tokens":
            if depth == 0:
                self._add_freeform()
                return False
            if depth == 1:  # an implicit closer
                self._add_block_from_stack()
                return False
            while self.stack:  # several closers missing: collapse the stack piecewise
                self._add_block_from_stack()
            return False

        if token_type == "void-block":
            block = ParsedBlock(name, attrs)
            if depth == 0:
                if leading_html_start is not None:
                    self.output.append(self._freeform(self.document[leading_html_start:start]))
                self.output.append(block)
            else:
                self._add_inner_block(block, start, length)
            self.offset = start + length
            return True

        if token_type == "block-opener":
            self.stack.append(
                _Frame(ParsedBlock(name, attrs), start, length, start + length, leading_html_start)
            )
            self.offset = start + length
            return True

        # block-closer
        if depth == 0:  # a closer without an opener: the rest is freeform
            self._add_freeform()
            return False
        if depth == 1:
            self._add_block_from_stack(start)
            self.offset = start + length
            return True
        top = self.stack.pop()
        html = self.document[top.prev_offset : start]
        top.block.inner_html += html
        top.block.inner_content.append(html)
        top.prev_offset = start + length
        self._add_inner_block(top.block, top.token_start, top.token_length, start + length)
        self.offset = start + length
        return True

    def _next_token(self):
        match = _TOKEN.search(self.document, self.offset)
        if match is None:
            return "no-more-tokens", None, None, None, None
        namespace = match["namespace"] or "core/"
        name = namespace + match["name"]
        attrs = _decode_attributes(match["attrs"]) if match["attrs"] is not None else {}
        start, length = match.start(), match.end() - match.start()
        if match["void"]:
            return "void-block", name, attrs, start, length
        if match["closer"]:
            return "block-closer", name, None, start, length
        return "block-opener", name, attrs, start, length

    @staticmethod
    def _freeform(html: str) -> ParsedBlock:
        return ParsedBlock(None, {}, [], html, [html])

    def _add_freeform(self) -> None:
        if self.offset < len(self.document):
            self.output.append(self._freeform(self.document[self.offset :]))

    def _add_inner_block(
        self, block: ParsedBlock, token_start: int, token_length: int, last_offset=None
    ) -> None:
        parent = self.stack[-1]
        parent.block.inner_blocks.append(block)
        html = self.document[parent.prev_offset : token_start]
        if html:
            parent.block.inner_html += html
            parent.block.inner_content.append(html)
        parent.block.inner_content.append(None)
        parent.prev_offset = last_offset if last_offset else token_start + token_length

    def _add_block_from_stack(self, end_offset: int | None = None) -> None:
        top = self.stack.pop()
        html = (
            self.document[top.prev_offset : end_offset]
            if end_offset is not None
            else self.document[top.prev_offset :]
        )
        if html:
            top.block.inner_html += html
            top.block.inner_content.append(html)
        if top.leading_html_start is not None:
            self.output.append(
                self._freeform(self.document[top.leading_html_start : top.token_start])
            )
        self.output.append(top.block)


def _decode_attributes(raw: str) -> dict:
    """The delimiter's JSON attributes; {} for invalid JSON or anything but an object."""
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}
