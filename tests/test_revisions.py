"""Restoring a revision never unpublishes a live article; the diff shows every difference.

Issue 11: a revision whose text was identical ("identique") brought back an old
publication state and took a live article offline. Each kind of save below makes a
revision; restoring it on a live article must leave the article live, unless the editor
ticks "Rétablir aussi l’état de publication" in the same form.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from models import Article, Revision, db
from models.content import ArticleStatus
from models.sponsor import Sponsor
from models.time import utcnow
from tests.factories import HX, log_in, make_article, make_section, make_user


def body(response) -> str:
    return response.get_data(as_text=True)


def fresh(article_id: int) -> Article:
    db.session.expire_all()
    return db.session.get(Article, article_id)


@pytest.fixture
def live(app, client):
    """A live article, created as a draft (its first revision is a draft), then published."""
    editor = make_user("Élise Éditrice", role="editor")
    author = make_user("Alice Autrice", role="author", bio_html="Journaliste.")
    section = make_section("Politique", slug="politique")
    other_section = make_section("Culture", slug="culture")
    article = make_article(
        "Titre initial",
        section=section,
        author=author,
        standfirst="Chapô",
        status=ArticleStatus.DRAFT,
        published_at=None,
        blocks=[
            ("paragraph", {"html": "Premier paragraphe."}),
            ("image", {"src": "/media/a.webp", "alt": "Une photo", "caption": "", "credit": "AFP"}),
            ("list", {"items": ["un", "deux"], "ordered": False}),
        ],
    )
    article.record_revision(editor, "Article créé")  # a draft revision
    db.session.commit()
    log_in(client, editor)
    published = client.post(
        f"/redaction/articles/{article.id}/publication",
        headers=HX,
        data={"publication-state": "now", "publication-version": str(article.version)},
    )
    assert published.status_code == 200 and fresh(article.id).is_live
    sponsor = Sponsor(name="Banque Exemple")
    db.session.add(sponsor)
    db.session.commit()
    return type("Live", (), dict(article=article, editor=editor, author=author,
                                 other_section=other_section, sponsor=sponsor))  # fmt: skip


def version(article_id: int) -> str:
    return str(fresh(article_id).version)


def save_each_kind(client, live) -> None:
    """One save of every kind the editor offers, each making a revision."""
    a = fresh(live.article.id)
    blocks = a.blocks
    posts = [
        (f"/redaction/articles/{a.id}/titre", lambda: {"titre-headline": "Nouveau titre", "titre-version": version(a.id)}),
        (f"/redaction/articles/{a.id}/chapo", lambda: {"chapo-standfirst": "Nouveau chapô", "chapo-version": version(a.id)}),
        (f"/redaction/articles/{a.id}/rubrique", lambda: {"rubrique-section": str(live.other_section.id), "rubrique-version": version(a.id)}),
        (f"/redaction/articles/{a.id}/biographie", lambda: {"biographie-bio": "Reporter.", "biographie-version": __import__("hashlib").sha256(b"Journaliste.").hexdigest()[:16]}),
        (f"/redaction/blocs/{blocks[0].id}", lambda: {f"bloc{blocks[0].id}-html": "Texte changé", f"bloc{blocks[0].id}-version": "1"}),
        (f"/redaction/blocs/{blocks[2].id}/descendre", dict),
        (f"/redaction/articles/{a.id}/blocs/nouveau/quote", lambda: {"nouveau0-text": "Une citation", "after": ""}),
        (f"/redaction/blocs/{blocks[1].id}/supprimer", dict),
        (f"/redaction/articles/{a.id}/sponsor", lambda: {"sponsor": str(live.sponsor.id)}),
    ]  # fmt: skip
    for url, data in posts:
        response = client.post(url, headers=HX, data=data())
        assert response.status_code in (200, 204), (url, body(response)[:500])


def test_restoring_any_revision_keeps_a_live_article_live(client, live):
    save_each_kind(client, live)
    article_id = live.article.id
    revisions = Revision.for_article(article_id)
    summaries = {r.summary for r in revisions}
    assert {"Article créé", "Publication modifiée", "Titre modifié", "Sponsor modifié"} <= summaries
    published_at = fresh(article_id).published_at
    for revision in revisions:
        response = client.post(
            f"/redaction/articles/{article_id}/historique/{revision.id}/restaurer", headers=HX
        )
        assert response.status_code == 204, revision.summary
        article = fresh(article_id)
        assert article.is_live, f"restoring « {revision.summary} » unpublished the article"
        assert article.published_at == published_at
        assert article.headline == revision.snapshot["headline"]


def test_the_draft_revision_differs_only_in_publication_and_says_so(client, live):
    draft = next(r for r in Revision.for_article(live.article.id) if r.summary == "Article créé")
    html = body(
        client.get(f"/redaction/articles/{live.article.id}/historique/{draft.id}", headers=HX)
    )
    assert "Le texte actuel est identique à cette version, mais d’autres éléments diffèrent" in html
    row = re.search(r'<tr data-difference="publication">(.*?)</tr>', html, re.S).group(1)
    assert "Brouillon — non publié" in row and "Publié le" in row
    assert "Rétablir aussi l’état de publication (Brouillon — non publié)" in html
    assert 'type="checkbox"' in html


def test_restoring_publication_only_when_asked(client, live):
    draft = next(r for r in Revision.for_article(live.article.id) if r.summary == "Article créé")
    url = f"/redaction/articles/{live.article.id}/historique/{draft.id}/restaurer"
    client.post(url, headers=HX)
    assert fresh(live.article.id).is_live
    client.post(url, headers=HX, data={"publication": "y"})
    assert fresh(live.article.id).status == ArticleStatus.DRAFT


def test_the_diff_shows_every_kind_of_difference(client, live):
    first = Revision.for_article(live.article.id)[0]  # just published
    save_each_kind(client, live)
    html = body(
        client.get(f"/redaction/articles/{live.article.id}/historique/{first.id}", headers=HX)
    )
    for key in ("section", "sponsor", "bio"):
        assert f'data-difference="{key}"' in html, key
    assert "Politique" in html and "Culture" in html and "Banque Exemple" in html
    assert "Journaliste." in html and "Reporter." in html
    assert "<del>Titre initial" in html and "<ins>Nouveau titre" in html
    assert re.search(r"<del>[^<]*\[Image : a\.webp\] — </del>", html)  # the deleted image
    assert "Rétablir aussi le sponsor (Aucun sponsor)" in html
    assert "Rétablir aussi la biographie" in html
    assert "Rétablir aussi l’état de publication" not in html  # same state: no box


def test_sponsor_and_bio_come_back_only_when_ticked(client, live):
    first = Revision.for_article(live.article.id)[0]
    save_each_kind(client, live)
    url = f"/redaction/articles/{live.article.id}/historique/{first.id}/restaurer"
    client.post(url, headers=HX)
    article = fresh(live.article.id)
    assert article.headline == "Titre initial" and article.section.name == "Politique"
    assert article.sponsor_id == live.sponsor.id and article.author.bio_html == "Reporter."
    assert [b.kind for b in article.blocks] == ["paragraph", "image", "list"]
    client.post(url, headers=HX, data={"sponsor": "y", "bio": "y"})
    article = fresh(live.article.id)
    assert article.sponsor_id is None and article.author.bio_html == "Journaliste."
    assert article.is_live


def test_a_public_address_is_kept_and_a_drafts_follows_its_headline(client, live):
    first = Revision.for_article(live.article.id)[0]
    client.post(
        f"/redaction/articles/{live.article.id}/titre",
        headers=HX,
        data={"titre-headline": "Autre titre", "titre-update_slug": "y", "titre-version": version(live.article.id)},
    )  # fmt: skip
    slug = fresh(live.article.id).slug
    assert slug == "autre-titre"
    html = body(
        client.get(f"/redaction/articles/{live.article.id}/historique/{first.id}", headers=HX)
    )
    assert 'data-difference="slug"' in html and "l’adresse actuelle est conservée" in html
    client.post(
        f"/redaction/articles/{live.article.id}/historique/{first.id}/restaurer", headers=HX
    )
    assert fresh(live.article.id).slug == slug


def test_an_old_snapshot_without_the_new_keys_is_still_shown_and_restored(client, live):
    article = fresh(live.article.id)
    old = {
        k: v
        for k, v in article.snapshot().items()
        if k not in ("slug", "sponsor_id", "sponsor_name", "author_id", "author_bio")
    }
    old["headline"] = "Titre d’avant"
    revision = Revision(article_id=article.id, summary="Ancienne", snapshot=old)
    db.session.add(revision)
    db.session.commit()
    html = body(
        client.get(f"/redaction/articles/{article.id}/historique/{revision.id}", headers=HX)
    )
    assert "<del>d’avant" in html and 'data-difference="sponsor"' not in html
    response = client.post(
        f"/redaction/articles/{article.id}/historique/{revision.id}/restaurer",
        headers=HX,
        data={"sponsor": "y", "bio": "y"},
    )
    assert response.status_code == 204 and fresh(article.id).headline == "Titre d’avant"


def test_scheduled_state_is_named_in_the_diff(client, live):
    article = fresh(live.article.id)
    article.publish(at=utcnow() + timedelta(days=2))
    article.record_revision(live.editor, "Programmé")
    db.session.commit()
    article.publish(at=utcnow() - timedelta(hours=1))
    db.session.commit()
    scheduled = Revision.for_article(article.id)[0]
    html = body(
        client.get(f"/redaction/articles/{article.id}/historique/{scheduled.id}", headers=HX)
    )
    assert "Programmé pour le" in html
