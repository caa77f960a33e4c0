"""Tag pages, feeds and sitemap: what readers and crawlers see of a tag (issue 14)."""

from datetime import timedelta

import feedparser

from models import Tag, TagRedirect, db
from models.time import utcnow
from tests.factories import make_article


def _tagged(tag, headline, **fields):
    article = make_article(headline, status="published", **fields)
    article.set_tags([tag])
    db.session.commit()
    return article


def test_a_tag_page_lists_its_live_articles_newest_first(app, client):
    tag = Tag(name="Corée du Nord", slug="coree-du-nord", description="La péninsule.")
    db.session.add(tag)
    now = utcnow()
    _tagged(tag, "Plus ancien", published_at=now - timedelta(days=2))
    _tagged(tag, "Plus récent", published_at=now - timedelta(days=1))
    _tagged(tag, "Programmé", published_at=now + timedelta(days=1))
    make_article("Sans sujet", status="published", published_at=now)
    db.session.commit()

    page = client.get("/sujet/coree-du-nord").get_data(as_text=True)

    assert page.index("Plus récent") < page.index("Plus ancien")
    assert "Programmé" not in page and "Sans sujet" not in page
    assert "La péninsule." in page
    assert 'rel="canonical" href="http://' in page and "/sujet/coree-du-nord/flux.rss" in page


def test_a_tag_without_live_articles_is_404_and_an_old_slug_moves(app, client):
    tag = Tag(name="Russie", slug="russie")
    db.session.add(tag)
    db.session.commit()
    assert client.get("/sujet/russie").status_code == 404
    assert client.get("/sujet/inconnu").status_code == 404

    _tagged(tag, "Un article", published_at=utcnow() - timedelta(hours=1))
    db.session.add(TagRedirect(old_slug="ancienne-russie", tag_id=tag.id))
    db.session.commit()
    moved = client.get("/sujet/ancienne-russie")
    assert moved.status_code == 301 and moved.headers["Location"].endswith("/sujet/russie")
    feed = client.get("/sujet/ancienne-russie/flux.atom")
    assert feed.status_code == 301 and feed.headers["Location"].endswith("/sujet/russie/flux.atom")


def test_tag_feeds_and_sitemap(app, client):
    tag = Tag(name="Diplomatie", slug="diplomatie")
    db.session.add(tag)
    _tagged(tag, "Sommet à Pyongyang", published_at=utcnow() - timedelta(hours=1))
    for kind in ("rss", "atom"):
        parsed = feedparser.parse(client.get(f"/sujet/diplomatie/flux.{kind}").data)
        assert not parsed.bozo, parsed.bozo_exception
        assert [entry.title for entry in parsed.entries] == ["Sommet à Pyongyang"]
    index = client.get("/sitemap.xml").get_data(as_text=True)
    assert "/sitemaps/sujets.xml" in index
    assert "/sujet/diplomatie</loc>" in client.get("/sitemaps/sujets.xml").get_data(as_text=True)


def test_tag_pages_follow_publication_changes(app, client):
    """The article_tag copy of published_at follows unpublish and republish."""
    tag = Tag(name="Ukraine", slug="ukraine")
    db.session.add(tag)
    article = _tagged(tag, "Front de l’Est", published_at=utcnow() - timedelta(hours=3))
    assert client.get("/sujet/ukraine").status_code == 200
    article.unpublish()
    db.session.commit()
    assert client.get("/sujet/ukraine").status_code == 404
    article.publish()
    db.session.commit()
    assert article.published_at == article.first_published_at
    assert "Front de l’Est" in client.get("/sujet/ukraine").get_data(as_text=True)


def test_a_tag_only_on_unpublished_articles_has_no_feed(app, client):
    """An embargoed story's tag must not show its name to whoever guesses the address."""
    tag = Tag(name="Ghana", slug="ghana")
    db.session.add(tag)
    draft = make_article("Cacao : l’enquête", status="draft", published_at=None)
    draft.set_tags([tag])
    scheduled = make_article("Cacao, demain", published_at=utcnow() + timedelta(days=1))
    scheduled.set_tags([tag])
    db.session.commit()
    for url in ("/sujet/ghana", "/sujet/ghana/flux.rss", "/sujet/ghana/flux.atom"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Ghana" not in response.get_data(as_text=True), url
    assert "ghana" not in client.get("/sitemaps/sujets.xml").get_data(as_text=True)


def test_rss_channel_link_is_the_page_and_summaries_are_typeset(app, client):
    tag = Tag(name="Diplomatie", slug="diplomatie")
    db.session.add(tag)
    _tagged(
        tag,
        "L'accord signé",
        standfirst="Il l'a dit... enfin",
        published_at=utcnow() - timedelta(hours=1),
    )
    for url, page in (("/flux.rss", "/"), ("/sujet/diplomatie/flux.rss", "/sujet/diplomatie")):
        parsed = feedparser.parse(client.get(url).data)
        assert parsed.feed.link == "http://localhost" + page or parsed.feed.link.endswith(page)
        assert not parsed.feed.link.endswith(".rss")
        entry = parsed.entries[0]
        assert entry.title == "L’accord signé"
        assert entry.summary == "Il l’a dit… enfin"
