"""Preview links: the model (tokens, expiry, revocation, the limit), the editor's part
(create, revoke, permissions, the journal) and the public page (headers, no cookie,
never cached, closed links, junk addresses)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import url_for
from sqlalchemy import select

from models import Article, AuditEvent, PreviewLink, db
from models.content import ArticleStatus
from models.preview import (
    MAX_ACTIVE_LINKS,
    PREVIEW_DURATIONS,
    PreviewLimitReached,
    hash_token,
)
from models.time import utcnow
from services import page_cache
from tests.factories import HX, log_in, make_article, make_section, make_user
from views.http_cache import CACHED_ENDPOINTS, page_key

SECRET_PARAGRAPH = "Le ministre démissionnera jeudi, selon nos informations."


@pytest.fixture
def newsroom(app):
    section = make_section("Politique", slug="politique")
    author = make_user("Alice Autrice", role="author", slug="alice")
    other = make_user("Bruno Autre", role="author", slug="bruno")
    editor = make_user("Élise Éditrice", role="editor", slug="elise")
    draft = make_article(
        "Le ministre sur le départ",
        section=section,
        author=author,
        slug="ministre",
        status=ArticleStatus.DRAFT,
        published_at=None,
        standfirst="Un chapô du brouillon.",
        blocks=[("paragraph", {"html": SECRET_PARAGRAPH})],
    )
    scheduled = make_article(
        "Le budget présenté demain",
        section=section,
        author=author,
        slug="budget",
        published_at=utcnow() + timedelta(days=1),
        blocks=[("paragraph", {"html": "Le budget en chiffres."})],
    )
    live = make_article("Déjà publié", section=section, author=author, slug="publie")
    return type("Newsroom", (), dict(section=section, author=author, other=other,
                                      editor=editor, draft=draft, scheduled=scheduled,
                                      live=live))  # fmt: skip


def issue(article, by, duration="24h", now=None) -> str:
    """A committed link to `article`; returns its token."""
    _link, token = PreviewLink.issue(article, by, duration, now=now)
    db.session.commit()
    return token


def create_url(article) -> str:
    return f"/redaction/articles/{article.id}/apercus"


def revoke_url(link) -> str:
    return f"/redaction/articles/{link.article_id}/apercus/{link.id}/revoquer"


def links_of(article) -> list[PreviewLink]:
    db.session.expire_all()
    return db.session.scalars(
        select(PreviewLink).where(PreviewLink.article_id == article.id).order_by(PreviewLink.id)
    ).all()


def token_in(html: str) -> str:
    return re.search(r'value="http://localhost/apercu/([A-Za-z0-9_-]+)"', html)[1]


# --------------------------------------------------------------------------- the model


def test_only_a_hash_of_the_token_is_stored(app, newsroom):
    link, token = PreviewLink.issue(newsroom.draft, newsroom.editor, "24h")
    db.session.commit()
    assert len(token) == 43 and re.fullmatch(r"[A-Za-z0-9_-]+", token)
    assert link.token_hash == hash_token(token) != token
    with db.engine.connect() as connection:
        stored = connection.execute(select(PreviewLink.__table__)).all()
    assert token not in repr(stored)  # nowhere in the row, in any column
    assert PreviewLink.by_token(token).id == link.id
    second = issue(newsroom.draft, newsroom.editor)
    assert second != token  # random, not derived from the article or the time


def test_each_duration_sets_the_expiry(app, newsroom):
    now = utcnow()
    for duration, lasting in PREVIEW_DURATIONS.items():
        link, _token = PreviewLink.issue(newsroom.draft, newsroom.editor, duration, now=now)
        assert link.expires_at == now + lasting
    assert set(PREVIEW_DURATIONS) == {"1h", "24h", "7j"}
    with pytest.raises(KeyError):
        PreviewLink.issue(newsroom.draft, newsroom.editor, "2h")


def test_a_link_expires_and_stays_revoked(app, newsroom):
    now = utcnow()
    link, token = PreviewLink.issue(newsroom.draft, newsroom.editor, "1h", now=now)
    db.session.commit()
    assert link.state(now + timedelta(minutes=59)) == "active"
    assert link.state(now + timedelta(hours=1)) == "expired"
    assert PreviewLink.opening(token, now + timedelta(minutes=59)).state == "preview"
    assert PreviewLink.opening(token, now + timedelta(hours=2)).state == "expired"
    link.revoke(now + timedelta(minutes=5))
    link.revoke(now + timedelta(minutes=30))  # again: the first time is kept
    assert link.revoked_at == now + timedelta(minutes=5)
    assert link.state(now + timedelta(minutes=10)) == "revoked"
    assert link.state(now + timedelta(hours=5)) == "revoked"
    assert PreviewLink.opening(token, now + timedelta(minutes=10)).state == "revoked"


def test_opening_follows_the_article(app, newsroom):
    token = issue(newsroom.draft, newsroom.editor)
    assert PreviewLink.opening(token).state == "preview"
    newsroom.draft.publish()
    db.session.commit()
    assert PreviewLink.opening(token).state == "published"
    newsroom.draft.unpublish()
    db.session.commit()
    assert PreviewLink.opening(token).state == "preview"
    assert PreviewLink.opening(issue(newsroom.scheduled, newsroom.editor)).state == "preview"
    assert PreviewLink.opening("x" * 43).state == "unknown"


def test_an_article_in_the_trash_opens_nothing(app, newsroom):
    """Article.trashed_at comes with the articles desk (issue 13): set on the instance here,
    it is a plain attribute before that merge and the column after it."""
    token = issue(newsroom.draft, newsroom.editor)
    newsroom.draft.trashed_at = utcnow()
    assert PreviewLink.opening(token).state == "trashed"


def test_at_most_max_active_links_per_article(app, newsroom):
    now = utcnow()
    for _ in range(MAX_ACTIVE_LINKS):
        issue(newsroom.draft, newsroom.editor, "1h", now=now)
    with pytest.raises(PreviewLimitReached):
        PreviewLink.issue(newsroom.draft, newsroom.editor, "1h", now=now)
    issue(newsroom.scheduled, newsroom.editor, now=now)  # another article has its own count
    later = now + timedelta(hours=2)  # the first twenty have expired: room again
    issue(newsroom.draft, newsroom.editor, now=later)
    first = links_of(newsroom.draft)[0]
    assert PreviewLink.active_count(newsroom.draft.id, later) == 1
    assert first not in PreviewLink.active_for(newsroom.draft.id, later)


def test_deleting_the_article_deletes_its_links(app, newsroom):
    token = issue(newsroom.draft, newsroom.editor)
    db.session.delete(db.session.get(Article, newsroom.draft.id))
    db.session.commit()
    assert PreviewLink.opening(token).state == "unknown"
    assert (
        db.session.scalar(select(PreviewLink).where(PreviewLink.token_hash == hash_token(token)))
        is None
    )


def test_the_template_offers_exactly_the_model_durations(app):
    source = app.jinja_env.loader.get_source(app.jinja_env, "editor/_preview_links.html")[0]
    offered = re.findall(r'\("(\w+)", _\("\d+ (?:heures?|jours?)"\)\)', source)
    assert offered == list(PREVIEW_DURATIONS)


# --------------------------------------------------------------------------- the public page


def test_a_draft_preview_is_the_readers_page_with_a_banner(client, newsroom):
    token = issue(newsroom.draft, newsroom.editor)
    response = client.get(f"/apercu/{token}")
    assert response.status_code == 200
    html = response.text
    assert SECRET_PARAGRAPH in html and "Le ministre sur le départ" in html
    assert "Aperçu — non publié" in html
    assert '<meta name="robots" content="noindex">' in html
    assert '<meta name="referrer" content="no-referrer">' in html
    assert 'rel="canonical"' not in html and "application/ld+json" not in html
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["X-Robots-Tag"] == "noindex"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "Set-Cookie" not in response.headers
    assert "X-Page-Cache" not in response.headers
    assert "Modifier" not in html and "hx-" not in html and "csrf" not in html
    # No share links: they would spread the article's address before it is public.
    assert "Partager cet article" not in html and "x.com/intent" not in html


def test_a_scheduled_preview_gives_the_planned_date(client, newsroom):
    response = client.get(f"/apercu/{issue(newsroom.scheduled, newsroom.editor)}")
    assert response.status_code == 200
    assert "Aperçu — non publié" in response.text
    assert "Publication prévue le" in response.text


def test_a_logged_in_editor_sees_it_as_readers_do(client, newsroom):
    token = issue(newsroom.draft, newsroom.editor)
    anonymous = client.get(f"/apercu/{token}").text
    newsroom.editor.locale = "en"  # their editing screens in English; the preview in French
    db.session.commit()
    log_in(client, newsroom.editor)
    response = client.get(f"/apercu/{token}")
    assert response.status_code == 200
    html = response.text
    assert "Modifier" not in html and "account-bar" not in html
    assert "hx-headers" not in html and "csrf" not in html
    assert "Liens d’aperçu" not in html
    assert html == anonymous  # exactly the page anyone with the link gets
    assert response.headers["Cache-Control"] == "private, no-store"


def test_a_preview_is_never_cached_even_with_the_page_cache_on(client, app, newsroom):
    assert app.config["GAZETTE_PAGE_CACHE"]
    assert "preview.show" not in CACHED_ENDPOINTS
    token = issue(newsroom.draft, newsroom.editor)
    url = f"/apercu/{token}"
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200
        assert "X-Page-Cache" not in response.headers
        assert response.headers["Cache-Control"] == "private, no-store"
    with app.test_request_context(url):
        key = page_key()
    assert page_cache.cached_entry(key) is None
    # Revoked a moment later: the very next request says so (nothing kept anywhere).
    link = PreviewLink.by_token(token)
    link.revoke()
    db.session.commit()
    assert client.get(url).status_code == 410


def test_a_preview_never_reaches_lists_feeds_sitemaps_or_search(client, newsroom):
    issue(newsroom.draft, newsroom.editor)
    for url in (
        "/",
        "/rubrique/politique",
        "/auteur/alice",
        "/flux.rss",
        "/sitemap.xml",
        "/recherche?q=ministre",
    ):
        response = client.get(url)
        assert "Le ministre sur le départ" not in response.text, url
        assert "/apercu/" not in response.text, url


def test_a_published_article_s_link_redirects_to_its_page(client, newsroom):
    token = issue(newsroom.draft, newsroom.editor)
    newsroom.draft.publish()
    db.session.commit()
    response = client.get(f"/apercu/{token}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/article/ministre")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize(
    ("close", "status", "says"),
    [
        ("revoke", 410, "Ce lien d’aperçu a été révoqué"),
        ("expire", 410, "Ce lien d’aperçu a expiré"),
    ],
)
def test_closed_links_say_so_in_french_without_content(client, newsroom, close, status, says):
    if close == "expire":
        token = issue(newsroom.draft, newsroom.editor, "1h", now=utcnow() - timedelta(hours=2))
    else:
        token = issue(newsroom.draft, newsroom.editor)
        PreviewLink.by_token(token).revoke()
        db.session.commit()
    response = client.get(f"/apercu/{token}")
    assert response.status_code == status
    html = response.text
    assert says in html
    assert SECRET_PARAGRAPH not in html and "ministre" not in html.lower()
    assert "Un chapô du brouillon" not in html and "Alice" not in html
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["X-Robots-Tag"] == "noindex"
    assert "Set-Cookie" not in response.headers


def test_a_link_to_an_article_in_the_trash_is_gone(client, newsroom):
    token = issue(newsroom.draft, newsroom.editor)
    newsroom.draft.trash(by=newsroom.editor)
    db.session.commit()
    response = client.get(f"/apercu/{token}")
    assert response.status_code == 410
    assert "Cet article a été supprimé" in response.text
    assert SECRET_PARAGRAPH not in response.text and "ministre" not in response.text.lower()


def test_closed_link_stays_closed_after_publication(client, newsroom):
    token = issue(newsroom.draft, newsroom.editor)
    PreviewLink.by_token(token).revoke()
    newsroom.draft.publish()
    db.session.commit()
    assert client.get(f"/apercu/{token}").status_code == 410


JUNK = [
    "x",
    "a" * 43,  # the right shape, no such link
    "a" * 5000,
    "é" * 43,
    "%C3%A9t%C3%A9",
    "💥" * 20,
    "abc/def",
    "abc/../../etc/passwd",
    "..%2F..%2Fredaction",
    "%00abc",
    "a%0d%0aSet-Cookie:%20x=1",
    "'; DROP TABLE preview_link; --",
    "<script>alert(1)</script>",
    "\u202e" + "b" * 42,
]


@pytest.mark.parametrize("junk", JUNK)
def test_junk_addresses_are_not_found_never_a_500(client, newsroom, junk):
    issue(newsroom.draft, newsroom.editor)
    response = client.get(f"/apercu/{junk}")
    assert response.status_code == 404
    assert SECRET_PARAGRAPH not in response.text
    assert "Set-Cookie" not in response.headers
    assert "<script>alert" not in response.text


def test_unknown_link_page_says_so_in_french(client, newsroom):
    response = client.get("/apercu/" + "b" * 43)
    assert response.status_code == 404
    assert "Ce lien d’aperçu n’existe pas" in response.text
    assert response.headers["X-Robots-Tag"] == "noindex"
    assert response.headers["Referrer-Policy"] == "no-referrer"


# --------------------------------------------------------------------------- the editor's part


def test_the_part_is_on_drafts_for_their_editors_only(client, newsroom):
    log_in(client, newsroom.author)
    html = client.get("/article/ministre").text
    assert "Liens d’aperçu" in html and "Créer un lien d’aperçu" in html
    assert "js/preview_links.js" in html
    log_in(client, newsroom.editor)
    html = client.get("/article/publie").text
    assert "Liens d’aperçu" in html and "Créer un lien d’aperçu" not in html
    client.post("/deconnexion")
    with client.session_transaction() as session:
        session.clear()
    assert "Liens d’aperçu" not in client.get("/article/publie").text


def test_an_author_creates_a_link_shown_once_and_listed(client, newsroom):
    log_in(client, newsroom.author)
    response = client.post(create_url(newsroom.draft), data={"duration": "7j"}, headers=HX)
    assert response.status_code == 200
    html = response.text
    assert "hx-swap-oob" not in html  # the part itself, not out of band
    token = token_in(html)
    [link] = links_of(newsroom.draft)
    assert link.token_hash == hash_token(token)
    assert link.created_by_id == newsroom.author.id
    assert link.expires_at - link.created_at == timedelta(days=7)
    assert "Créé par Alice Autrice" in html and "Révoquer" in html
    assert "elle ne sera plus affichée" in html
    # On the next page load the link is listed, its address is not (only its hash is kept).
    page = client.get("/article/ministre").text
    assert "Créé par Alice Autrice" in page and token not in page
    # And it opens the preview for anyone.
    with client.session_transaction() as session:
        session.clear()
    assert SECRET_PARAGRAPH in client.get(f"/apercu/{token}").text


def test_creating_without_javascript_shows_the_address_in_a_page(client, newsroom):
    log_in(client, newsroom.editor)
    response = client.post(create_url(newsroom.scheduled), data={"duration": "1h"})
    assert response.status_code == 200
    assert "Revenir à l’article" in response.text
    token = token_in(response.text)
    assert client.get(f"/apercu/{token}").status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"


def test_a_published_article_gets_no_new_link(client, newsroom):
    log_in(client, newsroom.editor)
    response = client.post(create_url(newsroom.live), data={"duration": "1h"}, headers=HX)
    assert response.status_code == 422
    assert "Cet article est publié" in response.text
    assert links_of(newsroom.live) == []


def test_a_duration_not_offered_is_refused(client, newsroom):
    log_in(client, newsroom.editor)
    for junk in ("2h", "", "1h" * 500, "७j"):
        response = client.post(create_url(newsroom.draft), data={"duration": junk}, headers=HX)
        assert response.status_code == 422, junk
        assert "Choisissez une durée de validité proposée." in response.text
    assert links_of(newsroom.draft) == []


def test_the_limit_is_explained_in_french(client, newsroom):
    for _ in range(MAX_ACTIVE_LINKS):
        issue(newsroom.draft, newsroom.editor)
    log_in(client, newsroom.editor)
    response = client.post(create_url(newsroom.draft), data={"duration": "1h"}, headers=HX)
    assert response.status_code == 422
    assert "déjà 20 liens d’aperçu actifs" in response.text
    assert len(links_of(newsroom.draft)) == MAX_ACTIVE_LINKS


def test_revoking_closes_the_link_at_once(client, newsroom):
    token = issue(newsroom.draft, newsroom.author)
    [link] = links_of(newsroom.draft)
    log_in(client, newsroom.editor)
    response = client.post(revoke_url(link), headers=HX)
    assert response.status_code == 200
    assert "Lien révoqué" in response.text and "Aucun lien d’aperçu actif." in response.text
    assert links_of(newsroom.draft)[0].revoked_at is not None
    assert client.get(f"/apercu/{token}").status_code == 410
    again = client.post(revoke_url(link), headers=HX)  # twice: nothing more happens
    assert again.status_code == 200


def test_revoking_without_javascript_redirects_back(client, newsroom):
    issue(newsroom.draft, newsroom.author)
    [link] = links_of(newsroom.draft)
    log_in(client, newsroom.author)
    response = client.post(revoke_url(link))
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/article/ministre#preview-links")


def test_other_authors_may_neither_create_nor_revoke(client, newsroom):
    issue(newsroom.draft, newsroom.author)
    [link] = links_of(newsroom.draft)
    log_in(client, newsroom.other)
    assert client.post(create_url(newsroom.draft), data={"duration": "1h"}).status_code == 403
    assert client.post(revoke_url(link), headers=HX).status_code == 403
    [still] = links_of(newsroom.draft)
    assert still.revoked_at is None


def test_a_link_is_revoked_only_through_its_own_article(client, newsroom):
    issue(newsroom.draft, newsroom.author)
    [link] = links_of(newsroom.draft)
    log_in(client, newsroom.editor)
    wrong = f"/redaction/articles/{newsroom.scheduled.id}/apercus/{link.id}/revoquer"
    assert client.post(wrong, headers=HX).status_code == 404
    assert links_of(newsroom.draft)[0].revoked_at is None


def test_logged_out_create_is_a_401_for_htmx(client, newsroom):
    response = client.post(create_url(newsroom.draft), data={"duration": "1h"}, headers=HX)
    assert response.status_code == 401
    assert links_of(newsroom.draft) == []


def test_create_and_revoke_are_in_the_journal_without_the_address(client, newsroom):
    log_in(client, newsroom.editor)
    html = client.post(create_url(newsroom.draft), data={"duration": "24h"}, headers=HX).text
    token = token_in(html)
    [link] = links_of(newsroom.draft)
    client.post(revoke_url(link), headers=HX)
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.action, e.target, e.user_id) for e in events] == [
        ("editor.create_preview_link", f"article:{newsroom.draft.id}", newsroom.editor.id),
        ("editor.revoke_preview_link", f"article:{newsroom.draft.id}", newsroom.editor.id),
    ]
    assert events[0].detail == {"duration": "24h"}
    assert events[1].detail == {"link": str(link.id)}
    assert all(token not in repr(e.detail) for e in events)
    log_in(client, make_user("Ada Admin", role="admin"))
    journal = client.get("/redaction/journal/").text
    assert "Lien d’aperçu créé" in journal and "Lien d’aperçu révoqué" in journal


def test_the_part_follows_a_publication_save_out_of_band(client, newsroom):
    """Saving the publication part brings the preview part along, out of band, so that
    publishing hides the "Créer" form at once."""
    log_in(client, newsroom.editor)
    article = db.session.get(Article, newsroom.draft.id)
    response = client.post(
        f"/redaction/articles/{article.id}/publication",
        data={"publication-state": "now", "publication-version": str(article.version)},
        headers=HX,
    )
    assert response.status_code == 200, response.text
    assert 'id="preview-links"' in response.text and 'hx-swap-oob="true"' in response.text
    assert "Créer un lien d’aperçu" not in response.text
    cancel = client.get(f"/redaction/articles/{article.id}/publication", headers=HX)
    assert 'id="preview-links" aria-labelledby="preview-links-title" hx-swap-oob="true"' in (
        cancel.text
    )


def test_url_for_builds_the_public_address(app):
    with app.test_request_context():
        assert url_for("preview.show", token="abc") == "/apercu/abc"
