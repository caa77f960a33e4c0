"""French full-text search over headline, standfirst and body: one API, two engines.

One pipeline, in Python, for both engines: `search_terms()` folds the text as a French
reader types it (models.text.fold: accents, case, ligatures, invisible characters,
letters Unicode does not decompose), drops stop words and stems each word with
Snowball's French stemmer (snowballstemmer, pinned: the algorithm of PostgreSQL's
`french` configuration). What is indexed and what is searched both go through it, so a
query finds the same articles on either engine:

- SQLite: an FTS5 table `article_search` (rowid = article id) holding the terms;
- PostgreSQL: a table `search_document` (article_id, tsvector) with a GIN index, the
  tsvector built from the same terms with the `simple` configuration (which neither
  stems nor drops words again), so nothing depends on `unaccent` or on the server's
  dictionaries.

Folding comes before stemming, as PostgreSQL's usual unaccent + french_stem chain does:
"egalite" typed without accents must meet "égalité". The price: Snowball's rules that
read accents (-ée, -ère) see unaccented words, so "annoncée" and "annoncé" keep two
stems ("annonce", "annonc"); plurals, -ement, -ation, verbs in -er still meet.

The index follows every ORM save without the editing code knowing about it: a
session hook reindexes, in the same transaction, each article whose row or blocks
were flushed. Whether an article is live (published and due) is checked when
searching, so publishing, unpublishing and scheduled times need no reindexing.
"""

from __future__ import annotations

import functools
import itertools
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache

import snowballstemmer
from markupsafe import Markup, escape
from sqlalchemy import bindparam, column, event, func, literal_column, select, table, text
from sqlalchemy.orm import Session, noload

from models import db
from models.content import Article, Block
from models.tag import Tag
from models.text import INVISIBLE_IN_WORDS, fold, to_plain_text
from models.time import utcnow
from services import prepared

# Tables written by hand in the search migration, with no model (see migrations/env.py).
SEARCH_TABLES = ("article_search", "search_document")
PER_PAGE = 10
# Search pages are bounded: relevance ranking has no cheap keyset, and nobody reads
# result 500; past this a refined query serves better than a deeper page.
MAX_PAGE = 50
# Ranking costs one score per matching article, and a broad word ("gouvernement")
# matches most of a large archive. So a query ranks at most this many matches, the most
# recently created ones (the index reads them newest id first and stops early): every
# match for a precise query, a bounded amount of work for a broad one at any size.
MAX_CANDIDATES = 1000
MAX_QUERY_LENGTH = 200
SNIPPET_WORDS = 32
# bm25 weights for headline, standfirst and body (SQLite); PostgreSQL uses A, B, D.
BM25_WEIGHTS = (10.0, 4.0, 1.0)

# A word of folded text (ASCII by then).
_WORD = re.compile(r"[^\W_]+")
# A word of the text as stored, for highlighting: letters and digits, with the combining
# accents of decomposed text (NFD, rows stored before the text boundary) and the
# invisible characters that may sit inside a word ("ré\u00adforme" is one word).
_TEXT_WORD = re.compile(
    "(?:[^\\W_]|[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
    + INVISIBLE_IN_WORDS
    + "])+"
)

# Words too common to mean anything in a search (already folded).
STOPWORDS = frozenset(
    [
        "a",
        "au",
        "aux",
        "avec",
        "c",
        "ce",
        "ces",
        "cet",
        "cette",
        "d",
        "dans",
        "de",
        "des",
        "du",
        "elle",
        "elles",
        "en",
        "est",
        "et",
        "etre",
        "ete",
        "il",
        "ils",
        "j",
        "je",
        "l",
        "la",
        "le",
        "les",
        "leur",
        "leurs",
        "lui",
        "m",
        "ma",
        "mais",
        "me",
        "mes",
        "n",
        "ne",
        "ni",
        "nos",
        "notre",
        "nous",
        "on",
        "ou",
        "par",
        "pas",
        "pour",
        "qu",
        "que",
        "qui",
        "s",
        "sa",
        "se",
        "ses",
        "son",
        "sont",
        "sur",
        "t",
        "ta",
        "te",
        "tes",
        "ton",
        "tu",
        "un",
        "une",
        "vos",
        "votre",
        "vous",
        "y",
    ]
)


# Snowball stemmers keep state while they work: one per thread.
_stemmers = threading.local()


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball's French stem of a folded word: sommets → sommet, journaux → journal.

    Snowball French (snowballstem.org/algorithms/french), as PostgreSQL's `french`
    configuration applies it. Cached: an archive has far fewer words than occurrences.
    """
    stemmer = getattr(_stemmers, "french", None)
    if stemmer is None:
        stemmer = _stemmers.french = snowballstemmer.stemmer("french")
    return stemmer.stemWord(word)


@lru_cache(maxsize=65_536)
def word_keys(word: str) -> tuple[tuple[str, str], ...]:
    """A word of a text as search compares it: ((folded, stem), …) for each word folding
    gives ("L’État" → (("l", "l"), ("etat", "etat"))). Cached: highlighting a page of
    results looks at thousands of words, nearly all seen before."""
    return tuple((folded, stem(folded)) for folded in _WORD.findall(fold(word)))


def folded_words(text: str) -> list[str]:
    """The words of a text, folded (models.text.fold), without stop words."""
    return [w for w in _WORD.findall(fold(text)) if w not in STOPWORDS]


def search_terms(text: str) -> list[str]:
    """The words of a text as both indexes store them: folded, stop words dropped, stemmed.

    "Le de\u0301bat sur l’e\u0301galite\u0301" → ["debat", "egalit"]: the same list for
    NFC and NFD text, with or without accents, in any case.
    """
    return [stem(w) for w in folded_words(text)]


def block_text(kind: str, data: dict) -> str:
    """A block's words as plain text: the same fields Block.text_for_reading() shows."""
    return to_plain_text(Block(kind=kind, data=data).text_for_reading())


# --- Writing the index ----------------------------------------------------------------


@dataclass
class Document:
    article_id: int
    headline: str
    standfirst: str
    body: str


def store_documents(connection, documents: list[Document]) -> None:
    """Index (or reindex) these articles; the generator calls it in bulk with its batches."""
    if not documents:
        return
    remove_documents(connection, [d.article_id for d in documents])
    rows = [
        {
            "id": d.article_id,
            "headline": " ".join(search_terms(d.headline)),
            "standfirst": " ".join(search_terms(d.standfirst)),
            "body": " ".join(search_terms(d.body)),
        }
        for d in documents
    ]
    if connection.dialect.name == "postgresql":
        # `simple`: the terms are already folded and stemmed; PostgreSQL only splits them.
        statement = (
            "INSERT INTO search_document (article_id, document) VALUES (:id, "
            "setweight(to_tsvector('simple', :headline), 'A') || "
            "setweight(to_tsvector('simple', :standfirst), 'B') || "
            "setweight(to_tsvector('simple', :body), 'D'))"
        )
    else:
        statement = (
            "INSERT INTO article_search (rowid, headline, standfirst, body) "
            "VALUES (:id, :headline, :standfirst, :body)"
        )
    connection.execute(text(statement), rows)


def remove_documents(connection, article_ids) -> None:
    if not article_ids:
        return
    table, key = (
        ("search_document", "article_id")
        if connection.dialect.name == "postgresql"
        else ("article_search", "rowid")
    )
    connection.execute(
        text(f"DELETE FROM {table} WHERE {key} IN :ids").bindparams(
            bindparam("ids", expanding=True)
        ),
        {"ids": list(article_ids)},
    )


def read_documents(connection, article_ids) -> list[Document]:
    """The searchable text of these articles, as stored right now (flushed changes included)."""
    ids = list(article_ids)
    if not ids:
        return []
    articles = Article.__table__
    bodies = read_bodies(connection, ids)
    rows = connection.execute(
        select(articles.c.id, articles.c.headline, articles.c.standfirst).where(
            articles.c.id.in_(ids)
        )
    )
    return [Document(row.id, row.headline, row.standfirst or "", bodies[row.id]) for row in rows]


def read_bodies(connection, article_ids: list[int]) -> dict[int, str]:
    """Article id -> its blocks' text, one block a line (every id given has an entry)."""
    blocks = Block.__table__
    bodies: dict[int, list[tuple[str, dict]]] = {i: [] for i in article_ids}
    if article_ids:
        for row in connection.execute(
            select(blocks.c.article_id, blocks.c.kind, blocks.c.data)
            .where(blocks.c.article_id.in_(article_ids))
            .order_by(blocks.c.article_id, blocks.c.position)
        ):
            bodies[row.article_id].append((row.kind, row.data or {}))
    return {i: body_text(blocks_) for i, blocks_ in bodies.items()}


def body_text(blocks) -> str:
    """An article's body as the index and the snippets read it: each block's text
    (block_text), one block a line. `blocks`: (kind, data) pairs in the article's order."""
    return "\n".join(block_text(kind, data) for kind, data in blocks)


def index_article(article_id: int) -> None:
    """Reindex one article from the database (the session hook does this on every save)."""
    connection = db.session.connection()
    store_documents(connection, read_documents(connection, [article_id]))


def remove_article(article_id: int) -> None:
    """Take an article out of the index (deleting the article does it by itself)."""
    remove_documents(db.session.connection(), [article_id])


def reindex_all(connection, batch_size: int = 1000) -> int:
    """Rebuild the whole index (after the migration that creates it); returns the count."""
    articles = Article.__table__
    last_id, count = 0, 0
    while True:
        ids = connection.scalars(
            select(articles.c.id)
            .where(articles.c.id > last_id)
            .order_by(articles.c.id)
            .limit(batch_size)
        ).all()
        if not ids:
            return count
        store_documents(connection, read_documents(connection, ids))
        last_id, count = ids[-1], count + len(ids)


# --- Following the ORM ------------------------------------------------------------------


def _reindex_flushed_articles(session: Session, _flush_context) -> None:
    """After each flush, in the same transaction: reindex the articles whose text may have changed."""
    changed, deleted = set(), set()
    for obj in session.new | session.dirty | session.deleted:
        if isinstance(obj, Article):
            (deleted if obj in session.deleted else changed).add(obj.id)
        elif isinstance(obj, Block) and obj.article_id is not None:
            changed.add(obj.article_id)
    changed -= deleted
    if not (changed or deleted):
        return
    connection = session.connection()
    remove_documents(connection, deleted)
    store_documents(connection, read_documents(connection, changed))


def register(app) -> None:
    """Hook the index to every session's flushes (once per process)."""
    if not event.contains(Session, "after_flush", _reindex_flushed_articles):
        event.listen(Session, "after_flush", _reindex_flushed_articles)


# --- Searching ------------------------------------------------------------------------


@dataclass
class Query:
    """What the reader typed, as the index understands it."""

    text: str
    words: list[str]  # folded, without stop words
    prefix: bool  # the last word may still be being typed: match it as a prefix

    @classmethod
    def parse(cls, raw: str) -> Query:
        raw = unicodedata.normalize("NFC", (raw or "").strip()[:MAX_QUERY_LENGTH])
        words = folded_words(raw)
        last = words[-1] if words else ""
        # A half-typed last word (active search) matches as a prefix, once it says enough.
        prefix = bool(raw) and raw[-1].isalnum() and len(last) >= 3 and not last.isdigit()
        return cls(raw, words, prefix)

    @cached_property
    def stems(self) -> list[str]:
        return [stem(w) for w in self.words]

    def fts5_match(self) -> str:
        terms = [f'"{s}"' for s in self.stems]  # stems are [^\W_]+: nothing to escape
        if self.prefix:
            terms[-1] += "*"
        return " ".join(terms)

    def pg_tsquery(self) -> str:
        terms = list(self.stems)  # stems are [a-z0-9]+: nothing to escape
        if self.prefix:
            terms[-1] += ":*"
        return " & ".join(terms)

    @cached_property
    def _matched(self) -> dict[str, bool]:
        return {}

    def matches(self, word: str) -> bool:
        """Whether a word of the text is one the reader searched for (for highlighting).
        Remembered per word for this query: ten snippets read thousands of words, most
        of them the same few hundred."""
        known = self._matched.get(word)
        if known is None:
            known = self._matched[word] = self._matches(word)
        return known

    def _matches(self, word: str) -> bool:
        stems = self.stems
        for folded, key in word_keys(word):
            if key in stems or (self.prefix and folded.startswith(self.words[-1])):
                return True
        return False


@dataclass
class Result:
    article: Article
    headline: Markup
    snippet: Markup


@dataclass
class ResultPage:
    query: Query
    page: int
    results: list[Result]
    has_next: bool
    # The sujet the search was narrowed to (?sujet=), None for every article.
    tag: Tag | None = None

    @property
    def has_prev(self) -> bool:
        return self.page > 1


RESULT_LOADING = (
    noload(Article.author_links),
    noload(Article.tag_links),
    noload(Article.lead_media),
    noload(Article.sponsor),
)


def search(
    raw_query: str, page: int = 1, per_page: int = PER_PAGE, tag: Tag | None = None
) -> ResultPage:
    """Live articles matching the query, best first, with highlighted headline and snippet;
    only those carrying `tag` when one is given."""
    query = Query.parse(raw_query)
    if not query.words:
        return ResultPage(query, page, [], False, tag)
    tag_id = tag.id if tag is not None else None
    ids = _matching_ids(query, offset=(page - 1) * per_page, limit=per_page + 1, tag_id=tag_id)
    # What a result shows: its section and lead author (joined), nothing else.
    shown = select(Article).where(Article.id.in_(ids)).options(*RESULT_LOADING)
    articles = {a.id: a for a in db.session.scalars(shown)}
    # Only the bodies (the articles' own columns were just loaded above): as prepared at
    # save (services/prepared.py) where they are current, else read from the blocks.
    bodies = prepared.search_texts(ids[:per_page])
    missing = [i for i in ids[:per_page] if i not in bodies]
    if missing:
        bodies.update(read_bodies(db.session.connection(), missing))
    results = [
        Result(
            article=articles[i],
            headline=highlight(articles[i].headline, query),
            snippet=snippet(articles[i], bodies.get(i, ""), query),
        )
        for i in ids[:per_page]
        if i in articles
    ]
    has_next = len(ids) > per_page and page < MAX_PAGE
    return ResultPage(query, page, results, has_next=has_next, tag=tag)


_FTS = table("article_search", column("rowid"))
_PG_DOCUMENTS = table("search_document", column("article_id"), column("document"))


def _matching_ids(query: Query, offset: int, limit: int, tag_id: int | None = None) -> list[int]:
    """Ids of live matches (carrying tag `tag_id` if given), best first, ranked among a
    bounded set of candidates."""
    postgres = db.session.get_bind().dialect.name == "postgresql"
    parameters = {
        "terms": query.pg_tsquery() if postgres else query.fts5_match(),
        "now": utcnow(),
        "offset": offset,
        "limit": limit,
        "tag_id": tag_id,
        "candidates": MAX_CANDIDATES,
    }
    statement = _matching_statement(postgres, tagged=tag_id is not None)
    return list(db.session.connection().execute(statement, parameters).scalars())


@functools.cache
def _matching_statement(postgres: bool, tagged: bool):
    """The ranking query for one engine, with or without a tag, built once: building it
    cost more than running it (issue 16). Parameters: terms, now, offset, limit, tag_id,
    candidates (MAX_CANDIDATES)."""
    if postgres:
        tsquery = func.to_tsquery(literal_column("'simple'"), bindparam("terms"))
        key, document = _PG_DOCUMENTS.c.article_id, _PG_DOCUMENTS.c.document
        candidates = select(key.label("id"), func.ts_rank(document, tsquery).label("score"))
        candidates = candidates.where(document.op("@@")(tsquery))
    else:
        fts = literal_column("article_search")
        key = _FTS.c.rowid
        candidates = select(key.label("id"), func.bm25(fts, *BM25_WEIGHTS).label("score"))
        candidates = candidates.where(fts.op("MATCH")(bindparam("terms")))
    candidates = candidates.order_by(key.desc()).limit(bindparam("candidates"))
    candidates = candidates.subquery("candidates")
    score = candidates.c.score
    statement = (
        select(Article.id)
        .where(Article.live_as_of(bindparam("now")))
        .join(candidates, candidates.c.id == Article.id)
        # ts_rank: higher is better; bm25: lower is better. Ties: newest first.
        .order_by(score.desc() if postgres else score.asc())
        .order_by(Article.published_at.desc(), Article.id.desc())
    )
    if tagged:
        statement = statement.where(Article.tagged(bindparam("tag_id")))
    return statement.offset(bindparam("offset")).limit(bindparam("limit"))


def headline_matches(raw_query: str):
    """A select() of the ids of the articles, in any state (drafts and trash included),
    whose headline or standfirst matches the query (the index's own columns, so folded
    and stemmed like every search; the last word as a prefix while it is being typed).

    For the articles desk, which lists matches by date, not by relevance. None when the
    query holds no word to search for (empty, punctuation, stop words only).
    """
    query = Query.parse(raw_query)
    if not query.words:
        return None
    if db.session.get_bind().dialect.name == "postgresql":
        # :AB keeps the headline's (A) and the standfirst's (B) words, not the body's (D).
        terms = [f"{s}:AB" for s in query.stems]
        if query.prefix:
            terms[-1] = f"{query.stems[-1]}:*AB"
        tsquery = func.to_tsquery(literal_column("'simple'"), " & ".join(terms))
        return select(_PG_DOCUMENTS.c.article_id).where(_PG_DOCUMENTS.c.document.op("@@")(tsquery))
    match = "{headline standfirst} : (" + query.fts5_match() + ")"
    return select(_FTS.c.rowid).where(literal_column("article_search").op("MATCH")(match))


def highlight(text: str, query: Query) -> Markup:
    """The text escaped, with the searched words wrapped in <mark>."""
    parts, position = [], 0
    for match in _TEXT_WORD.finditer(text):
        if query.matches(match.group()):
            parts.append(escape(text[position : match.start()]))
            parts.append(Markup("<mark>%s</mark>") % match.group())
            position = match.end()
    parts.append(escape(text[position:]))
    return Markup("").join(parts)


def snippet(article: Article, body: str, query: Query) -> Markup:
    """The passage of the body (else the standfirst) with the most searched words, highlighted."""
    for candidate in (body, article.standfirst or ""):
        words = _TEXT_WORD.findall(candidate)
        # Each distinct word is looked at once (Query.matches remembers it): a body's
        # hundreds of words are a few hundred distinct ones, most shared between results.
        hit_words = {word for word in set(words) if query.matches(word)}
        if hit_words:
            return _passage(candidate, [word in hit_words for word in words], query)
    return _passage(body, [False] * len(_TEXT_WORD.findall(body)), query)


def _passage(text_: str, hits: list[bool], query: Query) -> Markup:
    """The SNIPPET_WORDS words of `text_` around its best run of hits (`hits`: one flag
    per _TEXT_WORD match of the text), highlighted, with "…" where it was cut."""
    if not hits:
        return Markup("")
    start = _best_window(hits, SNIPPET_WORDS)
    end = min(len(hits), start + SNIPPET_WORDS)
    # Only the window's first and last words' places are needed: stop reading there.
    window = list(itertools.islice(_TEXT_WORD.finditer(text_), start, end))
    begin_at = window[0].start() if start else 0
    end_at = window[-1].end() if end < len(hits) else len(text_)
    passage = highlight(" ".join(text_[begin_at:end_at].split()), query)
    before = Markup("… ") if start else Markup("")
    after = Markup(" …") if end < len(hits) else Markup("")
    return before + passage + after


def _best_window(hits: list[bool], size: int) -> int:
    """Start of the run of `size` words holding the most hits (a little context before the first)."""
    if not any(hits):
        return 0
    best_start, best, current = 0, -1, 0
    for i, hit in enumerate(hits):
        current += hit
        if i >= size:
            current -= hits[i - size]
        if current > best:
            best, best_start = current, max(0, i - size + 1)
    first_hit = hits.index(True, best_start)
    return max(0, min(best_start, first_hit - 4))
