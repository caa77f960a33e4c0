"""The search page: a GET form that works without JavaScript, and htmx active search."""

from flask import Blueprint, abort, render_template, request

from services import search
from views.htmx import wants_fragment
from views.pages import requested_page

bp = Blueprint("search", __name__)


@bp.get("/recherche")
def results():
    """Live articles matching ?q=, best first; htmx asks for the results region only."""
    page = requested_page()
    if page > search.MAX_PAGE:
        abort(404)
    found = search.search(request.args.get("q", ""), page=page)
    if page > 1 and not found.results:
        abort(404)  # past the last page of results
    template = "search/_results.html" if wants_fragment() else "search/results.html"
    response = render_template(template, found=found, max_length=search.MAX_QUERY_LENGTH)
    return response, {"Vary": "HX-Request"}
