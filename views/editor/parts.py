"""The article's own parts, edited in place: headline, standfirst, section, publication, bio.

Each part is an ArticlePart in PARTS, under its French URL name (/titre, /chapo…): its
form, its display and form partials, how to load and save it, and how to tell that
someone else changed it since the form was loaded (a conflict, 409).
"""

from __future__ import annotations

import hashlib
import re

from flask import make_response, redirect
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import to_user_timezone, to_utc
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields import BooleanField
from wtforms.fields.choices import SelectChoice

import views.editor
from models import Article, ArticleSlugRedirect, Revision, Section, User, db
from models.authorship import AUTHORS_MAX
from models.content import (
    SEO_DESCRIPTION_MAX,
    SEO_DESCRIPTION_SHOWN,
    SEO_TITLE_MAX,
    SEO_TITLE_SHOWN,
)
from models.slugs import slugify, unique_slug
from models.tag import TAGS_PER_ARTICLE_MAX
from models.time import utcnow
from services import tags
from services.richtext import to_plain_text
from views.editor import bp, editing
from views.editor.forms import (
    AuthorsForm,
    BioForm,
    HeadlineForm,
    LeadImageForm,
    PublicationForm,
    SectionForm,
    SeoForm,
    StandfirstForm,
    TagsForm,
)
from views.forms import clean_results, cleaned, keep_posted_choice, notice_for
from views.htmx import (
    article_url,
    editable_article,
    fragment,
    typed_only,
    wants_fragment,
)
from views.seo import article_images, image_choices


def snapshot_at_version(article: Article, version: str) -> dict | None:
    """The article as it was at Article.version `version`, from its revisions."""
    for revision in Revision.for_article(article.id):
        if str(revision.snapshot.get("version")) == version:
            return revision.snapshot
    return None


class ArticlePart:
    """One editable part of the page outside the body: headline, standfirst, section…"""

    form: type
    display_template: str
    form_template: str
    summary: str
    snapshot_keys: tuple[str, ...] = ()
    # "Un brouillon non enregistré du titre existe": editor.js offers it back.
    draft_label: object = _l("Un brouillon non enregistré de cette partie existe")

    def prepare(self, form) -> None:
        """Fill choices and the like before the form is validated or rendered."""

    def check(self, form) -> bool:
        """What the form's validators cannot say alone; False puts errors on the form."""
        return True

    def rearrange(self, form) -> bool:
        """Whether the post was a button that changes the form, not the article (an
        author moved up): the form, so changed, is shown again and nothing is saved."""
        return False

    def load(self, article: Article) -> dict: ...

    def save(self, article: Article, form) -> None: ...

    def theirs(self, article: Article) -> str:
        """The stored value, shown as "their version" in a conflict."""
        return str(self.load(article)[self.snapshot_keys[0]])

    def version(self, article: Article) -> str:
        return str(article.version)

    def bump_version(self, article: Article) -> None:
        """After a save: forms loaded before it are behind (Article.version, parts only)."""
        article.version += 1

    def is_stale(self, article: Article, loaded: str | None) -> bool:
        if loaded == self.version(article):
            return False
        then = snapshot_at_version(article, loaded or "")
        now = article.snapshot()
        return then is None or any(then.get(key) != now[key] for key in self.snapshot_keys)


class Headline(ArticlePart):
    form, summary = HeadlineForm, _l("Titre modifié")
    draft_label = _l("Un brouillon non enregistré du titre existe")
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
    draft_label = _l("Un brouillon non enregistré du chapô existe")
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
    draft_label = _l("Un brouillon non enregistré de la rubrique existe")
    display_template, form_template = (
        "reading/_section_trail.html",
        "editor/parts/_section_fields.html",
    )
    snapshot_keys = ("section_id",)

    def prepare(self, form):
        if typed_only():
            keep_posted_choice(form.section)
        else:
            form.section.choices = section_choices()

    def load(self, article):
        return {"section": article.section_id}

    def save(self, article, form):
        article.section = db.session.get(Section, form.section.data)

    def theirs(self, article):
        return article.section.trail_name


class RepublicationForm(PublicationForm):
    """The publication form with the republication choice: an article readers saw, then
    unpublished, comes back with its first publication date unless `today` is ticked
    (Article.publish(today=…)). Shown only when that applies (_publication_fields.html)."""

    today = BooleanField(_l("Republier avec la date d’aujourd’hui"))


class Publication(ArticlePart):
    form, summary = RepublicationForm, _l("Publication modifiée")
    draft_label = _l("Un brouillon non enregistré de la publication existe")
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
            "today": False,  # by default a republication keeps its first date
        }

    def save(self, article, form):
        state = form.state.data
        if state == "draft":
            article.unpublish()
        elif state == "now":
            # Publishing again a live article does not change the date; republishing an
            # unpublished one gives it back its first date unless the editor asks for today.
            article.publish(today=bool(form.today.data))
        else:
            article.publish(at=to_utc(form.publish_at.data))

    def check(self, form):
        return publication_time_ok(form)

    def theirs(self, article):
        return {
            "draft": _("Brouillon — non publié"),
            "scheduled": _("Programmé"),
            "published": _("Publié"),
        }[article.state]


class Bio(ArticlePart):
    form, summary = BioForm, _l("Biographie de l’auteur modifiée")
    draft_label = _l("Un brouillon non enregistré de la biographie existe")
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

    def bump_version(self, article):
        """Nothing to bump: the version is a fingerprint of the bio itself."""


# --------------------------------------------------------------------------- lead image (issue 13)


class LeadImage(ArticlePart):
    """The lead image: chosen in the library or uploaded here, with this use's words.

    The alt text is required whenever there is an image (blank, it takes the library's);
    "remove" takes the image off (the image stays in the library). The image's own words
    in the library get this use's when they were blank (an image uploaded here).
    """

    form, summary = LeadImageForm, _l("Image principale modifiée")
    draft_label = _l("Un brouillon non enregistré de l’image principale existe")
    display_template = "reading/_lead_image.html"
    form_template = "editor/parts/_lead_image_fields.html"
    snapshot_keys = ("lead_media", "lead_alt", "lead_caption", "lead_credit")
    has_file_upload = True

    def load(self, article):
        media = article.lead_media
        return {
            "media": media.token if media is not None else "",
            "alt": article.lead_alt,
            "caption": article.lead_caption,
            "credit": article.lead_credit,
        }

    def check(self, form):
        if form.remove.data or form.current_media() is None:
            return True
        if not cleaned(form.alt).strip():
            form.alt.errors = [_("Décrivez l’image : le texte alternatif est obligatoire.")]
            return False
        return True

    def save(self, article, form):
        media = None if form.remove.data else form.current_media()
        article.lead_media = media
        if media is None:
            article.lead_alt = article.lead_caption = article.lead_credit = ""
            return
        article.lead_alt = cleaned(form.alt)
        article.lead_caption = cleaned(form.caption)
        article.lead_credit = cleaned(form.credit)
        if not (media.alt or media.caption or media.credit):  # uploaded here: the library learns
            media.describe(article.lead_alt, article.lead_caption, article.lead_credit)

    def theirs(self, article):
        return article.lead_alt if article.lead_media is not None else _("Aucune image")


# --------------------------------------------------------------------------- people, search and social


ROW_VERBS = ("monter", "descendre", "retirer")


def row_button(action: str) -> tuple[str, str] | None:
    """(verb, argument) of a list row's button, "monter-12" → ("monter", "12"), for the
    authors' and the sujets' lists; None for any other action."""
    verb, _sep, raw = action.partition("-")
    if verb not in ROW_VERBS or not raw.isascii():
        return None
    return verb, raw


def press_row_button(items: list, verb: str, index: int, name_of) -> str:
    """Apply a row's button to `items`, in place: "retirer" removes items[index], "monter"
    and "descendre" swap it with its neighbour (nothing past either end). Returns where
    focus goes: the "add" field after a removal, else the button pressed, or its twin
    when the row reached an end; a button is named by `name_of(item, index)`."""
    if verb == "retirer":
        items.pop(index)
        return "add"
    other = index - 1 if verb == "monter" else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
        index = other
    end = index == 0 if verb == "monter" else index == len(items) - 1
    twin = "descendre" if verb == "monter" else "monter"
    return f"{twin if end else verb}-{name_of(items[index], index)}"


class Authors(ArticlePart):
    """The byline's authors, in order: add, move up or down, remove, then save.

    Each button posts the form and gets it back changed, unsaved (rearrange): it works
    the same without JavaScript, and keyboard focus stays on the button pressed. Who
    may change what: editors and admins, anyone; an author of the article (the only
    others who can edit it, User.can_edit) adds, moves and removes co-authors but
    cannot remove themselves, which would lock them out of the article mid-edit.
    """

    form, summary = AuthorsForm, _l("Auteurs modifiés")
    draft_label = _l("Un brouillon non enregistré des auteurs existe")
    display_template, form_template = (
        "reading/_byline_authors.html",
        "editor/parts/_authors_fields.html",
    )
    snapshot_keys = ("author_ids",)

    def prepare(self, form):
        if typed_only():
            keep_posted_choice(form.add)
        else:
            form.add.choices = [SelectChoice("", _("Choisir un compte…"))] + [
                SelectChoice(str(user.id), user.display_name) for user in active_accounts()
            ]

    def load(self, article):
        return {"authors": [user.id for user in article.authors]}

    def rearrange(self, form):
        if form.authors.process_errors:
            return False  # junk: the save refuses it with the field's message (422)
        action = form.action.data or ""
        ids = list(form.authors.data or [])
        if action == "ajouter":
            added = self._added(form)
            if added is not None and added not in ids:
                ids.append(added)
            form.add.data = ""
            form.focus = "add"
        elif action == "afficher":
            pass  # a draft put back in the browser: the list drawn again as posted
        else:
            button = row_button(action)
            if button is None:
                return False
            verb, raw = button
            author_id = int(raw) if raw.isdigit() else None
            if author_id not in ids:
                return True  # a button from an older form: show the list as it is
            # Buttons name an author by id: "monter-12".
            form.focus = press_row_button(ids, verb, ids.index(author_id), lambda item, _i: item)
        form.authors.data = ids
        return True

    def check(self, form):
        ids = list(form.authors.data or [])
        added = self._added(form)
        if form.add.data and added is None:
            form.add.errors = [_("Ce compte n’existe pas ou n’est plus actif.")]
            return False
        if added is not None and added not in ids:
            ids.append(added)  # chosen, then "Enregistrer" without "Ajouter"
        form.authors.data = ids
        users = {user.id: user for user in active_accounts(ids)}
        if not ids:
            form.authors.errors = [_("L’article doit avoir au moins un auteur.")]
        elif len(set(ids)) != len(ids) or any(i not in users for i in ids):
            form.authors.errors = [_("Un des auteurs n’existe pas ou n’a plus de compte actif.")]
        elif len(ids) > AUTHORS_MAX:
            form.authors.errors = [_("%(max)d auteurs au plus.", max=AUTHORS_MAX)]
        elif not current_user.is_editor and current_user.id not in ids:
            form.authors.errors = [
                _("Vous ne pouvez pas vous retirer des auteurs : demandez-le à un éditeur.")
            ]
        form.users = [users[i] for i in ids if i in users]
        return not form.authors.errors

    def save(self, article, form):
        article.set_authors(form.users)

    def theirs(self, article):
        return ", ".join(user.display_name for user in article.authors)

    def rows(self, form) -> list[tuple[int, str]]:
        """(account id, name) of each author in the form, in order, for its list.

        Given back to someone logged out (typed_only), the names are not read: each is
        "Auteur 1 (conservé)", and the ids are posted again as they came.
        """
        ids = list(form.authors.data or [])
        if typed_only():
            return [(i, _("Auteur %(n)d (conservé)", n=n)) for n, i in enumerate(ids, 1)]
        users = db.session.scalars(select(User).where(User.id.in_(ids))) if ids else []
        names = {user.id: user.display_name for user in users}
        return [(i, names.get(i, _("(compte inconnu)"))) for i in ids]

    @staticmethod
    def _added(form) -> int | None:
        raw = (form.add.data or "").strip()
        if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
            return None
        return int(raw) if active_accounts([int(raw)]) else None


def active_accounts(ids: list[int] | None = None) -> list[User]:
    """Active accounts by name (those with these ids only, when given): who may sign."""
    query = select(User).where(User.active.is_(True)).order_by(User.display_name, User.id)
    if ids is not None:
        query = query.where(User.id.in_(ids))
    return list(db.session.scalars(query))


class Seo(ArticlePart):
    """ "Référencement et partage": the title and description search engines and social
    networks show, and the image shared; each empty field falls back to the article's own
    (views/seo.py)."""

    form, summary = SeoForm, _l("Référencement modifié")
    draft_label = _l("Un brouillon non enregistré du référencement existe")
    display_template, form_template = (
        "editor/parts/_seo_display.html",
        "editor/parts/_seo_fields.html",
    )
    snapshot_keys = ("seo_title", "seo_description", "social_image")
    # (most accepted, most shown by search engines) in characters, for the counters.
    limits = {
        "title": (SEO_TITLE_MAX, SEO_TITLE_SHOWN),
        "description": (SEO_DESCRIPTION_MAX, SEO_DESCRIPTION_SHOWN),
    }

    def image_sources(self, article) -> dict[str, str]:
        """{image token: its src} of the images the form offers, for the card preview."""
        return {image["media"]: image["src"] for image in article_images(article) if image["media"]}

    def prepare(self, form):
        if typed_only():
            keep_posted_choice(form.social_image)
        else:
            form.social_image.choices = [SelectChoice("", _("L’image par défaut"))] + [
                SelectChoice(token, alt) for token, alt in image_choices(form.article)
            ]

    def load(self, article):
        return {
            "seo_title": article.seo_title,
            "seo_description": article.seo_description,
            "social_image": article.social_image,
        }

    def check(self, form):
        if typed_only() or form.social_image.data in ("", None):
            return True
        if form.social_image.data not in {token for token, _alt in image_choices(form.article)}:
            form.social_image.errors = [_("Choisissez une image de l’article.")]
            return False
        return True

    def save(self, article, form):
        # One line each, as search results and cards show them.
        article.seo_title = " ".join(cleaned(form.seo_title).split())
        article.seo_description = " ".join(cleaned(form.seo_description).split())
        article.social_image = form.social_image.data or ""

    def theirs(self, article):
        return " — ".join(filter(None, (article.seo_title, article.seo_description))) or ""


class Tags(ArticlePart):
    """The article's sujets, in order: add (typed, or a suggestion), move, remove, save.

    Like the authors, each button posts the form and gets it back changed, unsaved
    (rearrange), so it works the same without JavaScript; htmx only fetches suggestions
    while a name is typed (editor.tag_suggestions). The names are kept in the form, not
    ids: a new sujet is created (services.tags.find_or_create) only when the list is saved.
    A name is checked when added (services.tags.find), its refusal under the field (422).
    "afficher" draws the posted list again: the browser's draft put back (editor.js).
    """

    form, summary = TagsForm, _l("Sujets modifiés")
    draft_label = _l("Un brouillon non enregistré des sujets existe")
    display_template, form_template = "reading/_tags.html", "editor/parts/_tags_fields.html"
    snapshot_keys = ("tag_ids",)

    def load(self, article):
        return {"tags": [tag.name for tag in article.tags]}

    @staticmethod
    def typed_names(raw: str | None) -> list[str]:
        """Names typed in the "add" field: separated by commas, semicolons or lines."""
        return [name for name in re.split(r"[,;\n]", raw or "") if name.strip()]

    def _append(self, names: list[str], new: list[str]) -> str | None:
        """Add the new names not yet in the list; the first refusal's message (French),
        or None. A name is checked as the save will (services.tags.find: letters, length,
        another tag's address) and against the names already listed, not yet saved."""
        listed = {tags.slug_for(" ".join(name.split())): name for name in names}
        for name in new:
            name = " ".join(name.split())
            if not name:
                continue
            try:
                tags.find(name)
                name = tags.clean_name(name)
            except ValueError as refused:
                return str(refused)
            slug = tags.slug_for(name)
            if slug in listed:
                if tags.name_key(listed[slug]) != tags.name_key(name):
                    return str(tags.slug_twin(name, listed[slug]))
                continue
            names.append(name)
            listed[slug] = name
        return None

    def rearrange(self, form):
        if form.tags.process_errors or form.add.process_errors or form.pick.process_errors:
            return False  # junk: the save refuses it with the field's message (422)
        names = list(form.tags.data or [])
        action = form.action.data or ""
        if form.pick.data or action == "ajouter":
            typed = [form.pick.data] if form.pick.data else self.typed_names(form.add.data)
            refused = self._append(names, typed) if typed else _("Tapez le nom d’un sujet.")
            form.focus = "add"
            if refused:
                # The list as it was, the typed text kept, the reason under the field.
                # (validate() clears a field's errors: check() puts it back, then 422.)
                form.refused_add = refused
                return False
            form.add.data = ""
        elif action == "afficher":
            pass  # a draft put back in the browser: the list drawn again as posted
        else:
            button = row_button(action)
            if button is None:
                return False
            verb, raw = button
            if not raw.isdigit() or int(raw) >= len(names):
                return True  # a button from an older form: show the list as it is
            # Buttons name a sujet by its place in the list: "monter-2".
            form.focus = press_row_button(names, verb, int(raw), lambda _item, i: i)
        form.tags.data = names
        return True

    def check(self, form):
        if getattr(form, "refused_add", None):
            form.add.errors = [form.refused_add]  # "Ajouter" refused a name
            return False
        names = list(form.tags.data or [])
        refused = self._append(names, self.typed_names(form.add.data))  # typed, "Enregistrer"
        if refused:
            form.add.errors = [refused]
            return False
        form.tags.data = names
        try:
            cleaned_names = [tags.clean_name(name) for name in names]
            for name in cleaned_names:
                tags.find(name)
        except ValueError as refused:
            form.tags.errors = [str(refused)]
            return False
        if len(cleaned_names) > TAGS_PER_ARTICLE_MAX:
            form.tags.errors = [_("%(max)d sujets au plus.", max=TAGS_PER_ARTICLE_MAX)]
            return False
        form.names = cleaned_names
        return True

    def save(self, article, form):
        chosen: list = []
        for name in form.names:
            tag = tags.find_or_create(name)
            if all(tag is not other for other in chosen):
                chosen.append(tag)
        article.set_tags(chosen)

    def theirs(self, article):
        return ", ".join(tag.name for tag in article.tags) or _("Aucun sujet")


# URL name -> part. The URL names are French, like every other address on the site.
PARTS: dict[str, ArticlePart] = {
    "titre": Headline(),
    "chapo": Standfirst(),
    "rubrique": SectionPart(),
    "publication": Publication(),
    "biographie": Bio(),
    "image": LeadImage(),
    "auteurs": Authors(),
    "referencement": Seo(),
    "sujets": Tags(),
}
PART_NAMES = ",".join(PARTS)


def section_choices() -> list[SelectChoice]:
    """Every section, children after their parent as "Parent › Enfant", for a select."""
    choices = []
    for top in Section.top_level():
        choices.append(SelectChoice(top.id, top.name))
        choices += [SelectChoice(child.id, f"{top.name} › {child.name}") for child in top.children]
    return choices


def change_slug(article: Article, base: str) -> None:
    """A new address from the headline; a public article's old address keeps redirecting."""
    new_slug = unique_slug(base, lambda slug: Article.slug_taken(slug, exclude_id=article.id))
    if new_slug == article.slug:
        return
    reclaimed = db.session.scalar(db.select(ArticleSlugRedirect).filter_by(old_slug=new_slug))
    if reclaimed is not None:
        db.session.delete(reclaimed)
    if article.state != "draft":
        db.session.add(ArticleSlugRedirect(old_slug=article.slug, article_id=article.id))
    article.slug = new_slug
    db.session.flush()


def part_form_for(part: str, article: Article | None = None, **kwargs):
    """The part's form, prefixed with its name, its choices filled (from `article`)."""
    form = PARTS[part].form(prefix=part, **kwargs)
    form.article = article
    PARTS[part].prepare(form)
    return form


def render_part(article: Article, part_name: str, notice: str | None = None):
    """A part's display partial, focus on its button (after a save or a cancel)."""
    part = PARTS[part_name]
    return fragment(
        part.display_template,
        article=article,
        section=article.section,
        notice=notice,
        focus_edit_button=True,
    )


def render_part_form(
    article: Article, part_name: str, form, status: int = 200, conflict: bool = False
):
    """A part's form: as loaded, refused (422), in conflict (409) or given back (400/401)."""
    part = PARTS[part_name]
    if (conflict or status in (400, 401)) and not typed_only():
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


@editing.form_back("save_part")
def resubmit_part(status: int, article_id: int, part: str):
    """The posted form, re-rendered as it was typed (expired session or CSRF token)."""
    article = db.get_or_404(Article, article_id)
    form = part_form_for(part, article, meta={"csrf": False})
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
    form = part_form_for(part, article, data=PARTS[part].load(article))
    form.version.data = PARTS[part].version(article)
    return render_part_form(article, part, form)


@bp.post(f"/articles/<int:article_id>/<any({PART_NAMES}):part>")
def save_part(article_id: int, part: str):
    """Save a part; answer with its display partial, or the form (422) or a conflict (409)."""
    article = editable_article(article_id)
    spec, form = PARTS[part], part_form_for(part, article)
    if spec.rearrange(form):
        return render_part_form(article, part, form)
    if not (form.validate_on_submit() and spec.check(form)):
        return render_part_form(article, part, form, getattr(form, "error_status", 422))
    if spec.is_stale(article, form.version.data):
        return render_part_form(article, part, form, 409, conflict=True)
    old_slug = article.slug
    spec.save(article, form)
    spec.bump_version(article)
    views.editor.saved(article, str(spec.summary))
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
