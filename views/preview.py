"""Previews: what someone with a preview link sees (the links themselves: models/preview.py,
made and revoked in views/editor/previews.py).

`/apercu/<token>` is public: the token is the credential, so no session is needed and
none is written (no cookie). It answers, for every visitor alike:

- a draft or a scheduled article: the reader's page itself (reading/article.html,
  `editing=False`, rendered as for an anonymous reader in the site's language, so even a
  logged-in editor sees no staff bar and no edit control), under a banner "Aperçu — non
  publié" with the planned date when scheduled (templates/preview/article.html);
- an article published since the link was made: a 302 to its public address. The link
  was made to show that article; once readers see it, the preview has nothing left to
  hide, and whoever received the link reads the real page (and its corrections);
- a revoked or expired link, or an article in the trash: 410 and a French page saying
  so; an unknown token (a typo, junk, a deleted article): 404. Neither shows content.

Every answer is private and unlisted: `Cache-Control: private, no-store` (never in the
page cache: this endpoint is not in views/http_cache.CACHED_ENDPOINTS, and nothing here
is a public page a proxy may keep), `X-Robots-Tag: noindex` (plus the meta tag), and
`Referrer-Policy: no-referrer`, so the secret address never leaves in a Referer when
the reader follows a link on the page.
"""

from __future__ import annotations

from flask import Blueprint, current_app, make_response, redirect, render_template, url_for
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import Article, PreviewLink, db
from models.correction import Correction
from views.http_cache import PRIVATE

bp = Blueprint("preview", __name__)

# An unknown token is not found; a link that existed and is closed is gone for good.
STATUS = {"unknown": 404, "revoked": 410, "expired": 410, "trashed": 410}


@bp.get("/apercu/<path:token>")
def show(token: str):
    """The preview an address opens (see the module's docstring); never a 500 on junk.

    `path:` so that a token cut or mangled with slashes still gets this page, not the
    site's generic 404.
    """
    opening = PreviewLink.opening(token)
    if opening.state == "preview":
        page = as_reader("preview/article.html", article=loaded(opening), preview=True)
        response = make_response(page)
    elif opening.state == "published":
        response = redirect(url_for("reading.article", slug=opening.article.slug), 302)
    else:
        page = as_reader("preview/unavailable.html", state=opening.state, link=opening.link)
        response = make_response(page, STATUS[opening.state])
    return unlisted(response)


def loaded(opening) -> Article:
    """The article with its blocks and corrections, loaded as the reader's page loads them."""
    return db.session.scalar(
        select(Article)
        .where(Article.id == opening.article.id)
        .options(
            selectinload(Article.blocks),
            selectinload(Article.corrections).lazyload(Correction.article),
        )
        .execution_options(populate_existing=True)
    )


def as_reader(template: str, **context) -> str:
    """Render as an anonymous reader sees pages: the site's language, no account bar, no
    edit control, no CSRF token (so no session written), whoever is logged in."""
    anonymous = current_app.login_manager.anonymous_user()
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return render_template(template, current_user=anonymous, editing=False, **context)


def unlisted(response):
    """Private, never cached, never indexed, never named in a Referer."""
    response.headers["Cache-Control"] = PRIVATE
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
