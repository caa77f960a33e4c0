"""htmx requests, and the in-place editing contract, written once.

Editing in place (the editor's parts and blocks, corrections, the article's sponsor) is a
part of the page that swaps between its display partial and its form. Every blueprint that
does it calls `InPlaceEditing(bp)`, which gives it:

- a login check: a request without a session goes to the login page, or gets a bare 401
  when htmx sent it (editor.js says so next to the button); an htmx *save* gets its form
  back instead, as typed, with 401, so nothing typed is lost while the editor logs in again;
- a CSRF error handler: a stale token on an htmx save gets the form back as typed, with
  400 and a fresh token; anything else gets the error page;
- `Vary: HX-Request` on every response but the blueprint's public pages: the same URL
  answers a partial to htmx and a redirect or a page to a browser.

Every save ends with `saved(article, summary)` (a revision, a commit); the fragment that
answers it then carries, out of band, what else on the page the save changed.

A "form back" (registered with `@editing.form_back("view_name")`) is called as
`form_back(status, **view_args)`. When the requester is not logged in (`typed_only()`),
it renders only what was posted: no stored text, no version, no list read from the
database (a select keeps just the posted choice, views.forms.keep_posted_choice).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Blueprint, abort, current_app, g, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from models import Article, db
from views.access import require_can_edit

FormBack = Callable[..., object]


def wants_fragment(headers=None) -> bool:
    """A real htmx request for a partial: not a boosted navigation, not a history restore."""
    headers = request.headers if headers is None else headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )


def fragment(template: str, status: int = 200, **context):
    """The partial for htmx; the same partial inside a plain page for a browser without JS.

    `editing` defaults to True: the reader's partials then carry their edit buttons.
    After a save (`saved`), htmx also gets the page updates (`page_updates`).
    Returns (html, status).
    """
    context.setdefault("editing", True)
    if wants_fragment():
        return render_template(template, **context) + page_updates(), status
    return render_template("editor/standalone.html", partial=template, **context), status


def typed_only() -> bool:
    """Whether a form back may show only what was posted: the requester is not logged in."""
    return not current_user.is_authenticated


def editable_article(article_id: int) -> Article:
    """The article, if the current user may edit it: 404 if there is none, 403 if not theirs."""
    article = db.get_or_404(Article, article_id)
    require_can_edit(article)
    return article


def article_url(article: Article, anchor: str | None = None) -> str:
    """The article's public address (where in-place edits happen), with an optional #anchor."""
    return url_for("reading.article", slug=article.slug, _anchor=anchor)


class InPlaceEditing:
    """The in-place editing contract for one blueprint (see the module's docstring).

    `public` names the blueprint's views open to everyone (no login, no Vary), e.g.
    `InPlaceEditing(bp, public=("index",))`. Saves whose form comes back register it:

        @editing.form_back("save_part")
        def resubmit_part(status, article_id, part): ...
    """

    def __init__(self, bp: Blueprint, *, public: Iterable[str] = ()):
        self.name = bp.name
        self.public = frozenset(f"{bp.name}.{view}" for view in public)
        self.forms_back: dict[str, FormBack] = {}
        bp.before_request(self.forget_saves)
        bp.before_request(self.require_login)
        bp.register_error_handler(CSRFError, self.csrf_failed)
        bp.after_request(self.vary_on_htmx)

    def form_back(self, view: str) -> Callable[[FormBack], FormBack]:
        """Register how the save `view` gives its form back: `form_back(status, **view_args)`."""

        def register(function: FormBack) -> FormBack:
            self.forms_back[f"{self.name}.{view}"] = function
            return function

        return register

    def _form_back_for_request(self) -> FormBack | None:
        if request.method == "POST" and wants_fragment():
            return self.forms_back.get(request.endpoint)
        return None

    @staticmethod
    def forget_saves():
        """Nothing saved yet: a test's app context (and its `g`) outlives one request."""
        g.pop("saved_article", None)

    def require_login(self):
        """Logged in, or: the form back as typed (htmx save, 401), a bare 401, the login page."""
        if current_user.is_authenticated or request.endpoint in self.public:
            return None
        form_back = self._form_back_for_request()
        if form_back is not None:
            return form_back(401, **request.view_args)
        if wants_fragment():
            abort(401)  # editor.js says so next to the button; nothing typed is at stake
        return current_app.login_manager.unauthorized()

    def csrf_failed(self, error):
        """A stale token on an htmx save: the form comes back as typed, with a fresh token."""
        form_back = self._form_back_for_request()
        if form_back is not None:
            try:
                return form_back(400, **request.view_args)
            except HTTPException as refused:  # no such article: abort() may not leave a handler
                return render_template("errors/error.html", error=refused), refused.code
        return render_template("errors/error.html", error=error), 400

    def vary_on_htmx(self, response):
        """The same URL answers a partial to htmx and a redirect or a page to a browser."""
        if request.endpoint not in self.public:
            response.vary.add("HX-Request")
        return response


def saved(article: Article, summary: str) -> None:
    """Every in-place save ends here: a revision by the current user (the model's rule), commit.

    The fragment that answers the save then carries the page updates (`page_updates`).
    """
    article.record_revision(current_user, summary)
    db.session.commit()
    g.saved_article = article


def page_updates() -> str:
    """What else on the page this request's save changed, to swap out of band; else "".

    The byline (its "Mis à jour le …" and reading time change with every save) and the
    page's <title> (the headline), in editor/_page_updates.html. Only after a save: a
    cancel or a form changes nothing on the page.
    """
    article = g.get("saved_article")
    if article is None:
        return ""
    return render_template("editor/_page_updates.html", article=article)
