"""What search engines and social networks read about an article: JSON-LD, Open Graph,
Twitter cards, share links.

Everything is built here as plain Python data; the templates only serialise it
(reading/_structured_data.html with |tojson, which escapes <, >, & and ' so the JSON
cannot close its <script> element). A `<script type="application/ld+json">` is a data
block, not a script: browsers never run it, so the CSP's script-src does not apply.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote, urlencode

from flask import Blueprint, current_app, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from models.content import Article
from models.time import iso_utc
from views.seo import first_image, image_urls, lead_image_files, social_image
from views.urls import absolute_url_for

bp = Blueprint("structured_data", __name__)

# static/img/logo.png: the "Gazette" wordmark, 600×60 as Google asks of news publishers.
LOGO = ("img/logo.png", 600, 60)


def iso(value: datetime | None) -> str | None:
    """ISO 8601 with its zone as an offset, "2024-06-19T12:05:00+00:00"; None for None."""
    return iso_utc(value, offset=True)


def article_url(article: Article) -> str:
    return url_for("reading.article", slug=article.slug, _external=True)


def publisher() -> dict:
    path, width, height = LOGO
    return {
        "@type": "Organization",
        "name": current_app.config["SITE_NAME"],
        "url": url_for("reading.front_page", _external=True),
        "logo": {
            "@type": "ImageObject",
            "url": url_for("static", filename=path, _external=True),
            "width": width,
            "height": height,
        },
    }


def news_article(article: Article) -> dict:
    """schema.org NewsArticle, with what Google's article and news guidelines ask for."""
    url = article_url(article)
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.headline,
        "description": article.standfirst or None,
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "datePublished": iso(article.published_at),
        "dateModified": iso(article.updated_at or article.published_at),
        # Every author, in byline order (co-authors: issue 13).
        "author": [
            {
                "@type": "Person",
                "name": author.display_name,
                "url": url_for("reading.author", slug=author.slug, _external=True),
            }
            for author in article.authors
        ],
        "publisher": publisher(),
        "articleSection": article.section.name,
        "inLanguage": current_app.config["BABEL_DEFAULT_LOCALE"],
        "isAccessibleForFree": True,
        "wordCount": article.word_count,
    }
    lead = lead_image_files(article)
    image = first_image(article)
    if lead:  # the three crops around the focal point, as Google's guidelines ask
        data["image"] = [file["url"] for file in lead]
    elif image:
        data["image"] = image_urls(image)
    if article.corrections:
        data["correction"] = [
            {
                "@type": "CorrectionComment",
                "text": correction.text,
                "datePublished": iso(correction.created_at),
            }
            for correction in article.corrections
        ]
    if article.tags:  # the sujets, in the editor's order
        data["keywords"] = [tag.name for tag in article.tags]
    if article.sponsor:
        data["sponsor"] = {"@type": "Organization", "name": article.sponsor.name}
        if article.sponsor.link:
            data["sponsor"]["url"] = article.sponsor.link
    return {key: value for key, value in data.items() if value is not None}


def breadcrumbs(article: Article) -> dict:
    """schema.org BreadcrumbList: the section trail, then the article itself."""
    crumbs = [
        (section.name, url_for("reading.section", section_path=section.path, _external=True))
        for section in article.section.trail
    ] + [(article.headline, article_url(article))]
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": position, "name": name, "item": url}
            for position, (name, url) in enumerate(crumbs, start=1)
        ],
    }


def article_structured_data(article: Article) -> list[dict]:
    """The JSON-LD documents of an article page."""
    return [news_article(article), breadcrumbs(article)]


def article_social_tags(article: Article) -> list[tuple[str, str, str]]:
    """(attribute, name, content) of the Open Graph and Twitter card <meta> tags besides
    the title, description, address and card type (base.html's search and social block,
    from views/seo.py)."""
    image = social_image(article)
    tags = [
        ("property", "og:site_name", current_app.config["SITE_NAME"]),
        ("property", "og:locale", og_locale()),
        ("property", "article:published_time", iso(article.published_at)),
        ("property", "article:modified_time", iso(article.updated_at or article.published_at)),
        ("property", "article:section", article.section.name),
        *[
            ("property", "article:author", url_for("reading.author", slug=a.slug, _external=True))
            for a in article.authors
        ],
    ]
    if image:
        tags += [
            ("property", "og:image", image["url"]),
            ("property", "og:image:width", str(image["width"] or "")),
            ("property", "og:image:height", str(image["height"] or "")),
            ("property", "og:image:alt", image["alt"]),
            ("name", "twitter:image", image["url"]),
            ("name", "twitter:image:alt", image["alt"]),
        ]
    return [(attribute, name, content) for attribute, name, content in tags if content]


def og_locale() -> str:
    """The site's language as Open Graph names it (ogp.me: language_TERRITORY)."""
    return "fr_FR" if current_app.config["BABEL_DEFAULT_LOCALE"] == "fr" else "en_US"


# The query arguments that choose a page of a list (models/listing.py's cursors): a
# deeper page's canonical address keeps them, and only them.
PAGE_ARGUMENTS = ("avant", "apres")


def list_page_meta(articles) -> dict:
    """What a list page (front, section, tag, author) tells search engines and social
    networks besides its title and description (templates/reading/_list_meta.html, a template global).

    `articles` is the page's ArticlePage. Returns {"url", "locale", "image"}: `url` the
    canonical address: the list's own on its first page, and on a deeper page that page
    itself, its cursor kept (each deeper page holds other articles, so pointing it to
    the first page would tell search engines to forget them; other query arguments are
    dropped); `image_html` the tags of the newest listed article's social image ("" for
    none): prepared with it when the page's items are services.prepared.Teaser.
    """
    cursor = {key: request.args[key] for key in PAGE_ARGUMENTS if key in request.args}
    items = getattr(articles, "items", None) or []
    if not items:
        image_html = ""
    elif isinstance(items[0], Article):
        image_html = list_image_meta(items[0])
    else:  # a prepared teaser
        image_html = items[0].list_image_html
    return {
        "url": absolute_url_for(request.endpoint, **request.view_args, **cursor),
        "locale": og_locale(),
        "image_html": Markup(image_html),
    }


def list_image_meta(article: Article) -> str:
    """The social image tags a list page takes from its newest article, `article`
    (reading/_list_image.html; "" when it has no image)."""
    return render_template("reading/_list_image.html", image=social_image(article))


def share_links(article: Article) -> list[dict]:
    """Plain links to share an article: no third-party script, nothing loads until clicked.

    Each is {"network", "label", "url"}; the addresses are the networks' documented
    share URLs, with the article's address and headline URL-encoded.
    """
    url, title = article_url(article), article.headline
    text = f"{title} {url}"
    mail_query = urlencode({"subject": title, "body": f"{title}\n\n{url}"}, quote_via=quote)
    return [
        {"network": "mail", "label": _("Envoyer par courriel"), "url": f"mailto:?{mail_query}"},
        {
            "network": "x",
            "label": "X",
            "url": "https://x.com/intent/post?" + urlencode({"url": url, "text": title}),
        },
        {
            "network": "facebook",
            "label": "Facebook",
            "url": "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": url}),
        },
        {
            "network": "linkedin",
            "label": "LinkedIn",
            "url": "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": url}),
        },
        {
            "network": "bluesky",
            "label": "Bluesky",
            "url": "https://bsky.app/intent/compose?" + urlencode({"text": text}),
        },
        {
            "network": "whatsapp",
            "label": "WhatsApp",
            "url": "https://wa.me/?" + urlencode({"text": text}),
        },
    ]
