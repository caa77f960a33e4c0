"""Every route that is not public refuses anonymous visitors; authors stay on their own articles."""

from __future__ import annotations

import re

import pytest

from models import Revision, db
from tests.factories import make_article, make_section, make_user

# Blueprints and endpoints anyone may use: reading (and the images articles show), feeds,
# searching, sponsoring, logging in, and setting a password from an invitation link (its
# token is the credential).
PUBLIC_BLUEPRINTS = {"reading", "media", "search", "sponsorship", "feeds"}
PUBLIC_ENDPOINTS = {
    "static",
    "favicon",
    "auth.login",
    "admin.set_password",
    "corrections.index",
    "preview.show",  # a preview link: its token is the credential
    "auth.first_admin",  # the first-run link: its token is the credential, once
}


def sample_url(rule, ids: dict) -> str:
    """The rule's path with plausible values: real ids where the rule names one."""
    path = rule.rule
    for converter, name in re.findall(r"<(?:([a-z]+)(?:\([^)]*\))?:)?(\w+)>", path):
        if name in ids:
            value = ids[name]
        elif converter == "any":
            value = re.search(r"<any\(([^,)]+)", path).group(1)
        else:
            value = "1" if converter == "int" else "x"
        path = re.sub(r"<[^>]*\b" + name + ">", str(value), path, count=1)
    return path


def non_public_rules(app):
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.split(".")[0]
        if blueprint in PUBLIC_BLUEPRINTS or rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


@pytest.fixture
def world(app):
    section = make_section()
    author = make_user("Autrice", role="author")
    other = make_user("Autre", role="author")
    article = make_article(
        "Article de l’autre",
        section=section,
        author=other,
        blocks=[("paragraph", {"html": "Texte"})],
    )
    db.session.add(
        Revision(
            article_id=article.id, author_id=other.id, summary="x", snapshot=article.snapshot()
        )
    )
    db.session.commit()
    ids = {
        "article_id": article.id,
        "block_id": article.blocks[0].id,
        "revision_id": Revision.for_article(article.id)[0].id,
        "kind": "paragraph",
    }
    return type("World", (), dict(author=author, other=other, article=article, ids=ids))


def test_the_matrix_is_not_empty(app):
    endpoints = {rule.endpoint for rule, _ in non_public_rules(app)}
    assert {
        "editor.save_block",
        "editor.dashboard",
        "editor.restore_revision",
        "auth.logout",
    } <= endpoints


@pytest.mark.parametrize("htmx", [False, True])
def test_anonymous_visitors_are_refused_everywhere_not_public(client, world, htmx):
    headers = {"HX-Request": "true"} if htmx else {}
    for rule, method in non_public_rules(client.application):
        url = sample_url(rule, world.ids)
        response = client.open(url, method=method, headers=headers, data={})
        refused = response.status_code in (401, 403) or (
            response.status_code == 302 and "/connexion" in response.headers["Location"]
        )
        assert refused, (method, url, response.status_code)
        text = response.get_data(as_text=True)
        assert "Texte" not in text and "Article de l’autre" not in text, (method, url)
    assert world.article.blocks[0].data == {"html": "Texte"}


def test_an_author_cannot_touch_another_authors_article(client, world):
    with client.session_transaction() as session:
        session["_user_id"] = world.author.get_id()
    for rule, method in non_public_rules(client.application):
        if not rule.endpoint.startswith("editor.") or not (
            {"article_id", "block_id"} & set(rule.arguments)
        ):
            continue
        url = sample_url(rule, world.ids)
        response = client.open(url, method=method, headers={"HX-Request": "true"}, data={})
        assert response.status_code == 403, (method, url, response.status_code)
    db.session.expire_all()
    assert world.article.blocks[0].data == {"html": "Texte"}
    assert Revision.query.count() == 1
    # …and the article's page shows them no edit control.
    assert "Modifier" not in client.get(f"/article/{world.article.slug}").get_data(as_text=True)


def test_no_get_changes_anything(client, world):
    with client.session_transaction() as session:
        session["_user_id"] = make_user("Éditrice", role="editor").get_id()
    for rule in client.application.url_map.iter_rules():
        if rule.endpoint.startswith("editor.") and "GET" in rule.methods:
            client.get(sample_url(rule, world.ids), headers={"HX-Request": "true"})
    db.session.expire_all()
    assert Revision.query.count() == 1
    assert world.article.blocks[0].data == {"html": "Texte"} and world.article.version == 1
