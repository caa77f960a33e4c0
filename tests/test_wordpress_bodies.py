"""WordPress post bodies as Gazette blocks (services/wordpress/bodies.py).

Small cases per Gutenberg block and per classic-editor feature, a real-looking post of
each format (tests/data/wordpress/*.html), hostile input, malformed block comments,
Unicode at the boundary, and properties: convert_body never raises, and every piece it
returns is what the editor's own form would store for it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from bleach._vendor import html5lib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from models.content import STANDFIRST_MAX, BlockKind
from models.media import ALT_MAX
from models.text import to_plain_text
from services import embeds
from services.richtext import clean_html
from services.wordpress import bodies, classic
from services.wordpress.bodies import COUNT_LABELS, BodyPiece, convert_body, first_sentence
from services.wordpress.gutenberg import parse_blocks

DATA = Path(__file__).parent / "data"
YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
YOUTUBE_EMBED = embeds.recognise(YOUTUBE).block_data()


def block(name: str, inner: str = "", attrs: dict | None = None) -> str:
    """A block as the block editor serialises it."""
    attributes = f" {json.dumps(attrs, ensure_ascii=False)}" if attrs else ""
    if not inner:
        return f"<!-- wp:{name}{attributes} /-->"
    return f"<!-- wp:{name}{attributes} -->\n{inner}\n<!-- /wp:{name} -->"


def pieces(content: str) -> list[tuple[str, dict]]:
    return [(piece.kind, piece.data) for piece in convert_body(content).pieces]


def paragraph(html: str) -> tuple[str, dict]:
    return ("paragraph", {"html": html})


def image(source: str, attachment: int | None, alt: str = "", caption: str = "") -> tuple:
    return (
        "image",
        {
            "source_url": source,
            "attachment_id": attachment,
            "alt": alt,
            "caption": caption,
            "credit": "",
        },
    )


# --------------------------------------------------------------------------- validity


def check_piece(piece: BodyPiece) -> None:
    """The piece has its kind's exact shape, within the editor's limits, and its text is
    a fixed point of the sanitiser (cleaning it again changes nothing)."""
    data = piece.data
    assert piece.kind in {kind.value for kind in BlockKind}

    def plain(value: str, limit: int, required: bool = False) -> None:
        assert isinstance(value, str) and len(value) <= limit
        assert clean_html(value, "plain").html == value
        assert "\n" not in value
        assert value or not required

    def rich(value: str, kind: str, limit: int) -> None:
        assert clean_html(value, kind).html == value
        assert to_plain_text(value) and len(value) <= limit and "\n" not in value

    if piece.kind == "paragraph":
        assert set(data) == {"html"}
        rich(data["html"], "paragraph", bodies.PARAGRAPH_MAX)
        assert "<br><br>" not in data["html"]  # the editor would split it
    elif piece.kind == "heading":
        assert set(data) == {"text", "level"} and data["level"] in (2, 3)
        plain(data["text"], bodies.HEADING_MAX, required=True)
    elif piece.kind == "quote":
        assert set(data) == {"text", "attribution"}
        plain(data["text"], bodies.PLAIN_MAX, required=True)
        plain(data["attribution"], bodies.SHORT_MAX)
    elif piece.kind == "list":
        assert set(data) == {"items", "ordered"} and isinstance(data["ordered"], bool)
        assert data["items"]
        for item in data["items"]:
            rich(item, "list_item", bodies.LIST_ITEM_MAX)
    elif piece.kind == "image":
        assert set(data) == {"source_url", "attachment_id", "alt", "caption", "credit"}
        source, attachment = data["source_url"], data["attachment_id"]
        assert isinstance(source, str) and (attachment is None or type(attachment) is int)
        assert source or attachment is not None
        scheme = re.match(r"([a-zA-Z][a-zA-Z0-9+.\-]*):", source)
        assert scheme is None or scheme[1].lower() in ("http", "https")
        plain(data["alt"], ALT_MAX)
        plain(data["caption"], bodies.PLAIN_MAX)
        assert data["credit"] == ""
    else:
        recognised = embeds.recognise(data["url"])
        assert data == recognised.block_data(title="", caption=data["caption"])
        plain(data["caption"], bodies.PLAIN_MAX)


@pytest.fixture(scope="module")
def editor_app():
    """An application for the editor's forms (no database is touched)."""
    from app import create_app
    from tests.conftest import base_config

    return create_app(base_config("sqlite://"))


def saved_by_editor(app, piece: BodyPiece) -> list[dict]:
    """What the editor's own form stores when given the piece's data (views/editor/forms.py)."""
    from views.editor import forms

    data = piece.data
    if piece.kind == "paragraph":
        form_class, posted = forms.ParagraphForm, [("html", data["html"])]
    elif piece.kind == "heading":
        form_class, posted = forms.HeadingForm, [("text", data["text"]), ("level", data["level"])]
    elif piece.kind == "quote":
        form_class = forms.QuoteForm
        posted = [("text", data["text"]), ("attribution", data["attribution"])]
    elif piece.kind == "list":
        form_class = forms.ListForm
        posted = [(f"items-{i}", item) for i, item in enumerate(data["items"])]
        posted += [("ordered", "y")] if data["ordered"] else []
    else:
        form_class = forms.EmbedForm
        posted = [("url", data["url"]), ("title", ""), ("caption", data["caption"])]
    with app.test_request_context(method="POST", data=MultiDict(posted)):
        form = form_class()
        assert form.validate(), form.errors
        return form.blocks_data()


def check_with_editor(app, result) -> None:
    for piece in result.pieces:
        check_piece(piece)
        if piece.kind != "image":  # images are stored by the loader, not yet here
            assert saved_by_editor(app, piece) == [piece.data]


# --------------------------------------------------------------------------- real-looking posts


def test_gutenberg_post(editor_app):
    result = convert_body((DATA / "wordpress" / "gutenberg-post.html").read_text())
    uploads = "https://exemple-info.fr/wp-content/uploads/2023/05/"
    assert [(p.kind, p.data) for p in result.pieces] == [
        paragraph(
            "Le conseil municipal de Saint-Brieuc a voté, lundi soir, la rénovation complète "
            "de la halle Georges-Brassens. Un chantier attendu depuis\u00a02014 par les "
            "commerçants du centre-ville."
        ),
        paragraph(
            "« C’est une <strong>bonne nouvelle</strong> pour tout le quartier », se réjouit "
            "Annick Le Gall, fromagère depuis vingt ans. Le détail du vote est "
            '<a href="https://www.saint-brieuc.fr/deliberations/2023-05">en ligne</a>.'
        ),
        ("heading", {"text": "Un budget de 4,2\u00a0millions d’euros", "level": 2}),
        (
            "list",
            {
                "items": [
                    "Toiture et charpente refaites à neuf",
                    "Nouveaux étals :",
                    "poissonnerie",
                    "primeurs",
                ],
                "ordered": False,
            },
        ),
        (
            "quote",
            {
                "text": "Nous voulons une halle ouverte six jours sur sept.",
                "attribution": "Hervé Guihard, maire",
            },
        ),
        image(
            uploads + "halle-brassens-1024x683.jpg",
            1287,
            "La halle Georges-Brassens un samedi matin",
            "La halle, un samedi matin de mai.",
        ),
        paragraph("Les travaux commenceront en janvier."),
        paragraph("Le marché sera déplacé place du Chai."),
        ("embed", {**YOUTUBE_EMBED, "caption": "Le débat du conseil municipal"}),
        ("quote", {"text": "La halle, c’est le cœur de la ville.", "attribution": "Une habitante"}),
        paragraph("Horaires provisoires : <strong>8\u00a0h – 13\u00a0h</strong>"),
        image(uploads + "etal-1.jpg", 1301, "Un étal de fromages"),
        image(uploads + "etal-2.jpg", 1302),
        paragraph("Plan d’accès à la halle"),
        paragraph("Un mot ajouté hors des blocs."),
        paragraph("Et un second paragraphe."),
    ]
    assert result.counts == {
        "nested_list": 1,
        "separator": 1,
        "layout_flattened": 1,
        "html_kept": 1,
        "unknown_block": 1,
        # target and rel of the link; <em> in the caption (a plain field)
        "removed_attribut": 2,
        "removed_balise": 1,
    }
    assert result.notes == [
        "bloc jetpack/map inconnu : gardé comme texte",
        "nettoyage du texte : 2 attributs et 1 balise ont été retirés.",
    ]
    check_with_editor(editor_app, result)


def test_classic_post(editor_app):
    result = convert_body((DATA / "wordpress" / "classic-post.html").read_text())
    assert [(p.kind, p.data) for p in result.pieces] == [
        paragraph(
            "Le festival des Rias a refermé ses portes dimanche soir après quatre jours de "
            "spectacles de rue.<br>Plus de 40\u00a0000 spectateurs selon les organisateurs."
        ),
        paragraph(
            "La compagnie <em>Les Souffleurs</em> a ouvert la soirée d'ouverture, "
            "sur le port de Doëlan."
        ),
        image(
            "https://exemple-info.fr/wp-content/uploads/2018/08/rias-souffleurs-1024x683.jpg",
            845,
            "Les Souffleurs sur le port",
            "Les Souffleurs, samedi, sur le port de Doëlan.",
        ),
        ("heading", {"text": "Une programmation « plus audacieuse »", "level": 3}),
        paragraph("Le directeur artistique l’assume :"),
        ("quote", {"text": "On a pris des risques, et le public a suivi.", "attribution": ""}),
        paragraph("Au programme cette année :"),
        ("list", {"items": ["32 compagnies", "12 créations"], "ordered": False}),
        ("embed", YOUTUBE_EMBED),
        image("", 851),
        image("", 852),
        image("", 853),
        paragraph('Pour écrire à la rédaction : [contact-form-7 id="3" title="Contact"]'),
    ]
    assert result.counts == {"more": 1, "unknown_shortcode": 1}
    assert result.notes == ["code court [contact-form-7] inconnu : gardé comme texte"]
    check_with_editor(editor_app, result)


def test_every_count_key_has_a_french_label():
    keys = set()
    for name in ("gutenberg-post.html", "classic-post.html"):
        keys |= set(convert_body((DATA / "wordpress" / name).read_text()).counts)
    assert keys <= set(COUNT_LABELS)
    source = Path(bodies.__file__).read_text()
    written = set(re.findall(r'counts\["([a-z_]+)"\]', source))
    assert written <= set(COUNT_LABELS), written - set(COUNT_LABELS)
    assert all(label and label == label.strip() for label in COUNT_LABELS.values())


# --------------------------------------------------------------------------- Gutenberg: text blocks


def test_paragraph_keeps_inline_formatting_and_decodes_entities_once():
    content = block("paragraph", "<p>L’été &amp; <em>l’hiver</em>&nbsp;: &amp;amp; “ok”</p>")
    assert pieces(content) == [paragraph("L’été &amp; <em>l’hiver</em>\u00a0: &amp;amp; “ok”")]


def test_typography_is_left_as_written():
    """No no-break space added before ":" or "?", quotes untouched: display does that."""
    text = 'Il dit : "oui" ? C\'est « fini » !'
    assert pieces(block("paragraph", f"<p>{text}</p>")) == [paragraph(html_text(text))]


def html_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def test_empty_paragraphs_are_dropped_without_a_count():
    content = block("paragraph", "<p></p>") + block("paragraph", "<p>&nbsp; </p>")
    content += block("paragraph", "<p><br></p>")
    result = convert_body(content)
    assert result.pieces == [] and result.counts == {} and result.notes == []


def test_a_blank_line_inside_a_paragraph_makes_two_as_the_editor_does():
    content = block("paragraph", "<p>Un<br>deux<br><br>trois</p>")
    assert pieces(content) == [paragraph("Un<br>deux"), paragraph("trois")]


def test_source_newlines_in_a_paragraph_are_spaces():
    assert pieces(block("paragraph", "<p>Un\ndeux</p>")) == [paragraph("Un deux")]


@pytest.mark.parametrize(
    ("attrs", "tag", "level"),
    [(None, "h2", 2), (None, "h3", 3), ({"level": 1}, "h1", 2), ({"level": 4}, "h4", 3),
     ({"level": 6}, "h6", 3), ({"level": 3}, "h3", 3), (None, "h5", 3)],
)  # fmt: skip
def test_heading_levels(attrs, tag, level):
    content = block("heading", f'<{tag} class="wp-block-heading">Le <em>titre</em></{tag}>', attrs)
    assert pieces(content) == [("heading", {"text": "Le titre", "level": level})]


def test_namespaced_and_short_block_names_are_the_same_block():
    short = block("paragraph", "<p>Texte</p>")
    assert pieces(short) == pieces(block("core/paragraph", "<p>Texte</p>"))


def test_a_heading_too_long_for_a_heading_becomes_a_paragraph():
    text = "mot " * 100
    result = convert_body(block("heading", f"<h2>{text}</h2>"))
    assert [p.kind for p in result.pieces] == ["paragraph"]
    assert result.counts == {"too_long": 1}


def test_list_old_format_with_nested_list():
    inner = "<ol><li>Un<ul><li>Un-a</li><li>Un-b</li></ul></li><li>Deux</li></ol>"
    result = convert_body(block("list", inner, {"ordered": True}))
    assert [(p.kind, p.data) for p in result.pieces] == [
        ("list", {"items": ["Un", "Un-a", "Un-b", "Deux"], "ordered": True})
    ]
    assert result.counts == {"nested_list": 1}


def test_list_ordered_is_read_from_the_markup_without_the_attribute():
    assert pieces(block("list", "<ol><li>Un</li></ol>")) == [
        ("list", {"items": ["Un"], "ordered": True})
    ]


def test_list_items_keep_links_and_emphasis():
    inner = '<ul><li><a href="https://exemple.fr">Lien</a> et <strong>gras</strong></li></ul>'
    assert pieces(block("list", inner)) == [
        (
            "list",
            {
                "items": ['<a href="https://exemple.fr">Lien</a> et <strong>gras</strong>'],
                "ordered": False,
            },
        )
    ]


def test_list_with_list_item_blocks():
    items = block("list-item", "<li>Premier</li>") + block("list-item", "<li>Second</li>")
    content = block("list", f"<ul>{items}</ul>")
    assert pieces(content) == [("list", {"items": ["Premier", "Second"], "ordered": False})]


def test_quote_with_citation_as_attribution_wordpress_5():
    inner = (
        '<blockquote class="wp-block-quote"><p>Premier temps.</p><p>Second temps.</p>'
        "<cite>Marie <em>Curie</em></cite></blockquote>"
    )
    assert pieces(block("quote", inner)) == [
        ("quote", {"text": "Premier temps. Second temps.", "attribution": "Marie Curie"})
    ]


def test_quote_without_citation():
    inner = '<blockquote class="wp-block-quote"><p>Seule.</p></blockquote>'
    assert pieces(block("quote", inner)) == [("quote", {"text": "Seule.", "attribution": ""})]


def test_pullquote():
    inner = (
        '<figure class="wp-block-pullquote"><blockquote><p>Tout va bien.</p>'
        "<cite>Le préfet</cite></blockquote></figure>"
    )
    assert pieces(block("pullquote", inner)) == [
        ("quote", {"text": "Tout va bien.", "attribution": "Le préfet"})
    ]


# --------------------------------------------------------------------------- Gutenberg: images, embeds


def test_image_block_with_link_caption_alt_and_id():
    inner = (
        '<figure class="wp-block-image size-large"><a href="https://ex.fr/grande.jpg">'
        '<img src="/wp-content/uploads/2021/02/port.jpg" alt="Le port &amp; ses bateaux" '
        'class="wp-image-77"/></a><figcaption>Le port, <strong>hier</strong>.</figcaption></figure>'
    )
    assert pieces(block("image", inner, {"id": 77, "sizeSlug": "large"})) == [
        image("/wp-content/uploads/2021/02/port.jpg", 77, "Le port & ses bateaux", "Le port, hier.")
    ]


def test_image_id_from_its_class_when_the_attributes_lack_it():
    inner = '<figure><img src="https://ex.fr/a.jpg" alt="A" class="wp-image-9"/></figure>'
    assert pieces(block("image", inner)) == [image("https://ex.fr/a.jpg", 9, "A")]


def test_image_block_without_image_is_dropped_and_counted():
    result = convert_body(block("image", "<figure></figure>"))
    assert result.pieces == [] and result.counts == {"image_without_source": 1}


def test_image_with_a_javascript_source_is_refused():
    inner = '<figure><img src="javascript:alert(1)" alt="x"/></figure>'
    result = convert_body(block("image", inner))
    assert result.pieces == []
    assert result.counts == {"image_bad_source": 1}
    assert result.notes == ["image à l’adresse javascript: refusée"]


def test_gallery_old_format_ids_and_captions():
    inner = (
        '<figure class="wp-block-gallery columns-2"><ul class="blocks-gallery-grid">'
        '<li class="blocks-gallery-item"><figure><img src="https://ex.fr/1.jpg" alt="Un" '
        'data-id="11" class="wp-image-11"/><figcaption class="blocks-gallery-item__caption">'
        "Première</figcaption></figure></li>"
        '<li class="blocks-gallery-item"><figure><img src="https://ex.fr/2.jpg" alt="Deux" '
        'data-id="12"/></figure></li></ul></figure>'
    )
    assert pieces(block("gallery", inner, {"ids": [11, 12]})) == [
        image("https://ex.fr/1.jpg", 11, "Un", "Première"),
        image("https://ex.fr/2.jpg", 12, "Deux"),
    ]


def test_gallery_known_by_ids_alone():
    assert pieces(block("gallery", "", {"ids": [3, 4]})) == [image("", 3), image("", 4)]


def test_gallery_with_inner_image_blocks_and_a_caption():
    one = block("image", '<figure><img src="https://ex.fr/1.jpg" alt="Un"/></figure>', {"id": 1})
    two = block("image", '<figure><img src="https://ex.fr/2.jpg" alt="Deux"/></figure>', {"id": 2})
    inner = (
        f'<figure class="wp-block-gallery has-nested-images">{one}{two}'
        '<figcaption class="blocks-gallery-caption">Le marché</figcaption></figure>'
    )
    result = convert_body(block("gallery", inner))
    assert [(p.kind, p.data) for p in result.pieces] == [
        image("https://ex.fr/1.jpg", 1, "Un"),
        image("https://ex.fr/2.jpg", 2, "Deux"),
        paragraph("Le marché"),
    ]
    assert result.counts == {"gallery_caption": 1}


def embed_markup(url: str, caption: str = "") -> str:
    figcaption = f"<figcaption>{caption}</figcaption>" if caption else ""
    return (
        '<figure class="wp-block-embed"><div class="wp-block-embed__wrapper">\n'
        f"{url}\n</div>{figcaption}</figure>"
    )


def test_embed_block_is_built_as_the_editor_builds_it():
    content = block("embed", embed_markup(YOUTUBE, "La <em>vidéo</em>"), {"url": YOUTUBE})
    assert pieces(content) == [("embed", {**YOUTUBE_EMBED, "caption": "La vidéo"})]


def test_legacy_core_embed_blocks():
    url = "https://vimeo.com/76979871"
    content = block("core-embed/vimeo", embed_markup(url), {"url": url})
    assert pieces(content) == [("embed", embeds.recognise(url).block_data())]


def test_embed_url_read_from_the_wrapper_when_attributes_lack_it():
    assert pieces(block("embed", embed_markup(YOUTUBE))) == [("embed", YOUTUBE_EMBED)]


def test_an_unrecognised_embed_is_kept_as_a_link_and_counted():
    url = "https://www.facebook.com/gazette/posts/123"
    result = convert_body(block("embed", embed_markup(url, "Sur Facebook"), {"url": url}))
    assert [(p.kind, p.data) for p in result.pieces] == [
        paragraph(f'<a href="{url}">{url}</a>'),
        paragraph("Sur Facebook"),
    ]
    assert result.counts == {"embed_unrecognised": 1}
    assert result.notes == [f"contenu intégré non reconnu ({url}) : gardé comme lien"]


# --------------------------------------------------------------------------- Gutenberg: the rest


def test_separator_and_spacer_are_dropped_and_counted():
    content = block("paragraph", "<p>Avant</p>") + block(
        "separator", '<hr class="wp-block-separator"/>'
    )
    content += block("spacer", '<div style="height:40px" aria-hidden="true"></div>')
    content += "<!-- wp:separator /-->" + block("paragraph", "<p>Après</p>")
    result = convert_body(content)
    assert [(p.kind, p.data) for p in result.pieces] == [paragraph("Avant"), paragraph("Après")]
    assert result.counts == {"separator": 3}


def test_more_and_nextpage_blocks_are_dropped_and_counted():
    content = block("more", "<!--more-->") + block("nextpage", "<!--nextpage-->")
    result = convert_body(content + block("paragraph", "<p>Suite</p>"))
    assert result.counts == {"more": 2} and len(result.pieces) == 1


def test_html_block_with_harmless_markup_is_a_paragraph():
    result = convert_body(block("html", '<div class="encadre"><b>À lire</b> aussi</div>'))
    assert [(p.kind, p.data) for p in result.pieces] == [paragraph("<strong>À lire</strong> aussi")]
    assert result.counts == {"html_kept": 1}


def test_html_block_with_a_youtube_iframe_is_an_embed():
    frame = '<iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ" allowfullscreen></iframe>'
    result = convert_body(block("html", frame))
    assert [(p.kind, p.data) for p in result.pieces] == [("embed", YOUTUBE_EMBED)]


@pytest.mark.parametrize(
    ("markup", "reason"),
    [
        ("<p>Texte</p><script>alert(1)</script>", "un <script>"),
        ('<p onclick="alert(1)">Texte</p>', "un attribut onclick"),
        ('<img src="x" onerror="alert(1)">Texte', "un attribut onerror"),
        ('<a href="javascript:alert(1)">Texte</a>', "un lien javascript:"),
        ('<a href=" java\tscript:alert(1)">Texte</a>', "un lien javascript:"),
        ('<a href="data:text/html,&lt;script&gt;">Texte</a>', "un lien data:"),
        ('<img src="vbscript:x">Texte', "un lien vbscript:"),
        ("<svg><g onload=alert(1)></g></svg>Texte", "un <svg>"),
        (
            '<iframe src="https://evil.example/x"></iframe>Texte',
            "un <iframe> d’un site non reconnu",
        ),
        ("<style>body{display:none}</style>Texte", "un <style>"),
        ("<!-- rien -->", None),
        ("<div> </div>", None),
    ],
)
def test_html_block_refused(markup, reason):
    result = convert_body(block("html", markup))
    assert result.pieces == []
    assert result.counts == {"html_refused": 1}
    said = f"contient {reason}" if reason else "ne contient aucun texte"
    assert result.notes == [f"bloc core/html refusé : {said}"]


def test_columns_and_groups_are_flattened_in_order():
    def column(text):
        paragraph_block = block("paragraph", f"<p>{text}</p>")
        return block("column", f'<div class="wp-block-column">{paragraph_block}</div>')

    columns = block("columns", f'<div class="wp-block-columns">{column("A")}{column("B")}</div>')
    group = block(
        "group", f'<div class="wp-block-group">{block("heading", "<h2>C</h2>")}{columns}</div>'
    )
    result = convert_body(group + block("paragraph", "<p>D</p>"))
    assert [(p.kind, p.data) for p in result.pieces] == [
        ("heading", {"text": "C", "level": 2}),
        paragraph("A"),
        paragraph("B"),
        paragraph("D"),
    ]
    assert result.counts == {"layout_flattened": 2}


def test_unknown_blocks_keep_their_text_and_are_counted():
    content = block("acme/encadre", '<div class="acme"><p>À savoir</p><h3>Titre</h3></div>')
    content += '<!-- wp:latest-posts {"postsToShow":3} /-->'
    result = convert_body(content)
    assert [(p.kind, p.data) for p in result.pieces] == [
        paragraph("À savoir"),
        ("heading", {"text": "Titre", "level": 3}),
    ]
    assert result.counts == {"unknown_block": 2}
    assert result.notes == [
        "bloc acme/encadre inconnu : gardé comme texte",
        "bloc core/latest-posts inconnu, sans contenu enregistré : ignoré",
    ]


def test_reusable_block_reference_is_counted():
    result = convert_body('<!-- wp:block {"ref":812} /-->')
    assert result.pieces == [] and result.counts == {"reusable_block": 1}
    assert result.notes == ["bloc réutilisable n° 812 : non importé (son contenu est ailleurs)"]


def test_freeform_between_blocks_and_classic_blocks_are_classic_html():
    content = "Avant\nle bloc.\n\nDeuxième.\n" + block("paragraph", "<p>Bloc</p>")
    content += block(
        "freeform",
        'Classique\n\n[caption id="attachment_5"]<img src="https://ex.fr/c.jpg" alt="C"/> Légende[/caption]',
    )
    assert pieces(content) == [
        paragraph("Avant<br>le bloc."),
        paragraph("Deuxième."),
        paragraph("Bloc"),
        paragraph("Classique"),
        image("https://ex.fr/c.jpg", 5, "C", "Légende"),
    ]


def test_table_preformatted_and_code_keep_their_text():
    table = '<figure class="wp-block-table"><table><tr><td>Lundi</td><td>8 h</td></tr><tr><td>Mardi</td><td>9 h</td></tr></table></figure>'
    content = block("table", table) + block("preformatted", "<pre>ligne 1\nligne 2</pre>")
    result = convert_body(content)
    assert [(p.kind, p.data) for p in result.pieces] == [
        paragraph("Lundi | 8 h<br>Mardi | 9 h"),
        paragraph("ligne 1<br>ligne 2"),
    ]
    assert result.counts == {"table_as_text": 1, "preformatted": 1}


def test_what_the_sanitiser_takes_out_of_a_table_is_counted():
    table = '<table><tr><td><a href="javascript:alert(1)">Tarifs</a></td><td onclick="x()">5 €</td></tr></table>'
    result = convert_body(table)
    assert [(p.kind, p.data) for p in result.pieces] == [paragraph("Tarifs | 5 €")]
    assert result.counts == {"table_as_text": 1, "removed_lien": 1, "removed_script": 1}


def test_cover_background_image_and_inner_blocks():
    old = block(
        "cover",
        '<div class="wp-block-cover" style="background-image:url(https://ex.fr/fond.jpg)">'
        f'<div class="wp-block-cover__inner-container">{block("paragraph", "<p>Titre</p>")}</div></div>',
        {"url": "https://ex.fr/fond.jpg", "id": 31},
    )
    new = block(
        "cover",
        '<div class="wp-block-cover"><img class="wp-block-cover__image-background wp-image-32" '
        'alt="Mer" src="https://ex.fr/mer.jpg"/><div class="wp-block-cover__inner-container">'
        f"{block('paragraph', '<p>Large</p>')}</div></div>",
        {"url": "https://ex.fr/mer.jpg", "id": 32},
    )
    result = convert_body(old + new)
    assert [(p.kind, p.data) for p in result.pieces] == [
        image("https://ex.fr/fond.jpg", 31),
        paragraph("Titre"),
        image("https://ex.fr/mer.jpg", 32, "Mer"),
        paragraph("Large"),
    ]
    assert result.counts == {"layout_flattened": 2}


def test_text_over_the_editor_limits_is_split_never_cut(editor_app):
    long_paragraph = " ".join(f"mot{i}" for i in range(5000))  # ~34,000 characters
    result = convert_body(f"<p>{long_paragraph}</p>")
    assert len(result.pieces) > 1 and result.counts == {"too_long": 1}
    assert " ".join(p.data["html"] for p in result.pieces) == long_paragraph
    item = " ".join(f"m{i}" for i in range(2000))  # ~9,800 characters
    result = convert_body(f"<ul><li>{item}</li></ul>")
    (piece,) = result.pieces
    assert len(piece.data["items"]) > 1 and " ".join(piece.data["items"]) == item
    check_with_editor(editor_app, result)


def test_quote_too_long_for_a_quote_becomes_paragraphs():
    text = "parole " * 400
    result = convert_body(f"<blockquote>{text}<cite>Lui</cite></blockquote>")
    assert [p.kind for p in result.pieces] == ["paragraph"]
    assert result.pieces[0].data["html"].endswith("(Lui)")
    assert result.counts == {"too_long": 1}


def test_alt_text_over_its_column_is_cut_and_said():
    alt = "très " * 100
    result = convert_body(f'<img src="https://ex.fr/a.jpg" alt="{alt}">')
    (piece,) = result.pieces
    assert len(piece.data["alt"]) <= ALT_MAX and piece.data["alt"].endswith("…")
    assert result.notes == [f"texte alternatif de plus de {ALT_MAX} caractères : coupé"]


# --------------------------------------------------------------------------- malformed block comments


def test_parser_matches_wordpress_on_an_unclosed_block():
    """An unclosed block at the end gets an implicit closer (WP_Block_Parser)."""
    parsed = parse_blocks('<!-- wp:paragraph {"a":1} --><p>Fin</p>')
    assert [(b.name, b.attrs, b.inner_html) for b in parsed] == [
        ("core/paragraph", {"a": 1}, "<p>Fin</p>")
    ]
    assert pieces("<!-- wp:paragraph --><p>Fin</p>") == [paragraph("Fin")]


def test_parser_matches_wordpress_on_nested_unclosed_blocks():
    """Several unclosed blocks are each closed and output at the top level, innermost
    first, each after the HTML that led to it (so the outer block's HTML repeats the
    inner one's, as in WordPress)."""
    parsed = parse_blocks("avant<!-- wp:group --><div><!-- wp:paragraph --><p>x</p>")
    assert [(b.name, b.inner_html) for b in parsed] == [
        (None, "<div>"),
        ("core/paragraph", "<p>x</p>"),
        (None, "avant"),
        ("core/group", "<div><!-- wp:paragraph --><p>x</p>"),
    ]


def test_parser_a_closer_without_opener_makes_the_rest_freeform():
    parsed = parse_blocks("<p>a</p><!-- /wp:paragraph --><p>b</p>")
    assert [(b.name, b.inner_html) for b in parsed] == [
        (None, "<p>a</p><!-- /wp:paragraph --><p>b</p>")
    ]
    assert pieces("<p>a</p><!-- /wp:paragraph --><p>b</p>") == [paragraph("a"), paragraph("b")]


def test_parser_closers_do_not_check_names_and_bad_json_is_no_attributes():
    parsed = parse_blocks('<!-- wp:quote {"a": } --><p>x</p><!-- /wp:paragraph -->')
    assert [(b.name, b.attrs, b.inner_html) for b in parsed] == [("core/quote", {}, "<p>x</p>")]


def test_parser_inner_blocks_and_inner_content():
    document = block("group", f"<div>{block('paragraph', '<p>a</p>')}</div>")
    (group,) = parse_blocks(document)
    assert [b.name for b in group.inner_blocks] == ["core/paragraph"]
    assert group.inner_content == ["\n<div>", None, "</div>\n"]
    assert group.full_html() == "\n<div>\n<p>a</p>\n</div>\n"


def test_a_comment_that_is_not_a_block_delimiter_is_text():
    assert parse_blocks("<!-- wp:Paragraph --><p>a</p>")[0].name is None  # upper case: not one
    # PCRE without /u: a no-break space is not the whitespace a delimiter needs.
    assert parse_blocks("<!--\u00a0wp:paragraph --><p>a</p>")[0].name is None


def test_deeply_nested_blocks_are_bounded():
    content = "<!-- wp:group --><div>" * 300 + "<p>Au fond</p>" + "</div><!-- /wp:group -->" * 300
    result = convert_body(content)
    assert result.counts["too_deep"] == 1
    assert all(piece.kind == "paragraph" for piece in result.pieces)


def test_deeply_nested_lists_and_quotes_are_bounded():
    lists = convert_body("<ul><li>a" * 1000)
    assert [p.kind for p in lists.pieces] == ["list"] and lists.counts["too_deep"] == 1
    groups = "<!-- wp:group --><div>" * 1500 + "<p>x</p>" + "</div><!-- /wp:group -->" * 1500
    quote = convert_body(f"<!-- wp:quote --><blockquote>{groups}</blockquote><!-- /wp:quote -->")
    assert [(p.kind, p.data) for p in quote.pieces] == [("quote", {"text": "x", "attribution": ""})]


# --------------------------------------------------------------------------- classic HTML


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # WordPress's own results (tests/phpunit/tests/formatting/autop.php).
        ("a\nb", "<p>a<br />\nb</p>\n"),
        ("a\n\nb", "<p>a</p>\n<p>b</p>\n"),
        ("<p>a</p>\n\n<p>b</p>", "<p>a</p>\n<p>b</p>\n"),
        ("<div>a</div>", "<div>a</div>\n"),
        ("a\n<ul>\n<li>x</li>\n</ul>\nb", "<p>a</p>\n<ul>\n<li>x</li>\n</ul>\n<p>b</p>\n"),
        ("<pre>a\n\nb</pre>", "<pre>a\n\nb</pre>\n"),
        ("<blockquote>a</blockquote>", "<blockquote><p>a</p></blockquote>\n"),
        ('<a href="x"\ntitle="y">l</a>', '<p><a href="x"\ntitle="y">l</a></p>\n'),
        ("", ""),
    ],
)
def test_wpautop(text, expected):
    assert classic.wpautop(text) == expected


def test_classic_paragraphs_from_blank_lines_and_breaks_from_newlines():
    assert pieces("Un\ndeux\n\n\n\nTrois") == [paragraph("Un<br>deux"), paragraph("Trois")]


def test_classic_with_paragraphs_already_written():
    assert pieces("<p>Un</p><p>Deux <b>gras</b></p>") == [
        paragraph("Un"),
        paragraph("Deux <strong>gras</strong>"),
    ]


def test_classic_headings_lists_quotes():
    text = "<h2>Titre</h2>\n<h4>Sous</h4>\n<ol><li>a</li><li>b</li></ol>\n<blockquote>Dit.</blockquote>"
    assert pieces(text) == [
        ("heading", {"text": "Titre", "level": 2}),
        ("heading", {"text": "Sous", "level": 3}),
        ("list", {"items": ["a", "b"], "ordered": True}),
        ("quote", {"text": "Dit.", "attribution": ""}),
    ]


def test_caption_shortcode_new_and_old_formats():
    new = '[caption id="attachment_12" align="alignleft" width="300"]<a href="https://ex.fr/g.jpg"><img src="https://ex.fr/p.jpg" alt="Photo" class="wp-image-12" /></a> Ma <em>légende</em>[/caption]'
    old = '[caption id="attachment_13" align="alignnone" width="300" caption="Ancienne légende"]<img src="https://ex.fr/o.jpg" alt="Vieille" />[/caption]'
    assert pieces(new + "\n\n" + old) == [
        image("https://ex.fr/p.jpg", 12, "Photo", "Ma légende"),
        image("https://ex.fr/o.jpg", 13, "Vieille", "Ancienne légende"),
    ]


def test_caption_inside_a_sentence_splits_the_paragraph():
    text = 'Avant [caption id="attachment_2"]<img src="https://ex.fr/i.jpg" alt="I"/> L[/caption] après.'
    assert pieces(text) == [
        paragraph("Avant"),
        image("https://ex.fr/i.jpg", 2, "I", "L"),
        paragraph("après."),
    ]


def test_shortcodes_inside_a_list_or_a_quote_come_after_it():
    text = '<ul><li>Photo : [caption id="attachment_3"]<img src="https://ex.fr/l.jpg" alt="L"/> Lé[/caption]</li></ul>'
    text += f"\n<blockquote>Voir [embed]{YOUTUBE}[/embed]</blockquote>"
    assert pieces(text) == [
        ("list", {"items": ["Photo :"], "ordered": False}),
        image("https://ex.fr/l.jpg", 3, "L", "Lé"),
        ("quote", {"text": "Voir", "attribution": ""}),
        ("embed", YOUTUBE_EMBED),
    ]


def test_gallery_shortcode():
    assert pieces('[gallery ids="4, 5" columns="2"]') == [image("", 4), image("", 5)]
    assert pieces('[gallery include="6"]') == [image("", 6)]
    result = convert_body("[gallery]")
    assert result.pieces == [] and result.counts == {"gallery_without_ids": 1}


def test_embed_shortcode_and_autoembed():
    text = (
        f"Intro\n\n[embed]{YOUTUBE}[/embed]\n\nhttps://youtu.be/dQw4w9WgXcQ\n\nVoir {YOUTUBE} ici."
    )
    assert pieces(text) == [
        paragraph("Intro"),
        ("embed", YOUTUBE_EMBED),
        ("embed", YOUTUBE_EMBED),
        paragraph(f"Voir {YOUTUBE} ici."),  # not alone on its line: text, as in WordPress
    ]


def test_autoembed_in_its_own_paragraph():
    assert pieces(f"<p>{YOUTUBE}</p>") == [("embed", YOUTUBE_EMBED)]


def test_a_bare_unrecognised_url_becomes_a_link_and_is_counted():
    url = "https://www.lemonde.fr/societe/article/2019/05/02/un-titre.html"
    result = convert_body(f"Lire :\n\n{url}\n")
    assert [(p.kind, p.data) for p in result.pieces] == [
        paragraph("Lire :"),
        paragraph(f'<a href="{url}">{url}</a>'),
    ]
    assert result.counts == {"embed_unrecognised": 1}


def test_unknown_shortcodes_stay_as_text_and_are_counted():
    text = '[contact-form-7 id="3"]\n\n[toc]\n\n[sic] et [1]\n\n[box]Encadré[/box]\n\n[[caption]]'
    text += "\n\n[Mise à jour : le maire a répondu]"
    result = convert_body(text)
    assert [(p.kind, p.data) for p in result.pieces] == [
        paragraph('[contact-form-7 id="3"]'),
        paragraph("[toc]"),
        paragraph("[sic] et [1]"),
        paragraph("[box]Encadré[/box]"),
        paragraph("[caption]"),  # escaped: WordPress shows the shortcode itself
        paragraph("[Mise à jour : le maire a répondu]"),
    ]
    assert result.counts == {"unknown_shortcode": 2}
    assert result.notes == [
        "code court [contact-form-7] inconnu : gardé comme texte",
        "code court [box] inconnu : gardé comme texte",
    ]


def test_more_and_nextpage_comments_are_counted():
    result = convert_body("Début\n<!--more Lire la suite-->\nSuite\n<!--nextpage-->\nFin")
    assert result.counts == {"more": 2}
    # Each marker stands between two line breaks: a blank line, as readers saw it.
    assert [p.data["html"] for p in result.pieces] == ["Début", "Suite", "Fin"]


def test_inline_image_splits_its_paragraph_and_keeps_the_formatting_open():
    text = '<em>Avant <a href="https://ex.fr/big.jpg"><img src="https://ex.fr/s.jpg" alt="S" class="alignleft wp-image-3"></a> après</em>'
    assert pieces(text) == [
        paragraph("<em>Avant</em>"),
        image("https://ex.fr/s.jpg", 3, "S"),
        paragraph("<em>après</em>"),
    ]


def test_classic_iframe_of_a_known_provider_is_an_embed():
    text = (
        'Regardez :\n<iframe width="560" src="https://www.youtube.com/embed/dQw4w9WgXcQ"></iframe>'
    )
    assert pieces(text) == [paragraph("Regardez :"), ("embed", YOUTUBE_EMBED)]


def test_classic_pre_and_hr():
    result = convert_body("<pre>a\n\n  b</pre>\n<hr />\nFin")
    assert [(p.kind, p.data) for p in result.pieces] == [
        paragraph("a"),
        paragraph("b"),
        paragraph("Fin"),
    ]
    assert result.counts == {"preformatted": 1, "separator": 1}


def test_shortcode_attributes_as_wordpress_parses_them():
    assert classic.parse_shortcode_attributes(' id="a" B=\'b\' c=3 "pos" nu') == {
        "id": "a",
        "b": "b",
        "c": "3",
        "0": "pos",
        "1": "nu",
    }


# --------------------------------------------------------------------------- hostile input


def test_script_in_classic_html_is_removed_and_said():
    result = convert_body("Texte<script>alert('x')</script> suite")
    assert [(p.kind, p.data) for p in result.pieces] == [paragraph("Texte suite")]
    assert result.counts == {"removed_script": 1}
    assert result.notes == ["nettoyage du texte : 1 script a été retiré."]


def test_javascript_link_keeps_its_text_and_is_counted():
    result = convert_body(block("paragraph", '<p><a href="javascript:alert(1)">Cliquez</a></p>'))
    assert [(p.kind, p.data) for p in result.pieces] == [paragraph("Cliquez")]
    assert result.counts == {"removed_lien": 1}


def test_onerror_on_an_image_is_counted_and_the_image_kept():
    result = convert_body('<img src="https://ex.fr/a.jpg" alt="A" onerror="alert(1)">')
    assert [(p.kind, p.data) for p in result.pieces] == [image("https://ex.fr/a.jpg", None, "A")]
    assert result.counts == {"removed_script": 1}


def test_event_handlers_on_structural_elements_are_counted():
    content = '<p onclick="a()">Un</p><ul onmouseover="b()"><li onfocus="c()">Deux</li></ul>'
    content += '<blockquote onload="d()"><p onclick="e()">Trois</p></blockquote>'
    result = convert_body(content)
    assert [p.kind for p in result.pieces] == ["paragraph", "list", "quote"]
    assert result.counts == {"removed_script": 5}


def test_svg_in_a_paragraph_is_removed_and_counted():
    result = convert_body(block("paragraph", "<p>Logo <svg><script>alert(1)</script></svg></p>"))
    assert [(p.kind, p.data) for p in result.pieces] == [paragraph("Logo")]
    assert result.counts == {"removed_media": 1}


def test_placeholders_cannot_be_forged_by_the_post():
    text = '[caption id="attachment_1"]<img src="https://ex.fr/a.jpg" alt="A"/>[/caption]'
    text += '\n\n<gz-piece data-i="0"></gz-piece>'
    assert [p.kind for p in convert_body(text).pieces] == ["image"]


XSS = json.loads((DATA / "xss-payloads.json").read_text())
ALLOWED = {"strong": set(), "em": set(), "a": {"href"}, "br": set()}


def assert_policy(clean: str) -> None:
    """Re-parsed, clean HTML holds only the allowlist, with http(s)/mailto/tel links."""
    parser = html5lib.HTMLParser(tree=html5lib.getTreeBuilder("etree"), namespaceHTMLElements=False)
    for node in parser.parseFragment(clean).iter():
        if not isinstance(node.tag, str) or node.tag == "DOCUMENT_FRAGMENT":
            continue
        assert node.tag in ALLOWED, clean
        assert set(node.attrib) <= ALLOWED[node.tag], clean
        if "href" in node.attrib:
            assert re.match(r"(https?|mailto|tel):", node.attrib["href"]), clean


@pytest.mark.parametrize("wrap", ["classic", "html", "paragraph"])
def test_xss_payloads_come_out_clean(wrap):
    for payload in XSS:
        content = {
            "classic": payload,
            "html": block("html", payload),
            "paragraph": block("paragraph", f"<p>{payload}</p>"),
        }[wrap]
        result = convert_body(content)
        for piece in result.pieces:
            check_piece(piece)
            for value in [piece.data.get("html", "")] + piece.data.get("items", []):
                assert_policy(value)
        if wrap == "html":  # a core/html block is either kept clean or refused whole
            assert result.counts["html_refused"] + result.counts["html_kept"] == 1


# --------------------------------------------------------------------------- Unicode


def test_nfd_input_comes_out_nfc():
    nfd = "E\u0301te\u0301"  # "Été" decomposed
    content = block("heading", f"<h2>{nfd}</h2>") + block("paragraph", f"<p>{nfd}</p>")
    content += block("image", f'<figure><img src="https://ex.fr/a.jpg" alt="{nfd}"/></figure>')
    assert pieces(content) == [
        ("heading", {"text": "Été", "level": 2}),
        paragraph("Été"),
        image("https://ex.fr/a.jpg", None, "Été"),
    ]


def test_control_characters_at_the_boundary():
    """U+000B (Word's line break) is read as a line break, as models.text.accept_text
    rules, and counted; U+0001 and an "&#1;" entity are removed and counted."""
    result = convert_body("Un\x0bdeux\n\ntrois\x01 quatre&#1;")
    assert [(p.kind, p.data) for p in result.pieces] == [
        paragraph("Un<br>deux"),
        paragraph("trois quatre"),
    ]
    assert result.counts == {"control_line_break": 1, "removed_invisible": 2}
    assert result.notes == ["nettoyage du texte : 2 caractères invisibles ont été retirés."]


@pytest.mark.parametrize("reference", ["&#0;", "&#x0;", "&#xD800;", "&#x110000;"])
def test_references_a_parser_reads_as_a_replacement_character_are_removed_and_counted(reference):
    """html5lib would make them U+FFFD before clean_html sees them: removed first, in every
    kind of block, and counted; a typed U+FFFD is the author's and stays."""
    body = (
        f"<!-- wp:paragraph --><p>a{reference}b</p><!-- /wp:paragraph -->"
        f"<!-- wp:quote --><blockquote><p>c{reference}d</p><cite>e{reference}f</cite>"
        "</blockquote><!-- /wp:quote -->"
        "<!-- wp:paragraph --><p>g\ufffdh</p><!-- /wp:paragraph -->"
    )
    result = convert_body(body)
    assert [p.data for p in result.pieces] == [
        {"html": "ab"},
        {"text": "cd", "attribution": "ef"},
        {"html": "g\ufffdh"},
    ]
    assert result.counts == {"removed_invisible": 3}


def test_control_characters_in_json_attributes():
    result = convert_body(block("embed", embed_markup(YOUTUBE), {"url": YOUTUBE + "\u0001"}))
    assert [(p.kind, p.data) for p in result.pieces] == [("embed", YOUTUBE_EMBED)]


# --------------------------------------------------------------------------- properties

FRAGMENTS = [
    "<!-- wp:paragraph -->", "<!-- /wp:paragraph -->", "<!-- wp:list {\"ordered\":true} -->",
    "<!-- /wp:list -->", "<!-- wp:list-item -->", "<!-- /wp:list-item -->", "<!-- wp:quote -->",
    "<!-- /wp:quote -->", "<!-- wp:image {\"id\":3} -->", "<!-- /wp:image -->",
    "<!-- wp:html -->", "<!-- /wp:html -->", "<!-- wp:separator /-->", "<!-- wp:gallery {\"ids\":[1,\"x\",true]} -->",
    "<!-- wp:embed {\"url\":\"https://youtu.be/dQw4w9WgXcQ\"} -->", "<!-- /wp:embed -->",
    "<!-- wp:heading {\"level\":\"x\"} -->", "<!-- wp:x/y {bad} -->", "<!-- /wp:x/y -->",
    "<p>", "</p>", "<h2>", "</h2>", "<ul>", "<ol>", "<li>", "</li>", "</ul>", "<blockquote>",
    "<cite>", "</cite>", "</blockquote>", "<figure>", "<figcaption>", "</figure>",
    '<img src="https://ex.fr/a.jpg" alt="a" class="wp-image-2">', '<img src="javascript:x">',
    "<a href=\"javascript:alert(1)\">", "<a href=\"https://ex.fr\">", "</a>", "<em>", "</em>",
    "<script>alert(1)</script>", "<svg><script>x</script></svg>", "<table><tr><td>c",
    "<pre>", "</pre>", "<br>", "<hr>", "\n", "\n\n", " ", "&nbsp;", "&amp;amp;", "&#0;", "\x0b",
    "e\u0301", "«\u00a0", "[caption id=\"attachment_4\"]", "[/caption]", "[gallery ids=\"1,2\"]",
    "[embed]", "[/embed]", "https://youtu.be/dQw4w9WgXcQ", "https://ex.fr/page", "[foo-bar x=1]",
    "<!--more-->", "<iframe src=\"https://www.youtube.com/embed/dQw4w9WgXcQ\"></iframe>",
    "<div>", "</div>", "<span style=\"color:red\">", "Été", "mot", ".", "M.", "etc.",
]  # fmt: skip

posts = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=40).map("".join),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(posts)
def test_convert_body_never_raises_and_every_piece_is_valid(content):
    result = convert_body(content)
    for piece in result.pieces:
        check_piece(piece)
    assert set(result.counts) <= set(COUNT_LABELS)
    assert all(count > 0 for count in result.counts.values())


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(posts)
def test_every_piece_is_what_the_editor_would_store(editor_app, content):
    check_with_editor(editor_app, convert_body(content))


# --------------------------------------------------------------------------- first sentence


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Le maire a parlé. Il a convaincu.", "Le maire a parlé."),
        ("M. Dupont est arrivé hier. Il repart demain.", "M. Dupont est arrivé hier."),
        ("Mme Martin, Dr. Lee et J. Dupont sont là. Ensuite.", "Mme Martin, Dr. Lee et J. Dupont sont là."),
        ("Pommes, poires, etc. Tout était là. Vraiment.", "Pommes, poires, etc. Tout était là."),
        ("« Nous partirons demain. Sans faute. » a dit le maire. Puis.", "« Nous partirons demain. Sans faute. » a dit le maire."),
        ("«\u00a0Incroyable\u00a0!\u00a0» s’exclame-t-elle. Bon.", "«\u00a0Incroyable\u00a0!\u00a0» s’exclame-t-elle."),
        ("Il a dit : « Allez-y. » Et tout le monde est parti.", "Il a dit : « Allez-y. »"),
        ("Quelle soirée ! Les habitants ont dansé.", "Quelle soirée !"),
        ("Le 3 janv. 2024, tout change. Ensuite.", "Le 3 janv. 2024, tout change."),
        ("Ils étaient sept. Puis huit.", "Ils étaient sept."),
        ("Voir p. 12 et cf. Durand. Fin.", "Voir p. 12 et cf. Durand."),
        ("Et après ?! Rien.", "Et après ?!"),
        ("Le taux est de 3.5 pour cent. Stable.", "Le taux est de 3.5 pour cent."),
        ("Vraiment... Oui.", "Vraiment..."),
        ("Sans point final", "Sans point final"),
        ("  espaces\n  et lignes.  Deux.", "espaces et lignes."),
        ("E\u0301te\u0301 chaud. Oui.", "Été chaud."),
        ("", ""),
    ],
)  # fmt: skip
def test_first_sentence(text, expected):
    assert first_sentence(text) == expected


def test_first_sentence_is_cut_at_the_standfirst_limit():
    text = "mot " * 400 + "fin."
    sentence = first_sentence(text)
    assert len(sentence) <= STANDFIRST_MAX and sentence.endswith("mot…")
    assert first_sentence("un deux trois quatre", limit=10) == "un deux…"


@given(st.text(max_size=2000))
def test_first_sentence_never_exceeds_the_limit(text):
    sentence = first_sentence(text)
    assert len(sentence) <= STANDFIRST_MAX
    assert sentence == sentence.strip()


# --------------------------------------------------------------------------- images: links and lazy loading


def test_a_link_to_the_image_itself_is_dropped_silently():
    text = '<a href="https://ex.fr/wp-content/uploads/p.jpg"><img src="https://ex.fr/p-300x200.jpg" alt="P"></a>'
    text += (
        '\n\n<a href="https://ex.fr/?attachment_id=4"><img src="https://ex.fr/q.jpg" alt="Q"></a>'
    )
    result = convert_body(text)
    assert [p.kind for p in result.pieces] == ["image", "image"]
    assert result.counts == {} and result.notes == []


def test_a_link_elsewhere_on_an_image_is_counted():
    inner = '<figure><a href="https://sponsor.example/offre"><img src="https://ex.fr/b.jpg" alt="B"/></a></figure>'
    result = convert_body(block("image", inner, {"id": "8"}))
    assert [(p.kind, p.data) for p in result.pieces] == [image("https://ex.fr/b.jpg", 8, "B")]
    assert result.counts == {"image_link": 1}
    assert result.notes == ["lien posé sur une image retiré (https://sponsor.example/offre)"]


def test_lazy_loaded_image_source():
    text = '<img src="data:image/gif;base64,R0lGOD" data-src="https://ex.fr/vrai.jpg" alt="V">'
    assert pieces(text) == [image("https://ex.fr/vrai.jpg", None, "V")]


def test_a_list_right_inside_a_list_is_flattened():
    result = convert_body("<ul><li>a</li><ul><li>b</li></ul><li>c</li></ul>")
    assert [(p.kind, p.data) for p in result.pieces] == [
        ("list", {"items": ["a", "b", "c"], "ordered": False})
    ]
    assert result.counts == {"nested_list": 1}


def test_what_sits_between_list_items_is_kept_as_items():
    assert pieces("<ul>avant<li>a</li><p>b</p>après</ul>") == [
        ("list", {"items": ["avant", "a", "b", "après"], "ordered": False})
    ]


def test_figure_with_several_images_keeps_them_all_and_its_caption():
    text = '<figure><img src="https://ex.fr/1.jpg" alt="1"><img src="https://ex.fr/2.jpg" alt="2"><figcaption>Deux vues</figcaption></figure>'
    assert pieces(text) == [
        image("https://ex.fr/1.jpg", None, "1"),
        image("https://ex.fr/2.jpg", None, "2"),
        paragraph("Deux vues"),
    ]


def test_shortcodes_and_autoembed_run_over_gutenberg_paragraphs_as_in_wordpress():
    content = block("paragraph", f"<p>{YOUTUBE}</p>")
    content += block(
        "paragraph",
        '<p>[caption id="attachment_9"]<img src="https://ex.fr/c.jpg" alt="C"/> Cap[/caption]</p>',
    )
    content += block("paragraph", f"<p>Voir {YOUTUBE}</p>")
    assert pieces(content) == [
        ("embed", YOUTUBE_EMBED),
        image("https://ex.fr/c.jpg", 9, "C", "Cap"),
        paragraph(f"Voir {YOUTUBE}"),
    ]


def test_unknown_shortcode_in_a_gutenberg_paragraph_is_counted():
    result = convert_body(block("paragraph", '<p>Écrivez-nous : [wpforms id="12"]</p>'))
    assert [(p.kind, p.data) for p in result.pieces] == [
        paragraph('Écrivez-nous : [wpforms id="12"]')
    ]
    assert result.counts == {"unknown_shortcode": 1}


def test_shortcode_block_is_classic():
    content = block("shortcode", '[gallery ids="7"]') + block("shortcode", "[ninja_form id=2]")
    result = convert_body(content)
    assert [(p.kind, p.data) for p in result.pieces] == [
        image("", 7),
        paragraph("[ninja_form id=2]"),
    ]
    assert result.counts == {"unknown_shortcode": 1}
