"""Loading a WordPress export into Gazette, in one transaction, again and again safely.

`import_wordpress(path, …)` reads the export twice (services/wordpress/wxr.py, streamed):
a first pass checks the whole file and gathers what is small (channel, authors,
categories, tags, attachments' URLs and alt texts, how many posts); the second loads the
posts one by one. What it brings in, and the rule each follows:

- categories → sections, parents first (Gazette has two levels: a deeper category goes
  under its top-level ancestor, and the report says so); a section that already has the
  slug at that place is reused;
- tags → tags, through services/tags.find_or_create (the same name rules as editors');
- authors → accounts without a password (User.invite: an admin invites them later), or
  the existing account with that address;
- posts with status publish, future (scheduled: Article.publish(at)), draft and pending
  (drafts): GMT dates (when WordPress wrote "0000-00-00 00:00:00" there, the local
  wp:post_date read in the site's display timezone, GAZETTE_TIMEZONE), created_at from
  the post's date (never in the future), the slug kept when free (Article.slug_taken),
  the excerpt as standfirst (else the body's first sentence), the featured image as
  lead image (with the attachment's caption and alt text), the body converted
  (services/wordpress/bodies.convert_body) into blocks, one Revision;
  private and password-protected posts, pages and other types are skipped and counted;
- the old permalink (<link>, and WordPress's plain "/?p=N") → LegacyRedirect (a 301);
- every imported row → WordPressOrigin (site, kind, WordPress id): a second run of the
  same export updates those rows and creates nothing twice. An article is updated only
  while the revision the import wrote is still its newest (WordPressOrigin.revision_id):
  one edited, unpublished or trashed in Gazette since is left exactly as it is, and the
  report says so.

Everything goes through the text boundary and the one sanitiser (services/richtext
.clean_html, models/text); images through the upload pipeline (attachments.py). Nothing
is committed until the end: a failure, or `dry_run`, rolls everything back and removes
the image files written. The search index follows through its flush hook, and the page
cache is invalidated once, by the single commit (services/page_cache's session events).
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from models import Article, Block, Revision, Section, Tag, User, db
from models.content import (
    HEADLINE_MAX,
    PLAIN_MAX,
    SECTION_NAME_MAX,
    STANDFIRST_MAX,
    BlockKind,
)
from models.imports import OLD_PATH_MAX, LegacyRedirect, WordPressOrigin
from models.media import ALT_MAX
from models.slugs import slugify, unique_slug
from models.tag import TAGS_PER_ARTICLE_MAX
from models.text import fold
from models.time import utcnow
from services import prepared
from services import tags as tag_service
from services.media import block_image_data
from services.richtext import clean_html
from services.wordpress import wxr
from services.wordpress.attachments import AttachmentStore
from services.wordpress.bodies import COUNT_LABELS, BodyPiece, convert_body, first_sentence

# WordPress statuses imported, and what they become here.
IMPORTED_STATUSES = ("publish", "future", "draft", "pending")
REVISION_SUMMARY = "Importé de WordPress"
REVISION_SUMMARY_UPDATE = "Mis à jour depuis WordPress"
# Skipped items, by reason: the report's labels.
SKIP_LABELS = {
    "private": "articles privés",
    "password": "articles protégés par un mot de passe",
    "page": "pages",
    "other_type": "autres types de contenu (menus, blocs réutilisables…)",
    "other_status": "articles à la corbeille ou brouillons automatiques",
    "unreadable": "articles illisibles (titre ou texte refusé)",
}
UNTITLED = "Sans titre"
FALLBACK_SECTION = "Non classé"
NOTES_KEPT = 200


class ImportFailed(Exception):
    """The import could not run; the message (French) says why. Nothing was written."""


@dataclass
class ImportReport:
    """What a run did (or, for a dry run, would do). Counts only; `notes` and
    `image_failures` are lines for the editor, capped at NOTES_KEPT."""

    site: str = ""
    dry_run: bool = False
    sections: Counter = field(default_factory=Counter)  # created / reused / updated
    tags: Counter = field(default_factory=Counter)
    authors: Counter = field(default_factory=Counter)
    articles: Counter = field(default_factory=Counter)  # published / scheduled / draft
    articles_updated: int = 0
    articles_unchanged: int = 0
    articles_kept: int = 0  # changed in Gazette since imported (or trashed): left alone
    images_fetched: int = 0
    images_reused: int = 0
    image_failures: list[tuple[str, str]] = field(default_factory=list)
    redirects: int = 0  # old addresses of the imported articles, all told
    redirects_created: int = 0  # of which new on this run (the rest existed already)
    skipped: Counter = field(default_factory=Counter)  # SKIP_LABELS keys
    body_counts: Counter = field(default_factory=Counter)  # COUNT_LABELS keys
    notes: list[str] = field(default_factory=list)
    notes_total: int = 0

    def note(self, line: str) -> None:
        self.notes_total += 1
        if len(self.notes) < NOTES_KEPT:
            self.notes.append(line)

    def rows(self) -> list[tuple[str, str]]:
        """(label, value) lines of the end-of-run table, in French, each count agreeing
        with its noun ("1 brouillon", "2 brouillons")."""

        def split(counter: Counter, *keys: tuple[str, str, str]) -> str:
            return ", ".join(count(counter[key], one, many) for key, one, many in keys)

        created_reused = (("created", "créée", "créées"), ("reused", "reprise", "reprises"))
        masculine = (("created", "créé", "créés"), ("reused", "repris", "repris"))
        articles = split(
            self.articles,
            ("published", "publié", "publiés"),
            ("scheduled", "programmé", "programmés"),
            ("draft", "brouillon", "brouillons"),
        )
        articles += (
            f" (dont {count(self.articles_updated, 'mis à jour', 'mis à jour')}, "
            f"{count(self.articles_unchanged, 'inchangé', 'inchangés')})"
        )
        if self.articles_kept:
            articles += ", " + count(
                self.articles_kept,
                "laissé tel quel (modifié dans Gazette)",
                "laissés tels quels (modifiés dans Gazette)",
            )
        redirects_existing = self.redirects - self.redirects_created
        rows = [
            ("Rubriques", split(self.sections, *created_reused)),
            ("Sujets", split(self.tags, *masculine)),
            ("Auteurs", split(self.authors, *masculine)),
            ("Articles", articles),
            (
                "Images",
                f"{count(self.images_fetched, 'récupérée', 'récupérées')}, "
                f"{count(self.images_reused, 'déjà importée', 'déjà importées')}, "
                f"{count(len(self.image_failures), 'introuvable', 'introuvables')}",
            ),
            (
                "Redirections",
                f"{count(self.redirects, 'ancienne adresse', 'anciennes adresses')} "
                f"({count(self.redirects_created, 'nouvelle', 'nouvelles')}, "
                f"{count(redirects_existing, 'existait déjà', 'existaient déjà')})",
            ),
        ]
        rows += [
            (f"Ignorés : {label}", str(self.skipped[key]))
            for key, label in SKIP_LABELS.items()
            if self.skipped[key]
        ]
        rows += [
            (COUNT_LABELS.get(key, key), str(count))
            for key, count in sorted(self.body_counts.items())
            if count
        ]
        return rows


def count(number: int, one: str, many: str) -> str:
    """ "1 brouillon", "2 brouillons": French puts 0 and 1 in the singular (CLDR's "one"
    for fr covers 0 ≤ n < 2)."""
    return f"{number} {one if number < 2 else many}"


# A progress reporter: called with a label and a length, returns a context manager whose
# value has .update(n) (click.progressbar fits).
Progress = Callable[[str, int], contextlib.AbstractContextManager]


class _Silent:
    def update(self, n: int) -> None:
        pass


@contextlib.contextmanager
def _silent_progress(_label: str, _length: int):
    yield _Silent()


@dataclass
class _Survey:
    """The first pass: everything small, and the checks of the whole file."""

    channel: wxr.Channel | None = None
    authors: list[wxr.Author] = field(default_factory=list)
    categories: list[wxr.Category] = field(default_factory=list)
    tags: list[wxr.Tag] = field(default_factory=list)
    attachments: dict[int, tuple[str, str, str]] = field(default_factory=dict)  # url, alt, caption
    posts: int = 0


def survey(path: Path) -> _Survey:
    """Read the whole export once (raises wxr.WxrError); nothing is written."""
    found = _Survey()
    for record in wxr.read(path):
        if isinstance(record, wxr.Channel):
            found.channel = record
        elif isinstance(record, wxr.Author):
            found.authors.append(record)
        elif isinstance(record, wxr.Category):
            found.categories.append(record)
        elif isinstance(record, wxr.Tag):
            found.tags.append(record)
        elif record.post_type == "attachment":
            found.attachments[record.wp_id] = (
                record.attachment_url,
                _plain(record.image_alt),
                _plain(record.excerpt),
            )
        else:
            found.posts += 1
    return found


def import_wordpress(
    path: Path | str,
    *,
    media_folder: Path,
    media_from: Path | None = None,
    dry_run: bool = False,
    max_image_bytes: int = 10 * 1024 * 1024,
    progress: Progress = _silent_progress,
    timezone: str | None = None,
) -> ImportReport:
    """Import the export at `path`; commit once at the end (roll back if `dry_run`).

    `media_folder` is MEDIA_ROOT; `media_from` a copy of the old site's wp-content/uploads
    (None: images are fetched from their URLs); `max_image_bytes` the size cap of one
    image. `timezone` (an IANA name) reads WordPress's local dates when a post has no GMT
    date; None: the site's display timezone (GAZETTE_TIMEZONE, the app's
    BABEL_DEFAULT_TIMEZONE). Returns the ImportReport.
    Raises ImportFailed (French message) for an export that cannot be read
    (wxr.WxrError's reasons) or without any usable author; any error rolls back the
    whole run and removes the image files it wrote.
    """
    path = Path(path)
    try:
        found = survey(path)
    except wxr.WxrError as error:
        raise ImportFailed(str(error)) from None
    site = found.channel.base_site_url if found.channel else ""
    if not site:
        raise ImportFailed(
            "L’export ne dit pas l’adresse du site WordPress (wp:base_site_url) : "
            "il ne vient pas de l’outil d’export de WordPress."
        )
    report = ImportReport(site=site, dry_run=dry_run)
    store = AttachmentStore(
        site, found.attachments, media_folder, media_from, max_bytes=max_image_bytes
    )
    zone = ZoneInfo(timezone or current_app.config["BABEL_DEFAULT_TIMEZONE"])
    loader = _Loader(site, report, store, zone)
    try:
        loader.load_authors(found.authors)
        loader.load_sections(found.categories)
        loader.load_tags(found.tags)
        with progress("Articles", found.posts) as bar:
            for record in wxr.read(path):
                if isinstance(record, wxr.Item) and record.post_type != "attachment":
                    loader.load_item(record)
                    bar.update(1)
        report.images_fetched, report.images_reused = store.fetched, store.reused
        report.image_failures = store.failures[:NOTES_KEPT]
        if dry_run:
            db.session.rollback()
            store.remove_written()
        else:
            db.session.commit()
    except BaseException as error:
        db.session.rollback()
        store.remove_written()
        if isinstance(error, wxr.WxrError):
            raise ImportFailed(str(error)) from None
        raise
    if not dry_run:
        # Readers' pages, as a save prepares them (services/prepared.py); once the import
        # is committed, so that a failure here only leaves them to their first read.
        with progress("Pages", len(prepared.stale_article_ids())) as bar:
            prepared.prepare_stale(on_batch=bar.update)
    return report


class _Loader:
    """One run's state: the maps from WordPress ids and slugs to rows here."""

    def __init__(self, site: str, report: ImportReport, store: AttachmentStore, zone: ZoneInfo):
        self.site, self.report, self.store, self.zone = site, report, store, zone
        self.users_by_login: dict[str, User] = {}
        self.sections_by_slug: dict[str, Section] = {}
        self.tags_by_slug: dict[str, Tag] = {}
        self.known_posts = WordPressOrigin.known(site, "post")
        self.fallback_section: Section | None = None

    # ----------------------------------------------------------------------------- origins

    def _origin_row(self, kind: str, wp_id: int, model):
        """The row imported before for (kind, wp_id), if it still exists."""
        object_id = WordPressOrigin.known_one(self.site, kind, wp_id)
        return db.session.get(model, object_id) if object_id is not None else None

    def _origin(self, kind: str, wp_id: int) -> WordPressOrigin | None:
        return db.session.scalar(
            select(WordPressOrigin).filter_by(site=self.site, kind=kind, wp_id=wp_id)
        )

    def _remember(
        self, kind: str, wp_id: int, object_id: int, revision_id: int | None = None
    ) -> None:
        origin = self._origin(kind, wp_id)
        if origin is None:
            db.session.add(
                WordPressOrigin(
                    site=self.site,
                    kind=kind,
                    wp_id=wp_id,
                    object_id=object_id,
                    revision_id=revision_id,
                )
            )
        else:
            origin.object_id, origin.revision_id = object_id, revision_id

    # ----------------------------------------------------------------------------- authors

    def load_authors(self, authors: list[wxr.Author]) -> None:
        for author in authors:
            user = self._origin_row("author", author.wp_id, User) or User.by_email(author.email)
            if user is not None:
                self.report.authors["reused"] += 1
            else:
                try:
                    user = User.invite(author.email, "author", author.display_name or author.login)
                except ValueError as error:
                    self.report.note(f"Auteur « {author.login} » non importé : {error}")
                    continue
                db.session.flush()
                self.report.authors["created"] += 1
            self._remember("author", author.wp_id, user.id)
            self.users_by_login[author.login] = user
        if not self.users_by_login:
            raise ImportFailed(
                "L’export ne contient aucun auteur utilisable (wp:author avec une adresse "
                "e-mail) : rien n’a été importé."
            )

    # ---------------------------------------------------------------------------- sections

    def load_sections(self, categories: list[wxr.Category]) -> None:
        """Parents first, whatever the export's order; two levels at most."""
        by_slug = {category.slug: category for category in categories}

        def top_ancestor(category: wxr.Category) -> wxr.Category | None:
            seen, parent = {category.slug}, by_slug.get(category.parent_slug)
            while parent is not None and parent.parent_slug in by_slug:
                if parent.slug in seen:  # a loop in a hand-edited export
                    return None
                seen.add(parent.slug)
                parent = by_slug[parent.parent_slug]
            return parent

        ordered = sorted(categories, key=lambda c: c.parent_slug in by_slug)
        for category in ordered:
            parent_category = top_ancestor(category)
            if parent_category is not None and parent_category.slug != category.parent_slug:
                self.report.note(
                    f"Rubrique « {category.name} » : placée sous « {parent_category.name} » "
                    "(Gazette a deux niveaux de rubriques)."
                )
            parent = self.sections_by_slug.get(parent_category.slug) if parent_category else None
            section = self._section(category, parent)
            self.sections_by_slug[category.slug] = section

    def _section(self, category: wxr.Category, parent: Section | None) -> Section:
        name = clean_html(category.name or category.slug, "plain").html[:SECTION_NAME_MAX]
        name = name.strip() or category.slug or FALLBACK_SECTION
        section = self._origin_row("category", category.wp_id, Section)
        if section is None:
            slug = slugify(unquote(category.slug) or name)
            parent_id = parent.id if parent else None
            section = db.session.scalar(select(Section).filter_by(slug=slug, parent_id=parent_id))
            if section is None:
                section = self._new_section(name, slug, parent)
                self.report.sections["created"] += 1
            else:
                self.report.sections["reused"] += 1
        else:  # its name and place are the newsroom's once imported (admins may change them)
            self.report.sections["reused"] += 1
        description = clean_html(category.description, "plain").html
        if description and not section.description:
            section.description = description
        self._remember("category", category.wp_id, section.id)
        return section

    def _new_section(self, name: str, slug: str, parent: Section | None) -> Section:
        parent_id = parent.id if parent else None
        siblings = db.session.scalars(select(Section).filter_by(parent_id=parent_id)).all()
        names = {fold(sibling.name) for sibling in siblings}
        if fold(name) in names:  # two siblings with one name could not be told apart
            name = f"{name} ({slug})"[:SECTION_NAME_MAX]
        taken = {sibling.slug for sibling in siblings}
        section = Section(
            name=name,
            slug=unique_slug(slug, taken.__contains__),
            parent_id=parent_id,
            position=max((s.position for s in siblings), default=-1) + 1,
            in_navigation=False,
            nav_position=0,
            description="",
        )
        db.session.add(section)
        db.session.flush()
        return section

    def _fallback_section(self) -> Section:
        """For a post without any category (WordPress always gives one, but exports get
        edited): "Non classé", made if need be."""
        if self.fallback_section is None:
            slug = slugify(FALLBACK_SECTION)
            self.fallback_section = db.session.scalar(
                select(Section).filter_by(slug=slug, parent_id=None)
            ) or self._new_section(FALLBACK_SECTION, slug, None)
        return self.fallback_section

    # -------------------------------------------------------------------------------- tags

    def load_tags(self, tags: list[wxr.Tag]) -> None:
        for wp_tag in tags:
            self._tag(wp_tag.wp_id, wp_tag.slug, wp_tag.name)

    def _tag(self, wp_id: int | None, slug: str, name: str) -> Tag | None:
        tag = self._origin_row("tag", wp_id, Tag) if wp_id else None
        if tag is None:
            try:
                existing = tag_service.find(name or slug)
                tag = existing or tag_service.find_or_create(name or slug)
            except ValueError as error:
                self.report.note(f"Sujet « {name} » non importé : {error}")
                return None
            self.report.tags["reused" if existing else "created"] += 1
        else:
            self.report.tags["reused"] += 1
        if wp_id:
            self._remember("tag", wp_id, tag.id)
        self.tags_by_slug[slug] = tag
        return tag

    # ------------------------------------------------------------------------------- posts

    def load_item(self, item: wxr.Item) -> None:
        skip = _skip_reason(item)
        if skip:
            self.report.skipped[skip] += 1
            return
        article_id = self.known_posts.get(item.wp_id)
        article = db.session.get(Article, article_id) if article_id is not None else None
        if article is not None and self._changed_in_gazette(article, item.wp_id):
            # The newsroom's work wins: not a column of it is touched, not even its state.
            self.report.articles_kept += 1
            self.report.note(
                f"« {article.headline[:80]} » : modifié dans Gazette depuis l’import, "
                "laissé tel quel."
            )
            self._redirects(article, item)
            return
        try:
            headline = clean_html(item.title, "plain").html[:HEADLINE_MAX].strip() or UNTITLED
            body = convert_body(item.content)
            excerpt = clean_html(item.excerpt, "plain").html
        except ValueError as error:
            self.report.skipped["unreadable"] += 1
            self.report.note(f"« {item.title[:80]} » (n° {item.wp_id}) ignoré : {error}")
            return
        self.report.body_counts.update(body.counts)
        for line in body.notes:
            self.report.note(f"« {headline[:80]} » : {line}")

        section, author = self._section_of(item), self._author_of(item)
        date = self._date(item)
        before = _comparable(article.snapshot()) if article is not None else None
        if article is None:
            now = utcnow()
            article = Article(
                slug=self._free_slug(item, headline),
                headline=headline,
                section=section,
                author=author,
                # Written when the post was (a scheduled post's date is still to come).
                created_at=min(date, now) if date is not None else now,
                version=1,
            )
            db.session.add(article)
        article.headline = headline
        article.section = section
        article.standfirst = (excerpt or first_sentence(_body_text(body.pieces)))[
            :STANDFIRST_MAX
        ].strip()
        self._publication(article, item, date)
        article.set_authors([author])
        article.set_tags(self._tags_of(item))
        blocks = self._blocks(body.pieces, headline)
        if [(block.kind, block.data) for block in article.blocks] != blocks:
            # Rebuilt only when they changed: block ids (and MediaUse rows) stay otherwise.
            article.blocks = [
                Block(position=position, kind=kind, data=data)
                for position, (kind, data) in enumerate(blocks)
            ]
        self._lead_image(article, item)
        db.session.flush()

        if before is None:
            revision = article.record_revision(None, REVISION_SUMMARY, mark_edited=False)
            db.session.flush()
            self._remember("post", item.wp_id, article.id, revision.id)
            self.known_posts[item.wp_id] = article.id
        elif _comparable(article.snapshot()) != before:
            article.version += 1
            revision = article.record_revision(None, REVISION_SUMMARY_UPDATE, mark_edited=False)
            db.session.flush()
            self._remember("post", item.wp_id, article.id, revision.id)
            self.report.articles_updated += 1
        else:
            self.report.articles_unchanged += 1
        self.report.articles[article.state] += 1
        self._redirects(article, item)

    def _changed_in_gazette(self, article: Article, wp_id: int) -> bool:
        """Whether the article was saved in Gazette (edited, unpublished, trashed…) since
        the import last wrote it: its newest revision is not the import's. An origin
        without revision_id (none written yet) counts as changed: the safe side."""
        if article.is_trashed:
            return True
        origin = self._origin("post", wp_id)
        newest = db.session.scalar(
            select(func.max(Revision.id)).where(Revision.article_id == article.id)
        )
        return origin is None or origin.revision_id is None or newest != origin.revision_id

    def _date(self, item: wxr.Item) -> datetime | None:
        """The post's date, naive UTC: wp:post_date_gmt, else wp:post_date (the old site's
        wall-clock time) read in the display timezone; None when WordPress has neither."""
        if item.date_gmt is not None:
            return item.date_gmt
        if item.date_local is None:
            return None
        # fold=0: an hour that happens twice (autumn) is read as its first occurrence.
        local = item.date_local.replace(tzinfo=self.zone)
        return local.astimezone(UTC).replace(tzinfo=None)

    def _free_slug(self, item: wxr.Item, headline: str) -> str:
        """The WordPress slug (percent-decoded, slugified) when free here, else -2, -3…"""
        base = slugify(unquote(item.post_name) or headline, 200)
        return unique_slug(base, Article.slug_taken)

    def _section_of(self, item: wxr.Item) -> Section:
        for slug, _name in item.categories:
            if slug in self.sections_by_slug:
                return self.sections_by_slug[slug]
        return self._fallback_section()

    def _author_of(self, item: wxr.Item) -> User:
        user = self.users_by_login.get(item.creator)
        if user is None:
            user = next(iter(self.users_by_login.values()))
            self.report.note(
                f"« {item.title[:80]} » : auteur « {item.creator} » inconnu de l’export, "
                f"signé {user.display_name}."
            )
        return user

    def _tags_of(self, item: wxr.Item) -> list[Tag]:
        tags: list[Tag] = []
        for slug, name in item.tags:
            tag = self.tags_by_slug.get(slug) or self._tag(None, slug, name)
            if tag is not None and all(tag is not other for other in tags):
                tags.append(tag)
        if len(tags) > TAGS_PER_ARTICLE_MAX:
            self.report.note(
                f"« {item.title[:80]} » : {len(tags)} sujets, les {TAGS_PER_ARTICLE_MAX} "
                "premiers gardés."
            )
        return tags[:TAGS_PER_ARTICLE_MAX]

    def _publication(self, article: Article, item: wxr.Item, date: datetime | None) -> None:
        """publish → published at its date (`date`, naive UTC); future → scheduled; draft,
        pending → draft. Without any date, a published article keeps the one it has."""
        if item.status in ("publish", "future"):
            article.publish(at=date or article.published_at or utcnow())
            if article.first_published_at is None and item.status == "publish":
                article.first_published_at = article.published_at
        else:
            article.status, article.published_at = "draft", None

    def _blocks(self, pieces: list[BodyPiece], headline: str) -> list[tuple[str, dict]]:
        blocks = []
        for piece in pieces:
            if piece.kind == BlockKind.IMAGE:
                blocks.append((BlockKind.IMAGE.value, self._image_block(piece.data, headline)))
            elif piece.kind in set(BlockKind):
                blocks.append((piece.kind, dict(piece.data)))
            else:
                self.report.note(f"« {headline[:80]} » : bloc de type {piece.kind} ignoré.")
        return blocks

    def _image_block(self, data: dict, headline: str) -> dict:
        """An image piece → image block data; a missing image → a block without media,
        `missing_source` naming it (the editor's placeholder; readers see nothing)."""
        source = data.get("source_url", "")
        if source:  # "/wp-content/uploads/…" or "//host/…": on the old site
            source = urljoin(self.site + "/", source)
        result, url = self.store.resolve(source, data.get("attachment_id"))
        words = {
            "alt": data.get("alt", "") or self.store.alt_of(data.get("attachment_id")),
            "caption": data.get("caption", ""),
            "credit": data.get("credit", ""),
        }
        if result.media is None:
            self.report.note(f"« {headline[:80]} » : image introuvable ({url or '?'}).")
            return {"media": "", "missing_source": url, **words}
        return {**block_image_data(result.media), **words}

    def _lead_image(self, article: Article, item: wxr.Item) -> None:
        if item.thumbnail_id is None:
            article.lead_media = None
            article.lead_alt = article.lead_caption = article.lead_credit = ""
            return
        result, url = self.store.resolve("", item.thumbnail_id)
        if result.media is None:
            self.report.note(f"« {article.headline[:80]} » : image à la une introuvable ({url}).")
            article.lead_media = None
            article.lead_alt = article.lead_caption = article.lead_credit = ""
            return
        article.lead_media = result.media
        article.lead_alt = self.store.alt_of(item.thumbnail_id)[:ALT_MAX] or result.media.alt
        # WordPress's caption of the attachment (its excerpt); the export has no credit.
        article.lead_caption = self.store.caption_of(item.thumbnail_id)[:PLAIN_MAX]
        article.lead_credit = ""

    def _redirects(self, article: Article, item: wxr.Item) -> None:
        """The post's old permalink and WordPress's plain "/?p=N" form, both to the article."""
        paths = {f"/?p={item.wp_id}"}
        link = urlsplit(item.link)
        if link.path not in ("", "/"):  # decoded, as Flask's request.path is
            paths.add(LegacyRedirect.normalise_path(unquote(link.path)))
        elif link.query.startswith("p="):
            paths.add(f"/?{link.query}")
        for old_path in sorted(paths):
            if len(old_path) > OLD_PATH_MAX:
                continue
            redirect = db.session.scalar(select(LegacyRedirect).filter_by(old_path=old_path))
            if redirect is None:
                db.session.add(LegacyRedirect(old_path=old_path, article_id=article.id))
                self.report.redirects_created += 1
            elif redirect.article_id != article.id:  # another article had it: the post's now
                redirect.article_id = article.id
            self.report.redirects += 1


def _skip_reason(item: wxr.Item) -> str:
    if item.post_type == "page":
        return "page"
    if item.post_type != "post":
        return "other_type"
    if item.status == "private":
        return "private"
    if item.password and item.status in IMPORTED_STATUSES:
        # WordPress shows its text only to who has the password: never made public here.
        return "password"
    return "" if item.status in IMPORTED_STATUSES else "other_status"


def _plain(text: str) -> str:
    """Plain text through the sanitiser; "" for text it refuses (too long)."""
    try:
        return clean_html(text, "plain").html
    except ValueError:
        return ""


def _body_text(pieces: list[BodyPiece]) -> str:
    """The body's first paragraph's words, for first_sentence()."""
    for piece in pieces:
        if piece.kind == BlockKind.PARAGRAPH and piece.data.get("html"):
            return clean_html(piece.data["html"], "plain").html
    return ""


def _comparable(snapshot: dict) -> dict:
    """A snapshot without what changes on every save: did the import change anything?"""
    return {key: value for key, value in snapshot.items() if key != "version"}


__all__ = ["import_wordpress", "ImportReport", "ImportFailed", "SKIP_LABELS", "survey"]
