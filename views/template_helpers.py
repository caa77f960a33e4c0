"""Every app-wide template filter, global and context processor, registered in one place.

A template that uses `|typeset` or `share_links(article)` finds here where it comes from;
the functions themselves live with the concern they belong to.
"""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, render_template, request, url_for
from flask_babel import format_decimal, get_locale
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from models.text import to_plain_text
from services.embeds import accepted_providers
from services.typography import (
    iso_datetime,
    publication_datetime,
    short_date,
    typeset_html,
    typeset_text,
)
from views.auth import staff_navigation
from views.bylines import author_links, names_list
from views.editor import editor_templates
from views.reading import embed_for_page, navigation
from views.seo import search_and_social
from views.sponsors import sponsor_for_inquiry
from views.structured_data import (
    article_social_tags,
    article_structured_data,
    list_page_meta,
    share_links,
)

FILTERS = {
    "typeset_html": typeset_html,  # French typography on stored (sanitised) HTML
    "typeset": typeset_text,  # the same on plain text, escaped
    "publication_datetime": publication_datetime,
    "short_date": short_date,
    "iso_datetime": iso_datetime,  # <time datetime>, feeds and sitemaps
    "plain_text": to_plain_text,
    "number": format_decimal,
}


def static_url(filename: str) -> str:
    """url_for("static", filename=…), remembered per app and script root: a static file's
    address (its content fingerprint included) does not change while the app runs, and
    every page links several (issue 16: a cold page's time)."""
    key = (request.script_root if has_request_context() else None, filename)
    known = current_app.extensions.setdefault("static_urls", {})
    url = known.get(key)
    if url is None:
        url = known[key] = url_for("static", filename=filename)
    return url


# Distinct parts kept per app at most (a menu rearranged makes new ones; the old go then).
CHROME_KEPT_MAX = 512


@pass_context
def chrome(page: Context, template: str, **context) -> Markup:
    """A part of every page that shows only the site (templates/chrome/) and the
    `context` given (hashable values, or lists of them): rendered once per app, language,
    script root, login state and context, then reused. Its words and links would
    otherwise be looked up again on every page (a translation costs more than the page's
    own query: issue 16). The login state is the page's own `current_user` (a preview
    renders as an anonymous reader whoever is logged in: views/preview.as_reader). The
    site's settings and translations change only with a restart, which starts afresh."""
    user = page.get("current_user") or current_user
    key = (
        template,
        str(get_locale()),
        request.script_root if has_request_context() else None,
        user.is_authenticated,
        tuple(
            (name, tuple(v) if isinstance(v, list) else v) for name, v in sorted(context.items())
        ),
    )
    kept = current_app.extensions.setdefault("chrome", {})
    html = kept.get(key)
    if html is None:
        if len(kept) >= CHROME_KEPT_MAX:
            kept.clear()
        html = kept[key] = Markup(render_template(template, current_user=user, **context))
    return html


GLOBALS = {
    "get_locale": get_locale,
    "chrome": chrome,  # the site's own parts of every page, rendered once
    "static_url": static_url,  # a static file's fingerprinted address
    "article_structured_data": article_structured_data,
    "article_social_tags": article_social_tags,
    "list_page_meta": list_page_meta,  # a list page's canonical address, og:locale, image
    "share_links": share_links,
    "author_links": author_links,  # the byline's names, linked, "A, B et C"
    "names_list": names_list,  # names joined as the language lists them: "A, B et C"
    "search_and_social": search_and_social,  # an article's <title>, description, og:, twitter:
    "sponsor_for_inquiry": sponsor_for_inquiry,
    "embed_for_page": embed_for_page,  # an embed block's facade; its origin joins the CSP
    "embed_providers": accepted_providers,
}
# Each returns a dict merged into every template's context.
CONTEXT_PROCESSORS = (navigation, staff_navigation, editor_templates)


def register(app: Flask) -> None:
    """Make FILTERS, GLOBALS and CONTEXT_PROCESSORS available to every template."""
    app.jinja_env.filters.update(FILTERS)
    app.jinja_env.globals.update(GLOBALS)
    for processor in CONTEXT_PROCESSORS:
        app.context_processor(processor)
