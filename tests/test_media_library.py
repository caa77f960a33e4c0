"""The media library: crops around the focal point, where each image is used (MediaUse),
deleting and discarding, and the /redaction/medias pages (search, detail, focal point,
words, upload, delete, picker), with junk input and who may do what."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from models import Article, Media, Revision, db
from models.media import MediaUse
from services import images
from services.media import (
    MediaInUse,
    delete_media,
    discard_unused,
    media_ids_of,
    set_focal_point,
    store_upload,
    stored_names,
)
from tests.factories import HX, log_in, make_article, make_section, make_user
from tests.test_images_colour import P3, close, encode, patches

RED, GREY = (220, 20, 30), (128, 128, 128)


# --------------------------------------------------------------------------- helpers


def off_centre_subject(size=(1600, 600), box=(1300, 200, 1500, 400)) -> bytes:
    """A grey photo whose subject, a red square, sits far right of the centre."""
    picture = Image.new("RGB", size, GREY)
    picture.paste(RED, box)
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def plain_jpeg(size=(800, 600), colour="steelblue") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


def red_share(path) -> float:
    """The share of clearly red pixels in a stored file."""
    with Image.open(path) as stored:
        rgb = stored.convert("RGB")
        pixels = [rgb.getpixel((x, y)) for y in range(rgb.height) for x in range(rgb.width)]
    return sum(1 for r, g, b in pixels if r > 180 and g < 80 and b < 80) / len(pixels)


def files(root) -> set[str]:
    return {p.name for p in root.iterdir()} if root.exists() else set()


@pytest.fixture
def desk(app, media_root):
    section = make_section("Culture", slug="culture")
    author = make_user("Alice Autrice", role="author")
    other = make_user("Bruno Autre", role="author")
    editor = make_user("Élise Éditrice", role="editor")
    article = make_article(
        "Une exposition au Grand Palais",
        section=section,
        author=author,
        blocks=[("paragraph", {"html": "Premier paragraphe."})],
    )
    photo = store_upload(
        plain_jpeg(), media_root, author.id, alt="Façade de l’Église Saint-Étienne",
        caption="Le parvis un matin d’hiver", credit="Marie Dupont / AFP",
    )  # fmt: skip
    return type(
        "Desk", (), dict(author=author, other=other, editor=editor, article=article, photo=photo)
    )


def use_as_block(article: Article, media: Media) -> None:
    article.insert_block("image", {"media": media.token, "alt": "Une image"})
    article.record_revision(None, "Image ajoutée")
    db.session.commit()


# --------------------------------------------------------------------------- crops


def test_crop_box_keeps_the_focal_point_inside_and_the_ratio():
    assert images.crop_box(1600, 600, (1, 1), (0.5, 0.5)) == (500, 0, 1100, 600)
    assert images.crop_box(1600, 600, (1, 1), (0.875, 0.5)) == (1000, 0, 1600, 600)
    assert images.crop_box(1600, 600, (1, 1), (0.0, 0.5)) == (0, 0, 600, 600)
    assert images.crop_box(600, 1600, (16, 9), (0.5, 0.1)) == (0, 0, 600, 338)
    # Out of range is brought back in, never outside the image.
    assert images.crop_box(1600, 600, (4, 3), (7.0, -3.0)) == (800, 0, 1600, 600)


def test_crops_around_the_focal_point_keep_an_off_centre_subject(app, media_root):
    media = store_upload(off_centre_subject(), media_root, None)
    square = media_root / media.crop_filename("1x1")
    assert red_share(square) == 0  # centred: the subject is cut out
    set_focal_point(media, 0.875, 0.5, media_root)
    for name in ("1x1", "4x3", "16x9"):
        assert red_share(media_root / media.crop_filename(name)) > 0.05, name
    width, height = media.crops["16x9"]["width"], media.crops["16x9"]["height"]
    assert abs(width / height - 16 / 9) < 0.01


def test_a_new_focal_point_makes_new_files_and_removes_the_old(app, media_root):
    media = store_upload(off_centre_subject(), media_root, None)
    before = files(media_root)
    old_crops = {media.crop_filename(name) for name in media.crops}
    set_focal_point(media, 0.9, 0.4, media_root)
    assert not old_crops & files(media_root)  # cached for a year: never rewritten, gone
    assert {media.crop_filename(name) for name in media.crops} <= files(media_root)
    assert {media.filename(w) for w in media.variants} <= before & files(media_root)
    assert (media.focal_x, media.focal_y) == (0.9, 0.4)


@pytest.mark.parametrize("point", [(1.5, 0.5), (0.5, -0.1), (float("nan"), 0.5)])
def test_a_focal_point_outside_the_image_is_refused(app, media_root, point):
    media = store_upload(off_centre_subject(), media_root, None)
    crops = dict(media.crops)
    with pytest.raises(ValueError):
        set_focal_point(media, *point, media_root)
    db.session.rollback()
    assert db.session.get(Media, media.id).crops == crops


def test_crops_keep_the_colours_converted_to_srgb(app, media_root):
    """A Display P3 orange is stored as the sRGB orange; its crops show that orange too."""
    upload = encode(patches("RGB", [(230, 80, 21)] * 4), "JPEG", quality=95, icc_profile=P3)
    media = store_upload(upload, media_root, None)
    for name in ("1x1", "4x3", "16x9"):
        with Image.open(media_root / media.crop_filename(name)) as crop:
            middle = crop.convert("RGB").getpixel((crop.width // 2, crop.height // 2))
            assert close(middle, (249, 63, 0), tolerance=6), (name, middle)
            assert not crop.info.get("icc_profile")


# --------------------------------------------------------------------------- where used


def test_uses_follow_blocks_lead_images_deletes_and_restores(client, desk):
    article, photo = desk.article, desk.photo
    assert MediaUse.article_ids(photo.id) == []
    use_as_block(article, photo)
    assert MediaUse.article_ids(photo.id) == [article.id]
    block = next(b for b in article.blocks if b.kind == "image")
    [use] = db.session.scalars(db.select(MediaUse)).all()
    assert (use.role, use.block_id) == ("block", block.id)

    log_in(client, desk.editor)
    response = client.post(f"/redaction/blocs/{block.id}/supprimer", headers=HX)
    assert response.status_code == 200
    assert MediaUse.article_ids(photo.id) == []

    # Restoring the version that had the image brings its use back.
    revision = next(r for r in Revision.for_article(article.id) if r.summary == "Image ajoutée")
    response = client.post(
        f"/redaction/articles/{article.id}/historique/{revision.id}/restaurer", headers=HX
    )
    assert response.status_code == 204, response.text  # htmx reloads the page
    assert MediaUse.article_ids(photo.id) == [article.id]


def test_a_lead_image_is_a_use(app, desk):
    desk.article.lead_media, desk.article.lead_alt = desk.photo, "Une façade"
    desk.article.record_revision(None, "Image principale")
    db.session.commit()
    [use] = db.session.scalars(db.select(MediaUse)).all()
    assert (use.role, use.block_id, use.article_id) == ("lead", None, desk.article.id)


def test_deleting_an_image_in_use_is_refused_with_its_articles(app, desk, media_root):
    use_as_block(desk.article, desk.photo)
    with pytest.raises(MediaInUse) as refused:
        delete_media(desk.photo, media_root)
    assert [a.id for a in refused.value.articles] == [desk.article.id]
    assert db.session.get(Media, desk.photo.id) is not None
    assert set(stored_names(desk.photo)) <= files(media_root)


def test_discard_unused_deletes_only_what_no_article_uses(app, desk, media_root):
    spare = store_upload(plain_jpeg(colour="olive"), media_root, None)
    use_as_block(desk.article, desk.photo)
    spare_files = set(stored_names(spare))
    assert discard_unused([desk.photo.id, spare.id], media_root) == 1
    assert db.session.get(Media, spare.id) is None
    assert not spare_files & files(media_root)
    assert db.session.get(Media, desk.photo.id) is not None
    # Once the article is gone (the trash's purge), its images go too.
    used = media_ids_of([desk.article.id])
    assert used == {desk.photo.id}
    db.session.delete(db.session.get(Article, desk.article.id))
    db.session.commit()
    assert discard_unused(used, media_root) == 1
    assert discard_unused([], media_root) == 0


# --------------------------------------------------------------------------- the library's pages


def test_the_library_lists_and_searches_accents_and_case_aside(client, desk, media_root):
    store_upload(plain_jpeg(colour="olive"), media_root, None, alt="Un champ de blé")
    log_in(client, desk.author)
    page = client.get("/redaction/medias")
    assert page.status_code == 200
    assert "Façade de l’Église Saint-Étienne" in page.text and "Un champ de blé" in page.text
    for words in ("eglise", "ÉTIENNE", "dupont afp", "hiver"):
        found = client.get("/redaction/medias", query_string={"q": words}, headers=HX)
        assert "Saint-Étienne" in found.text and "blé" not in found.text, words
    nothing = client.get("/redaction/medias", query_string={"q": "zèbre"})
    assert "Aucune image ne correspond" in nothing.text
    # LIKE's own wildcards are searched for as themselves.
    assert "Saint-Étienne" not in client.get("/redaction/medias?q=%25").text.split("<main")[1]


def test_the_library_pages_by_keyset(client, desk, media_root):
    for n in range(25):
        store_upload(plain_jpeg(size=(64, 48)), media_root, None, alt=f"Image numéro {n}")
    log_in(client, desk.author)
    first = client.get("/redaction/medias").text
    assert "Image numéro 24" in first and "Saint-Étienne" not in first
    assert "Images plus anciennes" in first
    older = first.split('rel="next" href="')[1].split('"')[0].replace("&amp;", "&")
    assert "Saint-Étienne" in client.get(older).text
    assert client.get("/redaction/medias?avant=abc").status_code == 404


def test_the_detail_page_shows_sizes_crops_and_uses(client, desk):
    use_as_block(desk.article, desk.photo)
    log_in(client, desk.other)
    page = client.get(f"/redaction/medias/{desk.photo.id}")
    assert page.status_code == 200
    assert "800 × 600" in page.text and "480 × 360" in page.text
    assert desk.article.headline in page.text
    assert desk.photo.crop_filename("16x9") in page.text
    assert "Supprimer cette image" not in page.text  # not theirs, not an editor
    assert client.get("/redaction/medias/999999").status_code == 404


def test_delete_is_refused_in_use_with_the_articles_then_allowed(client, desk, media_root):
    use_as_block(desk.article, desk.photo)
    log_in(client, desk.editor)
    refused = client.post(f"/redaction/medias/{desk.photo.id}/supprimer")
    assert refused.status_code == 409
    assert "ne peut pas être supprimée" in refused.text and desk.article.headline in refused.text
    assert db.session.get(Media, desk.photo.id) is not None

    block = next(b for b in desk.article.blocks if b.kind == "image")
    client.post(f"/redaction/blocs/{block.id}/supprimer", headers=HX)
    names, photo_id = set(stored_names(desk.photo)), desk.photo.id
    deleted = client.post(f"/redaction/medias/{photo_id}/supprimer")
    assert deleted.status_code == 303
    assert "Image supprimée de la médiathèque." in client.get(deleted.location).text
    db.session.expire_all()
    assert db.session.get(Media, photo_id) is None
    assert not names & files(media_root)


def test_only_editors_and_the_uploader_change_or_delete_an_image(client, desk):
    log_in(client, desk.other)
    url = f"/redaction/medias/{desk.photo.id}"
    assert client.post(url + "/supprimer").status_code == 403
    assert client.post(url + "/point-focal", data={"x": "10", "y": "10"}).status_code == 403
    assert client.post(url, data={"alt": "Autre"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Media, desk.photo.id).alt == "Façade de l’Église Saint-Étienne"
    log_in(client, desk.author)  # the uploader
    assert client.post(url, data={"alt": "Façade", "credit": "AFP"}).status_code == 302
    db.session.expire_all()
    media = db.session.get(Media, desk.photo.id)
    assert (media.alt, media.credit, media.search_text) == ("Façade", "AFP", "facade  afp")


def test_the_focal_point_from_two_numbers(client, desk):
    log_in(client, desk.editor)
    old = dict(desk.photo.crops)
    response = client.post(
        f"/redaction/medias/{desk.photo.id}/point-focal", data={"x": "25", "y": "75,5"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    media = db.session.get(Media, desk.photo.id)
    assert (media.focal_x, media.focal_y) == (0.25, 0.755)
    assert media.crops["1x1"]["token"] != old["1x1"]["token"]


@pytest.mark.parametrize(
    "x, y",
    [("nan", "50"), ("1e999", "50"), ("-1", "50"), ("101", "50"), ("abc", "50"), ("", ""),
     ("9" * 400, "50"), ("50", "inf")],
)  # fmt: skip
def test_junk_focal_points_are_refused_in_french_and_change_nothing(client, desk, x, y):
    log_in(client, desk.editor)
    response = client.post(f"/redaction/medias/{desk.photo.id}/point-focal", data={"x": x, "y": y})
    assert response.status_code == 422
    assert "Indiquez deux nombres de 0 à 100" in response.text
    db.session.expire_all()
    assert (db.session.get(Media, desk.photo.id).focal_x) == 0.5


def test_uploading_to_the_library(client, desk, media_root):
    log_in(client, desk.other)
    response = client.post(
        "/redaction/medias",
        data={"image": (io.BytesIO(plain_jpeg()), "x.jpg"), "alt": "Un phare", "credit": "B. A."},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    media = db.session.scalar(db.select(Media).filter_by(alt="Un phare"))
    assert media.uploaded_by_id == desk.other.id and sorted(media.crops) == ["16x9", "1x1", "4x3"]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "pas une photo"),
        (b"not an image at all", "n’est pas une image"),
        (b"", "Choisissez une image"),
    ],
)
def test_uploading_junk_is_refused_in_french(client, desk, data, message):
    log_in(client, desk.author)
    form = {"alt": "Texte gardé"}
    if data:
        form["image"] = (io.BytesIO(data), "photo.jpg")
    response = client.post("/redaction/medias", data=form, content_type="multipart/form-data")
    assert response.status_code == 422 and message in response.text
    assert "Texte gardé" in response.text
    assert Media.query.count() == 1


def test_the_picker_searches_and_names_its_radio_buttons(client, desk, media_root):
    store_upload(plain_jpeg(colour="olive"), media_root, None, alt="Un champ de blé")
    log_in(client, desk.author)
    found = client.get("/redaction/medias/choix?champ=image-choice&q=ble", headers=HX)
    assert found.status_code == 200
    assert 'name="image-choice"' in found.text and "blé" in found.text
    assert "Saint-Étienne" not in found.text
    assert client.get("/redaction/medias/choix?champ=%3Cscript%3E", headers=HX).status_code == 404


def test_an_image_block_reuses_a_library_image_with_its_words(client, desk, media_root):
    log_in(client, desk.author)
    after = str(desk.article.blocks[0].id)
    prefix = f"nouveau{after}-"
    response = client.post(
        f"/redaction/articles/{desk.article.id}/blocs/nouveau/image",
        data={"after": after, prefix + "choice": desk.photo.token, prefix + "alt": ""},
        headers=HX,
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.text
    db.session.expire_all()
    [block] = [b for b in db.session.get(Article, desk.article.id).blocks if b.kind == "image"]
    assert block.data["media"] == desk.photo.token
    assert block.data["alt"] == "Façade de l’Église Saint-Étienne"
    assert block.data["credit"] == "Marie Dupont / AFP"
    assert MediaUse.article_ids(desk.photo.id) == [desk.article.id]
    assert len(files(media_root)) == len(stored_names(desk.photo))  # nothing uploaded again
    # A library image without alt text still needs one from the editor.
    bare = store_upload(plain_jpeg(colour="olive"), media_root, None)
    refused = client.post(
        f"/redaction/articles/{desk.article.id}/blocs/nouveau/image",
        data={"after": after, prefix + "choice": bare.token, prefix + "caption": "Gardée"},
        headers=HX,
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    assert "le texte alternatif est obligatoire" in refused.text and "Gardée" in refused.text
