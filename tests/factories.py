"""Small factories for test data: each makes a valid object with overridable fields."""

from __future__ import annotations

import itertools
from datetime import timedelta

from models import Article, Block, Section, User, db
from models.content import ArticleStatus
from models.time import utcnow

_counter = itertools.count(1)


def make_section(name="Société", parent=None, **fields) -> Section:
    n = next(_counter)
    section = Section(name=name, slug=fields.pop("slug", f"rubrique-{n}"), parent=parent, **fields)
    db.session.add(section)
    db.session.commit()
    return section


def make_user(display_name="Alex Martin", role="author", password=None, **fields) -> User:
    n = next(_counter)
    user = User(
        email=fields.pop("email", f"user{n}@gazette.example"),
        display_name=display_name,
        slug=fields.pop("slug", f"auteur-{n}"),
        role=role,
        **fields,
    )
    if password:
        user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def make_article(headline="Un titre", section=None, author=None, blocks=(), **fields) -> Article:
    n = next(_counter)
    fields.setdefault("status", ArticleStatus.PUBLISHED)
    fields.setdefault("published_at", utcnow() - timedelta(hours=n))
    article = Article(
        slug=fields.pop("slug", f"article-{n}"),
        headline=headline,
        section=section or make_section(),
        author=author or make_user(),
        **fields,
    )
    article.blocks = [
        Block(position=i, kind=kind, data=data) for i, (kind, data) in enumerate(blocks)
    ]
    db.session.add(article)
    db.session.commit()
    return article


# Headers of a real htmx request for a partial.
HX = {"HX-Request": "true"}


def log_in(client, user) -> None:
    """Log `user` in on this test client without going through the login form."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
