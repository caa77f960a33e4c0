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

from flask import current_app, url_for

from models.content import Article, BlockKind


def social_image(article: Article) -> dict | None:
    """The image shown with the article on social networks and in search: a block's data
    ({src, srcset, alt, width, height, media}), or None when the article has no image.

    The editor's choice (Article.social_image, an image token) if one of the article's
    image blocks still holds it, else the first image block's.
    """
    images = [
        block.data
        for block in article.blocks
        if block.kind == BlockKind.IMAGE and (block.data or {}).get("src")
    ]
    if article.social_image:
        for image in images:
            if image.get("media") == article.social_image:
                return image
    return images[0] if images else None


def image_choices(article: Article) -> list[tuple[str, str]]:
    """(token, alt text) of each image of the article that can be chosen, in page order."""
    seen: dict[str, str] = {}
    for block in article.blocks:
        data = block.data or {}
        if block.kind == BlockKind.IMAGE and data.get("media") and data.get("src"):
            seen.setdefault(data["media"], data.get("alt") or data["media"])
    return list(seen.items())


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
