"""Logging in and out, the first administrator, and the staff bar's view switch. Public
pages never need this: readers get no session at all.

The first run (models/setup_link.py): while no administrator can log in, the console
prints a one-time link to /premier-compte/<token>, where the first administrator is
created and logged in. The view switch (/redaction/affichage) remembers, per account,
whether articles show their edit controls ("Modifier la page") or look exactly as
readers see them ("Voir comme un lecteur").

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
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms import EmailField, HiddenField, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Regexp, ValidationError

from extensions import limiter
from models import Article, audit, db, setup_link
from models.login_throttle import Device, attempt_login
from models.setup_link import LinkState, SetupLinkRefused
from models.sponsorship import OutboxMessage
from models.user import (
    DISPLAY_NAME_MAX,
    EMAIL_MAX,
    MIN_PASSWORD_LENGTH,
    PASSWORD_INPUT_MAX,
    User,
    normalise_email,
    password_problem,
)
from services import outbox
from views.access import staff_links
from views.audit_trail import client_address
from views.forms import EmptyForm, Form
from views.htmx import article_url, wants_fragment

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


# --------------------------------------------------------------------------- first run


class FirstAdminForm(Form):
    """The first administrator: a name, an address and a password (the usual policy)."""

    display_name = StringField(
        _l("Votre nom"),
        validators=[DataRequired(_l("Indiquez votre nom.")), Length(max=DISPLAY_NAME_MAX)],
    )
    email = EmailField(
        _l("Adresse électronique"),
        validators=[
            DataRequired(_l("Indiquez votre adresse électronique.")),
            Email(_l("Cette adresse électronique n’est pas valide.")),
            Length(max=EMAIL_MAX),
        ],
    )
    password = PasswordField(
        _l("Mot de passe"),
        validators=[
            DataRequired(_l("Choisissez un mot de passe.")),
            Length(max=PASSWORD_INPUT_MAX),
        ],
    )

    def validate_email(self, field):
        if User.email_taken(field.data):  # the demo's author, for one
            raise ValidationError(_l("Un compte existe déjà pour cette adresse."))

    def validate_password(self, field):
        problem = password_problem(field.data, normalise_email(self.email.data or ""))
        if problem:
            raise ValidationError(problem)


# Why a first-run link opens no form, and the status that says it: a link never issued
# is not found; one that expired, was used, or outlived the site's first run is gone.
REFUSED_STATUS = {
    LinkState.UNKNOWN: 404,
    LinkState.EXPIRED: 410,
    LinkState.USED: 410,
    LinkState.SETTLED: 410,
}


@bp.route("/premier-compte/<token>", methods=["GET", "POST"])
@limiter.limit(LIMIT_PER_ADDRESS, methods=["POST"])
def first_admin(token: str):
    """Create the first administrator from the console's one-time link, then log them in
    on the demo article (models/setup_link.py has the rules).

    A link that is not valid (unknown 404; expired, used, or an administrator exists:
    410) gets a page saying so and what to do, with no form. A form with errors comes
    back with what was typed (never the password), 422.
    """
    state = setup_link.state_of(token)
    if state != LinkState.VALID:
        return _link_refused(state)
    form = FirstAdminForm()
    if form.validate_on_submit():
        try:
            admin = setup_link.create_first_admin(
                token, form.email.data, form.display_name.data, form.password.data
            )
            db.session.flush()  # the account's id, for the journal
            audit.record(
                "auth.first_admin",
                user_id=admin.id,
                target=f"compte:{admin.id}",
                ip=client_address(),
            )
            db.session.commit()
        except SetupLinkRefused as refusal:  # used or settled by a request just before
            db.session.rollback()
            return _link_refused(refusal.state)
        except (ValueError, IntegrityError) as error:  # the address, taken meanwhile
            db.session.rollback()
            state = setup_link.state_of(token)
            if state != LinkState.VALID:
                return _link_refused(state)
            message = str(error) if isinstance(error, ValueError) else ""
            form.email.errors.append(message or _("Un compte existe déjà pour cette adresse."))
        else:
            session.clear()  # a fresh session at login: nothing carried over
            session.permanent = True
            login_user(admin)
            response = redirect(_first_page(), 303)
            give_device_cookie(response, admin)
            return response
    return render_template(
        "auth/first_admin.html", form=form, state=state, min_length=MIN_PASSWORD_LENGTH
    ), 422 if form.errors else 200


def _link_refused(state: LinkState):
    return render_template("auth/first_admin.html", form=None, state=state), REFUSED_STATUS[state]


def _first_page() -> str:
    """Where the first administrator lands: the demo article, where the "Modifier" buttons
    are (the site's first article, which `flask demo load` creates), else the dashboard."""
    article = db.session.scalar(select(Article).order_by(Article.id).limit(1))
    return article_url(article) if article is not None else url_for("editor.dashboard")


# --------------------------------------------------------------------------- view switch

READER = "lecteur"
EDITOR = "edition"


class ViewSwitchForm(Form):
    """The staff bar's switch: "lecteur" (articles as readers see them) or "edition"."""

    view = RadioField(
        choices=[
            SelectChoice(READER, _l("Voir comme un lecteur")),
            SelectChoice(EDITOR, _l("Modifier la page")),
        ]
    )
    next = HiddenField()


@bp.post("/redaction/affichage")
@login_required
def reader_view():
    """Remember the account's choice, then show the page again: htmx reloads it where it
    was (the article's controls and their styles and scripts come and go with it); a
    browser without JavaScript is sent back to `next` (a path on this site), 303.

    A missing or unknown choice changes nothing: 422.
    """
    form = ViewSwitchForm()
    if not form.validate_on_submit():
        return render_template("errors/error.html", code=422), 422
    current_user.reader_view = form.view.data == READER
    db.session.commit()
    if wants_fragment():
        return "", 204, {"HX-Refresh": "true"}
    return redirect(safe_next_url(form.next.data) or url_for("editor.dashboard"), 303)
