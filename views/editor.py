"""Editing in place: each part of the live article page swaps between display and form.

The display partials are the reader's own templates (templates/reading/...), rendered with
`editing=True` so they carry their "Modifier …" buttons. Every write goes through
richtext.clean_html (see editor_forms.Cleaned) and records a Revision.

Versions, so that no save silently overwrites another:
- a body block's form carries Block.version: editing paragraph A never conflicts with
  someone saving paragraph B;
- the article's own parts (headline, standfirst, section, publication) carry
  Article.version, which only those saves bump. A save whose version is behind is a
  conflict only if *that part* changed since (read from the revision at the form's
  version), so a headline save and a standfirst save do not collide;
- the author's bio carries a fingerprint of the bio itself (users have no version).
"""

from __future__ import annotations

import difflib
import hashlib
import re

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_translations, to_user_timezone, to_utc
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError, generate_csrf
from sqlalchemy import select
from werkzeug.exceptions import HTTPException
from wtforms.fields.choices import SelectChoice

from models import Article, ArticleSlugRedirect, Block, Revision, Section, User, db
from models.content import ArticleStatus
from models.slugs import slugify, unique_slug
from models.time import utcnow
from services.richtext import CleanResult, removal_message, to_plain_text
from views.access import register_staff_link, require_can_edit, wants_fragment
from views.auth import EmptyForm
from views.editor_forms import (
    BLOCK_EDITORS,
    BioForm,
    HeadlineForm,
    NewArticleForm,
    PublicationForm,
    SectionForm,
    StandfirstForm,
    clean_results,
    cleaned,
)

bp = Blueprint("editor", __name__, url_prefix="/redaction")
register_staff_link("editor.dashboard", _l("Tableau de bord"))


# --------------------------------------------------------------------------- every request


@bp.before_request
def require_login():
    """Every editing route needs a logged-in user; an htmx save gets its form back instead."""
    if current_user.is_authenticated:
        return None
    if request.method == "POST" and wants_fragment() and request.endpoint in RESUBMITTABLE:
        return RESUBMITTABLE[request.endpoint](status=401, **request.view_args)
    if wants_fragment():
        abort(401)  # editor.js says so next to the button; nothing typed is at stake
    return current_app.login_manager.unauthorized()


@bp.errorhandler(CSRFError)
def csrf_failed(error):
    """A stale token on an htmx save: the form comes back with the text and a fresh token."""
    if request.method == "POST" and wants_fragment() and request.endpoint in RESUBMITTABLE:
        try:
            return RESUBMITTABLE[request.endpoint](status=400, **request.view_args)
        except HTTPException as refused:  # no such block: an abort() may not leave a handler
            return render_template("errors/error.html", error=refused), refused.code
    return render_template("errors/error.html", error=error), 400


@bp.after_request
def vary_on_htmx(response):
    # The same URL answers a partial to htmx and a redirect or page to a browser.
    response.vary.add("HX-Request")
    return response


@bp.app_context_processor
def editor_templates():
    return {"block_editors": BLOCK_EDITORS}


# --------------------------------------------------------------------------- helpers


def editable_article(article_id: int) -> Article:
    article = db.get_or_404(Article, article_id)
    require_can_edit(article)
    return article


def editable_block(block_id: int) -> Block:
    block = db.get_or_404(Block, block_id)
    require_can_edit(block.article)
    return block


def article_url(article: Article, anchor: str | None = None) -> str:
    return url_for("reading.article", slug=article.slug, _anchor=anchor)


def fragment(template: str, status: int = 200, **context):
    """The partial for htmx; the same partial inside a plain page for a browser without JS."""
    context.setdefault("editing", True)
    if wants_fragment():
        return render_template(template, **context), status
    return render_template("editor/standalone.html", partial=template, **context), status


def saved(article: Article, summary: str) -> None:
    """Every save ends here: "Mis à jour", a revision of the whole article, commit."""
    article.mark_edited()
    db.session.add(
        Revision(
            article_id=article.id,
            author_id=current_user.id,
            summary=summary[:200],
            snapshot=article.snapshot(),
        )
    )
    db.session.commit()


def notice_for(results: list[CleanResult]) -> str | None:
    """ "2 styles et 1 script ont été retirés." when cleaning removed anything."""
    merged: dict[str, int] = {}
    for result in results:
        for category, count in result.removed:
            merged[category] = merged.get(category, 0) + count
    # The catalogue's own functions: flask_babel's gettext/ngettext would %-format too early.
    translations = get_translations()
    return removal_message(
        CleanResult("", tuple(merged.items())),
        ngettext=translations.ngettext,
        gettext=translations.gettext,
    )


def snapshot_at_version(article: Article, version: str) -> dict | None:
    """The article as it was at Article.version `version`, from its revisions."""
    for revision in Revision.for_article(article.id):
        if str(revision.snapshot.get("version")) == version:
            return revision.snapshot
    return None


# --------------------------------------------------------------------------- article parts


class ArticlePart:
    """One editable part of the page outside the body: headline, standfirst, section…"""

    form: type
    display_template: str
    form_template: str
    summary: str
    snapshot_keys: tuple[str, ...] = ()

    def prepare(self, form) -> None:
        """Fill choices and the like before the form is validated or rendered."""

    def load(self, article: Article) -> dict: ...

    def save(self, article: Article, form) -> None: ...

    def theirs(self, article: Article) -> str:
        """The stored value, shown as "their version" in a conflict."""
        return str(self.load(article)[self.snapshot_keys[0]])

    def version(self, article: Article) -> str:
        return str(article.version)

    def is_stale(self, article: Article, loaded: str | None) -> bool:
        if loaded == self.version(article):
            return False
        then = snapshot_at_version(article, loaded or "")
        now = article.snapshot()
        return then is None or any(then.get(key) != now[key] for key in self.snapshot_keys)


class Headline(ArticlePart):
    form, summary = HeadlineForm, _l("Titre modifié")
    display_template, form_template = "reading/_headline.html", "editor/parts/_headline_fields.html"
    snapshot_keys = ("headline",)

    def load(self, article):
        return {"headline": article.headline}

    def save(self, article, form):
        article.headline = cleaned(form.headline)
        # A draft's address follows its headline; a public one changes only on request.
        if article.state == "draft" or form.update_slug.data:
            change_slug(article, slugify(article.headline))


class Standfirst(ArticlePart):
    form, summary = StandfirstForm, _l("Chapô modifié")
    display_template, form_template = (
        "reading/_standfirst.html",
        "editor/parts/_standfirst_fields.html",
    )
    snapshot_keys = ("standfirst",)

    def load(self, article):
        return {"standfirst": article.standfirst}

    def save(self, article, form):
        article.standfirst = cleaned(form.standfirst)


class SectionPart(ArticlePart):
    form, summary = SectionForm, _l("Rubrique modifiée")
    display_template, form_template = (
        "reading/_section_trail.html",
        "editor/parts/_section_fields.html",
    )
    snapshot_keys = ("section_id",)

    def prepare(self, form):
        form.section.choices = section_choices()

    def load(self, article):
        return {"section": article.section_id}

    def save(self, article, form):
        article.section = db.session.get(Section, form.section.data)

    def theirs(self, article):
        return " › ".join(s.name for s in article.section.trail)


class Publication(ArticlePart):
    form, summary = PublicationForm, _l("Publication modifiée")
    display_template, form_template = (
        "editor/_publication.html",
        "editor/parts/_publication_fields.html",
    )
    snapshot_keys = ("status", "published_at")

    def load(self, article):
        state = {"draft": "draft", "scheduled": "schedule", "published": "now"}[article.state]
        publish_at = to_user_timezone(article.published_at) if article.published_at else None
        return {
            "state": state,
            "publish_at": publish_at.replace(tzinfo=None) if publish_at else None,
        }

    def save(self, article, form):
        state = form.state.data
        if state == "draft":
            article.status, article.published_at = ArticleStatus.DRAFT, None
        elif state == "now":
            if not article.is_live:  # publishing again does not change the date
                article.status, article.published_at = ArticleStatus.PUBLISHED, utcnow()
        else:
            article.status, article.published_at = (
                ArticleStatus.PUBLISHED,
                to_utc(form.publish_at.data),
            )

    def theirs(self, article):
        return {
            "draft": _("Brouillon — non publié"),
            "scheduled": _("Programmé"),
            "published": _("Publié"),
        }[article.state]


class Bio(ArticlePart):
    form, summary = BioForm, _l("Biographie de l’auteur modifiée")
    display_template, form_template = "reading/_author_bio.html", "editor/parts/_bio_fields.html"

    def load(self, article):
        return {"bio": article.author.bio_html}

    def save(self, article, form):
        article.author.bio_html = cleaned(form.bio)

    def theirs(self, article):
        return to_plain_text(article.author.bio_html)

    def version(self, article):
        return hashlib.sha256(article.author.bio_html.encode()).hexdigest()[:16]

    def is_stale(self, article, loaded):
        return loaded != self.version(article)


# URL name -> part. The URL names are French, like every other address on the site.
PARTS: dict[str, ArticlePart] = {
    "titre": Headline(),
    "chapo": Standfirst(),
    "rubrique": SectionPart(),
    "publication": Publication(),
    "biographie": Bio(),
}
PART_NAMES = ",".join(PARTS)


def section_choices() -> list[SelectChoice]:
    choices = []
    for top in Section.top_level():
        choices.append(SelectChoice(top.id, top.name))
        choices += [SelectChoice(child.id, f"{top.name} › {child.name}") for child in top.children]
    return choices


def change_slug(article: Article, base: str) -> None:
    """A new address from the headline; a public article's old address keeps redirecting."""

    def taken(slug: str) -> bool:
        other_article = db.session.scalar(
            select(Article.id).where(Article.slug == slug, Article.id != article.id)
        )
        other_redirect = db.session.scalar(
            select(ArticleSlugRedirect.id).where(
                ArticleSlugRedirect.old_slug == slug, ArticleSlugRedirect.article_id != article.id
            )
        )
        return bool(other_article or other_redirect)

    new_slug = unique_slug(base, taken)
    if new_slug == article.slug:
        return
    reclaimed = db.session.scalar(select(ArticleSlugRedirect).filter_by(old_slug=new_slug))
    if reclaimed is not None:
        db.session.delete(reclaimed)
    if article.state != "draft":
        db.session.add(ArticleSlugRedirect(old_slug=article.slug, article_id=article.id))
    article.slug = new_slug
    db.session.flush()


def render_part(article: Article, part_name: str, notice: str | None = None):
    """A part's display partial, focus on its button (after a save or a cancel)."""
    part = PARTS[part_name]
    return fragment(
        part.display_template,
        article=article,
        section=article.section,
        notice=notice,
        focus_edit_button=True,
        oob_byline=part_name == "publication",
    )


def render_part_form(
    article: Article, part_name: str, form, status: int = 200, conflict: bool = False
):
    part = PARTS[part_name]
    if conflict or status in (400, 401):
        form.version.data = part.version(article)  # "Garder ma version" saves over theirs
    return fragment(
        "editor/_part_form.html",
        status,
        article=article,
        part_name=part_name,
        part=part,
        form=form,
        conflict=conflict,
        theirs=part.theirs(article) if conflict else None,
        reauth=status in (400, 401),
    )


def resubmit_part(status: int, article_id: int, part: str):
    """The posted form, re-rendered as it was typed (expired session or CSRF token)."""
    article = db.get_or_404(Article, article_id)
    form = part_form_for(part, meta={"csrf": False})
    return render_part_form(article, part, form, status)


@bp.get(f"/articles/<int:article_id>/<any({PART_NAMES}):part>")
def part_display(article_id: int, part: str):
    """A part as readers see it, with its edit button ("Annuler")."""
    article = editable_article(article_id)
    if not wants_fragment():
        return redirect(article_url(article))
    return render_part(article, part)


@bp.get(f"/articles/<int:article_id>/<any({PART_NAMES}):part>/modifier")
def part_form(article_id: int, part: str):
    """The form that replaces a part."""
    article = editable_article(article_id)
    if not wants_fragment():
        return redirect(article_url(article))
    form = part_form_for(part, data=PARTS[part].load(article))
    form.version.data = PARTS[part].version(article)
    return render_part_form(article, part, form)


@bp.post(f"/articles/<int:article_id>/<any({PART_NAMES}):part>")
def save_part(article_id: int, part: str):
    """Save a part; answer with its display partial, or the form (422) or a conflict (409)."""
    article = editable_article(article_id)
    spec, form = PARTS[part], part_form_for(part)
    if not form.validate_on_submit():
        return render_part_form(article, part, form, 422)
    if part == "publication" and not publication_time_ok(form):
        return render_part_form(article, part, form, 422)
    if spec.is_stale(article, form.version.data):
        return render_part_form(article, part, form, 409, conflict=True)
    old_slug = article.slug
    spec.save(article, form)
    if part != "biographie":
        article.version += 1
    saved(article, str(spec.summary))
    if not wants_fragment():
        return redirect(article_url(article))
    response = make_response(render_part(article, part, notice_for(clean_results(form))))
    if article.slug != old_slug:
        response.headers["HX-Replace-Url"] = article_url(article)
    return response


def publication_time_ok(form) -> bool:
    """A scheduled time must lie ahead; otherwise say so on the field."""
    if form.state.data != "schedule":
        return True
    if form.publish_at.data is None:
        form.publish_at.errors = [_("Indiquez la date et l’heure de publication.")]
        return False
    if to_utc(form.publish_at.data) <= utcnow():
        form.publish_at.errors = [_("Choisissez une date à venir, ou « Publier maintenant ».")]
        return False
    return True


# --------------------------------------------------------------------------- body blocks


def block_editor(block: Block):
    return BLOCK_EDITORS.get(block.kind) or abort(404)


def block_form_for(block: Block, **kwargs):
    """The block's form; the prefix keeps field ids unique when several forms are open."""
    return block_editor(block).form(prefix=f"bloc{block.id}", **kwargs)


def new_block_form_for(kind: str, after: str, **kwargs):
    return new_block_editor(kind).form(prefix=f"nouveau{after if after.isdigit() else 0}", **kwargs)


def part_form_for(part: str, **kwargs):
    form = PARTS[part].form(prefix=part, **kwargs)
    PARTS[part].prepare(form)
    return form


def render_block(block: Block, notice: str | None = None, focus: str = "edit"):
    """A block's display partial (the reader's markup plus its controls)."""
    return fragment(
        "reading/_block.html",
        block=block,
        article=block.article,
        notice=notice,
        focus_control=focus,
    )


def render_block_form(block: Block, form, status: int = 200, conflict: bool = False):
    editor = block_editor(block)
    if conflict or status in (400, 401):
        form.version.data = str(block.version)  # "Garder ma version" saves over theirs
    return fragment(
        "editor/_block_form.html",
        status,
        block=block,
        article=block.article,
        editor=editor,
        form=form,
        conflict=conflict,
        reauth=status in (400, 401),
    )


def resubmit_block(status: int, block_id: int):
    """The posted block form, re-rendered as it was typed (expired session or CSRF token)."""
    block = db.get_or_404(Block, block_id)
    return render_block_form(block, block_form_for(block, meta={"csrf": False}), status)


@bp.get("/blocs/<int:block_id>")
def block_display(block_id: int):
    """A block as readers see it, with its controls ("Annuler", "Prendre la leur")."""
    block = editable_block(block_id)
    if not wants_fragment():
        return redirect(article_url(block.article, f"block-{block.id}"))
    return render_block(block)


@bp.get("/blocs/<int:block_id>/modifier")
def block_form(block_id: int):
    """The form that replaces a block."""
    block = editable_block(block_id)
    if not wants_fragment():
        return redirect(article_url(block.article, f"block-{block.id}"))
    form = block_form_for(block, data=block_editor(block).form.load(block.data))
    form.version.data = str(block.version)
    return render_block_form(block, form)


@bp.post("/blocs/<int:block_id>")
def save_block(block_id: int):
    """Save a block; answer with its display partial, or the form (422) or a conflict (409)."""
    block = editable_block(block_id)
    form = block_form_for(block)
    if not form.validate_on_submit():
        return render_block_form(block, form, form.error_status)
    if form.version.data != str(block.version):
        return render_block_form(block, form, 409, conflict=True)
    block.data = form.block_data()
    block.version += 1
    saved(block.article, _("Modification : %(block)s", block=block_editor(block).name))
    if not wants_fragment():
        return redirect(article_url(block.article, f"block-{block.id}"))
    return render_block(block, notice_for(clean_results(form)))


@bp.post("/blocs/<int:block_id>/<any(monter,descendre):direction>")
def move_block(block_id: int, direction: str):
    """Swap a block with its neighbour; the moved block is re-inserted on the other side."""
    block = editable_block(block_id)
    article = block.article
    neighbour = article.move_block(block, -1 if direction == "monter" else 1)
    if neighbour is None:
        return "", 204  # already first (or last): nothing to do
    saved(article, _("Bloc déplacé"))
    if not wants_fragment():
        return redirect(article_url(article, f"block-{block.id}"))
    return fragment(
        "editor/_moved_block.html",
        block=block,
        article=article,
        neighbour=neighbour,
        where="beforebegin" if direction == "monter" else "afterend",
        focus_control=direction,
    )


@bp.get("/blocs/<int:block_id>/supprimer")
def delete_confirmation(block_id: int):
    """ "Supprimer ce paragraphe ?" in place of the block: no script dialog."""
    block = editable_block(block_id)
    if not wants_fragment():
        return redirect(article_url(block.article, f"block-{block.id}"))
    return fragment(
        "editor/_delete_confirmation.html", block=block, article=block.article, form=EmptyForm()
    )


@bp.post("/blocs/<int:block_id>/supprimer")
def delete_block(block_id: int):
    """Delete a block; the history keeps it, so a restore brings it back."""
    block = editable_block(block_id)
    article, name = block.article, block_editor(block).name
    article.remove_block(block)
    saved(article, _("Suppression : %(block)s", block=name))
    if not wants_fragment():
        return redirect(article_url(article))
    return fragment("editor/_block_deleted.html", article=article, name=name)


def block_after(article: Article, raw_id: str | None) -> Block | None:
    """The block a new one goes after, from ?apres=; None means "at the top"."""
    if raw_id and raw_id.isdigit():
        return next((b for b in article.blocks if b.id == int(raw_id)), None)
    return None


@bp.get("/articles/<int:article_id>/blocs/ajout")
def insert_chooser(article_id: int):
    """Which kind of block to add after a block (or at the top)."""
    article = editable_article(article_id)
    if not wants_fragment():
        return redirect(article_url(article))
    return fragment(
        "editor/_insert_chooser.html", article=article, after=request.args.get("apres", "")
    )


def new_block_editor(kind: str):
    return BLOCK_EDITORS.get(kind) or abort(404)


def render_new_block_form(article: Article, kind: str, form, after: str, status: int = 200):
    return fragment(
        "editor/_new_block_form.html",
        status,
        article=article,
        editor=new_block_editor(kind),
        form=form,
        after=after,
        reauth=status in (400, 401),
    )


def resubmit_new_block(status: int, article_id: int, kind: str):
    article = db.get_or_404(Article, article_id)
    after = request.form.get("after", "")
    form = new_block_form_for(kind, after, meta={"csrf": False})
    return render_new_block_form(article, kind, form, after, status)


@bp.get("/articles/<int:article_id>/blocs/nouveau/<kind>")
def new_block_form(article_id: int, kind: str):
    """An empty form for a new block of `kind`."""
    article = editable_article(article_id)
    if not wants_fragment():
        return redirect(article_url(article))
    after = request.args.get("apres", "")
    form = new_block_form_for(kind, after, data=new_block_editor(kind).form.load({}))
    return render_new_block_form(article, kind, form, after)


@bp.post("/articles/<int:article_id>/blocs/nouveau/<kind>")
def create_block(article_id: int, kind: str):
    """Insert a new block after the chosen one; answer with its display partial."""
    article = editable_article(article_id)
    after = request.form.get("after", "")
    form = new_block_form_for(kind, after)
    if not form.validate_on_submit():
        return render_new_block_form(article, kind, form, after, form.error_status)
    block = article.insert_block(kind, form.block_data(), after=block_after(article, after))
    saved(article, _("Ajout : %(block)s", block=new_block_editor(kind).name))
    if not wants_fragment():
        return redirect(article_url(article, f"block-{block.id}"))
    return render_block(block, notice_for(clean_results(form)))


# Saves whose form comes back as typed when the session or the CSRF token has expired.
RESUBMITTABLE = {
    "editor.save_part": resubmit_part,
    "editor.save_block": resubmit_block,
    "editor.create_block": resubmit_new_block,
}


@bp.get("/jeton")
def fresh_csrf_token():
    """A fresh CSRF token for forms already on the page, after logging in again elsewhere."""
    return jsonify(csrf_token=generate_csrf())


# --------------------------------------------------------------------------- history


def plain_text(snapshot: dict) -> str:
    """An article snapshot as plain text, one paragraph a line: what the diff compares."""
    lines = [snapshot["headline"], snapshot.get("standfirst", "")]
    for block in snapshot["blocks"]:
        data = block["data"]
        if block["kind"] == "list":
            lines += ["• " + to_plain_text(item) for item in data.get("items", [])]
        else:
            parts = [data.get(key, "") for key in ("html", "text", "attribution", "caption", "alt")]
            lines.append(" — ".join(to_plain_text(str(p)) for p in parts if p))
    return "\n".join(line for line in lines if line)


# A word with the spaces after it: a changed phrase reads as one <del> and one <ins>.
_WORDS = re.compile(r"^\s+|\S+\s*")


def text_diff(old: str, new: str) -> list[tuple[str, str]]:
    """(operation, text) pieces, word by word: "same", "del" (old only) or "ins" (new only)."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    pieces: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append(("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append(("del", "".join(a[i1:i2])))
        if j2 > j1:
            pieces.append(("ins", "".join(b[j1:j2])))
    return pieces


def article_revision(article: Article, revision_id: int) -> Revision:
    revision = db.get_or_404(Revision, revision_id)
    if revision.article_id != article.id:
        abort(404)
    return revision


@bp.get("/articles/<int:article_id>/historique")
def history(article_id: int):
    """The history panel: who saved what, and when."""
    article = editable_article(article_id)
    if not wants_fragment():
        return redirect(article_url(article))
    return fragment(
        "editor/_history.html",
        article=article,
        revisions=Revision.for_article(article.id),
        form=EmptyForm(),
    )


@bp.get("/articles/<int:article_id>/historique/<int:revision_id>")
def revision_diff(article_id: int, revision_id: int):
    """What changed between a revision and the current text."""
    article = editable_article(article_id)
    if not wants_fragment():
        return redirect(article_url(article))
    revision = article_revision(article, revision_id)
    pieces = text_diff(plain_text(revision.snapshot), plain_text(article.snapshot()))
    return fragment(
        "editor/_revision_diff.html",
        article=article,
        revision=revision,
        pieces=pieces,
        form=EmptyForm(),
    )


@bp.post("/articles/<int:article_id>/historique/<int:revision_id>/restaurer")
def restore_revision(article_id: int, revision_id: int):
    """Put an earlier version back (itself a new revision), then show the whole page again."""
    article = editable_article(article_id)
    revision = article_revision(article, revision_id)
    when = to_user_timezone(revision.created_at).strftime("%d/%m/%Y %H:%M")
    article.restore(revision.snapshot)
    saved(article, _("Version du %(date)s restaurée", date=when))
    response = redirect(article_url(article))
    if wants_fragment():  # the whole article changed: htmx reloads the page
        response = make_response("", 204)
        response.headers["HX-Redirect"] = article_url(article)
    return response


# --------------------------------------------------------------------------- new article, dashboard


def author_choices() -> list[SelectChoice]:
    """Editors sign for anyone active; authors only for themselves."""
    if not current_user.is_editor:
        return [SelectChoice(current_user.id, current_user.display_name)]
    users = db.session.scalars(select(User).where(User.active).order_by(User.display_name)).all()
    return [SelectChoice(user.id, user.display_name) for user in users]


@bp.route("/articles/nouveau", methods=["GET", "POST"])
def new_article():
    """Create a draft, then edit it in place on its own page."""
    form = NewArticleForm()
    form.section.choices = section_choices()
    form.author.choices = author_choices()
    if request.method == "GET":
        form.author.data = current_user.id
    if not form.validate_on_submit():
        return render_template("editor/new_article.html", form=form), 422 if form.errors else 200
    headline = cleaned(form.headline)
    article = Article(
        headline=headline,
        slug=unique_slug(slugify(headline), slug_in_use),
        section_id=form.section.data,
        author_id=form.author.data,
        status=ArticleStatus.DRAFT,
    )
    db.session.add(article)
    db.session.flush()
    saved(article, _("Article créé"))
    return redirect(article_url(article))


def slug_in_use(slug: str) -> bool:
    return bool(
        db.session.scalar(select(Article.id).where(Article.slug == slug))
        or db.session.scalar(
            select(ArticleSlugRedirect.id).where(ArticleSlugRedirect.old_slug == slug)
        )
    )


@bp.get("")
def dashboard():
    """Drafts, scheduled and recently published articles, with links into their pages."""
    mine = select(Article)
    if not current_user.is_editor:
        mine = mine.where(Article.author_id == current_user.id)
    now = utcnow()
    published = Article.status == ArticleStatus.PUBLISHED
    lists = {
        "drafts": mine.where(Article.status == ArticleStatus.DRAFT).order_by(
            Article.created_at.desc()
        ),
        "scheduled": mine.where(published, Article.published_at > now).order_by(
            Article.published_at
        ),
        "published": mine.where(published, Article.published_at <= now)
        .order_by(Article.published_at.desc())
        .limit(20),
    }
    return render_template(
        "editor/dashboard.html",
        **{name: db.session.scalars(query).all() for name, query in lists.items()},
    )
