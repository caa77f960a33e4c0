"""The demo newsroom: sections, an author, and the seed article as structured content."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from models import Revision, Tag, db
from models.content import Article, ArticleStatus, Block, BlockKind, Section
from models.slugs import slugify
from models.text import require_text
from models.user import Role, User
from services.richtext import clean_html

SEED_FILE = Path(__file__).parent / "seeds" / "000_09bcae2d0884f6e2.txt"
SPONSOR_INVITATION = "Pour explorer les options de sponsoring, contactez-nous."

# (name, children) in navigation order. The empty ones make navigation real.
DEMO_SECTIONS = [
    ("International", ["Politique", "Europe"]),
    ("France", []),
    ("Économie", []),
    ("Culture", []),
    ("Sciences", []),
]
DEMO_AUTHOR = {
    "email": "julien.marchand@gazette.example",
    "display_name": "Julien Marchand",
}
# Times are UTC: 12:05 UTC is 14 h 05 in Paris in June.
# The seed article's topics, in the order its tags read.
DEMO_TAGS = ("Russie", "Corée du Nord", "Diplomatie")
DEMO_PUBLISHED_AT = datetime(2024, 6, 19, 12, 5)
DEMO_UPDATED_AT = datetime(2024, 6, 19, 14, 40)


def parse_seed(text: str) -> dict:
    """Split the seed into its parts.

    Layout: the section names run together ("InternationalPolitique"), the headline,
    the standfirst, then the body; the last paragraph is the author's bio. In the body a
    short line without final punctuation is a subheading, and a paragraph followed by a
    bare name ("Vladimir Poutine") is a quote with its attribution.
    """
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    sections_line, headline, standfirst, *body, bio = paragraphs
    blocks, i = [], 0
    while i < len(body):
        paragraph = body[i]
        following = body[i + 1] if i + 1 < len(body) else ""
        if following and _is_attribution(following):
            blocks.append({"kind": "quote", "text": paragraph, "attribution": following})
            i += 2
            continue
        if len(paragraph) < 100 and not paragraph.endswith((".", "…", "»", ":")):
            blocks.append({"kind": "heading", "text": paragraph})
        else:
            blocks.append({"kind": "paragraph", "text": paragraph})
        i += 1
    return {
        "sections": re.findall(r"[A-ZÀ-Ý][^A-ZÀ-Ý]*", sections_line),
        "headline": headline,
        "standfirst": standfirst,
        "blocks": blocks,
        "bio": bio.replace(SPONSOR_INVITATION, "").strip(),
    }


def _is_attribution(text: str) -> bool:
    words = text.split()
    return 1 < len(words) <= 4 and all(w[:1].isupper() for w in words) and text[-1].isalpha()


def load_demo() -> list[str]:
    """Create what is missing; running it again changes nothing. Returns what was created."""
    created = []
    sections = {}
    for position, (name, children) in enumerate(DEMO_SECTIONS):
        parent = _get_or_create_section(name, None, position, created)
        sections[name] = parent
        for child_position, child in enumerate(children):
            sections[child] = _get_or_create_section(child, parent, child_position, created)

    # The seed passes the text boundary like any input: NFC, and refused (ValueError)
    # if an edit ever slipped in a character XML forbids.
    seed = parse_seed(require_text(SEED_FILE.read_text(encoding="utf-8")))
    author = db.session.scalar(select(User).filter_by(email=DEMO_AUTHOR["email"]))
    if author is None:
        author = User(
            **DEMO_AUTHOR,
            slug=slugify(DEMO_AUTHOR["display_name"]),
            role=Role.AUTHOR,
            bio_html=clean_html(seed["bio"], "paragraph").html,
        )
        db.session.add(author)
        created.append(f"auteur {author.display_name}")

    tags = [_get_or_create_tag(name, created) for name in DEMO_TAGS]
    slug = slugify(seed["headline"])
    if db.session.scalar(select(Article).filter_by(slug=slug)) is None:
        parent_name, child_name = seed["sections"]
        article = Article(
            slug=slug,
            section=sections[child_name],
            author=author,
            headline=seed["headline"],
            standfirst=seed["standfirst"],
            status=ArticleStatus.PUBLISHED,
            published_at=DEMO_PUBLISHED_AT,
            updated_at=DEMO_UPDATED_AT,
            created_at=DEMO_PUBLISHED_AT,
        )
        article.blocks = [_block(position, part) for position, part in enumerate(seed["blocks"])]
        article.set_tags(tags)
        db.session.add(article)
        db.session.flush()
        # The text as published, in the history: the first edit can always be undone.
        db.session.add(
            Revision(
                article_id=article.id,
                author_id=author.id,
                summary="Version publiée",
                snapshot=article.snapshot(),
                created_at=DEMO_UPDATED_AT,
            )
        )
        created.append(f"article « {article.headline} »")
    db.session.commit()
    return created


def _get_or_create_tag(name: str, created: list[str]) -> Tag:
    tag = db.session.scalar(select(Tag).filter_by(slug=slugify(name)))
    if tag is None:
        tag = Tag(name=name, slug=slugify(name))
        db.session.add(tag)
        created.append(f"sujet {name}")
    return tag


def _get_or_create_section(name, parent, position, created) -> Section:
    slug = slugify(name)
    parent_id = parent.id if parent else None
    section = db.session.scalar(select(Section).filter_by(slug=slug, parent_id=parent_id))
    if section is None:
        # The top-level sections make the masthead's menu, in the same order.
        section = Section(
            name=name,
            slug=slug,
            parent=parent,
            position=position,
            in_navigation=parent is None,
            nav_position=position,
        )
        db.session.add(section)
        db.session.flush()
        created.append(f"rubrique {name}")
    return section


def _block(position: int, part: dict) -> Block:
    if part["kind"] == "quote":
        data = {"text": part["text"], "attribution": part["attribution"]}
        return Block(position=position, kind=BlockKind.QUOTE, data=data)
    if part["kind"] == "heading":
        return Block(
            position=position, kind=BlockKind.HEADING, data={"text": part["text"], "level": 2}
        )
    html = clean_html(part["text"], "paragraph").html
    return Block(position=position, kind=BlockKind.PARAGRAPH, data={"html": html})
