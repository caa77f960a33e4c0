"""Who may do what: one place for the rule (which requests want a fragment: views.htmx)."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from werkzeug.exceptions import Gone


def editor_required(view):
    """Logged in as an editor or admin; anyone else gets a 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_editor:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def admin_required(view):
    """Logged in as an admin; anyone else gets a 403."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def require_can_edit(article) -> None:
    """Abort with 403 unless the current user may edit this article; with 410 if it is in
    the trash (nothing in it may change until it is restored: errors/error.html says so)."""
    if not (current_user.is_authenticated and current_user.can_edit(article)):
        abort(403)
    if article.is_trashed:
        raise InTrash()


class InTrash(Gone):
    """410 for a change to an article in the trash: the error page tells its editor why."""

    in_trash = True


# Links in the staff account bar, registered by each blueprint that has a staff page:
# (endpoint, label, who sees it). The label may be a callable, for counts and badges.
_STAFF_LINKS: list[tuple[str, object, object]] = []


def register_staff_link(endpoint: str, label, visible_to=lambda user: True) -> None:
    if all(existing[0] != endpoint for existing in _STAFF_LINKS):
        _STAFF_LINKS.append((endpoint, label, visible_to))


def staff_links() -> list[tuple[str, object]]:
    if not current_user.is_authenticated:
        return []
    return [
        (endpoint, label() if callable(label) else label)
        for endpoint, label, visible_to in _STAFF_LINKS
        if visible_to(current_user)
    ]
