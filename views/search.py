"""The search page: a GET form that works without JavaScript, and htmx active search."""

import re

from flask import Blueprint, abort, render_template, request

from models.tag import Tag
from services import search
from views.htmx import wants_fragment
from views.pages import requested_page

bp = Blueprint("search", __name__)
# What a tag's slug may be (models.slugs): anything else is no narrowing, never a query.
SLUG = re.compile(r"[a-z0-9-]{1,100}", re.ASCII)


@bp.get("/recherche")
def results():
    """Live articles matching ?q=, best first; htmx asks for the results region only.
    ?sujet=<slug> narrows them to one tag's articles (an unknown slug: no narrowing)."""
    page = requested_page()
    if page > search.MAX_PAGE:
        abort(404)
    slug = request.args.get("sujet", "")
    tag = Tag.by_slug(slug) if SLUG.fullmatch(slug) else None
    found = search.search(request.args.get("q", ""), page=page, tag=tag)
    if page > 1 and not found.results:
        abort(404)  # past the last page of results
    template = "search/_results.html" if wants_fragment() else "search/results.html"
    response = render_template(template, found=found, max_length=search.MAX_QUERY_LENGTH)
    return response, {"Vary": "HX-Request"}
