"""Logging in and out. Public pages never need this: readers get no session at all."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, Length, Regexp

from extensions import limiter
from models import db
from models.login_throttle import attempt_login
from models.user import EMAIL_MAX, PASSWORD_INPUT_MAX
from views.access import staff_links
from views.audit_trail import client_address
from views.forms import EmptyForm, Form

bp = Blueprint("auth", __name__)

# Brute force is slowed per client address here, and per account by a growing delay
# (models/login_throttle.py).
LIMIT_PER_ADDRESS = "30 per 10 minutes"


class LoginForm(Form):
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


def safe_next_url(target: str | None) -> str | None:
    """Only a path on this site: never an open redirect to another host."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
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
