"""Sponsored content: the label readers see, the sponsor part, sponsors made from inquiries."""

from __future__ import annotations

import re

import pytest

from models import Article, Revision, Sponsor, db
from models.sponsorship import InquiryStatus
from tests.factories import HX, log_in, make_article, make_section, make_user
from tests.sponsorship_factories import make_inquiry


@pytest.fixture
def newsroom(app):
    section = make_section("Économie", slug="economie")
    author = make_user("Alice Autrice", role="author")
    editor = make_user("Élise Éditrice", role="editor")
    article = make_article("Le marché", section=section, author=author)
    sponsor = Sponsor(name="Banque <b>Exemple</b>", link="https://banque.example/offre?a=1&b=2")
    db.session.add(sponsor)
    db.session.commit()
    return type("Newsroom", (), dict(section=section, author=author, editor=editor,
                                      article=article, sponsor=sponsor))  # fmt: skip


def sponsor_url(article) -> str:
    return f"/redaction/articles/{article.id}/sponsor"


def test_sponsored_article_is_labelled_above_the_headline_with_rel_sponsored(client, newsroom):
    newsroom.article.sponsor = newsroom.sponsor
    db.session.commit()
    html = client.get(f"/article/{newsroom.article.slug}").text
    label = re.search(r'<p class="sponsor-label">(.*?)</p>', html, re.S)[1]
    assert "Contenu sponsorisé par" in label
    assert (
        '<a href="https://banque.example/offre?a=1&amp;b=2" rel="sponsored noopener">'
        "Banque &lt;b&gt;Exemple&lt;/b&gt;</a>" in label
    )
    assert html.index('class="sponsor-label"') < html.index('id="headline"')
    teasers = client.get("/").text
    assert "sponsor-label-teaser" in teasers and "Contenu sponsorisé par" in teasers
    assert "banque.example" not in teasers  # teasers name the sponsor without a link


def test_unsponsored_articles_have_no_label(client, newsroom):
    html = client.get(f"/article/{newsroom.article.slug}").text
    assert "Contenu sponsorisé" not in html and 'rel="sponsored' not in html


def test_editor_sets_and_removes_the_sponsor_in_place(client, newsroom):
    log_in(client, newsroom.editor)
    page = client.get(f"/article/{newsroom.article.slug}").text
    assert "Modifier le sponsor" in page and "Article non sponsorisé." in page
    form = client.get(sponsor_url(newsroom.article) + "/modifier", headers=HX)
    assert form.status_code == 200 and "Sponsor de l’article" in form.text
    saved = client.post(sponsor_url(newsroom.article), headers=HX,
                        data={"sponsor": str(newsroom.sponsor.id)})  # fmt: skip
    assert saved.status_code == 200
    assert "Contenu sponsorisé par" in saved.text and "Modifier le sponsor" in saved.text
    db.session.expire_all()
    article = db.session.get(Article, newsroom.article.id)
    assert article.sponsor_id == newsroom.sponsor.id
    assert db.session.query(Revision).filter_by(summary="Sponsor modifié").count() == 1

    removed = client.post(sponsor_url(article), headers=HX, data={"sponsor": "0"})
    assert removed.status_code == 200 and "Article non sponsorisé." in removed.text
    db.session.expire_all()
    assert db.session.get(Article, article.id).sponsor_id is None


def test_an_unknown_sponsor_is_refused_in_french(client, newsroom):
    log_in(client, newsroom.editor)
    response = client.post(sponsor_url(newsroom.article), headers=HX, data={"sponsor": "999"})
    assert response.status_code == 422
    assert "Choisissez un sponsor dans la liste." in response.text
    db.session.expire_all()
    assert db.session.get(Article, newsroom.article.id).sponsor_id is None


def test_authors_cannot_set_a_sponsor_even_on_their_own_article(client, newsroom):
    log_in(client, newsroom.author)
    assert "Modifier le sponsor" not in client.get(f"/article/{newsroom.article.slug}").text
    response = client.post(sponsor_url(newsroom.article), headers=HX,
                           data={"sponsor": str(newsroom.sponsor.id)})  # fmt: skip
    assert response.status_code == 403
    assert client.get("/redaction/sponsors").status_code == 403


def test_anonymous_visitors_are_refused(client, newsroom):
    assert client.get(sponsor_url(newsroom.article) + "/modifier", headers=HX).status_code == 401
    response = client.post(sponsor_url(newsroom.article), headers=HX, data={"sponsor": "1"})
    assert response.status_code == 401 and "data-reauth" in response.text
    response = client.get("/redaction/sponsors")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


@pytest.mark.parametrize(
    "link, ok",
    [
        ("https://exemple.fr/", True),
        ("http://exemple.fr/page?x=1", True),
        ("", True),
        ("javascript:alert(1)", False),
        ("data:text/html,hi", False),
        ("//exemple.fr", False),
        ("exemple.fr", False),
        ("https://", False),
        ("https://exa mple.fr", False),
        ("ftp://exemple.fr", False),
    ],
)
def test_sponsor_links_are_http_or_https_only(client, newsroom, link, ok):
    log_in(client, newsroom.editor)
    response = client.post("/redaction/sponsors", data={"name": "Nouveau", "link": link})
    assert response.status_code == (303 if ok else 422), link
    stored = db.session.query(Sponsor).filter_by(name="Nouveau").one_or_none()
    assert (stored is not None) == ok
    if not ok:
        assert "Indiquez une adresse complète commençant par https://." in response.text
        assert link in response.text.replace("&amp;", "&") or not link.strip()


def test_sponsor_names_are_plain_text_and_required(client, newsroom):
    log_in(client, newsroom.editor)
    response = client.post("/redaction/sponsors", data={"name": "<script>x</script>", "link": ""})
    assert response.status_code == 422 and "Indiquez le nom du sponsor." in response.text
    response = client.post(f"/redaction/sponsors/{newsroom.sponsor.id}",
                           data={"name": "Banque <i>Nouvelle</i>", "link": ""})  # fmt: skip
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Sponsor, newsroom.sponsor.id).name == "Banque Nouvelle"


def test_a_won_inquiry_becomes_a_sponsor_in_one_step(client, newsroom):
    inquiry = make_inquiry(organisation="Les Ateliers <Réunis>")
    log_in(client, newsroom.editor)
    detail = client.get(f"/redaction/demandes/{inquiry.id}").text
    assert "Créer le sponsor" not in detail  # not won yet
    inquiry.status = InquiryStatus.WON
    db.session.commit()
    detail = client.get(f"/redaction/demandes/{inquiry.id}").text
    assert "Créer le sponsor" in detail
    response = client.post(f"/redaction/demandes/{inquiry.id}/sponsor")
    assert response.status_code == 303
    sponsor = db.session.query(Sponsor).filter_by(inquiry_id=inquiry.id).one()
    assert sponsor.name == "Les Ateliers <Réunis>" and sponsor.link == ""
    assert response.headers["Location"].endswith(f"/redaction/sponsors/{sponsor.id}")
    # A second click does not make a second sponsor; the page now links to it.
    assert client.post(f"/redaction/demandes/{inquiry.id}/sponsor").status_code == 303
    assert db.session.query(Sponsor).filter_by(inquiry_id=inquiry.id).count() == 1
    detail = client.get(f"/redaction/demandes/{inquiry.id}").text
    assert "Sponsor créé" in detail and "Créer le sponsor" not in detail
    # …and it is a choice on articles.
    form = client.get(sponsor_url(newsroom.article) + "/modifier", headers=HX).text
    assert "Les Ateliers &lt;Réunis&gt;" in form


def test_an_inquiry_not_won_cannot_become_a_sponsor(client, newsroom):
    inquiry = make_inquiry()
    log_in(client, newsroom.editor)
    assert client.post(f"/redaction/demandes/{inquiry.id}/sponsor").status_code == 400
    assert db.session.query(Sponsor).filter_by(inquiry_id=inquiry.id).count() == 0


def test_sponsor_in_json_ld_and_label_survive_csrf(app, newsroom):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    log_in(client, newsroom.editor)
    response = client.post(sponsor_url(newsroom.article), headers=HX,
                           data={"sponsor": str(newsroom.sponsor.id)})  # fmt: skip
    assert response.status_code == 400 and "data-reauth" in response.text
    db.session.expire_all()
    assert db.session.get(Article, newsroom.article.id).sponsor_id is None


def test_cached_pages_follow_the_sponsor_choice(client, newsroom):
    url = f"/article/{newsroom.article.slug}"
    assert "Contenu sponsorisé" not in client.get(url).text
    assert client.get(url).headers["X-Page-Cache"] == "hit"
    log_in(client, newsroom.editor)
    client.post(sponsor_url(newsroom.article), headers=HX, data={"sponsor": newsroom.sponsor.id})
    with client.session_transaction() as session:
        session.clear()
    assert "Contenu sponsorisé par" in client.get(url).text
    assert "Contenu sponsorisé par" in client.get("/").text
