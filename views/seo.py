"""What search engines and social networks show of an article: its title, description,
address and image, with the editor's own words when given (the "Référencement et
partage" part), the article's otherwise.

Defaults, in one place: the title is the headline (with the site's name in <title>), the
description the standfirst, the image the one chosen among the article's images, else
the first image block's (the lead image, once articles have one, comes first: extend
social_image()). Values are plain text, already through the text boundary and the
sanitiser on their way in (views/editor/forms.SeoForm); templates escape them.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin

from flask import current_app, url_for

from models.content import Article, BlockKind
from views.media import crop_files


def absolute(url: str) -> str:
    """An image's src may be a path on this site; search engines and social networks need
    full URLs, on the configured site (views/urls.py), never on the request's Host."""
    return urljoin(current_app.config["SITE_URL"] + "/", url)


def first_image(article: Article) -> dict | None:
    """The first image block's data (src, srcset, alt, width, height), if the body has one."""
    for block in article.blocks:
        if block.kind == BlockKind.IMAGE and (block.data or {}).get("src"):
            return block.data
    return None


def lead_image_files(article: Article) -> list[dict]:
    """The lead image's crops (16:9, 4:3, 1:1, views/media.crop_files) as {url, width,
    height} with full URLs; [] when the article has no lead image."""
    if article.lead_media is None:
        return []
    return [
        {"url": absolute(url_for("media.serve", name=name)), "width": width, "height": height}
        for name, width, height in crop_files(article.lead_media)
    ]


def image_urls(image: dict) -> list[str]:
    """An image block's src and every candidate of its srcset, largest first, as full URLs."""
    candidates = []
    for candidate in (image.get("srcset") or "").split(","):
        url, _, descriptor = candidate.strip().partition(" ")
        if url:
            width = descriptor.strip().rstrip("wx")
            candidates.append((float(width) if width.replace(".", "", 1).isdigit() else 0, url))
    urls = [url for _, url in sorted(candidates, reverse=True)] + [image["src"]]
    return list(dict.fromkeys(absolute(url) for url in urls))


def article_images(article: Article) -> list[dict]:
    """The images that may stand for the article, lead image first, then the body's in
    page order, each image once: {media (library token; "" for an image stored before the
    library), src (for the editor's card preview),
    url (full URL for og:image), width, height (pixels, None when unknown), alt}."""
    images: dict[str, dict] = {}
    lead = lead_image_files(article)
    if lead:
        images[article.lead_media.token] = {
            "media": article.lead_media.token,
            "src": lead[0]["url"],
            "url": lead[0]["url"],
            "width": lead[0]["width"],
            "height": lead[0]["height"],
            "alt": article.lead_alt,
        }
    for block in article.blocks:
        data = block.data or {}
        if block.kind == BlockKind.IMAGE and data.get("src"):
            images.setdefault(
                data.get("media") or data["src"],  # an image from before the library: its src
                {
                    "media": data.get("media", ""),
                    "src": data["src"],
                    "url": image_urls(data)[0],
                    "width": None,  # the widest candidate's height is not stored
                    "height": None,
                    "alt": data.get("alt", ""),
                },
            )
    return list(images.values())


def social_image(article: Article) -> dict | None:
    """The image shown with the article on social networks (article_images' shape), or
    None when the article has none: the editor's choice (Article.social_image, a token)
    while the article still shows it, else the lead image, else the body's first image.
    """
    images = article_images(article)
    for image in images:
        if article.social_image and image["media"] == article.social_image:
            return image
    return images[0] if images else None


def image_choices(article: Article) -> list[tuple[str, str]]:
    """(token, alt text) of each image the editor may choose for social cards, in order."""
    return [
        (image["media"], image["alt"] or image["media"])
        for image in article_images(article)
        if image["media"]  # the choice is stored as a library token
    ]


@dataclass(frozen=True)
class SearchAndSocial:
    """What the article page's <head> says to search engines and social networks."""

    title: str  # the <title>: the editor's, or "Headline — Site"
    headline: str  # og:title, twitter:title: the editor's title, or the headline
    description: str  # meta description, og:description, twitter:description ("" : none)
    url: str  # canonical, og:url: on the configured site (views/urls.py)
    image: dict | None  # social_image(article)


def search_and_social(article: Article) -> SearchAndSocial:
    """The article's search and social texts, defaults applied."""
    headline = article.seo_title or article.headline
    return SearchAndSocial(
        title=article.seo_title or f"{article.headline} — {current_app.config['SITE_NAME']}",
        headline=headline,
        description=article.seo_description or article.standfirst,
        url=url_for("reading.article", slug=article.slug, _external=True),
        image=social_image(article),
    )
