"""The rendered-page cache: hits, exact invalidation by ORM saves, never for editors or forms."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest

from models import Article, Block, db
from models.time import utcnow
from services import page_cache
from tests.factories import make_article, make_section, make_user

PASSWORD = "un-mot-de-passe-solide"


def page_cache_state(response) -> str | None:
    return response.headers.get("X-Page-Cache")


@pytest.fixture
def newsroom(app):
    """Two sections, two authors, an article each (Alice in Politique, Bruno in Culture)."""
    politique = make_section("Politique", slug="politique")
    culture = make_section("Culture", slug="culture")
    alice = make_user("Alice Autrice", slug="alice", bio_html="Alice couvre l’Élysée.")
    bruno = make_user("Bruno Auteur", slug="bruno", bio_html="Bruno aime le théâtre.")
    first = make_article(
        "Le sommet de Pyongyang",
        section=politique,
        author=alice,
        slug="sommet",
        blocks=[("paragraph", {"html": "Premier paragraphe."})],
    )
    second = make_article("Une pièce au Châtelet", section=culture, author=bruno, slug="piece")
    return type(
        "Newsroom",
        (),
        dict(
            politique=politique, culture=culture, alice=alice, bruno=bruno,
            first=first, second=second,
        ),
    )  # fmt: skip


def warm(client, *urls):
    """Request each page twice: the second answer must come from the cache."""
    for url in urls:
        assert page_cache_state(client.get(url)) == "miss", url
        assert page_cache_state(client.get(url)) == "hit", url


def test_second_request_is_a_hit_with_the_same_bytes(client, newsroom):
    first = client.get("/article/sommet")
    second = client.get("/article/sommet")
    assert (page_cache_state(first), page_cache_state(second)) == ("miss", "hit")
    assert first.data == second.data
    assert second.headers["ETag"] == first.headers["ETag"]


def test_query_string_and_fragment_are_separate_entries(client, newsroom):
    warm(client, "/recherche?q=sommet")
    assert page_cache_state(client.get("/recherche?q=piece")) == "miss"
    fragment = client.get("/recherche?q=sommet", headers={"HX-Request": "true"})
    assert page_cache_state(fragment) == "miss"
    assert b"<html" not in fragment.data


def test_headline_edit_changes_article_page_and_lists(client, newsroom):
    urls = ["/article/sommet", "/", "/rubrique/politique", "/auteur/alice", "/recherche?q=sommet"]
    warm(client, *urls, "/article/piece", "/rubrique/culture")
    newsroom.first.headline = "Le sommet de Séoul"
    db.session.commit()
    for url in urls:
        response = client.get(url)
        assert page_cache_state(response) == "miss", url
        assert "Séoul" in response.text, url
    # What did not show the article is still served from the cache.
    assert page_cache_state(client.get("/article/piece")) == "hit"
    assert page_cache_state(client.get("/rubrique/culture")) == "hit"


def test_block_edit_changes_only_that_article(client, newsroom):
    warm(client, "/article/sommet", "/article/piece")
    block = db.session.get(Block, newsroom.first.blocks[0].id)
    block.data = {"html": "Paragraphe corrigé."}
    db.session.commit()
    response = client.get("/article/sommet")
    assert page_cache_state(response) == "miss"
    assert "Paragraphe corrigé." in response.text
    assert page_cache_state(client.get("/article/piece")) == "hit"


def test_section_rename_changes_its_pages(client, newsroom):
    warm(client, "/rubrique/politique", "/article/sommet", "/")
    newsroom.politique.name = "Vie politique"
    db.session.commit()
    for url in ("/rubrique/politique", "/article/sommet", "/"):
        response = client.get(url)
        assert page_cache_state(response) == "miss", url
        assert "Vie politique" in response.text, url


def test_author_bio_changes_their_articles_and_author_page_only(client, newsroom):
    warm(client, "/article/sommet", "/auteur/alice", "/article/piece", "/auteur/bruno")
    newsroom.alice.bio_html = "Alice couvre désormais Matignon."
    db.session.commit()
    for url in ("/article/sommet", "/auteur/alice"):
        response = client.get(url)
        assert page_cache_state(response) == "miss", url
        assert "Matignon" in response.text, url
    assert page_cache_state(client.get("/article/piece")) == "hit"
    assert page_cache_state(client.get("/auteur/bruno")) == "hit"


def test_a_login_does_not_invalidate_pages(client, newsroom):
    warm(client, "/article/sommet")
    newsroom.alice.end_all_sessions()  # what logging out writes
    db.session.commit()
    assert page_cache_state(client.get("/article/sommet")) == "hit"


def test_new_publication_reaches_the_front_page(client, newsroom):
    warm(client, "/", "/rubrique/culture", "/article/sommet")
    make_article("Dernière minute", section=newsroom.culture, author=newsroom.bruno)
    for url in ("/", "/rubrique/culture"):
        response = client.get(url)
        assert page_cache_state(response) == "miss", url
        assert "Dernière minute" in response.text, url
    assert page_cache_state(client.get("/article/sommet")) == "hit"


def test_unpublishing_removes_the_article_everywhere(client, newsroom):
    warm(client, "/", "/article/sommet")
    newsroom.first.status = "draft"
    db.session.commit()
    assert client.get("/article/sommet").status_code == 404
    assert "Pyongyang" not in client.get("/").text


def test_edit_through_the_editor_invalidates(client, newsroom):
    """The editor's own save endpoint goes through the ORM: the events see it."""
    editor = make_user("Élise Éditrice", role="editor", password=PASSWORD)
    warm(client, "/article/sommet", "/")
    with client.session_transaction() as session:
        session["_user_id"] = editor.get_id()
        session["_fresh"] = True
    saved = client.post(
        f"/redaction/articles/{newsroom.first.id}/titre",
        data={"titre-headline": "Titre changé par l’éditrice", "titre-version": "1"},
    )
    assert saved.status_code in (200, 302, 303)
    client.delete_cookie("session")
    for url in ("/", f"/article/{db.session.get(type(newsroom.first), newsroom.first.id).slug}"):
        response = client.get(url, follow_redirects=True)
        assert "Titre changé par l’éditrice" in response.text, url


def test_scheduled_article_appears_at_its_time(client, newsroom, monkeypatch):
    """Nobody clears anything: the front page's entry expires when the article is due."""
    due = utcnow() + timedelta(minutes=5)
    make_article("Programmé pour tout à l’heure", author=newsroom.alice, published_at=due)
    warm(client, "/")
    assert "Programmé" not in client.get("/").text

    later = due + timedelta(seconds=1)
    monkeypatch.setattr("models.content.utcnow", lambda: later)
    monkeypatch.setattr(page_cache, "now", lambda: later.replace(tzinfo=UTC).timestamp())
    response = client.get("/")
    assert page_cache_state(response) == "miss"
    assert "Programmé pour tout à l’heure" in response.text


def test_logged_in_users_are_never_served_from_or_stored_in_the_cache(client, newsroom):
    editor = make_user("Élise Éditrice", role="editor", password=PASSWORD)
    warm(client, "/article/sommet")
    with client.session_transaction() as session:
        session["_user_id"] = editor.get_id()
        session["_fresh"] = True
    for _ in range(2):
        response = client.get("/article/sommet")
        assert page_cache_state(response) is None
        assert response.headers["Cache-Control"] == "private, no-store"
        assert "Modifier" in response.text  # the editor's own page, with its buttons


def test_pages_with_forms_are_never_cached(client, newsroom):
    for url in ("/connexion", "/sponsoring"):
        for _ in range(2):
            response = client.get(url)
            assert page_cache_state(response) is None, url
            assert response.headers["Cache-Control"] == "private, no-store", url


def test_posts_and_errors_are_not_cached(client, newsroom):
    for _ in range(2):
        missing = client.get("/article/nexiste-pas")
        assert missing.status_code == 404
        assert page_cache_state(missing) is None


def test_disabled_page_cache_renders_every_time(client, app, newsroom):
    app.config["GAZETTE_PAGE_CACHE"] = False
    for _ in range(2):
        response = client.get("/article/sommet")
        assert page_cache_state(response) == "miss"
        assert "public" in response.headers["Cache-Control"]


def test_workers_sharing_the_file_cache_see_each_others_saves(database_url, tmp_path):
    """Several workers without Redis (deploy/gunicorn.conf.py): one cache folder for all."""
    from app import create_app
    from tests.conftest import IsolatedClient, base_config, empty_all_tables

    config = base_config(database_url) | {
        "CACHE_TYPE": "FileSystemCache",
        "CACHE_DIR": str(tmp_path),
    }
    saver, reader = create_app(config), create_app(config)
    reader.test_client_class = IsolatedClient
    try:
        with saver.app_context():
            article_id = make_article("Titre du premier worker", slug="partage").id
        client = reader.test_client()
        warm(client, "/article/partage", "/")
        with saver.app_context():
            db.session.get(Article, article_id).headline = "Titre changé ailleurs"
            db.session.commit()
        for url in ("/article/partage", "/"):
            response = client.get(url)
            assert page_cache_state(response) == "miss", url
            assert "Titre changé ailleurs" in response.text, url
    finally:
        for app in (saver, reader):
            with app.app_context():
                db.session.remove()
                empty_all_tables()
                db.engine.dispose()


def test_a_cache_store_that_is_down_means_rendering_not_an_error(client, newsroom, monkeypatch):
    from extensions import cache

    def down(*args, **kwargs):
        raise ConnectionError("Redis redémarre")

    for method in ("get", "get_many", "set", "set_many"):
        monkeypatch.setattr(cache, method, down)
    for url in ("/article/sommet", "/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Pyongyang" in response.text, url
    newsroom.first.headline = "Sauvé malgré le cache"
    db.session.commit()  # the bump fails after the commit: logged, the save stands
    assert "Sauvé malgré le cache" in client.get("/article/sommet").text


def test_a_page_rendered_while_something_was_saved_is_not_kept(client, app, newsroom):
    """It may have read the old rows, then recorded the new generations: never keep it."""
    from flask import before_render_template

    def someone_saves(_sender, **_extra):
        page_cache.bump({"article:999999"})

    before_render_template.connect(someone_saves, app)
    try:
        assert page_cache_state(client.get("/article/sommet")) == "miss"
        assert page_cache_state(client.get("/article/sommet")) == "miss"
    finally:
        before_render_template.disconnect(someone_saves, app)
    warm(client, "/article/sommet")


def test_anonymous_hits_are_answered_before_flask_with_the_same_headers(client, demo, monkeypatch):
    """The WSGI fast path replays the page's own headers; Flask's hooks never run on a hit."""
    url = "/article/poutine-salue-le-soutien-nord-coreen-lors-d-un-sommet-a-pyongyang"
    miss = client.get(url)
    assert miss.headers["X-Page-Cache"] == "miss"

    def not_called():
        raise AssertionError("a cache hit went through Flask's before_request hooks")

    monkeypatch.setitem(demo.before_request_funcs, None, [not_called])
    hit = client.get(url)
    assert hit.headers["X-Page-Cache"] == "hit"
    assert hit.data == miss.data
    for name in (
        "Content-Security-Policy",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "Permissions-Policy",
        "Content-Type",
        "ETag",
    ):
        assert hit.headers[name] == miss.headers[name]
    assert "Set-Cookie" not in hit.headers
    assert client.get(url, headers={"If-None-Match": miss.headers["ETag"]}).status_code == 304


def test_sponsor_rename_changes_the_pages_that_show_it(client, newsroom):
    from models.sponsor import Sponsor

    sponsor = Sponsor(name="Maison Dupont", link="https://dupont.example")
    db.session.add(sponsor)
    newsroom.first.sponsor = sponsor
    db.session.commit()
    warm(client, "/article/sommet", "/article/piece")
    sponsor.name = "Maison Durand"
    db.session.commit()
    response = client.get("/article/sommet")
    assert page_cache_state(response) == "miss" and "Maison Durand" in response.text
    assert page_cache_state(client.get("/article/piece")) == "hit"  # it shows no sponsor


def test_the_store_and_its_invalidation_work_without_a_request(app, newsroom):
    """services/page_cache.py: saves bump, the next publication is known, no request needed."""
    from flask import has_request_context

    assert not has_request_context()
    before = page_cache.current_generations(["lists", f"article:{newsroom.first.id}"])
    due = utcnow() + timedelta(hours=2)
    make_article("Plus tard", author=newsroom.alice, published_at=due)  # an ORM save
    newsroom.first.headline = "Changé hors requête"
    db.session.commit()
    after = page_cache.current_generations(before)
    assert all(after[name] != before[name] for name in before)
    upcoming = page_cache.next_publication(after["lists"])
    assert upcoming == pytest.approx(due.replace(tzinfo=UTC).timestamp())


def test_loaded_rows_are_reported_to_the_hook(app, newsroom, monkeypatch):
    """The service tells views/http_cache.py which rows a render loaded, through one hook."""
    seen, article_id, author_id = [], newsroom.first.id, newsroom.alice.id
    monkeypatch.setattr(page_cache, "_on_loaded", seen.append)
    db.session.expunge_all()
    db.session.get(Article, article_id).author  # noqa: B018 (loads the byline too)
    assert {f"article:{article_id}", f"author:{author_id}"} <= set(seen)


# --------------------------------------------------------------------------- each worker's memory


def make_entry(body: bytes = b"<p>page</p>", **depends_on) -> page_cache.Entry:
    return page_cache.Entry(
        status="200 OK",
        body=body,
        headers=(("Content-Type", "text/html; charset=utf-8"),),
        depends_on=depends_on or {"sections": "a"},
        expires_at=page_cache.now() + 60,
        etag="e",
        last_modified=0,
    )


def test_the_local_store_is_bounded_by_count_then_forgets_the_least_recently_read():
    pages = page_cache.LocalPages(max_entries=2, max_bytes=10_000)
    for key in ("a", "b"):
        pages.put(key, make_entry())
    assert pages.get("a") is not None  # read: "b" is now the least recently read
    pages.put("c", make_entry())
    assert pages.get("b") is None
    assert len(pages) == 2 and pages.get("a") is not None and pages.get("c") is not None


def test_the_local_store_is_bounded_by_bytes():
    entry = make_entry(b"x" * 4000)
    pages = page_cache.LocalPages(max_entries=100, max_bytes=3 * entry.size)
    for key in "abcd":
        pages.put(key, entry)
    assert len(pages) == 3 and pages.get("a") is None and pages.bytes == 3 * entry.size
    pages.put("b", entry)  # replaced, not counted twice
    assert pages.bytes == 3 * entry.size
    pages.put("huge", make_entry(b"x" * 20_000))  # bigger than the whole budget
    assert pages.get("huge") is None and len(pages) == 3
    pages.discard("b")
    assert pages.bytes == 2 * entry.size


def test_a_local_entry_with_a_stale_token_is_a_miss_and_is_dropped(client, app, newsroom):
    warm(client, "/article/sommet")
    local = app.extensions["page_cache_local"]
    [key] = [key for key in local._entries if key.endswith("/article/sommet?")]
    page_cache.bump({f"article:{newsroom.first.id}"})
    assert page_cache.fresh_entry_in(app, key) is None
    assert local.get(key) is None


def _bump_in_child(path, names):
    from services.generations import file_generations

    file_generations(path).bump(names)


def test_a_local_entry_whose_generations_changed_in_another_process_is_not_served(
    client, app, newsroom
):
    """What another worker saves reaches this worker's memory through the mapped file."""
    import multiprocessing

    warm(client, "/article/sommet", "/article/piece")
    path = app.config["PAGE_CACHE_GENERATIONS_FILE"]
    other_worker = multiprocessing.get_context("fork").Process(
        target=_bump_in_child, args=(path, [f"article:{newsroom.first.id}", "any"])
    )
    other_worker.start()
    other_worker.join(30)
    assert other_worker.exitcode == 0
    assert page_cache_state(client.get("/article/sommet")) == "miss"
    assert page_cache_state(client.get("/article/piece")) == "hit"


def test_head_and_conditional_hits_are_answered_by_the_fast_path(client, newsroom):
    full = client.get("/article/sommet")
    head = client.head("/article/sommet")
    assert page_cache_state(head) == "hit" and head.data == b""
    assert head.headers["Content-Length"] == str(len(full.data))
    since = client.get(
        "/article/sommet", headers={"If-Modified-Since": full.headers["Last-Modified"]}
    )
    assert (since.status_code, page_cache_state(since), since.data) == (304, "hit", b"")
    assert "Content-Type" not in since.headers and since.headers["ETag"] == full.headers["ETag"]
    refused = client.get("/article/sommet", headers={"If-Match": '"autre"',
                                                     "If-None-Match": full.headers["ETag"]})  # fmt: skip
    assert refused.status_code == 412


def test_a_hit_carries_the_headers_of_the_page_it_replays(client, demo):
    url = "/article/poutine-salue-le-soutien-nord-coreen-lors-d-un-sommet-a-pyongyang"
    miss, hit = client.get(url), client.get(url)
    assert page_cache_state(hit) == "hit"
    per_response = {"Date", "X-Page-Cache"}
    assert {k: v for k, v in hit.headers if k not in per_response} == {
        k: v for k, v in miss.headers if k not in per_response
    }


# --------------------------------------------------------------------------- with Redis


@pytest.fixture
def redis_apps(database_url):
    """Two apps (two workers, or two instances) sharing the test Redis database."""
    import redis

    from app import create_app
    from tests.conftest import IsolatedClient, base_config, empty_all_tables
    from tests.test_instances import REDIS_URL, unavailable

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.flushdb()
    except redis.RedisError as error:
        unavailable(f"Redis at {REDIS_URL} is not usable: {error}")
    config = base_config(database_url) | {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": REDIS_URL}
    apps = create_app(config), create_app(config)
    for app in apps:
        app.test_client_class = IsolatedClient
    try:
        yield apps
    finally:
        for app in apps:
            with app.app_context():
                db.session.remove()
                empty_all_tables()
                db.engine.dispose()
        client.flushdb()
        client.close()


def test_with_redis_a_page_rendered_by_one_worker_is_served_by_another(redis_apps):
    first, second = redis_apps
    with first.app_context():
        article_id = make_article("Titre partagé", slug="partage").id
    assert page_cache_state(first.test_client().get("/article/partage")) == "miss"
    assert page_cache_state(second.test_client().get("/article/partage")) == "hit"  # from Redis
    assert len(second.extensions["page_cache_local"]) == 1  # now in its own memory
    with first.app_context():
        db.session.get(Article, article_id).headline = "Titre changé ailleurs"
        db.session.commit()
    response = second.test_client().get("/article/partage")  # its memory is stale
    assert page_cache_state(response) == "miss" and "Titre changé ailleurs" in response.text


def test_with_redis_down_pages_render(database_url):
    """A local entry cannot be checked without Redis: it is never served, the page renders."""
    from app import create_app
    from tests.conftest import IsolatedClient, base_config, empty_all_tables

    down = "redis://127.0.0.1:9/0"  # the discard port: nothing listens
    app = create_app(
        base_config(database_url) | {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": down}
    )
    app.test_client_class = IsolatedClient
    try:
        with app.app_context():
            make_article("Rendu sans Redis", slug="sans-redis")
        client = app.test_client()
        for _ in range(3):
            response = client.get("/article/sans-redis")
            assert response.status_code == 200 and "Rendu sans Redis" in response.text
            assert page_cache_state(response) == "miss"
        assert len(app.extensions["page_cache_local"]) == 0  # nothing kept unchecked
    finally:
        with app.app_context():
            db.session.remove()
            empty_all_tables()
            db.engine.dispose()
