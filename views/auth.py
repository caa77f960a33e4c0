"""Logging in and out. Public pages never need this: readers get no session at all.

A successful login also gives the browser a device cookie (OWASP's "device cookies",
models/login_throttle.py): signed, naming the account, HttpOnly, SameSite=Lax, Secure and
`__Host-` over HTTPS, set by the login response only. With it, the account's owner logs in
from this browser even while someone elsewhere guesses at the address.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from urllib.parse import unquote

from flask import (
    Blueprint,
    Response,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from itsdangerous import BadData, URLSafeTimedSerializer
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, Length, Regexp

from extensions import limiter
from models import db
from models.login_throttle import Device, attempt_login
from models.sponsorship import OutboxMessage
from models.user import EMAIL_MAX, PASSWORD_INPUT_MAX, User
from services import outbox
from views.access import staff_links
from views.audit_trail import client_address
from views.forms import EmptyForm, Form

bp = Blueprint("auth", __name__)

# Brute force is slowed per client address here, and per account by a growing delay
# (models/login_throttle.py).
LIMIT_PER_ADDRESS = "30 per 10 minutes"
# How long a browser stays known after a login (the cookie's age is also checked on reading).
DEVICE_COOKIE_MAX_AGE = timedelta(days=180)


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
    for _decoding in range(3):
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
        return redirect(safe_next_url(form.next.data) or url_for("editor.dashboard"))
    failed = False
    if form.validate_on_submit():
        alerts: list[OutboxMessage] = []
        attempt = attempt_login(
            form.email.data,
            form.password.data,
            ip=client_address(),
            device=read_device_cookie(),
            alert=lambda owner: alerts.append(queue_login_alert(owner)),
        )
        outbox.send_soon([message.id for message in alerts])
        if attempt.wait_seconds:
            return render_template("auth/login.html", form=form, wait=attempt.wait_seconds), 429
        if attempt.user:
            session.clear()  # a fresh session at login: nothing carried over
            session.permanent = True
            login_user(attempt.user)
            response = redirect(safe_next_url(form.next.data) or url_for("editor.dashboard"))
            give_device_cookie(response, attempt.user)
            return response
        failed = True
    status = 401 if failed else (422 if form.errors else 200)
    return render_template("auth/login.html", form=form, failed=failed), status


def device_cookie_name() -> str:
    """`__Host-gazette-device` over HTTPS (Secure, Path=/, no Domain: this host only),
    `gazette-device` otherwise; never containing "session=", which the page cache and
    nginx read as a logged-in user."""
    return "__Host-gazette-device" if _over_https() else "gazette-device"


def _over_https() -> bool:
    return bool(current_app.config.get("SESSION_COOKIE_SECURE"))


def _device_cookies() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="login-device")


def give_device_cookie(response: Response, user: User) -> None:
    """Set a new device cookie for `user` on the login response: [account id, random
    nonce], signed with SECRET_KEY, valid DEVICE_COOKIE_MAX_AGE. A new nonce at each
    login, so a cookie that failed too often is replaced by the next success."""
    response.set_cookie(
        device_cookie_name(),
        _device_cookies().dumps([user.id, secrets.token_urlsafe(16)]),
        max_age=int(DEVICE_COOKIE_MAX_AGE.total_seconds()),
        path="/",
        secure=_over_https(),
        httponly=True,
        samesite="Lax",
    )


def read_device_cookie() -> Device | None:
    """The request's device cookie if it is genuine and not too old, else None."""
    raw = request.cookies.get(device_cookie_name())
    if not raw:
        return None
    try:
        user_id, nonce = _device_cookies().loads(
            raw, max_age=int(DEVICE_COOKIE_MAX_AGE.total_seconds())
        )
    except (BadData, ValueError, TypeError):
        return None
    if type(user_id) is not int or not isinstance(nonce, str) or not nonce:
        return None
    return Device(user_id, nonce)


def queue_login_alert(owner: User) -> OutboxMessage:
    """The owner's e-mail about repeated failed logins, in their language (the site's by
    default, French): what happened and what to do; no link, no secret. Queued in the
    caller's transaction (models.login_throttle.attempt_login commits it)."""
    with force_locale(owner.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = _(
            "%(site)s : tentatives de connexion à votre compte",
            site=current_app.config["SITE_NAME"],
        )
        body = render_template("auth/email/login_alert.txt", user=owner)
    return outbox.queue(
        purpose="login_alert", to_address=owner.email, subject=subject[:300], body=body
    )


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
    """The staff bar's links (auth/_account_bar.html), on every page."""
    return {"staff_links": staff_links}
