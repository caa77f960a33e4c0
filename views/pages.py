"""Small helpers shared by views: page numbers and 404s."""

from flask import abort, request

# Beyond this a page number is junk, not a real archive page (and would overflow OFFSET).
MAX_PAGE = 100_000


def requested_page() -> int:
    """The ?page= number, 1 when absent; anything malformed or out of range is a 404."""
    raw = request.args.get("page")
    if raw is None:
        return 1
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        abort(404)
    return int(raw)


def or_404(value):
    if value is None:
        abort(404)
    return value
