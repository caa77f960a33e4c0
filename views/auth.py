"""Logging in and out. Public pages never need this: readers get no session at all."""

from __future__ import annotations

import re
from urllib.parse import unquote

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, Length, Regexp

from extensions import limiter
from models import db
from models.login_throttle import attempt_login
from models.user import EMAIL_MAX, PASSWORD_INPUT_MAX
from views.access import staff_links
from views.audit_trail import client_address
from views.forms import EmptyForm

bp = Blueprint("auth", __name__)

# Brute force is slowed per client address here, and per account by a growing delay
# (models/login_throttle.py).
LIMIT_PER_ADDRESS = "30 per 10 minutes"


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Adresse électronique"),
        validators=[
            DataRequired(_l("Indiquez votre adresse électronique.")),
            Length(max=EMAIL_MAX),
            # Control characters (NUL) are in no address, and PostgreSQL text cannot hold NUL.
            Regexp(
                r"[^\x00-\x1f\x7f]*\Z", message=_l("Cette adresse électronique n’est pas valide.")
            ),
        ],
    )
    password = PasswordField(
        _l("Mot de passe"),
        validators=[
            DataRequired(_l("Indiquez votre mot de passe.")),
            Length(max=PASSWORD_INPUT_MAX),
        ],
    )
    next = HiddenField()


# The longest `next` kept: a real path on this site is far shorter; anything longer is
# not a place someone was going.
NEXT_MAX = 2000
# A clean same-site path: "/" then RFC 3986 path, query and fragment characters, every
# "%" starting a two-digit escape. No space, control character (CR, LF, tab), backslash
# or non-ASCII character: browsers drop or rewrite those, so "/\tevil" or "/\\evil"
# could become "//evil", another site.
_CLEAN_PATH = re.compile(r"/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?#]|%[0-9A-Fa-f]{2})*\Z", re.ASCII)
# Once its escapes are decoded (up to three times: "%252F" is "%2F" is "/"), the path must
# still not start like another host ("//", "/\") nor hide a control character or "\".
_HIDDEN = re.compile(r"\A/[/\\]|[\x00-\x1f\x7f\\]")


def safe_next_url(target: object) -> str | None:
    """`target` if it is a clean path on this site, else None (the caller's default).

    The one rule for where a login may send the browser next (no open redirect, CWE-601,
    OWASP's Unvalidated Redirects cheat sheet; and no header a CR/LF could break): a str
    of at most NEXT_MAX characters, starting with one "/", made only of URL characters,
    and still a path on this site once percent-escapes are decoded.
    "/rubrique/france?page=2" passes; "//evil", "/" + backslash + "evil", "https:evil",
    a CR/LF or tab, "/%0d%0a", "/é" and 5,000 characters do not.
    """
    if not isinstance(target, str) or len(target) > NEXT_MAX or not _CLEAN_PATH.match(target):
        return None
    decoded = target
    for _ in range(3):
        decoded = unquote(decoded)
        if _HIDDEN.search(decoded):
            return None
    return target


@bp.route("/connexion", methods=["GET", "POST"])
@limiter.limit(LIMIT_PER_ADDRESS, methods=["POST"])
def login():
    """The login form; on success, back to where the user was going."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next_url(request.args.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next_url(form.next.data) or url_for("reading.front_page"))
    failed = False
    if form.validate_on_submit():
        attempt = attempt_login(form.email.data, form.password.data, ip=client_address())
        if attempt.wait_seconds:
            return render_template("auth/login.html", form=form, wait=attempt.wait_seconds), 429
        if attempt.user:
            session.clear()  # a fresh session at login: nothing carried over
            session.permanent = True
            login_user(attempt.user)
            return redirect(safe_next_url(form.next.data) or url_for("reading.front_page"))
        failed = True
    status = 401 if failed else (422 if form.errors else 200)
    return render_template("auth/login.html", form=form, failed=failed), status


@bp.post("/deconnexion")
@login_required
def logout():
    """Log out everywhere: every copy of this account's session cookie stops working."""
    form = EmptyForm()
    if form.validate_on_submit():
        current_user.end_all_sessions()
        db.session.commit()
        logout_user()
        session.clear()
    return redirect(url_for("reading.front_page"))


def staff_navigation():
    return {"logout_form": EmptyForm, "staff_links": staff_links}
