"""The in-place editing contract (views/htmx.py), checked on each of its three blueprints.

Editor, corrections and sponsors share one login check, one CSRF handler and one Vary
rule. A form given back to someone logged out shows what they posted and nothing stored:
no sponsor list, no section list, no article version, no other text of the article.
"""

from __future__ import annotations

import re

import pytest

from models import Article, Sponsor, db
from models.content import ArticleStatus
from tests.factories import HX, log_in, make_article, make_section, make_user
from views.htmx import InPlaceEditing


@pytest.fixture
def newsroom(app):
    section = make_section("Politique", slug="politique")
    make_section("Rubrique secrète", slug="secrete")
    editor = make_user("Élise Éditrice", role="editor")
    article = make_article(
        "Titre stocké",
        section=section,
        standfirst="Chapô stocké",
        blocks=[("paragraph", {"html": "Paragraphe stocké."})],
    )
    draft = make_article(
        "Brouillon stocké", section=section, status=ArticleStatus.DRAFT, published_at=None
    )
    for name in ("Banque Confidentielle", "Assureur Discret"):
        db.session.add(Sponsor(name=name, link=""))
    db.session.commit()
    return type("Newsroom", (), dict(section=section, editor=editor, article=article,
                                      draft=draft))  # fmt: skip


@pytest.fixture(params=[False, True], ids=["no-session", "no-session-no-token"])
def anonymous(request, app):
    """A logged-out client, with CSRF checks off (the 401 path) or on (the 400 path)."""
    app.config["WTF_CSRF_ENABLED"] = request.param
    return app.test_client(), (400 if request.param else 401)


STORED = ("stocké", "Banque Confidentielle", "Assureur Discret", "Rubrique secrète")


def assert_typed_only(response, status, typed):
    text = response.get_data(as_text=True)
    assert response.status_code == status, text[:500]
    assert "data-reauth" in text and typed in text
    for stored in STORED:
        assert stored not in text, stored


def test_a_logged_out_save_of_a_part_gets_only_its_text_back(newsroom, anonymous):
    client, status = anonymous
    a = newsroom.article
    response = client.post(
        f"/redaction/articles/{a.id}/chapo",
        headers=HX,
        data={"chapo-standfirst": "Mon chapô tapé", "chapo-version": "7"},
    )
    assert_typed_only(response, status, "Mon chapô tapé")
    # The version posted, not the stored one: after logging in, a change made meanwhile
    # is a conflict to look at, not something silently saved over.
    assert 'name="chapo-version" type="hidden" value="7"' in response.get_data(as_text=True)


def test_a_logged_out_section_choice_keeps_the_choice_not_the_list(newsroom, anonymous):
    client, status = anonymous
    a = newsroom.article
    response = client.post(
        f"/redaction/articles/{a.id}/rubrique",
        headers=HX,
        data={"rubrique-section": str(newsroom.section.id), "rubrique-version": "1"},
    )
    assert_typed_only(response, status, "Votre choix (conservé)")
    assert "Politique" not in response.get_data(as_text=True)
    assert f'value="{newsroom.section.id}"' in response.get_data(as_text=True)


def test_a_logged_out_sponsor_choice_lists_no_sponsor(newsroom, anonymous):
    client, status = anonymous
    sponsor_id = db.session.scalars(db.select(Sponsor.id)).first()
    response = client.post(
        f"/redaction/articles/{newsroom.article.id}/sponsor",
        headers=HX,
        data={"sponsor": str(sponsor_id)},
    )
    assert_typed_only(response, status, "Votre choix (conservé)")
    assert re.search(rf'<option selected value="{sponsor_id}">', response.get_data(as_text=True))


def test_a_logged_out_block_save_and_new_block_get_only_their_text(newsroom, anonymous):
    client, status = anonymous
    block = newsroom.article.blocks[0]
    response = client.post(
        f"/redaction/blocs/{block.id}",
        headers=HX,
        data={f"bloc{block.id}-html": "Mon paragraphe tapé", f"bloc{block.id}-version": "1"},
    )
    assert_typed_only(response, status, "Mon paragraphe tapé")
    response = client.post(
        f"/redaction/articles/{newsroom.article.id}/blocs/nouveau/paragraph",
        headers=HX,
        data={"after": str(block.id), f"nouveau{block.id}-html": "Mon nouveau bloc"},
    )
    assert_typed_only(response, status, "Mon nouveau bloc")


def test_a_logged_out_correction_comes_back_only_on_a_live_article(newsroom, anonymous):
    client, status = anonymous
    response = client.post(
        f"/redaction/articles/{newsroom.article.id}/corrections",
        headers=HX,
        data={"text": "Ma correction tapée"},
    )
    assert_typed_only(response, status, "Ma correction tapée")
    response = client.post(
        f"/redaction/articles/{newsroom.draft.id}/corrections",
        headers=HX,
        data={"text": "Ma correction tapée"},
    )
    assert response.status_code == status and "stocké" not in response.get_data(as_text=True)


def test_nothing_is_saved_by_a_logged_out_request(newsroom, anonymous):
    client, _status = anonymous
    a = newsroom.article
    client.post(f"/redaction/articles/{a.id}/titre", headers=HX, data={"titre-headline": "X"})
    client.post(f"/redaction/articles/{a.id}/sponsor", headers=HX, data={"sponsor": "1"})
    db.session.expire_all()
    stored = db.session.get(Article, a.id)
    assert stored.headline == "Titre stocké" and stored.sponsor_id is None


@pytest.mark.parametrize(
    "url",
    [
        "/redaction/articles/{id}/titre/modifier",
        "/redaction/articles/{id}/corrections/nouvelle",
        "/redaction/articles/{id}/sponsor/modifier",
    ],
)
def test_logged_out_reads_get_a_bare_401_or_the_login_page(newsroom, client, url):
    url = url.format(id=newsroom.article.id)
    assert client.get(url, headers=HX).status_code == 401
    response = client.get(url)
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]


def test_every_editing_response_varies_on_hx_request_but_public_pages_do_not(newsroom, client):
    log_in(client, newsroom.editor)
    a = newsroom.article
    for url in (
        f"/redaction/articles/{a.id}/titre",
        f"/redaction/articles/{a.id}/corrections",
        f"/redaction/articles/{a.id}/sponsor",
        "/redaction",
    ):
        assert "HX-Request" in client.get(url, headers=HX).headers.get("Vary", ""), url
    assert "HX-Request" not in client.get("/corrections").headers.get("Vary", "")


def test_the_three_blueprints_use_the_one_contract(app):
    import views.corrections
    import views.editor
    import views.sponsors

    for module, saves in (
        (views.editor, {"editor.save_part", "editor.save_block", "editor.create_block"}),
        (views.corrections, {"corrections.create"}),
        (views.sponsors, {"sponsors.save_article_sponsor"}),
    ):
        assert isinstance(module.editing, InPlaceEditing)
        assert set(module.editing.forms_back) == saves
