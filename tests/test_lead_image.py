"""The lead image: edited in place as the "image" part (library or upload), restored with
the history, shown on the article, in teasers, JSON-LD, Open Graph and feeds, and the page
cache forgets what showed it when it changes."""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET

import pytest

from models import Article, Media, Revision, db
from models.media import MediaUse
from services.media import set_focal_point, store_upload
from tests.factories import HX, log_in, make_article, make_section, make_user
from tests.test_media_library import plain_jpeg

URL = "/redaction/articles/{id}/image"


@pytest.fixture
def desk(app, media_root):
    section = make_section("Culture", slug="culture")
    author = make_user("Alice Autrice", role="author")
    article = make_article(
        "Une exposition au Grand Palais",
        section=section,
        author=author,
        slug="exposition",
        standfirst="Un chapô.",
        blocks=[("paragraph", {"html": "Premier paragraphe."})],
    )
    photo = store_upload(
        plain_jpeg((1600, 1200)), media_root, author.id, alt="La nef du Grand Palais",
        caption="La verrière", credit="Marie Dupont / AFP",
    )  # fmt: skip
    bare = store_upload(plain_jpeg(colour="olive"), media_root, author.id)
    return type("Desk", (), dict(author=author, article=article, photo=photo, bare=bare))


def save(client, article, version=None, **fields):
    data = {f"image-{key}": value for key, value in fields.items()}
    data["image-version"] = str(article.version if version is None else version)
    return client.post(
        URL.format(id=article.id), data=data, headers=HX, content_type="multipart/form-data"
    )


def fresh(article) -> Article:
    db.session.expire_all()
    return db.session.get(Article, article.id)


# --------------------------------------------------------------------------- the part


def test_the_form_offers_the_library(client, desk):
    log_in(client, desk.author)
    form = client.get(URL.format(id=desk.article.id) + "/modifier", headers=HX)
    assert form.status_code == 200
    assert "Choisir dans la bibliothèque" in form.text
    assert f'name="image-choice" value="{desk.photo.token}"' in form.text
    assert 'enctype="multipart/form-data"' in form.text


def test_choosing_from_the_library_takes_its_words(client, desk):
    log_in(client, desk.author)
    response = save(client, desk.article, choice=desk.photo.token, alt="", caption="")
    assert response.status_code == 200, response.text
    article = fresh(desk.article)
    assert article.lead_media_id == desk.photo.id
    assert (article.lead_alt, article.lead_caption, article.lead_credit) == (
        "La nef du Grand Palais",
        "La verrière",
        "Marie Dupont / AFP",
    )
    assert 'class="lead-image"' in response.text and "Modifier l’image principale" in response.text
    assert [u.role for u in db.session.scalars(db.select(MediaUse))] == ["lead"]
    assert Revision.for_article(article.id)[0].snapshot["lead_media"] == desk.photo.token


def test_this_use_replaces_the_librarys_words(client, desk):
    log_in(client, desk.author)
    save(client, desk.article, choice=desk.photo.token, alt="La nef, vue d’en bas", credit="AFP")
    article = fresh(desk.article)
    assert (article.lead_alt, article.lead_credit) == ("La nef, vue d’en bas", "AFP")
    assert db.session.get(Media, desk.photo.id).alt == "La nef du Grand Palais"  # library kept


def test_alt_text_is_required_and_typed_text_is_kept(client, desk):
    log_in(client, desk.author)
    response = save(client, desk.article, choice=desk.bare.token, alt=" ", caption="Ma légende")
    assert response.status_code == 422
    assert "le texte alternatif est obligatoire" in response.text
    assert "Ma légende" in response.text
    assert f'value="{desk.bare.token}"' in response.text  # the chosen image is kept
    assert fresh(desk.article).lead_media_id is None


def test_uploading_in_place_fills_the_library(client, desk, media_root):
    log_in(client, desk.author)
    response = save(
        client,
        desk.article,
        image=(io.BytesIO(plain_jpeg()), "photo.jpg"),
        alt="Un phare breton",
        credit="B. A.",
    )
    assert response.status_code == 200, response.text
    article = fresh(desk.article)
    media = article.lead_media
    assert media.uploaded_by_id == desk.author.id
    assert (media.alt, media.credit) == ("Un phare breton", "B. A.")  # the library learns


def test_junk_uploads_and_tokens_are_refused_in_french(client, desk):
    log_in(client, desk.author)
    svg = save(client, desk.article, image=(io.BytesIO(b"<svg/>"), "x.jpg"), alt="Texte gardé")
    assert svg.status_code == 422 and "pas une photo" in svg.text and "Texte gardé" in svg.text
    gone = save(client, desk.article, choice="f" * 32, alt="Une image")
    assert gone.status_code == 422 and "plus dans la médiathèque" in gone.text
    long = save(client, desk.article, choice=desk.photo.token, alt="x" * 5000)
    assert long.status_code == 422
    assert fresh(desk.article).lead_media_id is None


def test_a_stale_form_is_a_conflict_and_removing_takes_the_image_off(client, desk):
    log_in(client, desk.author)
    loaded = desk.article.version
    save(client, desk.article, choice=desk.photo.token, alt="Première")
    conflict = save(client, desk.article, version=loaded, choice=desk.bare.token, alt="Seconde")
    assert conflict.status_code == 409
    assert fresh(desk.article).lead_alt == "Première"
    removed = save(client, fresh(desk.article), remove="y", alt="Première")
    assert removed.status_code == 200
    article = fresh(desk.article)
    assert article.lead_media_id is None and article.lead_alt == ""
    assert "Ajouter une image principale" in removed.text
    assert db.session.scalars(db.select(MediaUse)).all() == []


def test_a_logged_out_save_gets_its_text_back(client, desk):
    response = save(client, desk.article, choice=desk.photo.token, alt="Mon texte tapé")
    assert response.status_code == 401 and "Mon texte tapé" in response.text


def test_restoring_a_version_brings_the_lead_image_back(client, desk):
    log_in(client, desk.author)
    save(client, desk.article, choice=desk.photo.token, alt="Une nef")
    with_image = Revision.for_article(desk.article.id)[0]
    save(client, fresh(desk.article), remove="y")
    assert fresh(desk.article).lead_media_id is None
    client.post(
        f"/redaction/articles/{desk.article.id}/historique/{with_image.id}/restaurer", headers=HX
    )
    article = fresh(desk.article)
    assert (article.lead_media_id, article.lead_alt) == (desk.photo.id, "Une nef")
    assert MediaUse.article_ids(desk.photo.id) == [article.id]


# --------------------------------------------------------------------------- readers


@pytest.fixture
def illustrated(desk):
    article = desk.article
    article.lead_media, article.lead_alt = desk.photo, "La nef du Grand Palais"
    article.lead_credit = "Marie Dupont / AFP"
    article.record_revision(None, "Image principale")
    db.session.commit()
    return desk


def test_the_article_shows_its_lead_image_with_srcset_and_size(client, illustrated):
    page = client.get("/article/exposition").text
    figure = page.split('class="lead-image"')[1].split("</figure>")[0]
    token = illustrated.photo.token
    assert f'srcset="/medias/{token}-480.webp 480w' in figure
    assert 'width="800" height="600"' in figure and 'alt="La nef du Grand Palais"' in figure
    assert 'loading="lazy"' not in figure  # above the fold
    assert "Marie Dupont / AFP" in figure


def test_teasers_show_the_4x3_crop_lazily_below_the_fold(client, illustrated):
    crop = illustrated.photo.crops["4x3"]["token"]
    for url in ("/", "/rubrique/culture", f"/auteur/{illustrated.author.slug}"):
        page = client.get(url).text
        assert f"/medias/{crop}-" in page, url
        img = re.search(r'<img class="teaser-image"[^>]*>', page)[0]
        assert 'alt=""' in img and "width=" in img and "height=" in img
    for n in range(3):
        make_article(
            f"Article {n}",
            section=illustrated.article.section,
            lead_media=illustrated.photo,
            lead_alt="x",
        )
    teasers = re.findall(r'<img class="teaser-image"[^>]*>', client.get("/").text)
    assert ['loading="lazy"' in img for img in teasers] == [False, False, True, True]


def test_json_ld_and_social_cards_carry_the_crops_as_full_urls(client, illustrated):
    page = client.get("/article/exposition").text
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    [article] = [d for d in map(json.loads, blocks) if d["@type"] == "NewsArticle"]
    crops = illustrated.photo.crops
    assert article["image"] == [
        f"http://localhost/medias/{crops[name]['token']}-{crops[name]['width']}.webp"
        for name in ("16x9", "4x3", "1x1")
    ]
    social = f"http://localhost/medias/{crops['16x9']['token']}-1200.webp"
    assert f'<meta property="og:image" content="{social}">' in page
    assert '<meta property="og:image:width" content="1200">' in page
    assert '<meta property="og:image:height" content="675">' in page
    assert '<meta property="og:image:alt" content="La nef du Grand Palais">' in page
    assert '<meta name="twitter:card" content="summary_large_image">' in page


def test_feeds_carry_the_image_as_an_enclosure(client, illustrated, media_root):
    crops = illustrated.photo.crops["16x9"]
    name = f"{crops['token']}-{crops['width']}.webp"
    rss = ET.fromstring(client.get("/flux.rss").data)
    enclosure = rss.find("channel/item/enclosure")
    assert enclosure.attrib == {
        "url": f"http://localhost/medias/{name}",
        "length": str((media_root / name).stat().st_size),
        "type": "image/webp",
    }
    atom = ET.fromstring(client.get("/flux.atom").data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    link = atom.find("a:entry/a:link[@rel='enclosure']", ns)
    assert link.attrib["href"] == f"http://localhost/medias/{name}"
    assert int(link.attrib["length"]) > 0 and link.attrib["type"] == "image/webp"


# --------------------------------------------------------------------------- page cache


def cached(client, url) -> str:
    first = client.get(url)
    assert client.get(url).headers.get("X-Page-Cache") == "hit", url
    return first.text


def test_changing_the_lead_image_renews_the_article_and_its_lists(client, desk):
    for url in ("/article/exposition", "/", "/rubrique/culture"):
        assert desk.photo.token not in cached(client, url)
    log_in(client, desk.author)
    assert save(client, desk.article, choice=desk.photo.token, alt="Une nef").status_code == 200
    client.delete_cookie("session")
    crop = desk.photo.crops["4x3"]["token"]
    assert desk.photo.token in client.get("/article/exposition").text
    assert crop in client.get("/").text and crop in client.get("/rubrique/culture").text


def test_a_new_focal_point_renews_the_pages_using_the_image(client, illustrated, media_root):
    old = illustrated.photo.crops["4x3"]["token"]
    assert old in cached(client, "/")
    assert illustrated.photo.crops["16x9"]["token"] in cached(client, "/article/exposition")
    set_focal_point(db.session.get(Media, illustrated.photo.id), 0.2, 0.3, media_root)
    new = db.session.get(Media, illustrated.photo.id).crops
    assert new["4x3"]["token"] in client.get("/").text
    assert new["16x9"]["token"] in client.get("/article/exposition").text


def test_new_library_words_renew_the_pages_using_the_image(client, illustrated):
    """The article keeps its own words, yet its pages are rendered again: a use may show
    the library's, and nothing stale may stay cached."""
    cached(client, "/article/exposition")
    editor = make_user("Élise Éditrice", role="editor")
    log_in(client, editor)
    saved = client.post(
        f"/redaction/medias/{illustrated.photo.id}", data={"alt": "Nouveau", "credit": "AFP"}
    )
    assert saved.status_code == 302
    client.delete_cookie("session")
    assert client.get("/article/exposition").headers.get("X-Page-Cache") == "miss"


def test_junk_searches_never_fail(client, illustrated):
    log_in(client, illustrated.author)
    for q in ("x" * 10_000, "%_\\", "\x00", "' OR 1=1 --", "é" * 300):
        assert client.get("/redaction/medias", query_string={"q": q}).status_code == 200
        assert (
            client.get("/redaction/medias/choix", query_string={"q": q}, headers=HX).status_code
            == 200
        )


def test_without_javascript_the_search_button_brings_the_form_back_with_results(client, desk):
    log_in(client, desk.author)
    data = {"image-q": "verriere", "image-search": "Rechercher", "image-alt": "Mon texte"}
    data["image-version"] = str(desk.article.version)
    response = client.post(URL.format(id=desk.article.id), data=data)  # a plain browser post
    assert response.status_code == 422
    assert f'value="{desk.photo.token}"' in response.text  # found by its caption
    assert f'value="{desk.bare.token}"' not in response.text
    assert "Mon texte" in response.text and "résultats de la recherche" in response.text
    assert fresh(desk.article).lead_media_id is None
